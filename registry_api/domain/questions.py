"""Chat questions, in French or English, turned into structured registry queries.

The Slack bot answers free-text questions such as "who receives connection data?", "qui héberge nos
données hors UE ?" or "where is Nimbus Cloud?". This module is the only place that reads such text: it is
pure (no I/O, no database), never raises, and returns a `Question` whose codes are always valid registry
codes, so the caller can query without re-validating anything.

Matching works on words, not substrings: the text is normalised (Slack markup removed, NFKD, combining
marks stripped, case-folded), split into words, French articles are dropped and a light plural stemmer is
applied; the same pipeline is applied to every phrase of the lookup tables, so both sides always agree.
The longest phrase wins at each position ("sécurité sociale" is the NIR, not security; "Royaume-Uni" is
GB, not "Uni"), and a matched word is consumed so that it counts once.

Decisions worth knowing:

- Payments: a payment *service* ("payment provider", "prestataire de paiement", "who processes
  payments", "traitement des paiements") is the recipient kind `billing_payment`; payment or billing
  *data* ("billing data", "données de facturation", "paiement", "bank details") is the data category
  `economic_financial`.
- "location" / "localisation" alone are not the location data category: in a transfer registry they
  mostly mean where data is processed ("processing location", "localisation des données"); only
  "location data", "données de localisation", "géolocalisation", "GPS"... are the category.
- "name" / "nom" alone are not the identity category ("domain name", "au nom de", "the name of"); only
  unambiguous phrases are ("first name", "nom et prénom", "nom de famille", "état civil"...). An e-mail
  *address* is identity data, while "email" / "mailing" alone is the `email_delivery` kind.
- Two-letter country codes count only when typed in upper case as a standalone word ("US", "IN"), never
  when the whole message is shouted, and never for codes that are everyday abbreviations (IT, ID, HR, CV,
  AI, SA...). "us" and "in" in lower case are English words; "the US", "USA", "U.S." are the US.
- A "where" question names a recipient, so it carries no filter; a would-be recipient that is only
  filter words or generic words ("where is health data stored?", "where are our subprocessors?") is not a
  recipient, and the question is read as a filtered "who" question (or "unknown") instead.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, NamedTuple

import pycountry
from babel import Locale

from registry_api.domain.enums import RecipientKind
from registry_api.domain.reference import data_categories, is_known_country

Intent = Literal["who", "where", "help", "unknown"]
Lang = Literal["fr", "en"]
Field = Literal["category", "kind", "country", "outside_eea", "sensitive", "none"]

# Chat questions are short; capping the length (and the length of a recipient name in the "where"
# patterns) bounds the work on a pasted novel to a few milliseconds, a question takes ~0.1 ms.
MAX_CHARS = 1000


@dataclass(frozen=True)
class Question:
    """What the user asked, as the registry can query it; empty filters mean "no restriction"."""

    intent: Intent
    lang: Lang
    data_categories: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    outside_eea: bool = False
    kinds: tuple[str, ...] = ()
    sensitive_only: bool = False
    recipient: str | None = None


class _Token(NamedTuple):
    """One word: `orig` as typed (accents stripped, case kept, for country codes), `norm` folded."""

    orig: str
    norm: str


class _Target(NamedTuple):
    field: Field
    value: str = ""


@dataclass(frozen=True)
class _Lexicon:
    phrases: dict[tuple[str, ...], _Target]
    max_len: int


@dataclass
class _Matches:
    """What one scan of the words found, in order of appearance, plus the words nothing claimed."""

    categories: list[str]
    kinds: list[str]
    countries: list[str]
    outside_eea: bool
    sensitive: bool
    leftover: list[str]

    def has_filters(self) -> bool:
        return bool(self.categories or self.kinds or self.countries or self.outside_eea or self.sensitive)


# --------------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------------

_SLACK_LINK = re.compile(r"<(?![@#!])[^<>|]*\|([^<>]*)>")  # a link keeps its label, a mention does not
_SLACK_ANGLE = re.compile(r"<[^<>]*>")
_SLACK_EMOJI = re.compile(r":[a-z0-9_+\-]+:")
_SLACK_MARKS = re.compile(r"[*~`]+|(?<!\w)_+|_+(?!\w)")
_WORD = re.compile(r"[^\W_]+")
_SPACES = re.compile(r"\s+")

# French articles and contractions carry no meaning for matching ("données de santé" = "données santé")
# and are written or omitted at random; "the" is kept because "the US" is the only safe lower-case US.
_FILLERS = frozenset({"de", "des", "du", "d", "la", "le", "les", "l", "a", "au", "aux"})


def _strip_marks(text: str) -> str:
    if text.isascii():
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _clean(text: str) -> str:
    """The text without Slack markup (mentions, links, emoji codes, *bold*/_italic_/~strike~/`code`)."""
    text = unicodedata.normalize("NFC", text[:MAX_CHARS])
    text = _SLACK_LINK.sub(r" \1 ", text)
    text = _SLACK_ANGLE.sub(" ", text)
    text = html.unescape(text)
    text = _SLACK_EMOJI.sub(" ", text)
    text = _SLACK_MARKS.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def _tokens(text: str) -> list[_Token]:
    """Words of already cleaned text; case folding is done after stripping and stripped again (İ)."""
    return [
        _Token(orig=word, norm=word.lower() if word.isascii() else _strip_marks(word.casefold()))
        for word in _WORD.findall(_strip_marks(text))
    ]


def _stem(word: str) -> str:
    """A crude singular, enough to make lookups plural-insensitive in both languages.

    It only has to be consistent, not linguistically right, since the tables go through it too.
    """
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("eaux"):
        word = word[:-1]
    elif word.endswith("aux") and len(word) > 4:
        word = word[:-3] + "al"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    # "country"/"countries" and "catégorie"/"catégories" meet on "-ie".
    if word.endswith("y") and len(word) > 3:
        word = word[:-1] + "ie"
    return word


def _keys(tokens: Iterable[_Token], codes: bool = False) -> list[tuple[str, _Token]]:
    """The lookup key of each meaningful word, with the word it came from.

    With `codes`, an upper-case article that is a country code is kept ("who is in DE?").
    """
    return [(_stem(tok.norm), tok) for tok in tokens if tok.norm not in _FILLERS or (codes and _code(tok) is not None)]


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(key for key, _ in _keys(_tokens(text)))


# --------------------------------------------------------------------------------------------------------
# Lookup tables
# --------------------------------------------------------------------------------------------------------

_CATEGORY_WORDS: dict[str, str] = {
    "identity": (
        "identity | identité | état civil | civil status | identification | identification data | "
        "données d'identification | identifiant | identifier | image | photo | picture | portrait | "
        "first name | last name | full name | surname | prénom | nom et prénom | nom prénom | "
        "nom de famille | date of birth | date de naissance | email address | e-mail address | "
        "adresse email | adresse e-mail | adresse mail | adresse électronique | phone number | "
        "numéro de téléphone | téléphone | contact details | coordonnées | postal address | "
        "adresse postale | id card | carte d'identité | passport | passeport"
    ),
    "economic_financial": (
        "billing | billing data | facturation | données de facturation | invoice | facture | payment | "
        "paiement | payment data | données de paiement | financial | finance | financier | financière | "
        "economic | économique | economic and financial | bank | banking | bancaire | bank details | "
        "bank account | compte bancaire | coordonnées bancaires | rib | iban | credit card | "
        "carte bancaire | carte de crédit | salary | salaire | payroll | fiche de paie | income | revenus | "
        "tax | fiscal | fiscale | impôts"
    ),
    "professional_life": (
        "professional | professional life | professionnel | professionnelle | vie professionnelle | job | "
        "job title | career | carrière | cv | curriculum | employment | emploi | work history | "
        "parcours professionnel | hr | rh | human resources | ressources humaines | diplôme | diploma"
    ),
    "connection": (
        "connection | connexion | connection data | données de connexion | log | ip | ip address | "
        "adresse ip | adresses ip | journaux de connexion | login | identifiants de connexion | "
        "login credentials | données de navigation | browsing data | traffic data | données de trafic | "
        "user agent"
    ),
    "personal_life": (
        "personal life | vie personnelle | habits | habitudes de vie | lifestyle | mode de vie | "
        "family situation | situation familiale | family life | vie familiale | hobbies | loisirs"
    ),
    "location": (
        "location data | données de localisation | geolocation | géolocalisation | geolocalization | "
        "geo-location | gps | coordonnées gps | gps coordinates | geographic data | données géographiques"
    ),
    "racial_ethnic_origin": (
        "racial | raciale | racial origin | origine raciale | race | ethnic | ethnique | ethnicity | "
        "ethnic origin | origine ethnique | racial or ethnic origin | origine raciale ou ethnique"
    ),
    "political_opinions": (
        "political | political opinion | political views | opinion politique | affiliation politique | "
        "appartenance politique | political affiliation"
    ),
    "religious_beliefs": (
        "religion | religious | religieuse | religieux | religious beliefs | convictions religieuses | "
        "philosophical beliefs | convictions philosophiques | croyances | beliefs"
    ),
    "trade_union": (
        "trade union | trade-union membership | union membership | union member | union | labor union | "
        "labour union | syndicat | syndical | syndicale | appartenance syndicale"
    ),
    "genetic": "genetic | génétique | dna | adn | genome",
    "biometric": (
        "biometric | biométrique | biometry | biométrie | biometric identification | "
        "identification biométrique | données biométriques aux fins d'identification | fingerprint | "
        "empreinte digitale | facial recognition | reconnaissance faciale"
    ),
    "health": (
        "health | health data | santé | données de santé | medical | médicale | healthcare | "
        "medical records | dossier médical"
    ),
    "sex_life": (
        "sex life | sexual life | sexual orientation | orientation sexuelle | vie sexuelle | sexual | sexuel | sexuelle"
    ),
    "criminal": (
        "criminal | criminelle | criminal convictions | criminal record | casier judiciaire | "
        "condamnation | condamnations pénales | pénal | pénale | infraction | offence | offense"
    ),
    "nir": (
        "nir | social security | social security number | sécurité sociale | numéro de sécurité sociale | "
        "numéro de sécu | sécu | ssn | insee number | numéro insee"
    ),
}

_KIND_WORDS: dict[RecipientKind, str] = {
    RecipientKind.hosting: (
        "host | hosting | hosted | hoster | hosting provider | héberge | hébergent | hébergée | héberger | "
        "hébergement | hébergeur | datacenter | data center | data centre | colocation | server colocation"
    ),
    RecipientKind.network_cdn: (
        "cdn | content delivery | content delivery network | réseau de diffusion de contenu | "
        "diffusion de contenu | network operator | opérateur réseau | telecom | telecommunications"
    ),
    RecipientKind.security: (
        "security | sécurité | cybersecurity | cybersécurité | it security | sécurité informatique | "
        "antivirus | firewall | pare-feu | waf | ddos | anti-ddos"
    ),
    RecipientKind.billing_payment: (
        "payment provider | payment processor | payment processing | payment service | "
        "payment service provider | payment gateway | psp | process payments | processing payments | "
        "handle payments | billing provider | billing and payment processing | prestataire de paiement | "
        "fournisseur de paiement | traitement des paiements | traite les paiements | "
        "traitent les paiements | gère les paiements | gèrent les paiements | passerelle de paiement | "
        "traitement de facturation et paiement"
    ),
    RecipientKind.domain_registrar: (
        "registrar | domain registrar | domain name | nom de domaine | bureau d'enregistrement | dns"
    ),
    RecipientKind.fraud_prevention: (
        "fraud | fraude | anti-fraud | antifraud | antifraude | anti-fraude | fraud prevention | "
        "fraud detection | prévention des fraudes | détection des fraudes"
    ),
    RecipientKind.web_analytics: (
        "analytics | web analytics | analyse web | audience | mesure d'audience | audience measurement | "
        "analytique | web statistics | statistiques web | tracking"
    ),
    RecipientKind.email_delivery: (
        "email | e-mail | mail | emailing | mailing | courriel | newsletter | email delivery | "
        "distribution d'e-mails | envoi d'e-mails | envoi d'emails | smtp | transactional email"
    ),
    RecipientKind.session_remote_access: (
        "session recording | session replay | enregistrement de session | remote access | "
        "accès à distance | accès distant | remote control | remote support | prise en main à distance | "
        "télémaintenance | téléassistance | screen sharing | partage d'écran"
    ),
    RecipientKind.performance_monitoring: (
        "monitoring | performance | performance monitoring | performance measurement | "
        "mesure des performances | apm | supervision | observability | observabilité | uptime"
    ),
    RecipientKind.content_provider: (
        "content | contenu | content provider | content provision | fournisseur de contenu | fourniture de contenu"
    ),
    RecipientKind.legal_financial_advisor: (
        "lawyer | avocat | attorney | legal counsel | legal advisor | legal adviser | conseil juridique | "
        "conseiller juridique | accountant | expert-comptable | auditor | auditeur | "
        "commissaire aux comptes | financial advisor | financial adviser | conseiller financier | notaire | "
        "notary"
    ),
    RecipientKind.group_entity: (
        "group | groupe | visiativ | group entity | group company | entité du groupe | société du groupe | "
        "filiale | subsidiary | affiliate"
    ),
    RecipientKind.partner: "partner | partenaire | partner entities",
    RecipientKind.authority: (
        "authority | autorité | autorités administratives | autorités judiciaires | tax authority | "
        "administration fiscale | regulator | régulateur | police | court | tribunal | government | "
        "gouvernement | cnil"
    ),
}

_SENSITIVE_WORDS = (
    "sensitive | sensitive data | sensible | données sensibles | special category | "
    "special category data | catégorie particulière | article 9 | art 9"
)

_OUTSIDE_LEADS = (
    "outside | outside of | out of | beyond | not in | hors | en dehors | dehors | non | extra | pas dans | "
    "ailleurs que"
)
_OUTSIDE_REGIONS = (
    "eu | e.u. | ue | eea | eee | europe | european union | union européenne | european economic area | "
    "espace économique européen"
)
_OUTSIDE_WORDS = (
    "third country | pays tiers | non-european | non européen | non européenne | extra-european | "
    "extra-européen | extra-européenne | hors europe | non-eea | non-eu"
)

# Aliases beyond the pycountry/Babel names; they override any automatic entry.
_COUNTRY_ALIASES: dict[str, str] = {
    "US": (
        "usa | u.s. | the us | the usa | the u.s. | united states | the united states | "
        "united states of america | états-unis | états-unis d'amérique | america | amérique | american | "
        "américain | américaine"
    ),
    "GB": (
        "uk | u.k. | the uk | united kingdom | the united kingdom | royaume-uni | great britain | "
        "grande-bretagne | britain | british | britannique | england | angleterre | scotland | écosse | "
        "wales | pays de galles"
    ),
    "IN": "india | inde",
    "NL": "holland | hollande | the netherlands",
    "KR": "korea | corée | south korea | corée du sud",
    "AE": "uae | emirates | émirats",
    "TR": "turkey | turquie | türkiye",
    "CZ": "czech republic | république tchèque | czechia | tchéquie",
    "RU": "russia | russie",
    "CN": "china | chine",
    "MU": "île maurice",
    "RE": "île de la réunion | reunion island",
}

# Phrases consumed without meaning, so that their words cannot match something else.
_NEUTRAL_WORDS = (
    "european union | union européenne | the european union | location | localisation | "
    "processing location | storage location | data location | localisation des données | "
    "lieu de traitement | lieux de traitement | privacy policy | politique de confidentialité | "
    "south america | amérique du sud | latin america | latin american | amérique latine | "
    "north america | amérique du nord | central america | amérique centrale | personal data | "
    "données personnelles | name | nom"
)

# Automatic country names that are everyday words in one of the two languages ("La Réunion" is a
# meeting, "Chad"/"Jordan"/"Georgia" are first names more often than countries in a question).
_COUNTRY_NAME_STOPLIST = frozenset(
    {"reunion", "chad", "jordan", "georgia", "man", "jersey", "guernsey", "maurice", "dominique"}
)

# Upper-case two-letter tokens that are everyday abbreviations rather than country codes.
_CODE_STOPLIST = frozenset(
    {"AD", "AI", "AS", "BI", "CC", "CV", "GP", "HR", "ID", "IM", "IO", "IT", "MS", "PM", "PR", "PS", "RE"}
    | {"SA", "TM", "TV"}
)


def _split(words: str) -> list[str]:
    """The phrases of a table entry; tables are `|`-separated strings to stay compact and greppable."""
    return [word.strip() for word in words.split("|") if word.strip()]


def _country_names() -> Iterable[tuple[str, str]]:
    """(code, name) for every ISO country, from pycountry and from Babel's English and French names."""
    babel_names = [Locale.parse(lang).territories for lang in ("en", "fr")]
    for country in pycountry.countries:
        code = country.alpha_2
        if not is_known_country(code):
            continue
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name:
                yield code, name
        for names in babel_names:
            if code in names:
                yield code, names[code]


@cache
def _lexicon() -> _Lexicon:
    """Every phrase the parser knows, normalised like the questions are; built once per process."""
    phrases: dict[tuple[str, ...], _Target] = {}

    ambiguous: set[tuple[str, ...]] = set()
    for code, name in _country_names():
        key = _phrase(name)
        if not key or (len(key) == 1 and key[0] in _COUNTRY_NAME_STOPLIST):
            continue
        if key in phrases and phrases[key].value != code:
            ambiguous.add(key)
        phrases[key] = _Target("country", code)
    for key in ambiguous:
        del phrases[key]

    def add(field: Field, value: str, words: str | Iterable[str]) -> None:
        for word in _split(words) if isinstance(words, str) else words:
            key = _phrase(word)
            if key:
                phrases[key] = _Target(field, value)

    known = data_categories()
    for code, words in _CATEGORY_WORDS.items():
        if code not in known:
            raise ValueError(f"unknown data category in the question tables: {code}")
        add("category", code, words)
        add("category", code, [known[code].label_en, known[code].label_fr])
    for kind, words in _KIND_WORDS.items():
        add("kind", kind.value, words)
    add("sensitive", "", _SENSITIVE_WORDS)
    add("outside_eea", "", _OUTSIDE_WORDS)
    add(
        "outside_eea",
        "",
        (
            f"{lead} {article}{region}"
            for lead in _split(_OUTSIDE_LEADS)
            for article in ("", "the ")
            for region in _split(_OUTSIDE_REGIONS)
        ),
    )
    add("none", "", _NEUTRAL_WORDS)
    for code, words in _COUNTRY_ALIASES.items():
        if not is_known_country(code):
            raise ValueError(f"unknown country in the question tables: {code}")
        add("country", code, words)

    return _Lexicon(phrases=phrases, max_len=max(len(key) for key in phrases))


@cache
def _generic_keys() -> frozenset[str]:
    """Words that cannot name a recipient on their own ("where is our data?", "where are we?")."""
    words = (
        "the our my your their its this that these those it they them we you i me all every everything "
        "data info information servers server stored hosted located based kept processed situated "
        "personal customer customers client clients user users employee employees "
        "vendor vendors subprocessor subprocessors sub-processor processor processors supplier suppliers "
        "provider providers recipient recipients of for in on at to from by with and or "
        "et ou en sur pour avec dans par chez "
        "nos notre vos votre mes leurs ils elles nous vous je tout tous toutes ce cela ça ces "
        "données donnée informations serveurs stockées hébergées situées personnelles "
        "fournisseur fournisseurs sous-traitant sous-traitants prestataire prestataires destinataires"
    )
    return frozenset(_phrase(words))


# --------------------------------------------------------------------------------------------------------
# Scanning
# --------------------------------------------------------------------------------------------------------


def _is_shouting(tokens: Sequence[_Token]) -> bool:
    """An all-caps message of several words: its two-letter words ("DE", "IN") are not country codes."""
    letters = [tok.orig for tok in tokens if any(ch.isalpha() for ch in tok.orig)]
    return len(letters) >= 3 and not any(ch.islower() for word in letters for ch in word)


def _code(tok: _Token) -> str | None:
    word = tok.orig
    if len(word) == 2 and word.isascii() and word.isupper() and word not in _CODE_STOPLIST:
        return word if is_known_country(word) else None
    return None


def _scan(tokens: Sequence[_Token]) -> _Matches:
    """Greedy longest match, left to right, of the lexicon over the words; country codes as fallback."""
    lexicon = _lexicon()
    codes_allowed = not _is_shouting(tokens)
    keyed = _keys(tokens, codes=codes_allowed)
    keys = [key for key, _ in keyed]
    found = _Matches([], [], [], outside_eea=False, sensitive=False, leftover=[])
    lists: dict[Field, list[str]] = {
        "category": found.categories,
        "kind": found.kinds,
        "country": found.countries,
    }

    i = 0
    while i < len(keys):
        for length in range(min(lexicon.max_len, len(keys) - i), 0, -1):
            target = lexicon.phrases.get(tuple(keys[i : i + length]))
            if target is not None:
                break
        else:
            length = 1
            code = _code(keyed[i][1]) if codes_allowed else None
            target = _Target("country", code) if code else None
        if target is None:
            found.leftover.append(keys[i])
        elif target.field == "outside_eea":
            found.outside_eea = True
        elif target.field == "sensitive":
            found.sensitive = True
        elif target.field in lists and target.value not in lists[target.field]:
            lists[target.field].append(target.value)
        i += length
    return found


# --------------------------------------------------------------------------------------------------------
# "where is <recipient>?"
# --------------------------------------------------------------------------------------------------------

_E = "[eéèêEÉÈÊ]"
_NAME = ".{1,100}?"  # a recipient name, lazily and boundedly matched
_PARTICIPLE_FR = rf"(?:situ|h{_E}berg|localis|stock|bas|install|implant|trait){_E}e?s?"
_WHERE_PATTERNS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"(?:^ou|(?:^|\s)o[ùû])\s+est[\s-]+ce\s+qu(?:e\s+|['’]\s*)(?P<r>{_NAME})\s+"
        rf"(?:est|sont|se\s+trouve(?:nt)?|stocke(?:nt)?|h{_E}berge(?:nt)?|traite(?:nt)?|garde(?:nt)?)\b",
        rf"(?:^ou|(?:^|\s)o[ùû])\s+(?:est|sont)\s+(?:{_PARTICIPLE_FR}\s+)?(?P<r>.+)",
        r"(?:^ou|(?:^|\s)o[ùû])\s+se\s+(?:trouve(?:nt)?|situe(?:nt)?)\s+(?P<r>.+)",
        rf"(?:^ou|(?:^|\s)o[ùû])\s+(?P<r>{_NAME})\s+"
        rf"(?:stocke(?:nt)?|h{_E}berge(?:nt)?|traite(?:nt)?|garde(?:nt)?|conserve(?:nt)?)\b",
        rf"\bwhere\s+(?:does|do|did|will|would)\s+(?P<r>{_NAME})\s+"
        r"(?:store|process|host|keep|put|send|transfer|hold|have|locate|run)\b",
        rf"\bwhere\s+(?P<r>{_NAME})\s+(?:is|are)\s*(?:located|based|hosted|stored|situated)?\s*[?!.]*$",
        r"\bwhere\s*(?:['’]s|\s+is|\s+are|\s+was|\s+were)\s+(?P<r>.+)",
    )
)
_RECIPIENT_PREFIX = re.compile(
    r"^(?:(?:the\s+)?(?:data|servers?|infrastructure)\s+(?:of|for|at)\s+"
    rf"|(?:(?:les|nos|vos)\s+)?(?:donn{_E}es|serveurs?)\s+(?:de\s+|d['’]\s*|chez\s+))",
    re.IGNORECASE,
)
_RECIPIENT_SUFFIX = re.compile(
    r"(?:\s+(?:located|based|hosted|stored|processed|situated|kept)"
    rf"|\s+{_PARTICIPLE_FR}"
    r"|-t-(?:il|elle|ils|elles)|-(?:il|elle|ils|elles)"
    r"|['’]s?(?:\s+(?:data|servers?|infrastructure|data\s*cent(?:er|re)s?|datacent(?:er|re)s?))?"
    r"|\s+(?:now|today|currently|actuellement|aujourd['’]hui))$",
    re.IGNORECASE,
)
_TRIM = " \t\n?!.,;:…\"'“”«»()[]{}*_~`"


def _recipient(text: str) -> str | None:
    """The recipient named by a "where" question, as typed; None if the question is not one."""
    for pattern in _WHERE_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        name = match.group("r").strip(_TRIM)
        for _ in range(4):
            shorter = _RECIPIENT_SUFFIX.sub("", _RECIPIENT_PREFIX.sub("", name)).strip(_TRIM)
            if shorter == name:
                break
            name = shorter
        if name and not _names_nothing(name):
            return name
        return None
    return None


def _names_nothing(name: str) -> bool:
    """True when the would-be recipient is only filters and generic words ("health data", "our data").

    A capitalised word ("Bank of America", "Security Cloud") is taken as a proper name even when it
    is also a filter word: in the middle of a question, capitals are the user naming something.
    """
    tokens = _tokens(name)
    if any(tok.orig[:1].isupper() and any(ch.islower() for ch in tok.orig[1:]) for tok in tokens):
        return False
    return not set(_scan(tokens).leftover) - _generic_keys()


# --------------------------------------------------------------------------------------------------------
# Language, help
# --------------------------------------------------------------------------------------------------------

_FR_CUES = (
    "qui quel quels quelle quelles lesquels lesquelles ou où est sont recoit reçoivent recevons hors "
    "destinataires sous-traitants fournisseurs prestataires nos notre vos votre vers pour avec dans chez "
    "pays héberge hébergent hébergeurs aide bonjour salut quoi se trouve ce que et en envoyées envoie "
    "transférées liste montre données santé facturation paiement connexion sensibles tiers je nous merci "
    "adresse "
    "vie personnelle professionnelle syndicale appartenance politiques religieuses origine ethnique "
    "sexuelle génétiques biométriques pénales sécurité sociale numéro état civil états unis royaume "
    "partenaires fraude contenu groupe autorités avocat comptable domaine analyse accès distance "
    "adresses localisation européenne union-européenne"
)
_EN_CUES = (
    "who what which where is are the of data receive receives received to our outside recipients and "
    "for with does do hosts host vendors processors subprocessors help hi hello in on any get gets goes "
    "go sent send us me list show tell health billing connection sensitive third countries store thanks "
    "please i we life professional personal political religious ethnic origin sexual genetic biometric "
    "criminal security social number civil status united states kingdom partners fraud content group "
    "authorities lawyer accountant domain analytics access remote addresses location european"
)
_FR_ACCENTS = frozenset("éèêëàâùûüîïôçœÉÈÊËÀÂÙÛÜÎÏÔÇŒ")
_HELP_WORDS = frozenset({"help", "aide", "aidez", "usage", "commands", "commandes", "command", "commande"})
_GREETINGS = frozenset({"hi", "hello", "hey", "bonjour", "salut", "coucou", "yo", "hola", "bonsoir"})


@cache
def _cues() -> tuple[frozenset[str], frozenset[str]]:
    """French and English cue words, as lookup keys (so plurals and accents do not matter)."""

    def keys(words: str) -> frozenset[str]:
        return frozenset(_stem(tok.norm) for tok in _tokens(words))

    french, english = keys(_FR_CUES), keys(_EN_CUES)
    return french - english, english - french


def _lang(text: str, tokens: Sequence[_Token]) -> Lang:
    """French when its cue words and accents outnumber the English cue words; English otherwise.

    Words shared by both lists ("origine"/"origin" stem apart, but "date", "contact"... would not) are
    dropped so that they do not count for either side.
    """
    french_cues, english_cues = _cues()
    keys = [_stem(tok.norm) for tok in tokens]
    french = sum(key in french_cues for key in keys) + sum(ch in _FR_ACCENTS for ch in text)
    english = sum(key in english_cues for key in keys)
    return "fr" if french > english else "en"


def _is_help(tokens: Sequence[_Token]) -> bool:
    words = {tok.norm for tok in tokens}
    return not words or bool(words & _HELP_WORDS) or words <= _GREETINGS


# --------------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------------


def parse_question(text: str) -> Question:
    """Read a chat question; never raises, and every code it returns is a valid registry code.

    Intent precedence: "where is <recipient>" first, then any filter makes it a "who" question, then
    "help" (empty text, help words, a bare greeting), else "unknown".
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    cleaned = _clean(text)
    tokens = _tokens(cleaned)
    lang = _lang(cleaned, tokens)

    recipient = _recipient(cleaned)
    if recipient is not None:
        return Question(intent="where", lang=lang, recipient=recipient)

    found = _scan(tokens)
    if found.has_filters():
        return Question(
            intent="who",
            lang=lang,
            data_categories=tuple(found.categories),
            countries=tuple(found.countries),
            outside_eea=found.outside_eea,
            kinds=tuple(found.kinds),
            sensitive_only=found.sensitive,
        )
    return Question(intent="help" if _is_help(tokens) else "unknown", lang=lang)

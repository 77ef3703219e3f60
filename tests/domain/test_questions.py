"""The chat question parser: what the Slack bot understands, in French and English, and what it refuses.

Plain functions, no database: `parse_question` is pure. The property tests pin the promises other code
relies on (never raises, only valid codes, case and accents do not matter).
"""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry_api.domain.enums import RecipientKind
from registry_api.domain.questions import Question, parse_question
from registry_api.domain.reference import data_categories, is_known_country


def _words(phrases: str) -> list[str]:
    return [phrase.strip() for phrase in phrases.split("|")]


def _plain(text: str) -> str:
    """French as typed on a keyboard without accents."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


# ---------------------------------------------------------------------------------------------------------
# The examples of the brief
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("who receives connection data?", Question("who", "en", data_categories=("connection",))),
        (
            "qui reçoit les données de facturation ?",
            Question("who", "fr", data_categories=("economic_financial",)),
        ),
        ("what goes to the US?", Question("who", "en", countries=("US",))),
        ("who hosts our data?", Question("who", "en", kinds=("hosting",))),
        ("recipients of health data", Question("who", "en", data_categories=("health",))),
        ("destinataires des données de santé", Question("who", "fr", data_categories=("health",))),
        ("who is outside the EU?", Question("who", "en", outside_eea=True)),
        ("qui est hors UE ?", Question("who", "fr", outside_eea=True)),
        ("who receives sensitive data?", Question("who", "en", sensitive_only=True)),
        ("qui reçoit des données sensibles ?", Question("who", "fr", sensitive_only=True)),
        ("where is Nimbus Cloud?", Question("where", "en", recipient="Nimbus Cloud")),
        ("", Question("help", "en")),
        ("help", Question("help", "en")),
        ("aide", Question("help", "fr")),
        ("what is the weather like today?", Question("unknown", "en")),
    ],
)
def test_examples(text: str, expected: Question) -> None:
    assert parse_question(text) == expected


def test_filters_combine_in_order_of_appearance() -> None:
    question = parse_question("Which hosts receive health data and logs in the US or India?")
    assert question.intent == "who"
    assert question.kinds == ("hosting",)
    assert question.data_categories == ("health", "connection")
    assert question.countries == ("US", "IN")


def test_a_filter_counts_once() -> None:
    assert parse_question("health, santé, medical data").data_categories == ("health",)


# ---------------------------------------------------------------------------------------------------------
# Data categories
# ---------------------------------------------------------------------------------------------------------

CATEGORY_WORDS = {
    "connection": _words(
        "connection data | données de connexion | connexion | logs | IP | adresses IP | IP addresses | "
        "journaux de connexion"
    ),
    "economic_financial": _words(
        "billing | facturation | payment data | paiement | financial | financier | bank details | "
        "coordonnées bancaires | données bancaires | IBAN"
    ),
    "identity": _words(
        "identity | identité | état civil | civil status | images | photos | first names | prénom | "
        "email addresses | adresse e-mail | carte d'identité"
    ),
    "professional_life": _words("professional life | vie professionnelle | professionnelle | job | CV"),
    "personal_life": _words("personal life | vie personnelle | habitudes de vie"),
    "location": _words("location data | données de localisation | géolocalisation | geolocation | GPS"),
    "health": _words("health | health data | santé | medical records | médical | données médicales"),
    "biometric": _words("biometric | biométriques | empreintes digitales | facial recognition"),
    "genetic": _words("genetic data | génétiques | DNA | ADN"),
    "religious_beliefs": _words("religion | religious beliefs | convictions religieuses | religieuses"),
    "political_opinions": _words("political opinions | opinions politiques | political views"),
    "trade_union": _words("trade-union membership | union membership | appartenance syndicale | syndicale"),
    "sex_life": _words("sex life | sexual orientation | orientation sexuelle | vie sexuelle"),
    "racial_ethnic_origin": _words("ethnic origin | origine raciale | origine ethnique | racial"),
    "criminal": _words("criminal convictions | condamnations pénales | infractions | casier judiciaire"),
    "nir": _words("NIR | social security numbers | sécurité sociale | numéro de sécurité sociale"),
}


@pytest.mark.parametrize(
    ("phrase", "code"), [(phrase, code) for code, phrases in CATEGORY_WORDS.items() for phrase in phrases]
)
def test_category_synonyms(phrase: str, code: str) -> None:
    for text in (f"who receives {phrase}?", f"qui reçoit les {phrase} ?", phrase):
        question = parse_question(text)
        assert question.intent == "who", text
        assert question.data_categories == (code,), text
        assert question.kinds == () and question.countries == (), text


def test_every_category_has_words() -> None:
    assert set(CATEGORY_WORDS) == set(data_categories()) - {"other"}


@pytest.mark.parametrize("code", sorted(set(data_categories()) - {"other"}))
def test_registry_labels_are_understood(code: str) -> None:
    """The labels the bot itself prints, copied back into a question, mean their category."""
    category = data_categories()[code]
    for label in (category.label_fr, category.label_en):
        assert parse_question(label).data_categories == (code,), label


@pytest.mark.parametrize(
    "text",
    [
        "who receives health data?",
        "Who receives HEALTH data?",
        "who receives health datas",
        "qui reçoit les données de santé ?",
        "QUI REÇOIT LES DONNÉES DE SANTÉ ?",
        "qui recoit les donnees de sante",
        "Qui Reçoit Les Données Médicales",
    ],
)
def test_case_accents_and_plurals_do_not_matter(text: str) -> None:
    assert parse_question(text).data_categories == ("health",)


@pytest.mark.parametrize(
    ("singular", "plural"),
    [
        ("adresse IP", "adresses IP"),
        ("IP address", "IP addresses"),
        ("hébergeur", "hébergeurs"),
        ("partner", "partners"),
        ("autorité", "autorités"),
        ("authority", "authorities"),
        ("image", "images"),
        ("journal de connexion", "journaux de connexion"),
        ("réseau de diffusion de contenu", "réseaux de diffusion de contenu"),
    ],
)
def test_plurals(singular: str, plural: str) -> None:
    assert parse_question(singular) == parse_question(plural)
    assert parse_question(singular).intent == "who"


def test_payments_decision() -> None:
    """A payment service is a recipient kind; billing or payment data is a data category."""
    assert parse_question("who processes payments?").kinds == ("billing_payment",)
    assert parse_question("who processes payments?").data_categories == ()
    assert parse_question("prestataire de paiement").kinds == ("billing_payment",)
    assert parse_question("quels sont nos prestataires de paiement ?").kinds == ("billing_payment",)
    assert parse_question("payment provider").kinds == ("billing_payment",)
    assert parse_question("billing data").data_categories == ("economic_financial",)
    assert parse_question("données de facturation").data_categories == ("economic_financial",)
    assert parse_question("who receives payment data?").data_categories == ("economic_financial",)
    assert parse_question("who receives payment data?").kinds == ()


def test_location_decision() -> None:
    """Location alone means where data is processed in this registry, not the location data category."""
    assert parse_question("who receives location data?").data_categories == ("location",)
    assert parse_question("données de localisation").data_categories == ("location",)
    assert parse_question("géolocalisation").data_categories == ("location",)
    assert parse_question("what is the processing location of Nimbus").intent == "unknown"
    assert parse_question("localisation des données").intent == "unknown"
    assert parse_question("location").intent == "unknown"


def test_name_alone_is_not_identity() -> None:
    assert parse_question("what is the name of the vendor?").intent == "unknown"
    assert parse_question("au nom de la société").intent == "unknown"
    assert parse_question("nom et prénom").data_categories == ("identity",)
    assert parse_question("who receives first names?").data_categories == ("identity",)


def test_email_address_is_identity_and_email_is_a_kind() -> None:
    assert parse_question("who receives email addresses?") == Question(
        "who", "en", data_categories=("identity",)
    )
    assert parse_question("who sends our emails?").kinds == ("email_delivery",)
    assert parse_question("who sends our emails?").data_categories == ()


def test_politique_de_confidentialite_is_not_political() -> None:
    assert parse_question("politique de confidentialité").intent == "unknown"
    assert parse_question("privacy policy").intent == "unknown"


def test_european_union_is_not_a_trade_union() -> None:
    assert parse_question("the European Union").data_categories == ()
    assert parse_question("union membership").data_categories == ("trade_union",)


# ---------------------------------------------------------------------------------------------------------
# Recipient kinds
# ---------------------------------------------------------------------------------------------------------

KIND_WORDS = {
    RecipientKind.hosting: _words("hosts | hosting | héberge | hébergement | hébergeur | hébergent"),
    RecipientKind.network_cdn: _words("CDN | content delivery network | réseau de diffusion de contenu"),
    RecipientKind.security: _words("security | sécurité | IT security | sécurité informatique"),
    RecipientKind.billing_payment: _words(
        "payment providers | prestataires de paiement | processes payments"
    ),
    RecipientKind.domain_registrar: _words("registrar | domain names | noms de domaine"),
    RecipientKind.fraud_prevention: _words("fraud | fraude | fraud prevention | anti-fraude"),
    RecipientKind.web_analytics: _words("analytics | web analytics | analyse web | mesure d'audience"),
    RecipientKind.email_delivery: _words("email | e-mail | mail | emailing | courriels"),
    RecipientKind.session_remote_access: _words(
        "session recording | remote access | accès à distance | enregistrement de session"
    ),
    RecipientKind.performance_monitoring: _words("monitoring | performance | mesure des performances"),
    RecipientKind.content_provider: _words("content | contenu | content providers | fourniture de contenu"),
    RecipientKind.legal_financial_advisor: _words(
        "lawyers | avocat | conseil juridique | accountant | expert-comptable | financial advisor"
    ),
    RecipientKind.group_entity: _words("group | groupe | Visiativ | group entities | entités du groupe"),
    RecipientKind.partner: _words("partner | partenaires | partner entities"),
    RecipientKind.authority: _words("authorities | autorité | autorités judiciaires | tax authority"),
}


@pytest.mark.parametrize(
    ("phrase", "kind"), [(p, k.value) for k, phrases in KIND_WORDS.items() for p in phrases]
)
def test_kind_synonyms(phrase: str, kind: str) -> None:
    for text in (f"who are our {phrase}?", f"quels sont les destinataires {phrase} ?", phrase):
        question = parse_question(text)
        assert question.intent == "who", text
        assert question.kinds == (kind,), text
        assert question.data_categories == () and question.countries == (), text


def test_every_kind_has_words() -> None:
    assert set(KIND_WORDS) == set(RecipientKind)


# ---------------------------------------------------------------------------------------------------------
# Countries and the EEA
# ---------------------------------------------------------------------------------------------------------

COUNTRY_WORDS = {
    "US": _words(
        "US | USA | the US | the USA | U.S. | United States | the United States | États-Unis | Etats-Unis | "
        "etats unis | America | Amérique"
    ),
    "GB": _words("UK | the UK | United Kingdom | Royaume-Uni | royaume uni | England | Angleterre"),
    "IN": _words("India | Inde | IN"),
    "DE": _words("Germany | Allemagne | DE"),
    "CH": _words("Switzerland | Suisse | CH"),
    "JP": _words("Japan | Japon"),
    "KR": _words("South Korea | Corée du Sud"),
    "NL": _words("the Netherlands | Pays-Bas | Holland"),
    "CN": _words("China | Chine"),
    "BR": _words("Brazil | Brésil"),
    "IE": _words("Ireland | Irlande"),
    "AE": _words("United Arab Emirates | Émirats arabes unis | UAE"),
}


@pytest.mark.parametrize(
    ("phrase", "code"), [(p, c) for c, phrases in COUNTRY_WORDS.items() for p in phrases]
)
def test_country_names_and_aliases(phrase: str, code: str) -> None:
    for text in (f"what goes to {phrase}?", f"qui envoie des données vers {phrase} ?", phrase):
        question = parse_question(text)
        assert question.intent == "who", text
        assert question.countries == (code,), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Royaume-Uni", ("GB",)),
        ("Guinée équatoriale", ("GQ",)),
        ("Guinée", ("GN",)),
        ("Equatorial Guinea", ("GQ",)),
        ("Samoa américaines", ("AS",)),
        ("American Samoa", ("AS",)),
        ("Papouasie-Nouvelle-Guinée", ("PG",)),
    ],
)
def test_longest_country_name_wins(text: str, expected: tuple[str, ...]) -> None:
    assert parse_question(text).countries == expected


@pytest.mark.parametrize(
    "text",
    [
        "who is in the building?",
        "what is in it for us?",
        "tell us more",
        "can you help us",
        "send it to us",
        "who handles IT security?",
        "what is the user ID?",
        "we use AI",
        "HR data",
        "QUI REÇOIT DES DONNÉES DE SANTÉ",
        "WHO IS IN DE REGISTRY",
        "la réunion de lundi",
        "Nimbus SA",
    ],
)
def test_no_country_from_everyday_words(text: str) -> None:
    assert parse_question(text).countries == ()


def test_two_letter_codes_need_upper_case() -> None:
    assert parse_question("vendors in IN").countries == ("IN",)
    assert parse_question("vendors in in").countries == ()
    assert parse_question("who is in DE?").countries == ("DE",)
    assert parse_question("US?").countries == ("US",)


def test_all_caps_question_keeps_its_multiword_countries() -> None:
    assert parse_question("WHO RECEIVES DATA IN THE US").countries == ("US",)
    assert parse_question("QUI ENVOIE VERS LES ÉTATS-UNIS").countries == ("US",)


@pytest.mark.parametrize(
    "text",
    [
        "who is outside the EU?",
        "outside the EEA",
        "outside of the European Union",
        "outside europe",
        "non-EU vendors",
        "hors UE",
        "hors de l'UE",
        "hors de l'Union européenne",
        "hors union européenne",
        "hors EEE",
        "en dehors de l'UE",
        "hors Europe",
        "third countries",
        "transfers to a third country",
        "pays tiers",
        "qui transfère vers des pays tiers ?",
    ],
)
def test_outside_eea(text: str) -> None:
    question = parse_question(text)
    assert question.intent == "who"
    assert question.outside_eea is True
    assert question.countries == ()
    assert question.data_categories == ()


def test_outside_eea_combines_with_other_filters() -> None:
    question = parse_question("quels hébergeurs reçoivent des données de santé hors UE ?")
    assert question == Question(
        "who", "fr", data_categories=("health",), outside_eea=True, kinds=("hosting",)
    )


@pytest.mark.parametrize(
    "text",
    ["sensitive data", "données sensibles", "special category data", "catégories particulières", "art. 9"],
)
def test_sensitive(text: str) -> None:
    question = parse_question(text)
    assert question.intent == "who"
    assert question.sensitive_only is True
    assert question.data_categories == ()


def test_longest_match_over_categories_and_kinds() -> None:
    assert parse_question("sécurité sociale") == Question("who", "fr", data_categories=("nir",))
    assert parse_question("social security number").kinds == ()
    assert parse_question("content delivery network").kinds == ("network_cdn",)
    assert parse_question("financial advisor").data_categories == ()
    assert parse_question("nom de domaine").data_categories == ()
    assert parse_question("identifiants de connexion").data_categories == ("connection",)
    assert parse_question("biometric identification").data_categories == ("biometric",)


# ---------------------------------------------------------------------------------------------------------
# "where is <recipient>?"
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "recipient"),
    [
        ("where is Nimbus Cloud?", "Nimbus Cloud"),
        ("Where is Nimbus Cloud located?", "Nimbus Cloud"),
        ("where are Acme Mail Partners", "Acme Mail Partners"),
        ("Where's Nimbus?", "Nimbus"),
        ("where does Nimbus Cloud store our data?", "Nimbus Cloud"),
        ("where does nimbus process data", "nimbus"),
        ("Where are Acme's servers?", "Acme"),
        ("do you know where Nimbus is?", "Nimbus"),
        ("où est Nimbus ?", "Nimbus"),
        ("Où sont Nimbus et Acme ?", "Nimbus et Acme"),
        ("où se trouve Nimbus Cloud ?", "Nimbus Cloud"),
        ("Où est hébergé Nimbus ?", "Nimbus"),
        ("où sont hébergées les données de Nimbus ?", "Nimbus"),
        ("Où Nimbus stocke-t-il nos données ?", "Nimbus"),
        ("où est-ce que Nimbus stocke nos données ?", "Nimbus"),
        ("ou est Nimbus", "Nimbus"),
        ("<@U123ABC> where is *Nimbus Cloud*?", "Nimbus Cloud"),
        ("where is <https://nimbus.example|Nimbus Cloud>?!", "Nimbus Cloud"),
        ("Where is Acme Analytics?", "Acme Analytics"),
        ("Where is Bank of America?", "Bank of America"),
    ],
)
def test_where(text: str, recipient: str) -> None:
    question = parse_question(text)
    assert question.intent == "where"
    assert question.recipient == recipient
    assert (question.data_categories, question.kinds, question.countries) == ((), (), ())


def test_where_language() -> None:
    assert parse_question("where is Nimbus?").lang == "en"
    assert parse_question("où est Nimbus ?").lang == "fr"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("where is our data hosted?", Question("who", "en", kinds=("hosting",))),
        ("where is health data processed?", Question("who", "en", data_categories=("health",))),
        ("where are the recipients of health data?", Question("who", "en", data_categories=("health",))),
        ("où sont stockées les données de santé ?", Question("who", "fr", data_categories=("health",))),
        ("where are our subprocessors?", Question("unknown", "en")),
        ("where are we?", Question("unknown", "en")),
    ],
)
def test_where_without_a_recipient_is_not_a_where(text: str, expected: Question) -> None:
    assert parse_question(text) == expected


# ---------------------------------------------------------------------------------------------------------
# Help, unknown, language, Slack markup
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", "   ", "?", "<@U123ABC>", "<@U123ABC> help", "HELP!", "aide", "bonjour"]
)
def test_help(text: str) -> None:
    assert parse_question(text).intent == "help"


@pytest.mark.parametrize(
    "text",
    ["hello world, how are you doing?", "who are you?", "lorem ipsum dolor", "merci beaucoup", "12345"],
)
def test_unknown(text: str) -> None:
    question = parse_question(text)
    assert question == Question("unknown", question.lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("who receives health data?", "en"),
        ("qui reçoit les données de santé ?", "fr"),
        ("qui recoit les donnees de sante", "fr"),
        ("quels destinataires sont hors UE ?", "fr"),
        ("which vendors are outside the EU?", "en"),
        ("aide", "fr"),
        ("help", "en"),
        ("", "en"),
    ],
)
def test_language(text: str, lang: str) -> None:
    assert parse_question(text).lang == lang


@pytest.mark.parametrize(
    "text",
    [
        "<@U123ABC> who receives *health* data?",
        "<@U123ABC|bot> who receives _health_ data?",
        "who receives ~health~ `data`? <!here>",
        "who receives <https://example.com/health|health> data? :hospital:",
        "who receives health&amp;data?",
    ],
)
def test_slack_markup_is_ignored(text: str) -> None:
    assert parse_question(text) == Question("who", "en", data_categories=("health",))


def test_mention_ids_never_become_countries() -> None:
    assert parse_question("<@US123> <#CH123|general> who hosts?").countries == ()


def test_fast_enough() -> None:
    questions = [
        "who receives connection data?",
        "qui reçoit les données de facturation hors de l'Union européenne ?",
        "where is Nimbus Cloud?",
        "quels hébergeurs aux États-Unis reçoivent des données de santé ?",
    ]
    parse_question("warm the tables up")
    start = time.perf_counter()
    for _ in range(250):
        for text in questions:
            parse_question(text)
    assert (time.perf_counter() - start) / 1000 < 0.001


# ---------------------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------------------

_FRENCH_PHRASES = [
    phrase for phrases in CATEGORY_WORDS.values() for phrase in phrases if _plain(phrase) != phrase
] + [data_categories()[code].label_fr for code in data_categories() if code != "other"]


@settings(max_examples=300)
@given(st.text())
def test_never_raises_and_returns_valid_codes(text: str) -> None:
    question = parse_question(text)
    assert question.intent in ("who", "where", "help", "unknown")
    assert question.lang in ("fr", "en")
    assert all(code in data_categories() for code in question.data_categories)
    assert all(kind in set(RecipientKind) for kind in question.kinds)
    assert all(is_known_country(code) for code in question.countries)
    assert (question.recipient is not None) == (question.intent == "where")
    if question.recipient is not None:
        assert question.recipient.strip()


@given(
    st.lists(
        st.sampled_from(
            [
                "who",
                "where",
                "is",
                "are",
                "où",
                "est",
                "US",
                "IN",
                "hors",
                "UE",
                "the",
                "les",
                "données",
                "santé",
                "IP",
                "<@U1>",
                "*",
                "?",
                "Nimbus",
                "de",
                "l'",
            ]
        ),
        max_size=12,
    )
)
def test_never_raises_on_question_shaped_noise(words: list[str]) -> None:
    question = parse_question(" ".join(words))
    assert all(is_known_country(code) for code in question.countries)


@given(st.lists(st.sampled_from(_FRENCH_PHRASES), min_size=1, max_size=4))
def test_french_categories_survive_upper_case_without_accents(phrases: list[str]) -> None:
    text = "Qui reçoit " + " et ".join(phrases) + " ?"
    question = parse_question(text)
    assert question.data_categories
    assert parse_question(_plain(text).upper()).data_categories == question.data_categories
    assert parse_question(text.lower()).data_categories == question.data_categories


@given(st.sampled_from(_FRENCH_PHRASES))
def test_each_french_phrase_means_its_category(phrase: str) -> None:
    codes = {code for code, phrases in CATEGORY_WORDS.items() if phrase in phrases}
    codes |= {code for code, category in data_categories().items() if category.label_fr == phrase}
    assert set(parse_question(phrase).data_categories) == codes


@given(
    st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x250, exclude_characters="*_~`<>&:"),
        max_size=60,
    )
)
def test_where_recipient_is_taken_from_the_text(name: str) -> None:
    question = parse_question(f"where is {name}?")
    if question.intent == "where":
        assert question.recipient is not None
        assert question.recipient in " ".join(name.split())

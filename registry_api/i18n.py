"""French first, English too: message catalogue, language negotiation and locale-aware formatting.

Babel gives dates and country names in each language; the few sentences of our own live here, keyed,
so that a missing translation is a KeyError in tests rather than a blank on a client's page.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime

from registry_api.clock import PARIS
from registry_api.domain.reference import country_name, data_categories, recipient_kinds

LANGS = ("fr", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Liste des sous-traitants de {company}",
        "intro": (
            "{company} fait appel aux sous-traitants ci-dessous pour fournir ses Solutions. "
            "Toute modification de cette liste est annoncée à l'avance, avec la possibilité de s'y opposer."
        ),
        "version": "Version {number}",
        "announced": "annoncée le {date}",
        "effective": "en vigueur le {date}",
        "effective_since": "en vigueur depuis le {date}",
        "upcoming": "Changements à venir",
        "no_upcoming": "Aucun changement annoncé.",
        "summary": "Résumé des changements",
        "archive": "Historique des versions",
        "how_to_object": "Comment s'opposer à un changement",
        "object_text": (
            "Vous pouvez vous opposer à l'ajout ou au changement d'un sous-traitant jusqu'à la date limite "
            "indiquée, en écrivant au Délégué à la Protection des Données : {email}."
        ),
        "feed": "Suivre les changements (flux Atom)",
        "added": "Ajout",
        "removed": "Retrait",
        "changed": "Modification",
        "objection_deadline": "opposition possible jusqu'au {date}",
        "reason": "Motif du délai réduit : {reason}",
        "name": "Sous-traitant",
        "service": "Service fourni",
        "data": "Données concernées",
        "locations": "Lieux de traitement",
        "safeguard": "Garantie",
        "solutions": "Solutions",
        "contact": "Contact",
        "no_safeguard": "EEE, aucune garantie requise",
        "upcoming_badge": "à venir, le {date}",
        "sensitive": "données sensibles",
        "viewing_version": "Vous consultez la version {number}, telle que publiée le {date}.",
        "current_version": "Voir la version en vigueur",
        "empty": "Aucun sous-traitant publié.",
        "fields": "champs modifiés : {fields}",
        "language": "English",
        "notice_title": "Liste des sous-traitants : version {number}",
        "notice_effective": "Prend effet le *{date}*",
        "notice_deadline": "Opposition possible jusqu'au *{date}*",
        "notice_in_effect": "La version {number} de la liste des sous-traitants est en vigueur depuis le {date}.",
        "view_page": "Voir la liste publique",
    },
    "en": {
        "title": "{company} subprocessors",
        "intro": (
            "{company} uses the subprocessors below to provide its Solutions. Every change to this list is "
            "announced in advance, with the opportunity to object."
        ),
        "version": "Version {number}",
        "announced": "announced on {date}",
        "effective": "effective on {date}",
        "effective_since": "in effect since {date}",
        "upcoming": "Upcoming changes",
        "no_upcoming": "No change announced.",
        "summary": "Summary of changes",
        "archive": "Version history",
        "how_to_object": "How to object to a change",
        "object_text": (
            "You may object to the addition or change of a subprocessor until the deadline shown, by writing "
            "to the Data Protection Officer: {email}."
        ),
        "feed": "Follow changes (Atom feed)",
        "added": "Added",
        "removed": "Removed",
        "changed": "Changed",
        "objection_deadline": "objections until {date}",
        "reason": "Reason for the shorter notice: {reason}",
        "name": "Subprocessor",
        "service": "Service provided",
        "data": "Personal data",
        "locations": "Processing locations",
        "safeguard": "Safeguard",
        "solutions": "Solutions",
        "contact": "Contact",
        "no_safeguard": "EEA, no safeguard needed",
        "upcoming_badge": "upcoming, on {date}",
        "sensitive": "sensitive data",
        "viewing_version": "You are viewing version {number}, as published on {date}.",
        "current_version": "See the version in effect",
        "empty": "No subprocessor published.",
        "fields": "changed fields: {fields}",
        "language": "Français",
        "notice_title": "Subprocessor list: version {number}",
        "notice_effective": "Takes effect on *{date}*",
        "notice_deadline": "Objections until *{date}*",
        "notice_in_effect": "Version {number} of the subprocessor list is in effect since {date}.",
        "view_page": "See the public list",
    },
}

USES = {
    "fr": {
        "storage": "stockage",
        "processing": "traitement",
        "remote_access": "accès à distance",
        "backup": "sauvegarde",
    },
    "en": {"storage": "storage", "processing": "processing", "remote_access": "remote access", "backup": "backup"},
}
MECHANISMS = {
    "fr": {
        "adequacy": "décision d'adéquation",
        "dpf": "Data Privacy Framework UE-États-Unis",
        "scc": "clauses contractuelles types",
        "bcr": "règles d'entreprise contraignantes (BCR)",
        "code_of_conduct": "code de conduite",
        "certification": "certification",
        "ad_hoc_clauses": "clauses ad hoc",
        "derogation_art49": "dérogation (art. 49)",
    },
    "en": {
        "adequacy": "adequacy decision",
        "dpf": "EU-US Data Privacy Framework",
        "scc": "standard contractual clauses",
        "bcr": "binding corporate rules (BCR)",
        "code_of_conduct": "code of conduct",
        "certification": "certification",
        "ad_hoc_clauses": "ad hoc clauses",
        "derogation_art49": "derogation (art. 49)",
    },
}
FIELD_NAMES = {
    "fr": {
        "name": "nom",
        "legal_name": "entité juridique",
        "address": "adresse",
        "contact_name": "contact",
        "contact_email": "e-mail de contact",
        "website": "site",
        "service": "service",
        "kind": "catégorie",
        "data_categories": "données",
        "locations": "lieux et garanties",
        "solutions": "solutions",
    },
    "en": {
        "name": "name",
        "legal_name": "legal entity",
        "address": "address",
        "contact_name": "contact",
        "contact_email": "contact e-mail",
        "website": "website",
        "service": "service",
        "kind": "kind",
        "data_categories": "data",
        "locations": "locations and safeguards",
        "solutions": "solutions",
    },
}


def lang_or_default(lang: str | None, default: str = "fr") -> str:
    return lang if lang in LANGS else default


def negotiate(requested: str | None, accept_language: str | None, default: str = "fr") -> str:
    """`?lang=` wins; otherwise the browser's Accept-Language; otherwise French."""
    if requested in LANGS:
        return requested  # type: ignore[return-value]
    if accept_language:
        preferred = []
        for part in accept_language.split(","):
            tag, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            if tag:
                preferred.append((weight, tag.strip().replace("-", "_")))
        preferred.sort(key=lambda item: -item[0])
        match = Locale.negotiate([tag for _, tag in preferred], list(LANGS), sep="_")
        if match:
            return str(match.language)
        for _, tag in preferred:
            if tag.split("_")[0].lower() in LANGS:
                return tag.split("_")[0].lower()
    return default


def t(lang: str, key: str, **values: object) -> str:
    return MESSAGES[lang][key].format(**values)


def fmt_date(value: date | str | None, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return _long_date(value, lang)


@lru_cache(maxsize=4096)
def _long_date(value: date, lang: str) -> str:
    """Babel formats a date in about 0.1 ms; a reminder run formats the same few hundred dates again and
    again."""
    return format_date(value, format="long", locale=lang)


def fmt_datetime(value: datetime | str | None, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_datetime(value.astimezone(PARIS), format="medium", locale=lang, tzinfo=PARIS)


def kind_label(code: str, lang: str) -> str:
    info = recipient_kinds().get(code)
    return info.label(lang) if info else code


def category_label(code: str, lang: str) -> str:
    info = data_categories().get(code)
    return info.label(lang) if info else code


def use_label(code: str, lang: str) -> str:
    return USES[lang].get(code, code)


def mechanism_label(code: str | None, lang: str) -> str:
    return MECHANISMS[lang].get(code or "", code or "")


def field_label(name: str, lang: str) -> str:
    return FIELD_NAMES[lang].get(name, name)


def country(code: str, lang: str) -> str:
    return country_name(code, lang)

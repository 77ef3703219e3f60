"""Labels the bot shows that `registry_api.i18n` does not carry yet (roles, statuses, criticality, SCC
modules), and the one-line safeguard of a location, in French and English."""

from __future__ import annotations

from typing import Literal, Protocol

from registry_api import i18n
from registry_api.domain.reference import data_categories

Lang = Literal["fr", "en"]

ROLES: dict[str, dict[str, str]] = {
    "fr": {
        "subprocessor": "sous-traitant",
        "vendor": "fournisseur (données de l'entreprise)",
        "group_entity": "entité du groupe",
        "partner": "partenaire",
        "authority": "autorité",
    },
    "en": {
        "subprocessor": "subprocessor",
        "vendor": "vendor (company data)",
        "group_entity": "group entity",
        "partner": "partner",
        "authority": "authority",
    },
}
STATUSES: dict[str, dict[str, str]] = {
    "fr": {"proposed": "proposé", "active": "actif", "rejected": "refusé", "retired": "retiré"},
    "en": {"proposed": "proposed", "active": "active", "rejected": "rejected", "retired": "retired"},
}
CRITICALITY: dict[str, dict[str, str]] = {
    "fr": {"critical": "critique", "high": "haute", "medium": "moyenne", "low": "basse"},
    "en": {"critical": "critical", "high": "high", "medium": "medium", "low": "low"},
}
SCC_MODULES: dict[str, dict[int, str]] = {
    "fr": {
        1: "module 1 (responsable → responsable)",
        2: "module 2 (responsable → sous-traitant)",
        3: "module 3 (sous-traitant → sous-traitant)",
        4: "module 4 (sous-traitant → responsable)",
    },
    "en": {
        1: "module 1 (controller to controller)",
        2: "module 2 (controller to processor)",
        3: "module 3 (processor to processor)",
        4: "module 4 (processor to controller)",
    },
}
BASIS: dict[str, dict[str, str]] = {
    "fr": {
        "GDPR art. 9": "RGPD art. 9",
        "GDPR art. 10": "RGPD art. 10",
        "French law (LIL)": "loi Informatique et Libertés",
    },
    "en": {},
}


class _Location(Protocol):
    country: str
    mechanism: object
    scc_module: int | None
    in_eea: bool


def lang_of(value: str | None, default: str = "fr") -> Lang:
    return "en" if (value or default) == "en" else "fr"


def role(code: object, lang: str) -> str:
    return ROLES[lang_of(lang)].get(str(code), str(code))


def status(code: object, lang: str) -> str:
    return STATUSES[lang_of(lang)].get(str(code), str(code))


def criticality(code: object, lang: str) -> str:
    return CRITICALITY[lang_of(lang)].get(str(code), str(code))


def scc_module(module: int | None, lang: str) -> str:
    if module is None:
        return ""
    return SCC_MODULES[lang_of(lang)].get(module, f"module {module}")


def basis(code: str, lang: str) -> str:
    """The legal basis of a sensitive category ("RGPD art. 9"), from the reference data."""
    info = data_categories().get(code)
    if info is None or not info.basis:
        return ""
    return BASIS[lang_of(lang)].get(info.basis, info.basis)


def safeguard(loc: _Location, role_code: object, lang: str) -> str:
    """What makes the transfer to this place lawful, in one line; a gap is flagged rather than hidden."""
    lang = lang_of(lang)
    if loc.in_eea:
        return i18n.t(lang, "no_safeguard")
    if loc.mechanism:
        text = i18n.mechanism_label(str(loc.mechanism), lang)
        if loc.scc_module:
            text += ", " + scc_module(loc.scc_module, lang)
        return text
    fr = lang == "fr"
    if str(role_code) == "authority":
        return "sur réquisition légale, sans garantie" if fr else "legal requisition, no contractual safeguard"
    return ":warning: aucune garantie enregistrée" if fr else ":warning: no safeguard recorded"

"""Validation problems said in the user's language, short enough for an inline modal error.

The domain rules word their messages in English for the API and logs; people in Slack read French first,
so each known code has a sentence in both languages, with the country's name and the safeguards that
would be accepted. An unknown code falls back to the domain's own message rather than to nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from registry_api import i18n
from registry_api.notices.labels import lang_of

MAX_CHARS = 300

_TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "unknown_country": "pays inconnu : indiquez un code ISO à deux lettres (ex. MX) ou le nom du pays",
        "safeguard_required": "{country} est hors EEE : une garantie de transfert est obligatoire",
        "no_adequacy": "{country} n'a pas de décision d'adéquation",
        "dpf_required": (
            "l'adéquation États-Unis ne couvre que les organisations certifiées : choisissez "
            "« Data Privacy Framework UE-États-Unis » ou une autre garantie"
        ),
        "dpf_us_only": "le Data Privacy Framework UE-États-Unis ne couvre pas {country}",
        "scc_module_required": "précisez le module des clauses contractuelles types",
        "scc_module_invalid": "les modules des clauses contractuelles types vont de 1 à 4",
        "scc_module_mismatch": "module de clauses contractuelles types inhabituel pour ce rôle",
        "unknown_data_category": "catégorie de données inconnue",
        "duplicate": "une valeur est en double",
        "unknown_solution": "solution inconnue",
        "sensitive_data": "reçoit des données sensibles",
        "safeguard_not_needed": "{country} est dans l'EEE : aucune garantie n'est nécessaire",
        "partial_adequacy": "l'adéquation de {country} est partielle : vérifiez que le destinataire est couvert",
        "art49_derogation": "une dérogation de l'art. 49 est réservée aux transferts occasionnels",
        "ad_hoc_authorisation": "des clauses ad hoc exigent l'autorisation de l'autorité de contrôle",
        "tia_missing": "aucune analyse d'impact du transfert (TIA) enregistrée pour {country}",
        "dpa_missing": "aucun contrat de sous-traitance (art. 28) signé n'est enregistré",
        "required": "champ obligatoire",
        "location_without_country": "choisissez le pays de ce lieu, ou videz ses autres champs",
        "two_countries": "un seul pays par lieu : videz la liste ou ce champ",
        "no_location": "indiquez au moins un lieu où les données sont stockées, traitées ou accessibles",
        "duplicate_name": "ce fournisseur existe déjà",
        "invalid": "valeur refusée",
        "unavailable": "le registre ne répond pas : réessayez dans un instant",
    },
    "en": {
        "unknown_country": "unknown country: type a two-letter ISO code (e.g. MX) or the country's name",
        "safeguard_required": "{country} is outside the EEA: a transfer safeguard is required",
        "no_adequacy": "{country} has no adequacy decision",
        "dpf_required": (
            "US adequacy covers certified organisations only: choose the EU-US Data Privacy Framework "
            "or another safeguard"
        ),
        "dpf_us_only": "the EU-US Data Privacy Framework does not cover {country}",
        "scc_module_required": "choose the module of the standard contractual clauses",
        "scc_module_invalid": "standard contractual clauses modules are 1 to 4",
        "scc_module_mismatch": "unusual standard contractual clauses module for this role",
        "unknown_data_category": "unknown data category",
        "duplicate": "a value is listed twice",
        "unknown_solution": "unknown solution",
        "sensitive_data": "receives sensitive data",
        "safeguard_not_needed": "{country} is in the EEA: no safeguard is needed",
        "partial_adequacy": "{country} adequacy is partial: check that the recipient is covered",
        "art49_derogation": "an art. 49 derogation is for occasional transfers, not a routine basis",
        "ad_hoc_authorisation": "ad hoc clauses need the supervisory authority's authorisation",
        "tia_missing": "no transfer impact assessment (TIA) recorded for {country}",
        "dpa_missing": "no signed data processing agreement (art. 28) recorded",
        "required": "required",
        "location_without_country": "choose this place's country, or clear its other fields",
        "two_countries": "one country per place: clear the list or this field",
        "no_location": "give at least one place where the data is stored, processed or accessed",
        "duplicate_name": "this vendor already exists",
        "invalid": "value refused",
        "unavailable": "the registry is not responding: please try again in a moment",
    },
}
_ACCEPTED = {"fr": "Garanties possibles : {mechanisms}.", "en": "Accepted: {mechanisms}."}


def describe(
    code: str,
    lang: str,
    *,
    fallback: str = "",
    country: str | None = None,
    accepted: Iterable[str] = (),
) -> str:
    """One plain-text sentence (not mrkdwn: escape it before putting it in a message)."""
    lang = lang_of(lang)
    template = _TEXTS[lang].get(code)
    if template is None:
        text = fallback or _TEXTS[lang]["invalid"]
    else:
        name = i18n.country(country, lang) if country else ("ce pays" if lang == "fr" else "this country")
        text = template.format(country=name)
        text = text[:1].upper() + text[1:]
    # Art. 49 derogations are a warning, not a routine basis: never suggested.
    mechanisms = [i18n.mechanism_label(m, lang) for m in accepted if m != "derogation_art49"]
    if mechanisms:
        text = f"{text.rstrip('.')}. " + _ACCEPTED[lang].format(mechanisms=", ".join(mechanisms))
    if len(text) > MAX_CHARS:
        text = text[: MAX_CHARS - 1].rstrip() + "…"
    return text


def message(code: str, lang: str) -> str:
    """A sentence of the form checks that are not domain problems (a required field, a duplicate)."""
    return describe(code, lang)

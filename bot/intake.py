"""The `/vendor new` modal: its blocks, reading a submission into a `RecipientCreate`, and putting each
validation problem back on the input it is about (`locations[0].mechanism` → block `loc0_mechanism`).

Every input's block ID equals its action ID, so that a problem's field maps to one block. Countries are a
static select of the common ones grouped by legal status (Slack allows 100 options per select), plus a
free "other country" field that takes an ISO code or a name in French or English.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import msgspec
import pycountry

from registry_api import i18n
from registry_api.domain.enums import Criticality, LocationUse, Mechanism, RecipientKind, Role
from registry_api.domain.recipient_rules import Problem
from registry_api.domain.reference import (
    adequacy_list,
    country_name,
    data_categories,
    eea_countries,
    is_known_country,
    recipient_kinds,
)
from registry_api.notices import labels, problems, vendors
from registry_api.notices.blocks import plain, section
from registry_api.notices.render import macro
from registry_api.schemas.recipients import RecipientCreate, RecipientOut
from registry_api.schemas.reference import SolutionOut

CALLBACK_ID = "vendor_request"
DONE_CALLBACK_ID = "vendor_request_done"
MAX_LOCATIONS = 3
MAX_OPTIONS = 100
CITY_MAX = 120  # the column's length (the API schema allows 300: see the note on the issue)

NAME = "name"
LEGAL_NAME = "legal_name"
SERVICE = "service_description"
KIND = "kind"
ROLE = "role"
CATEGORIES = "data_categories"
SOLUTIONS = "solutions"
PUBLIC = "public"
CRITICALITY = "criticality"
DPA = "dpa_signed_on"
LOCATION_PARTS = ("country", "country_other", "city", "use", "mechanism", "scc_module")

# Third countries that vendors commonly use, beside the EEA and the adequacy list (all fit in 100).
COMMON_THIRD_COUNTRIES = (
    *("AE", "AU", "CI", "CL", "CN", "CO", "DZ", "EG", "HK", "ID", "IN", "KE", "MA", "MG", "MU", "MX"),
    *("MY", "NG", "PE", "PH", "RS", "RU", "SG", "SN", "TH", "TN", "TR", "TW", "UA", "VN", "ZA"),
)

_FIELD = re.compile(r"^(?P<head>[a-z_]+)(?:\[(?P<index>\d+)\])?(?:\.(?P<tail>[a-z_]+))?")
_MSGSPEC_PATH = re.compile(r"at `\$\.(?P<path>[^`]+)`")


def location_block(slot: int, part: str) -> str:
    return f"loc{slot}_{part}"


@dataclass(frozen=True, slots=True)
class Metadata:
    """What the modal carries from `/vendor new` to its submission (Slack keeps it, ≤ 3,000 chars)."""

    lang: str = "fr"
    channel: str | None = None

    def encode(self) -> str:
        return json.dumps({"lang": self.lang, "channel": self.channel}, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | None, default_lang: str = "fr") -> Metadata:
        try:
            data = json.loads(text or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        channel = data.get("channel")
        return cls(
            lang=labels.lang_of(data.get("lang"), default_lang),
            channel=channel if isinstance(channel, str) else None,
        )


@dataclass(frozen=True, slots=True)
class Slot:
    """Where location `index` of the request came from: its form slot, and which country input."""

    slot: int
    country_block: str


@dataclass(slots=True)
class Form:
    data: RecipientCreate | None
    errors: dict[str, str] = field(default_factory=dict)
    slots: list[Slot] = field(default_factory=list)


# ---------------------------------------------------------------- the modal


def modal(lang: str, solutions: Sequence[SolutionOut], metadata: Metadata) -> dict[str, Any]:
    lang = labels.lang_of(lang)
    fr = lang == "fr"
    blocks: list[dict[str, Any]] = [
        section(
            "Le fournisseur sera enregistré comme _proposé_ puis soumis aux approbateurs."
            if fr
            else "The vendor will be saved as _proposed_ and sent to the approvers."
        ),
        _input(NAME, "Nom" if fr else "Name", _text(200)),
        _input(LEGAL_NAME, "Entité juridique" if fr else "Legal entity", _text(300), optional=True),
        _input(
            SERVICE,
            "Service fourni" if fr else "Service provided",
            _text(3000, multiline=True),
            hint="Ce que le fournisseur fait des données." if fr else "What the vendor does with the data.",
        ),
        _input(KIND, "Catégorie" if fr else "Kind", _select(_kind_options(lang))),
        _input(ROLE, "Rôle" if fr else "Role", _select(_role_options(lang))),
    ]
    for slot in range(MAX_LOCATIONS):
        blocks += _location_blocks(slot, lang)
    blocks += [
        {"type": "header", "text": plain("Données et solutions" if fr else "Data and solutions")},
        _input(
            CATEGORIES,
            "Données reçues" if fr else "Data received",
            {"type": "multi_static_select", "option_groups": _category_groups(lang)},
            hint=(
                "Les catégories ⚠ sont sensibles (art. 9, art. 10, NIR) : elles seront signalées aux approbateurs."
                if fr
                else "⚠ categories are sensitive (art. 9, art. 10, NIR): approvers will be warned."
            ),
        ),
    ]
    solution_options = [_option(s.name, s.slug) for s in solutions][:MAX_OPTIONS]
    if solution_options:
        blocks.append(
            _input(
                SOLUTIONS,
                "Solutions concernées" if fr else "Solutions concerned",
                {"type": "multi_static_select", "options": solution_options},
                optional=True,
            )
        )
    blocks += [
        _input(
            PUBLIC,
            "Liste publique" if fr else "Public list",
            {
                "type": "checkboxes",
                "options": [
                    _option(
                        "Figure sur la liste publique des sous-traitants" if fr else "On the public subprocessor list",
                        "public",
                        description=(
                            "Les clients seront prévenus avant l'ajout."
                            if fr
                            else "Clients are told before it is added."
                        ),
                    )
                ],
            },
            optional=True,
        ),
        _input(
            CRITICALITY,
            "Criticité" if fr else "Criticality",
            _select(_criticality_options(lang), initial=Criticality.medium.value),
        ),
        _input(
            DPA,
            "Contrat de sous-traitance (DPA) signé le" if fr else "DPA signed on",
            {"type": "datepicker"},
            optional=True,
        ),
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": metadata.encode(),
        "title": plain("Nouveau fournisseur" if fr else "New vendor", 24),
        "submit": plain("Soumettre" if fr else "Submit", 24),
        "close": plain("Annuler" if fr else "Cancel", 24),
        "blocks": blocks,
    }


def submitted_view(recipient: RecipientOut, review_channel: str | None, lang: str) -> dict[str, Any]:
    """What replaces the modal once the request is saved: where it went, and what approvers will check."""
    lang = labels.lang_of(lang)
    fr = lang == "fr"
    blocks = [section(vendors.submitted_text(recipient, review_channel, lang))]
    lines = vendors.warning_lines(recipient.warnings, lang)
    if lines:
        blocks.append(section(macro("bot_vendors.mrkdwn", "warnings", items=lines, lang=lang)))
    return {
        "type": "modal",
        "callback_id": DONE_CALLBACK_ID,
        "title": plain("Demande envoyée" if fr else "Request sent", 24),
        "close": plain("Fermer" if fr else "Close", 24),
        "blocks": blocks,
    }


def _location_blocks(slot: int, lang: str) -> list[dict[str, Any]]:
    fr = lang == "fr"
    first = slot == 0
    title = f"Lieu {slot + 1}" if fr else f"Place {slot + 1}"
    if not first:
        title += " (facultatif)" if fr else " (optional)"
    return [
        {"type": "header", "text": plain(title)},
        _input(
            location_block(slot, "country"),
            "Pays" if fr else "Country",
            _select(_country_groups(lang), groups=True),
            optional=True,
            hint=(
                "Lieu de stockage, de traitement, de sauvegarde ou d'accès à distance, pas le siège social."
                if fr
                else "Where data is stored, processed, backed up or accessed from, not the corporate seat."
            )
            if first
            else None,
        ),
        _input(
            location_block(slot, "country_other"),
            "Autre pays (code ISO ou nom)" if fr else "Other country (ISO code or name)",
            _text(60),
            optional=True,
        ),
        _input(location_block(slot, "city"), "Ville" if fr else "City", _text(CITY_MAX), optional=True),
        _input(
            location_block(slot, "use"),
            "Usage" if fr else "Use",
            _select(_use_options(lang), initial=LocationUse.processing.value),
            optional=True,
        ),
        _input(
            location_block(slot, "mechanism"),
            "Garantie de transfert" if fr else "Transfer safeguard",
            _select(_mechanism_options(lang)),
            optional=True,
            hint="Inutile dans l'EEE." if fr else "Not needed inside the EEA.",
        ),
        _input(
            location_block(slot, "scc_module"),
            "Module des clauses contractuelles types" if fr else "Standard contractual clauses module",
            _select([_option(labels.scc_module(m, lang), str(m)) for m in (1, 2, 3, 4)]),
            optional=True,
        ),
    ]


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str | None = None
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": {**element, "action_id": block_id},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _text(max_length: int, multiline: bool = False) -> dict[str, Any]:
    return {"type": "plain_text_input", "max_length": max_length, "multiline": multiline}


def _option(text: str, value: str, description: str | None = None) -> dict[str, Any]:
    option: dict[str, Any] = {"text": plain(text), "value": value}
    if description:
        option["description"] = plain(description)
    return option


def _select(options: list[dict[str, Any]], *, initial: str | None = None, groups: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "static_select"}
    element["option_groups" if groups else "options"] = options
    if initial is not None:
        element["initial_option"] = next(o for o in options if o["value"] == initial)
    return element


def _kind_options(lang: str) -> list[dict[str, Any]]:
    kinds = recipient_kinds()
    return [_option(kinds[k.value].label(lang) if k.value in kinds else k.value, k.value) for k in RecipientKind]


def _role_options(lang: str) -> list[dict[str, Any]]:
    return [_option(labels.role(r.value, lang), r.value) for r in Role]


def _criticality_options(lang: str) -> list[dict[str, Any]]:
    return [_option(labels.criticality(c.value, lang), c.value) for c in Criticality]


def _use_options(lang: str) -> list[dict[str, Any]]:
    return [_option(i18n.use_label(u.value, lang), u.value) for u in LocationUse]


def _mechanism_options(lang: str) -> list[dict[str, Any]]:
    return [_option(i18n.mechanism_label(m.value, lang), m.value) for m in Mechanism]


def _category_groups(lang: str) -> list[dict[str, Any]]:
    fr = lang == "fr"
    known = data_categories().values()
    common = [_option(c.label(lang), c.code) for c in known if not c.sensitive]
    sensitive = [_option(f"⚠ {c.label(lang)} ({labels.basis(c.code, lang)})", c.code) for c in known if c.sensitive]
    return [
        {"label": plain("Courantes" if fr else "Common"), "options": common},
        {"label": plain("⚠ Sensibles" if fr else "⚠ Sensitive"), "options": sensitive},
    ]


@cache
def _country_groups(lang: str) -> list[dict[str, Any]]:
    """EEA, adequacy, then common third countries: the groups say which need a safeguard."""
    fr = lang == "fr"
    eea = sorted(eea_countries())
    adequacy = sorted(c for c in adequacy_list().decisions if c not in eea_countries())
    others = sorted(c for c in COMMON_THIRD_COUNTRIES if c not in eea and c not in adequacy and is_known_country(c))
    groups = [
        ("EEE : aucune garantie requise" if fr else "EEA: no safeguard needed", eea),
        ("Décision d'adéquation" if fr else "Adequacy decision", adequacy),
        ("Autres pays : garantie requise" if fr else "Other countries: safeguard required", others),
    ]
    result = []
    budget = MAX_OPTIONS
    for title, codes in groups:
        options = sorted(
            (_option(f"{country_name(code, lang)} ({code})", code) for code in codes),
            key=lambda o: _fold(o["text"]["text"]),
        )[:budget]
        budget -= len(options)
        if options:
            result.append({"label": plain(title), "options": options})
    return result


# ---------------------------------------------------------------- reading a submission


def read(values: dict[str, Any], lang: str) -> Form:
    """The request typed in the modal; form-level errors (a place without a country...) block by block."""
    lang = labels.lang_of(lang)
    errors: dict[str, str] = {}
    locations: list[dict[str, Any]] = []
    slots: list[Slot] = []
    for slot in range(MAX_LOCATIONS):
        picked = _selected(values, location_block(slot, "country"))
        typed = _text_value(values, location_block(slot, "country_other"))
        city = _text_value(values, location_block(slot, "city"))
        mechanism = _selected(values, location_block(slot, "mechanism"))
        module = _selected(values, location_block(slot, "scc_module"))
        use = _selected(values, location_block(slot, "use")) or LocationUse.processing.value
        country_block = location_block(slot, "country")
        country = picked
        if typed:
            country_block = location_block(slot, "country_other")
            country = resolve_country(typed)
            if country is None:
                errors[country_block] = problems.message("unknown_country", lang)
                continue
            if picked and picked != country:
                errors[country_block] = problems.message("two_countries", lang)
        if not country:
            if city or mechanism or module:
                errors[location_block(slot, "country")] = problems.message("location_without_country", lang)
            continue
        location: dict[str, Any] = {"country": country, "use": use, "city": city}
        if mechanism:
            location["mechanism"] = mechanism
        if module:
            location["scc_module"] = int(module) if module.isdigit() else module  # msgspec refuses garbage
        locations.append(location)
        slots.append(Slot(slot=slot, country_block=country_block))
    if not locations and not errors:
        errors[location_block(0, "country")] = problems.message("no_location", lang)
    raw: dict[str, Any] = {
        "name": _text_value(values, NAME),
        "legal_name": _text_value(values, LEGAL_NAME),
        "service_description": _text_value(values, SERVICE),
        "kind": _selected(values, KIND),
        "role": _selected(values, ROLE),
        "criticality": _selected(values, CRITICALITY) or Criticality.medium.value,
        "public": "public" in _multi(values, PUBLIC),
        "dpa_signed_on": _date(values, DPA),
        "data_categories": _multi(values, CATEGORIES),
        "solutions": _multi(values, SOLUTIONS),
        "locations": locations,
        "status": "proposed",
    }
    for required in (NAME, KIND, ROLE):
        if not raw[required]:
            errors[required] = problems.message("required", lang)
    if errors:
        return Form(data=None, errors=errors, slots=slots)
    try:
        data = msgspec.convert(raw, RecipientCreate)
    except msgspec.ValidationError as exc:
        match = _MSGSPEC_PATH.search(str(exc))
        path = match.group("path") if match else NAME
        return Form(data=None, errors={block_for(path, slots): str(exc).split(" - at ")[0][:300]}, slots=slots)
    return Form(data=data, slots=slots)


def errors_for(found: Iterable[Problem], slots: Sequence[Slot], lang: str) -> dict[str, str]:
    """Each problem on its input, in the user's language; several on one input are joined."""
    errors: dict[str, list[str]] = {}
    for problem in found:
        block = block_for(problem.field, slots)
        text = problems.describe(
            problem.code,
            lang,
            fallback=problem.message,
            country=_str(problem.extra.get("country")),
            accepted=[str(m) for m in problem.extra.get("accepted_mechanisms") or ()],  # type: ignore[union-attr]
        )
        if block == NAME and not problem.field.startswith(NAME):
            text = f"{problem.field}: {text}"
        errors.setdefault(block, [])
        if text not in errors[block]:
            errors[block].append(text)
    return {block: " · ".join(texts)[:500] for block, texts in errors.items()}


def block_for(field_path: str, slots: Sequence[Slot]) -> str:
    """The input block of a problem's field (`locations[1].mechanism`, `data_categories[0]`, `name`)."""
    match = _FIELD.match(field_path or "")
    if not match:
        return NAME
    head, index, tail = match.group("head"), match.group("index"), match.group("tail")
    if head == "locations":
        if index is None or int(index) >= len(slots):
            return location_block(0, "country")
        slot = slots[int(index)]
        if tail in (None, "country"):
            return slot.country_block
        part = tail if tail in LOCATION_PARTS else "mechanism"
        return location_block(slot.slot, part)
    if head in (NAME, LEGAL_NAME, SERVICE, KIND, ROLE, CATEGORIES, SOLUTIONS, PUBLIC, CRITICALITY, DPA):
        return head
    return NAME


def resolve_country(text: str) -> str | None:
    """An ISO alpha-2 code from `MX`, `mex`, `Mexique` or `Mexico`; None if nothing matches."""
    typed = text.strip()
    if not typed:
        return None
    if len(typed) == 2 and is_known_country(typed.upper()):
        return typed.upper()
    return _country_index().get(_fold(typed))


@cache
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        names = [country.alpha_3, country.name, getattr(country, "common_name", None)]
        names += [country_name(code, lang) for lang in i18n.LANGS]
        for name in names:
            if name:
                index.setdefault(_fold(name), code)
    return index


def _fold(text: str) -> str:
    plain_text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", plain_text.casefold()).strip()


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _state(values: dict[str, Any], block: str) -> dict[str, Any]:
    state = (values.get(block) or {}).get(block)
    return state if isinstance(state, dict) else {}


def _text_value(values: dict[str, Any], block: str) -> str:
    return str(_state(values, block).get("value") or "").strip()


def _selected(values: dict[str, Any], block: str) -> str | None:
    option = _state(values, block).get("selected_option")
    return str(option["value"]) if isinstance(option, dict) and option.get("value") else None


def _multi(values: dict[str, Any], block: str) -> list[str]:
    options = _state(values, block).get("selected_options") or []
    return [str(o["value"]) for o in options if isinstance(o, dict) and o.get("value")]


def _date(values: dict[str, Any], block: str) -> str | None:
    value = _state(values, block).get("selected_date")
    return str(value) if value else None

"""The rules a recipient must satisfy before it is saved, whatever the surface it came through.

Errors name the field they belong to (`locations[1].mechanism`), so that the API can return them and a
Slack modal can show each one inline beside its input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from registry_api.domain.enums import Mechanism, Role, Status
from registry_api.domain.reference import AdequacyList, data_categories
from registry_api.domain.transfers import LocationFacts, assess_location

# Known certifications under a stable key; anything else is kept as typed.
CERTIFICATION_ALIASES = {
    "iso27001": "iso27001",
    "iso27701": "iso27701",
    "iso27017": "iso27017",
    "iso27018": "iso27018",
    "soc2": "soc2",
    "soc2type2": "soc2",
    "hds": "hds",
    "secnumcloud": "secnumcloud",
    "dpf": "dpf",
    "euusdpf": "dpf",
    "dataprivacyframework": "dpf",
    "euusdataprivacyframework": "dpf",
    "pcidss": "pci_dss",
    "c5": "c5",
}


def normalise_certification(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    key = re.sub(r"[^a-z0-9]", "", plain)
    return CERTIFICATION_ALIASES.get(key, text.strip())


def normalise_certifications(items: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item.strip():
            seen.setdefault(normalise_certification(item), None)
    return list(seen)


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    code: str
    message: str
    extra: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"field": self.field, "code": self.code, "message": self.message, **self.extra}


@dataclass(frozen=True, slots=True)
class DraftLocation:
    country: str
    use: str
    mechanism: Mechanism | None
    scc_module: int | None
    tia_on: object | None


@dataclass(frozen=True, slots=True)
class Draft:
    """What the rules look at: a recipient as it would be saved."""

    role: Role
    status: Status
    certifications: tuple[str, ...]
    data_categories: tuple[str, ...]
    locations: tuple[DraftLocation, ...]
    dpa_signed: bool


@dataclass(frozen=True, slots=True)
class Verdict:
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def check_recipient(draft: Draft, adequacy: AdequacyList | None = None) -> Verdict:
    errors: list[Problem] = []
    warnings: list[Problem] = []
    known = data_categories()
    for i, code in enumerate(draft.data_categories):
        if code not in known:
            errors.append(
                Problem(
                    f"data_categories[{i}]",
                    "unknown_data_category",
                    f"unknown data category {code!r}",
                    {"accepted": sorted(known)},
                )
            )
    if len(set(draft.data_categories)) != len(draft.data_categories):
        errors.append(Problem("data_categories", "duplicate", "a data category is listed twice"))
    sensitive = sorted(c for c in set(draft.data_categories) if c in known and known[c].sensitive)
    if sensitive:
        warnings.append(
            Problem(
                "data_categories",
                "sensitive_data",
                "receives sensitive data: " + ", ".join(f"{c} ({known[c].basis})" for c in sensitive),
                {"categories": sensitive},
            )
        )
    certifications = frozenset(draft.certifications)
    for i, loc in enumerate(draft.locations):
        facts = LocationFacts(
            country=loc.country,
            use=loc.use,  # type: ignore[arg-type]
            mechanism=loc.mechanism,
            scc_module=loc.scc_module,
            has_tia=loc.tia_on is not None,
            label=f"locations[{i}]",
        )
        for finding in assess_location(facts, draft.role, certifications, adequacy).findings:
            target = f"locations[{i}]." + ("country" if finding.code == "unknown_country" else "mechanism")
            if finding.code.startswith("scc_module"):
                target = f"locations[{i}].scc_module"
            problem = Problem(
                target,
                finding.code,
                finding.message,
                {
                    "country": finding.country,
                    "location": finding.location,
                    "accepted_mechanisms": list(finding.accepted),
                },
            )
            (errors if finding.level == "error" else warnings).append(problem)
    if not draft.locations and draft.role != Role.authority:
        warnings.append(
            Problem("locations", "locations_missing", "no processing location recorded: where does the data go?")
        )
    if draft.role == Role.subprocessor and not draft.dpa_signed and draft.status == Status.active:
        warnings.append(
            Problem("dpa_signed_on", "dpa_missing", "no signed data processing agreement (art. 28(3)) recorded")
        )
    return Verdict(tuple(errors), tuple(warnings))

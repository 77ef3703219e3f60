"""Chapter V transfer rules: which safeguard a processing location needs, and whether the one given holds.

One pure function serves the API, Slack, the CLI `check`, imports and the periodic re-check, so that a
country is judged the same way everywhere. Findings carry the country, the location and the mechanisms
that would be accepted, so that a refusal tells the user what to do next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from registry_api.domain.enums import LocationUse, Mechanism, Role
from registry_api.domain.reference import AdequacyList, adequacy_list, eea_countries, is_known_country

ART46 = (
    Mechanism.scc,
    Mechanism.bcr,
    Mechanism.code_of_conduct,
    Mechanism.certification,
    Mechanism.ad_hoc_clauses,
)
DPF_CERTIFICATION = "dpf"

# SCC 2021/914 module by the recipient's role: processor to processor for subprocessors (module 3),
# controller to processor for the company's own vendors (module 2), controller to controller for partners.
EXPECTED_SCC_MODULES: dict[Role, tuple[int, ...]] = {
    Role.subprocessor: (3,),
    Role.vendor: (2,),
    Role.group_entity: (2, 3),
    Role.partner: (1,),
}


@dataclass(frozen=True, slots=True)
class LocationFacts:
    """What the rule needs to know of one location; `label` names it in messages (e.g. `locations[1]`)."""

    country: str
    use: LocationUse
    mechanism: Mechanism | None = None
    scc_module: int | None = None
    has_tia: bool = False
    label: str = "location"


@dataclass(frozen=True, slots=True)
class Finding:
    level: Literal["error", "warning"]
    code: str
    country: str
    location: str
    message: str
    accepted: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "level": self.level,
            "code": self.code,
            "country": self.country,
            "location": self.location,
            "message": self.message,
            "accepted_mechanisms": list(self.accepted),
        }


@dataclass(frozen=True, slots=True)
class Assessment:
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def needs_safeguard(country: str) -> bool:
    return country not in eea_countries()


def accepted_mechanisms(
    country: str, certifications: frozenset[str] = frozenset(), adequacy: AdequacyList | None = None
) -> tuple[Mechanism, ...]:
    """Mechanisms that would make a transfer to `country` lawful; empty inside the EEA (none needed)."""
    if not needs_safeguard(country):
        return ()
    adequacy = adequacy or adequacy_list()
    first: tuple[Mechanism, ...] = ()
    if adequacy.get(country) is not None:
        if country == "US":
            first = (Mechanism.dpf, Mechanism.adequacy) if DPF_CERTIFICATION in certifications else (Mechanism.dpf,)
        else:
            first = (Mechanism.adequacy,)
    return (*first, *ART46, Mechanism.derogation_art49)


def assess_location(
    facts: LocationFacts,
    role: Role,
    certifications: frozenset[str] = frozenset(),
    adequacy: AdequacyList | None = None,
) -> Assessment:
    """Judge one location of a recipient; errors block the write, warnings are returned to the user."""
    adequacy = adequacy or adequacy_list()
    country, where = facts.country, f"{facts.label} ({facts.country}, {facts.use})"
    found: list[Finding] = []

    def add(level: Literal["error", "warning"], code: str, message: str, accepted=()) -> None:
        found.append(Finding(level, code, country, where, message, tuple(str(m) for m in accepted)))

    if not is_known_country(country):
        add("error", "unknown_country", f"{country!r} is not an ISO 3166-1 alpha-2 country code")
        return Assessment(tuple(found))
    mechanism = facts.mechanism
    if not needs_safeguard(country):
        if mechanism is not None:
            add("warning", "safeguard_not_needed", f"{country} is in the EEA: no transfer safeguard is needed")
        return Assessment(tuple(found))
    if role == Role.authority:
        # Authorities receive data on legal requisition and are not contractually bound: no Chapter V tool.
        return Assessment(tuple(found))

    accepted = accepted_mechanisms(country, certifications, adequacy)
    decision = adequacy.get(country)
    if mechanism is None:
        add(
            "error",
            "safeguard_required",
            f"{country} is outside the EEA: a transfer safeguard is required for {where}",
            accepted,
        )
    elif mechanism == Mechanism.adequacy:
        if decision is None:
            add(
                "error",
                "no_adequacy",
                f"{country} has no adequacy decision (as of {adequacy.as_of})",
                accepted,
            )
        elif country == "US" and DPF_CERTIFICATION not in certifications:
            add(
                "error",
                "dpf_required",
                "US adequacy covers only organisations certified under the EU-US Data Privacy Framework; "
                "record the DPF certification or use another mechanism",
                accepted,
            )
        elif decision.partial:
            add("warning", "partial_adequacy", f"{country} adequacy is partial: {decision.scope_note}")
    elif mechanism == Mechanism.dpf:
        if country != "US":
            add("error", "dpf_us_only", f"the EU-US Data Privacy Framework does not cover {country}", accepted)
        elif decision is None:
            add(
                "error",
                "no_adequacy",
                f"the EU-US DPF decision is not in force (as of {adequacy.as_of})",
                accepted,
            )
        elif DPF_CERTIFICATION not in certifications:
            add(
                "error",
                "dpf_required",
                "the DPF covers only organisations on the Data Privacy Framework List: record the DPF certification",
                accepted,
            )
    elif mechanism == Mechanism.scc:
        expected = EXPECTED_SCC_MODULES.get(role, (1, 2, 3, 4))
        if facts.scc_module is None:
            add("error", "scc_module_required", f"SCC 2021/914 need a module (expected {_modules(expected)})")
        elif facts.scc_module not in (1, 2, 3, 4):
            add("error", "scc_module_invalid", "SCC 2021/914 modules are 1 to 4")
        elif facts.scc_module not in expected:
            add(
                "warning",
                "scc_module_mismatch",
                f"SCC module {facts.scc_module} given for a {role}: expected {_modules(expected)}",
            )
    elif mechanism == Mechanism.derogation_art49:
        add(
            "warning",
            "art49_derogation",
            "an art. 49 derogation is for occasional transfers, not a routine basis",
            accepted,
        )
    elif mechanism == Mechanism.ad_hoc_clauses:
        add("warning", "ad_hoc_authorisation", "ad hoc clauses need the supervisory authority's authorisation")
    if mechanism in ART46 and not facts.has_tia:
        add("warning", "tia_missing", f"no transfer impact assessment recorded for {where}")
    return Assessment(tuple(found))


def assess_locations(
    locations: list[LocationFacts],
    role: Role,
    certifications: frozenset[str] = frozenset(),
    adequacy: AdequacyList | None = None,
) -> Assessment:
    findings: list[Finding] = []
    for facts in locations:
        findings.extend(assess_location(facts, role, certifications, adequacy).findings)
    return Assessment(tuple(findings))


def _modules(modules: tuple[int, ...]) -> str:
    return " or ".join(f"module {m}" for m in modules)

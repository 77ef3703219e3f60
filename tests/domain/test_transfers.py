"""Chapter V rules over every country and mechanism (hypothesis), and the cases the issue names."""

from __future__ import annotations

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry_api.domain.enums import LocationUse, Mechanism, Role
from registry_api.domain.reference import adequacy_list, eea_countries
from registry_api.domain.transfers import ART46, LocationFacts, accepted_mechanisms, assess_location

COUNTRIES = sorted(c.alpha_2 for c in pycountry.countries)
countries = st.sampled_from(COUNTRIES)
mechanisms = st.one_of(st.none(), st.sampled_from(list(Mechanism)))
roles = st.sampled_from(list(Role))
uses = st.sampled_from(list(LocationUse))
certs = st.frozensets(st.sampled_from(["dpf", "iso27001", "soc2"]))


def judge(country, mechanism=None, role=Role.subprocessor, certifications=frozenset(), scc_module=3, tia=True):
    facts = LocationFacts(country, LocationUse.storage, mechanism, scc_module, tia, "locations[0]")
    return assess_location(facts, role, certifications)


def test_the_cases_of_the_issue():
    assert judge("IN", Mechanism.adequacy).errors[0].country == "IN"
    assert judge("IN", Mechanism.scc, scc_module=3).ok
    assert judge("US", Mechanism.adequacy).errors[0].code == "dpf_required"
    assert judge("US", Mechanism.adequacy, certifications=frozenset({"dpf"})).ok
    assert judge("US", Mechanism.dpf, certifications=frozenset({"dpf"})).ok
    assert judge("US", Mechanism.dpf).errors[0].code == "dpf_required"
    assert judge("FR").ok and not judge("FR").findings
    assert judge("XX").errors[0].code == "unknown_country"
    assert judge("GB", Mechanism.adequacy).ok


def test_partial_adequacy_carries_its_scope_note():
    warnings = judge("CA", Mechanism.adequacy).warnings
    assert warnings and "PIPEDA" in warnings[0].message


def test_art49_is_accepted_with_a_warning():
    verdict = judge("CN", Mechanism.derogation_art49)
    assert verdict.ok and verdict.warnings[0].code == "art49_derogation"


def test_scc_module_must_fit_the_role():
    assert judge("IN", Mechanism.scc, scc_module=None).errors[0].code == "scc_module_required"
    mismatch = judge("IN", Mechanism.scc, scc_module=2, role=Role.subprocessor)
    assert mismatch.ok and mismatch.warnings[0].code == "scc_module_mismatch"
    assert not judge("IN", Mechanism.scc, scc_module=2, role=Role.vendor).warnings


def test_a_fallen_dpf_breaks_us_transfers():
    without_us = adequacy_list().without("US")
    facts = LocationFacts("US", LocationUse.processing, Mechanism.dpf, None, False, "locations[0]")
    assert assess_location(facts, Role.subprocessor, frozenset({"dpf"})).ok
    assert not assess_location(facts, Role.subprocessor, frozenset({"dpf"}), without_us).ok


@given(countries, mechanisms, roles, uses, certs, st.one_of(st.none(), st.integers(0, 5)), st.booleans())
def test_rule_is_total_and_consistent(country, mechanism, role, use, certifications, module, tia):
    facts = LocationFacts(country, use, mechanism, module, tia, "locations[0]")
    verdict = assess_location(facts, role, certifications)
    for finding in verdict.findings:
        assert finding.country == country
        assert "locations[0]" in finding.location
    if country in eea_countries():
        assert verdict.ok  # the EEA never needs a safeguard
    elif role == Role.authority:
        assert verdict.ok  # authorities act on legal requisition, outside Chapter V contracts
    elif mechanism is None:
        assert [f.code for f in verdict.errors] == ["safeguard_required"]
        assert set(verdict.errors[0].accepted) == {str(m) for m in accepted_mechanisms(country, certifications)}
    elif mechanism == Mechanism.adequacy:
        decision = adequacy_list().get(country)
        expected_ok = decision is not None and (country != "US" or "dpf" in certifications)
        assert verdict.ok == expected_ok
    elif mechanism == Mechanism.dpf:
        assert verdict.ok == (country == "US" and "dpf" in certifications)
    elif mechanism == Mechanism.scc:
        assert verdict.ok == (module in (1, 2, 3, 4))
    else:
        assert verdict.ok  # BCR, codes, certifications, ad hoc clauses, art. 49 (with warnings)
    if not verdict.ok and country not in eea_countries():
        accepted = set(accepted_mechanisms(country, certifications))
        for error in verdict.errors:
            if error.accepted:
                assert (
                    mechanism is None
                    or str(mechanism) not in error.accepted
                    or error.code.startswith("scc")
                    or error.code == "dpf_required"  # accepted once the certification is recorded
                )
                assert set(error.accepted) <= {str(m) for m in accepted}


@given(countries, certs)
def test_accepted_mechanisms_are_accepted(country, certifications):
    """Every mechanism the rule proposes passes the rule, given what it needs (the DPF certification for
    the US decision, an SCC module fitting the role)."""
    for mechanism in accepted_mechanisms(country, certifications):
        held = certifications | {"dpf"} if mechanism in (Mechanism.dpf, Mechanism.adequacy) else certifications
        assert judge(country, mechanism, certifications=held, scc_module=3).ok, mechanism


@pytest.mark.parametrize("mechanism", ART46)
def test_art46_without_tia_is_flagged(mechanism):
    verdict = judge("IN", mechanism, tia=False)
    assert "tia_missing" in {w.code for w in verdict.warnings}

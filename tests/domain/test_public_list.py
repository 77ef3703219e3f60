"""Tests of the public list versions: diff, replay of stored diffs, content hash and effective dates.

Property tests carry most of the weight because the promise is general: for *any* two snapshots, the
stored JSON diff must rebuild the newer one exactly, otherwise a past version shown to customers would
not be the one that was announced. Example tests pin the contractual rules (what needs notice).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry_api.domain.public_list import (
    MISSING,
    SAFEGUARD_FIELDS,
    DiffDoesNotApply,
    EarlyDateWithoutReason,
    EntryChange,
    FieldChange,
    ListDiff,
    Snapshot,
    apply,
    apply_dict,
    canonical,
    content_hash,
    diff,
    effective_date,
    objection_deadline,
)

# No per-example deadline: timings depend on the machine's load (the suite shares CI runners), and a
# slow example is not a wrong one; the properties, not the speed, are under test here.
props = settings(deadline=None)

# --- strategies ---------------------------------------------------------------------------------------

# A tiny slug alphabet so that generated snapshots share recipients and "changed" is exercised often.
slugs = st.sampled_from(["a", "b", "c", "ab", "ba", "nimbus-cloud"])

# Small vocabularies keep generation cheap while still hitting the tricky cases: True vs 1, "" vs None,
# non-ASCII text, nested dicts whose keys can be reordered.
scalars = st.none() | st.booleans() | st.integers(min_value=-2, max_value=2) | st.sampled_from(["", "x", "é"])
keys = st.sampled_from(["a", "b", "", "é"])
# Two levels of nesting (lists and dicts of scalars, lists or dicts) without st.recursive, slow to draw.
flat_values = scalars | st.lists(scalars, max_size=3) | st.dictionaries(keys, scalars, max_size=2)
json_values = flat_values | st.lists(flat_values, max_size=2) | st.dictionaries(keys, flat_values, max_size=3)

countries = st.sampled_from(["FR", "DE", "US", "IN", "CH"])
mechanisms = st.sampled_from([None, "scc", "bcr", "dpf"])
locations = st.lists(
    st.fixed_dictionaries(
        {
            "country": countries,
            "city": st.sampled_from(["Paris", "Berlin", "Dallas", ""]),
            "use": st.sampled_from(["storage", "support", "processing"]),
            "mechanism": mechanisms,
            "scc_module": st.sampled_from([None, 2, 3]),
        }
    ),
    max_size=2,
)

FIELD_NAMES = [
    "name",
    "legal_name",
    "contact",
    "service",
    "kind",
    "data_categories",
    "locations",
    "solutions",
]
field_values: dict[str, st.SearchStrategy[Any]] = {
    "locations": locations,
    "data_categories": st.lists(st.sampled_from(["connection", "identity", "billing"]), max_size=2),
}


@st.composite
def entries(draw: st.DrawFn) -> dict[str, Any]:
    """A public entry: some known fields (realistic values or arbitrary JSON) and now and then an odd key."""
    names = draw(st.lists(st.sampled_from(FIELD_NAMES), unique=True, max_size=5))
    entry = {n: draw(field_values.get(n, json_values) | json_values) for n in names}
    extra = draw(st.dictionaries(keys, json_values, max_size=1))
    entry.update({k: v for k, v in extra.items() if k not in entry})
    return entry


snapshots = st.dictionaries(slugs, entries(), max_size=5)


@st.composite
def mutated(draw: st.DrawFn, base: Snapshot) -> Snapshot:
    """A snapshot derived from `base` by dropping, editing and adding recipients (fields set or deleted)."""
    new: Snapshot = {}
    for slug, entry in base.items():
        action = draw(st.sampled_from(["keep", "drop", "edit"]))
        if action == "keep":
            new[slug] = copy.deepcopy(entry)
        elif action == "edit":
            edited = copy.deepcopy(entry)
            for name in draw(st.lists(st.sampled_from([*FIELD_NAMES, *entry]), unique=True, max_size=3)):
                if name in edited and draw(st.booleans()):
                    del edited[name]
                else:
                    edited[name] = draw(field_values.get(name, json_values) | json_values)
            new[slug] = edited
    for slug, entry in draw(st.dictionaries(slugs, entries(), max_size=3)).items():
        new.setdefault(slug, entry)
    return new


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Snapshot, Snapshot]:
    """Two snapshots, either unrelated or one derived from the other (so that both regimes are covered)."""
    a = draw(snapshots)
    b = draw(mutated(a)) if draw(st.booleans()) else draw(snapshots)
    return a, b


def reorder(value: Any, rnd: random.Random) -> Any:
    """Same JSON content, dict keys in another order at every depth (list order is content, kept)."""
    if isinstance(value, dict):
        keys = list(value)
        rnd.shuffle(keys)
        return {k: reorder(value[k], rnd) for k in keys}
    if isinstance(value, list):
        return [reorder(v, rnd) for v in value]
    return value


def through_json(value: Any) -> Any:
    """What the database gives back after storing a JSON column."""
    return json.loads(json.dumps(value))


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))
reasons = st.none() | st.sampled_from(["", "   ", "\n", "urgent replacement of Nimbus after outage"])


@st.composite
def diffs(draw: st.DrawFn) -> ListDiff:
    a, b = draw(pairs())
    return diff(a, b)


# --- properties of diff / apply / hash -----------------------------------------------------------------


@props
@given(pairs())
def test_stored_json_diff_rebuilds_the_new_snapshot(pair: tuple[Snapshot, Snapshot]) -> None:
    a, b = pair
    stored = through_json(diff(a, b).to_dict(a, b))
    rebuilt = apply_dict(a, stored)
    assert rebuilt == b
    assert canonical(rebuilt) == canonical(b)


@props
@given(pairs())
def test_apply_rebuilds_the_new_snapshot(pair: tuple[Snapshot, Snapshot]) -> None:
    a, b = pair
    assert canonical(apply(a, diff(a, b), b)) == canonical(b)


@props
@given(pairs())
def test_pure_inputs_not_mutated_and_result_not_aliased(pair: tuple[Snapshot, Snapshot]) -> None:
    a, b = pair
    a0, b0 = copy.deepcopy(a), copy.deepcopy(b)
    d = diff(a, b)
    stored = d.to_dict(a, b)
    rebuilt = apply_dict(a, stored)
    assert a == a0 and b == b0
    for entry in rebuilt.values():
        entry["__touched__"] = True
        for v in entry.values():
            if isinstance(v, list):
                v.append("x")
            elif isinstance(v, dict):
                v["__touched__"] = True
    assert a == a0 and b == b0
    assert stored == d.to_dict(a0, b0)


@props
@given(snapshots, st.randoms(use_true_random=False))
def test_no_diff_with_itself_or_a_reordered_copy(a: Snapshot, rnd: random.Random) -> None:
    assert diff(a, a).empty
    shuffled = reorder(a, rnd)
    assert diff(a, shuffled).empty
    assert diff(shuffled, a).empty
    assert canonical(shuffled) == canonical(a)
    assert content_hash(shuffled) == content_hash(a)


@props
@given(pairs())
def test_hash_equal_iff_canonical_equal_iff_no_diff(pair: tuple[Snapshot, Snapshot]) -> None:
    a, b = pair
    same_canonical = canonical(a) == canonical(b)
    assert (content_hash(a) == content_hash(b)) == same_canonical
    assert diff(a, b).empty == same_canonical
    assert content_hash(a) == hashlib.sha256(canonical(a)).hexdigest()


@props
@given(pairs())
def test_diff_partitions_the_slugs(pair: tuple[Snapshot, Snapshot]) -> None:
    a, b = pair
    d = diff(a, b)
    assert d.added == tuple(sorted(b.keys() - a.keys()))
    assert d.removed == tuple(sorted(a.keys() - b.keys()))
    changed = [ec.slug for ec in d.changed]
    assert changed == sorted(s for s in a.keys() & b.keys() if canonical({s: a[s]}) != canonical({s: b[s]}))
    for ec in d.changed:
        names = [fc.field for fc in ec.fields]
        assert ec.fields and names == sorted(set(names))
        for fc in ec.fields:
            assert fc.old == a[ec.slug].get(fc.field, MISSING)
            assert fc.new == b[ec.slug].get(fc.field, MISSING)
            assert fc.old is MISSING or fc.new is MISSING or canonical({"v": fc.old}) != canonical({"v": fc.new})


@props
@given(pairs())
def test_diff_is_its_own_inverse(pair: tuple[Snapshot, Snapshot]) -> None:
    a, b = pair
    forward, backward = diff(a, b), diff(b, a)
    assert backward.added == forward.removed
    assert backward.removed == forward.added
    assert backward.changed == tuple(
        EntryChange(ec.slug, tuple(FieldChange(fc.field, fc.new, fc.old) for fc in ec.fields)) for ec in forward.changed
    )
    assert apply_dict(b, through_json(backward.to_dict(b, a))) == a


@props
@given(pairs())
def test_needs_notice_iff_addition_or_safeguard_change(pair: tuple[Snapshot, Snapshot]) -> None:
    a, b = pair
    d = diff(a, b)
    safeguard_changed = any(
        canonical({"v": a[s].get(f)}) != canonical({"v": b[s].get(f)}) or ((f in a[s]) != (f in b[s]))
        for s in a.keys() & b.keys()
        for f in SAFEGUARD_FIELDS
    )
    assert d.needs_notice == bool(d.added or safeguard_changed)


@settings(props, max_examples=50)
@given(st.lists(snapshots, min_size=2, max_size=4))
def test_history_replays_from_stored_diffs(versions: list[Snapshot]) -> None:
    """Version n is rebuilt from version 0 and the chain of stored diffs, as the public page does."""
    stored = [through_json(diff(p, n).to_dict(p, n)) for p, n in itertools.pairwise(versions)]
    current = versions[0]
    for expected, d in zip(versions[1:], stored, strict=True):
        current = apply_dict(current, d)
        assert content_hash(current) == content_hash(expected)


@props
@given(pairs(), snapshots)
def test_diff_on_the_wrong_base_fails_loudly(pair: tuple[Snapshot, Snapshot], other: Snapshot) -> None:
    """A stored diff replayed on another base either fails, or that base agreed on all it touches."""
    a, b = pair
    d = diff(a, b)
    try:
        rebuilt = apply_dict(other, through_json(d.to_dict(a, b)))
    except DiffDoesNotApply:
        return
    # It applied: then it did to `other` exactly what it did to `a`, nothing more and nothing less.
    assert diff(other, rebuilt) == d


# --- properties of dates -------------------------------------------------------------------------------


@props
@given(diffs(), dates, st.integers(min_value=0, max_value=90), st.none() | dates, reasons)
def test_effective_date_rules(
    d: ListDiff, announced: date, notice: int, requested: date | None, reason: str | None
) -> None:
    has_reason = bool(reason and reason.strip())
    if requested is not None and requested < announced:
        with pytest.raises(ValueError):
            effective_date(d, announced, notice, requested, reason)
        return
    earliest = announced + timedelta(days=notice)
    if d.needs_notice and requested is not None and requested < earliest and not has_reason:
        with pytest.raises(EarlyDateWithoutReason):
            effective_date(d, announced, notice, requested, reason)
        return
    eff = effective_date(d, announced, notice, requested, reason)
    assert eff >= announced
    if requested is not None:
        assert eff == requested
    elif d.needs_notice:
        assert eff == earliest
    else:
        assert eff == announced
    if d.needs_notice and not has_reason:
        assert eff >= earliest
    deadline = objection_deadline(eff, announced)
    assert announced <= deadline <= eff
    if eff > announced:
        assert deadline == eff - timedelta(days=1)


# --- examples ------------------------------------------------------------------------------------------

NIMBUS: dict[str, Any] = {
    "name": "Nimbus Cloud",
    "legal_name": "Nimbus Cloud SAS",
    "address": "1 rue de la Paix, 75002 Paris",
    "contact": "dpo@nimbus.example",
    "service": "Hosting",
    "kind": "hosting",
    "data_categories": ["connection", "identity"],
    "locations": [{"country": "FR", "city": "Paris", "use": "storage", "mechanism": None, "scc_module": None}],
    "solutions": ["iporta-crm"],
}
MAILER: dict[str, Any] = {
    "name": "Mailer",
    "legal_name": "Mailer Inc.",
    "address": "Dallas, TX",
    "contact": "privacy@mailer.example",
    "service": "Transactional email",
    "kind": "email_delivery",
    "data_categories": ["identity"],
    "locations": [{"country": "US", "city": "Dallas", "use": "processing", "mechanism": "scc", "scc_module": 3}],
    "solutions": ["iporta-crm"],
}
BASE: Snapshot = {"nimbus": NIMBUS, "mailer": MAILER}
MONDAY = date(2025, 3, 3)


def edited(slug: str, **fields: Any) -> Snapshot:
    new = copy.deepcopy(BASE)
    new[slug].update(fields)
    return new


def test_service_wording_change_takes_effect_at_once() -> None:
    d = diff(BASE, edited("nimbus", service="Hosting and backups"))
    assert d.changed == (EntryChange("nimbus", (FieldChange("service", "Hosting", "Hosting and backups"),)),)
    assert not d.needs_notice
    assert effective_date(d, MONDAY, 30) == MONDAY
    assert effective_date(d, MONDAY, 30, requested=MONDAY + timedelta(days=3)) == MONDAY + timedelta(days=3)


def test_contact_change_takes_effect_at_once() -> None:
    assert not diff(BASE, edited("mailer", contact="dpo@mailer.example")).needs_notice


def test_location_change_needs_notice() -> None:
    moved = [{"country": "IN", "city": "Pune", "use": "storage", "mechanism": "scc", "scc_module": 3}]
    d = diff(BASE, edited("nimbus", locations=moved))
    assert d.needs_notice
    assert effective_date(d, MONDAY, 30) == MONDAY + timedelta(days=30)
    assert objection_deadline(MONDAY + timedelta(days=30), MONDAY) == MONDAY + timedelta(days=29)


def test_safeguard_change_inside_a_location_needs_notice() -> None:
    locs = copy.deepcopy(MAILER["locations"])
    locs[0]["mechanism"] = "dpf"
    assert diff(BASE, edited("mailer", locations=locs)).needs_notice


def test_addition_needs_notice() -> None:
    new = {**copy.deepcopy(BASE), "pay": {"name": "Pay", "service": "Payments", "locations": []}}
    d = diff(BASE, new)
    assert d.added == ("pay",) and not d.removed and not d.changed
    assert d.needs_notice
    assert effective_date(d, MONDAY, 14) == MONDAY + timedelta(days=14)


def test_removal_only_takes_effect_the_same_day() -> None:
    new = {"nimbus": copy.deepcopy(NIMBUS)}
    d = diff(BASE, new)
    assert d.removed == ("mailer",) and not d.added and not d.changed
    assert not d.needs_notice
    assert effective_date(d, MONDAY, 30) == MONDAY
    assert objection_deadline(MONDAY, MONDAY) == MONDAY
    assert through_json(d.to_dict(BASE, new))["removed"] == [{"slug": "mailer", "entry": MAILER}]


def test_early_date_without_reason_is_refused() -> None:
    d = diff(BASE, edited("nimbus", locations=[]))
    for reason in (None, "", "  \t"):
        with pytest.raises(EarlyDateWithoutReason):
            effective_date(d, MONDAY, 30, requested=MONDAY + timedelta(days=5), reason=reason)


def test_early_date_with_reason_is_accepted() -> None:
    d = diff(BASE, edited("nimbus", locations=[]))
    reason = "Nimbus lost its Paris region; urgent replacement"
    assert effective_date(d, MONDAY, 30, requested=MONDAY, reason=reason) == MONDAY
    assert effective_date(d, MONDAY, 30, requested=MONDAY + timedelta(days=5), reason=reason) == MONDAY + timedelta(
        days=5
    )


def test_never_before_the_announcement_even_with_reason() -> None:
    d = diff(BASE, edited("nimbus", locations=[]))
    with pytest.raises(ValueError):
        effective_date(d, MONDAY, 30, requested=MONDAY - timedelta(days=1), reason="urgent")
    removal = diff(BASE, {})
    with pytest.raises(ValueError):
        effective_date(removal, MONDAY, 30, requested=MONDAY - timedelta(days=1))
    with pytest.raises(ValueError):
        objection_deadline(MONDAY - timedelta(days=1), MONDAY)


def test_later_date_than_notice_needs_no_reason() -> None:
    d = diff(BASE, edited("nimbus", locations=[]))
    later = MONDAY + timedelta(days=45)
    assert effective_date(d, MONDAY, 30, requested=later) == later


def test_datetimes_and_negative_notice_are_refused() -> None:
    d = diff(BASE, {})
    with pytest.raises(TypeError):
        effective_date(d, datetime(2025, 3, 3, 12), 30)
    with pytest.raises(ValueError):
        effective_date(d, MONDAY, -1)


def test_bool_and_int_are_different_public_values() -> None:
    a: Snapshot = {"x": {"flag": True}}
    b: Snapshot = {"x": {"flag": 1}}
    assert not diff(a, b).empty
    assert content_hash(a) != content_hash(b)
    assert apply_dict(a, through_json(diff(a, b).to_dict(a, b)))["x"]["flag"] is not True


def test_missing_field_and_null_are_distinguished() -> None:
    a: Snapshot = {"x": {"name": "X", "contact": None}}
    b: Snapshot = {"x": {"name": "X"}}
    d = diff(a, b)
    assert d.changed == (EntryChange("x", (FieldChange("contact", None, MISSING),)),)
    stored = through_json(d.to_dict(a, b))
    assert stored["changed"] == [{"slug": "x", "name": "X", "fields": [{"field": "contact", "old": None}]}]
    assert apply_dict(a, stored) == b
    assert apply_dict(b, through_json(diff(b, a).to_dict(b, a))) == a


def test_to_dict_shape() -> None:
    new = edited("nimbus", service="Hosting and backups")
    del new["mailer"]
    new["pay"] = {"name": "Pay"}
    assert diff(BASE, new).to_dict(BASE, new) == {
        "added": [{"slug": "pay", "entry": {"name": "Pay"}}],
        "removed": [{"slug": "mailer", "entry": MAILER}],
        "changed": [
            {
                "slug": "nimbus",
                "name": "Nimbus Cloud",
                "fields": [{"field": "service", "old": "Hosting", "new": "Hosting and backups"}],
            }
        ],
    }


def test_canonical_form() -> None:
    assert canonical({"b": {"z": 1, "a": ["é", None]}, "a": {}}) == '{"a":{},"b":{"a":["é",null],"z":1}}'.encode()


def test_stale_diff_is_refused() -> None:
    v1 = edited("nimbus", service="Hosting and backups")
    stored = through_json(diff(BASE, v1).to_dict(BASE, v1))
    with pytest.raises(DiffDoesNotApply):
        apply_dict(v1, stored)  # already applied: the old value no longer matches
    with pytest.raises(DiffDoesNotApply):
        apply_dict({}, stored)  # the changed recipient is not there
    removal = through_json(diff(BASE, {}).to_dict(BASE, {}))
    with pytest.raises(DiffDoesNotApply):
        apply_dict(v1, removal)  # removed entry differs from the base's
    addition = through_json(diff({}, BASE).to_dict({}, BASE))
    with pytest.raises(DiffDoesNotApply):
        apply_dict(BASE, addition)  # already there


def test_apply_requires_entries_for_additions() -> None:
    d = diff({}, BASE)
    with pytest.raises(DiffDoesNotApply):
        apply({}, d, {"nimbus": NIMBUS})


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"added": {}},
        {"added": [{"entry": {}}]},
        {"added": [{"slug": "a"}]},
        {"changed": [{"slug": "a"}]},
        {"changed": [{"slug": "a", "fields": [{"old": 1}]}]},
        {"changed": [{"slug": "a", "fields": [{"field": "name"}]}]},
        {"changed": [{"slug": "a", "fields": [{"field": "name", "old": 1}, {"field": "name", "old": 1}]}]},
        {"added": [{"slug": "a", "entry": {}}], "removed": [{"slug": "a", "entry": {}}]},
        {"added": [{"slug": "a", "entry": {}}, {"slug": "a", "entry": {}}]},
    ],
)
def test_malformed_stored_diff_is_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        apply_dict({"a": {"name": 1}}, bad)


@settings(props, max_examples=50)
@given(snapshots)
def test_empty_diff_needs_no_notice(a: Snapshot) -> None:
    d = diff(a, copy.deepcopy(a))
    assert d == ListDiff((), (), ())
    assert not d.needs_notice
    assert effective_date(d, MONDAY, 30) == MONDAY

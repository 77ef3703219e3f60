"""Audit cycle rules: when a supplier's next audit is due, which reminder goes out today, the weekly digest.

Every surface (the nightly reminder job, the API, the CLI) asks these functions, so a due date and a
reminder key are computed the same way everywhere. Everything here is pure: dates come in as
`datetime.date`, nothing reads the clock or the database, so the rules can be tested on any calendar.

Reminders are keyed by (audit, step key). The job records the key once sent; `steps_to_send` never returns
a recorded key, which makes re-running the job (after a crash, twice the same day) harmless.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from registry_api.domain.enums import Criticality, Status

DEFAULT_CYCLE_MONTHS: dict[Criticality, int] = {
    Criticality.critical: 12,
    Criticality.high: 12,
    Criticality.medium: 24,
    Criticality.low: 36,
}
REMINDER_OFFSETS = (30, 7, 1)
PULL_FORWARD_DAYS = 30

# Suppliers in these states are no longer (or never were) processing data: auditing them is pointless.
NOT_AUDITED_STATUSES: frozenset[Status] = frozenset({Status.retired, Status.rejected})


class Outcome(StrEnum):
    """Result of an audit; it sets how soon the next one comes (see `next_due`)."""

    passed = "pass"
    findings = "findings"
    failed = "fail"


class PullForwardReason(StrEnum):
    """Events that bring the next audit forward to today + `PULL_FORWARD_DAYS`, recorded with the new date."""

    new_location = "new_location"
    new_country = "new_country"
    new_sensitive_category = "new_sensitive_category"
    failed_audit = "failed_audit"
    lapsed_certification = "lapsed_certification"


def audit_required(status: Status) -> bool:
    """Whether a supplier in `status` has an audit due at all; retired and rejected ones do not."""
    return status not in NOT_AUDITED_STATUSES


def add_months(d: date, months: int) -> date:
    """`d` moved by `months` calendar months, the day clamped to the target month's length.

    Clamping (Jan 31 + 1 month -> Feb 28/29) rather than overflowing into the next month keeps a cycle
    from silently growing by a few days, and keeps the function monotonic in both arguments.
    """
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def next_due(
    criticality: Criticality,
    last_audit: date | None,
    reference: date,
    cycle_months: Mapping[Criticality, int] | None = None,
    outcome: Outcome | None = None,
) -> date:
    """The date the next audit is due.

    - Never audited: `reference` (the day the supplier was created or became active) + `PULL_FORWARD_DAYS`,
      so a new supplier is looked at soon instead of one full cycle after onboarding.
    - After a failed audit: `last_audit` + `PULL_FORWARD_DAYS`, a re-audit once the fixes are due.
    - After findings: half the cycle (at least one month), so remediation is checked before the next
      regular audit.
    - After a pass (or an unrecorded outcome): the full cycle for the criticality.

    `cycle_months` may override some criticalities only; the others keep `DEFAULT_CYCLE_MONTHS`.
    """
    if last_audit is None:
        if outcome is not None:
            raise ValueError("an audit outcome was given without the date of that audit")
        return reference + timedelta(days=PULL_FORWARD_DAYS)
    if outcome is Outcome.failed:
        return last_audit + timedelta(days=PULL_FORWARD_DAYS)
    months = DEFAULT_CYCLE_MONTHS[criticality]
    if cycle_months is not None:
        months = cycle_months.get(criticality, months)
    if months < 1:
        raise ValueError(f"audit cycle for {criticality} must be at least one month, got {months}")
    if outcome is Outcome.findings:
        months = max(1, months // 2)
    return add_months(last_audit, months)


def pulled_forward(current_due: date | None, today: date) -> date:
    """Due date after an event that calls for an earlier audit: today + `PULL_FORWARD_DAYS` unless sooner.

    Taking the minimum means an event never postpones an audit that is already due sooner, or overdue.
    """
    target = today + timedelta(days=PULL_FORWARD_DAYS)
    if current_due is None or target < current_due:
        return target
    return current_due


@dataclass(frozen=True, slots=True)
class ReminderStep:
    """One reminder of an audit.

    `key` is what the job records as sent. `days` is the threshold the step applies from: for "before", the
    offset (sent once `days_left <= days`); for "overdue", the days past due at which its week starts
    (`7 * week`), so `overdue-w1` has `days == 7`.
    """

    key: str
    kind: Literal["before", "overdue"]
    days: int


def _overdue_step(week: int) -> ReminderStep:
    return ReminderStep(f"overdue-w{week}", "overdue", 7 * week)


_MAX_OFFSET = max(REMINDER_OFFSETS)
_BEFORE_STEPS = {o: ReminderStep(f"before-{o}", "before", o) for o in REMINDER_OFFSETS}
# Indexed by days_left (1.._MAX_OFFSET): the step with the smallest offset >= days_left. A table lookup
# keeps `due_step` to a subtraction and an index, with no allocation, for the 100k-supplier nightly run.
_BEFORE_BY_DAYS_LEFT: tuple[ReminderStep | None, ...] = (
    None,
    *(_BEFORE_STEPS[min(o for o in REMINDER_OFFSETS if o >= days_left)] for days_left in range(1, _MAX_OFFSET + 1)),
)
# Ten years of overdue weeks prebuilt; beyond that a step is built on demand (an audit that late is rare).
_OVERDUE_STEPS: tuple[ReminderStep, ...] = tuple(_overdue_step(w) for w in range(522))


def due_step(due: date, today: date) -> ReminderStep | None:
    """The single reminder step that applies today, or None when the audit is more than 30 days away.

    Before the due date it is the smallest offset not below the days left (15 days left -> "before-30",
    3 days left -> "before-7"), so a supplier created close to its due date gets the nearest reminder
    and not the ones already missed. From the due date on it is "overdue-w<n>" with n whole weeks past
    due: one key per week, hence one reminder a week.
    """
    days_left = due.toordinal() - today.toordinal()
    if days_left > 0:
        return _BEFORE_BY_DAYS_LEFT[days_left] if days_left <= _MAX_OFFSET else None
    week = -days_left // 7
    return _OVERDUE_STEPS[week] if week < len(_OVERDUE_STEPS) else _overdue_step(week)


def steps_to_send(due: date, today: date, already_sent: Collection[str]) -> list[ReminderStep]:
    """The reminders to send today: today's step unless its key was already sent.

    Only the current step is considered, so after downtime the job catches up with one reminder that says
    where things stand now, never a burst of stale "30 days left" / "7 days left" mails.
    """
    step = due_step(due, today)
    if step is None or step.key in already_sent:
        return []
    return [step]


@dataclass(frozen=True, slots=True)
class DigestLine:
    """One supplier in the weekly digest; `days_left` is negative (or zero) when overdue."""

    key: object
    due: date
    days_left: int


def digest(
    dues: Iterable[tuple[object, date | None]], today: date, window_days: int = 30
) -> tuple[list[DigestLine], list[DigestLine]]:
    """Split due dates into (overdue, upcoming within `window_days`) for the weekly digest.

    Overdue means due today or earlier, matching `due_step`, which sends "overdue-w0" on the due date.
    Overdue lines come most overdue first and upcoming ones soonest first, so the top of each list is
    what needs attention; ties keep the input order. A `None` due (a retired or rejected supplier) is
    skipped.
    """
    today_ordinal = today.toordinal()
    overdue: list[DigestLine] = []
    upcoming: list[DigestLine] = []
    for key, due in dues:
        if due is None:
            continue
        days_left = due.toordinal() - today_ordinal
        if days_left <= 0:
            overdue.append(DigestLine(key, due, days_left))
        elif days_left <= window_days:
            upcoming.append(DigestLine(key, due, days_left))
    overdue.sort(key=lambda line: line.days_left)
    upcoming.sort(key=lambda line: line.days_left)
    return overdue, upcoming


def digest_key(today: date) -> str:
    """Idempotency key of the weekly digest, e.g. "digest-2026-W48": one digest per ISO week.

    The ISO year is used, not the calendar year, so the days around New Year that belong to week 1 (or
    week 52/53) of the neighbouring year share one key.
    """
    iso = today.isocalendar()
    return f"digest-{iso.year}-W{iso.week:02d}"


@dataclass(frozen=True, slots=True)
class SupplierFacts:
    """What a change of a supplier is compared on to decide whether its audit comes sooner."""

    locations: frozenset[tuple[str, str, str]]  # (country, city, use)
    sensitive_categories: frozenset[str]
    certifications: frozenset[str]

    @property
    def countries(self) -> frozenset[str]:
        return frozenset(country for country, _, _ in self.locations)


def pull_forward_triggers(before: SupplierFacts, after: SupplierFacts) -> list[tuple[PullForwardReason, str]]:
    """The events between two states of a supplier that call for an earlier audit, with a detail for the
    record (`new country: US`). A new country implies a new location and is reported once, as a country."""
    reasons: list[tuple[PullForwardReason, str]] = []
    new_countries = after.countries - before.countries
    if new_countries:
        reasons.append((PullForwardReason.new_country, ", ".join(sorted(new_countries))))
    else:
        new_places = after.locations - before.locations
        if new_places:
            reasons.append(
                (PullForwardReason.new_location, ", ".join(f"{c} {city}".strip() for c, city, _ in sorted(new_places)))
            )
    new_sensitive = after.sensitive_categories - before.sensitive_categories
    if new_sensitive:
        reasons.append((PullForwardReason.new_sensitive_category, ", ".join(sorted(new_sensitive))))
    lapsed = before.certifications - after.certifications
    if lapsed:
        reasons.append((PullForwardReason.lapsed_certification, ", ".join(sorted(lapsed))))
    return reasons

"""Supplier audits: due dates by criticality, pull-forwards, recording outcomes, and reminders.

Reminders are keyed by (audit, step) in the outbox (`audit:<id>:<step>`), inserted with ON CONFLICT DO
NOTHING: running the computation twice, or in two processes against one PostgreSQL, sends each once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from registry_api.clock import clock
from registry_api.db.tables import Audit, JobRun, Recipient
from registry_api.domain import audit_rules
from registry_api.domain.audit_rules import Outcome, PullForwardReason, SupplierFacts
from registry_api.domain.enums import Criticality, Role, Status
from registry_api.domain.recipient_rules import Problem
from registry_api.schemas.audits import AuditOut, AuditRecord, AuditSnooze
from registry_api.schemas.recipients import RecipientOut
from registry_api.services import history, outbox
from registry_api.services.errors import Conflict, Invalid, NotFound
from registry_api.services.tx import write_transaction
from registry_api.settings import current as settings

OPEN, DONE, CANCELLED = "open", "done", "cancelled"
KEY_CHUNK = 400
REMINDER_JOB = "audit-reminders"


# ---------------------------------------------------------------- lifecycle, from recipient changes


def facts(r: RecipientOut) -> SupplierFacts:
    return SupplierFacts(
        locations=frozenset((loc.country, loc.city, str(loc.use)) for loc in r.locations),
        sensitive_categories=frozenset(c.code for c in r.data_categories if c.sensitive),
        certifications=frozenset(r.certifications),
    )


async def on_recipient_changed(before: RecipientOut | None, after: RecipientOut, actor: str) -> None:
    """Open, move or cancel the supplier's audit as its status, criticality or data flows change."""
    recipient_id = await _recipient_id(after.slug)
    current = await Audit.select().where((Audit.recipient == recipient_id) & (Audit.state == OPEN)).first()
    today = clock().today()
    if after.status != Status.active or after.role == Role.authority:
        # Authorities receive data on legal requisition: they are not suppliers, nothing to audit.
        if current is not None:
            await Audit.update({Audit.state: CANCELLED}).where((Audit.id == current["id"]) & (Audit.state == OPEN))
            await history.record("audit", after.slug, "cancel", actor, {"due_on": current["due_on"]}, None)
        return
    if current is None:
        last = await _last_done(recipient_id)
        due = audit_rules.next_due(
            Criticality(after.criticality),
            last["performed_on"] if last else None,
            today,
            cycle_months=settings().audit_cycle_months,
            outcome=Outcome(last["outcome"]) if last and last["outcome"] else None,
        )
        reason = "first audit of a new supplier" if last is None else f"cycle ({after.criticality})"
        await _open(recipient_id, after.slug, due, reason, actor)
        return
    due, reason = current["due_on"], current["due_reason"]
    if before is not None and before.criticality != after.criticality:
        last = await _last_done(recipient_id)
        if last is not None:
            due = audit_rules.next_due(
                Criticality(after.criticality),
                last["performed_on"],
                today,
                cycle_months=settings().audit_cycle_months,
                outcome=Outcome(last["outcome"]) if last["outcome"] else None,
            )
            reason = f"cycle ({after.criticality})"
    if before is not None and before.status == Status.active:
        for trigger, detail in audit_rules.pull_forward_triggers(facts(before), facts(after)):
            earlier = audit_rules.pulled_forward(due, today)
            if earlier < due:
                due, reason = earlier, f"{trigger}: {detail}"
    if due != current["due_on"]:
        await _move(current, after.slug, due, reason, actor)


async def _recipient_id(slug: str) -> int:
    row = await Recipient.select(Recipient.id).where(Recipient.slug == slug).first()
    if row is None:
        raise NotFound(f"no recipient {slug!r}")
    return row["id"]


async def _last_done(recipient_id: int) -> dict | None:
    return (
        await Audit.select()
        .where((Audit.recipient == recipient_id) & (Audit.state == DONE))
        .order_by(Audit.performed_on, ascending=False)
        .order_by(Audit.id, ascending=False)
        .first()
    )


async def _open(recipient_id: int, slug: str, due: date, reason: str, actor: str) -> None:
    await Audit.insert(Audit(recipient=recipient_id, state=OPEN, due_on=due, due_reason=reason))
    await history.record("audit", slug, "schedule", actor, None, {"due_on": due.isoformat(), "reason": reason})


async def _move(current: dict, slug: str, due: date, reason: str, actor: str) -> None:
    await Audit.update({Audit.due_on: due, Audit.due_reason: reason}).where(
        (Audit.id == current["id"]) & (Audit.state == OPEN)
    )
    await history.record(
        "audit",
        slug,
        "reschedule",
        actor,
        {"due_on": current["due_on"].isoformat(), "reason": current["due_reason"]},
        {"due_on": due.isoformat(), "reason": reason},
    )


# ---------------------------------------------------------------- recording, snoozing, assigning


EARLIEST_AUDIT = date(2000, 1, 1)


async def record(slug: str, data: AuditRecord, actor: str, audit_id: int | None = None) -> AuditOut:
    """Record an audit's outcome; the next one is scheduled from it (a failure brings it forward).

    `audit_id` names the audit a form was opened for: if that one was recorded meanwhile, the request is
    refused rather than closing the next cycle's audit by mistake."""
    today = clock().today()
    outcome = Outcome(data.outcome)
    performed = data.performed_on or today
    if performed > today:
        raise Invalid([Problem("performed_on", "future_date", "an audit cannot be recorded in the future")])
    if performed < EARLIEST_AUDIT:
        raise Invalid([Problem("performed_on", "too_old", f"an audit date before {EARLIEST_AUDIT} is not plausible")])
    async with write_transaction():
        row = (
            await Recipient.select(Recipient.id, Recipient.status, Recipient.criticality)
            .where(Recipient.slug == slug)
            .first()
        )
        if row is None:
            raise NotFound(f"no recipient {slug!r}")
        if row["status"] != Status.active:
            raise Conflict(f"{slug} is {row['status']}: only active suppliers are audited")
        current = await Audit.select().where((Audit.recipient == row["id"]) & (Audit.state == OPEN)).first()
        if audit_id is not None and (current is None or current["id"] != audit_id):
            raise Conflict(f"audit {audit_id} is no longer open: it was recorded or cancelled meanwhile")
        last = await _last_done(row["id"])
        if last is not None and last["performed_on"] and performed < last["performed_on"]:
            raise Invalid(
                [
                    Problem(
                        "performed_on",
                        "before_last_audit",
                        f"the last audit of {slug} was on {last['performed_on']}: record audits in order",
                    )
                ]
            )
        values = {
            Audit.state: DONE,
            Audit.outcome: str(outcome),
            Audit.performed_on: performed,
            Audit.evidence_url: data.evidence_url,
            Audit.findings: data.findings,
            Audit.recorded_by: actor,
            Audit.recorded_at: clock().now(),
        }
        if current is None:
            done_id = (
                await Audit.insert(Audit(recipient=row["id"], due_on=performed, due_reason="unscheduled")).returning(
                    Audit.id
                )
            )[0]["id"]
        else:
            done_id = current["id"]
        await Audit.update(values).where(Audit.id == done_id)
        next_due = audit_rules.next_due(
            Criticality(row["criticality"]),
            performed,
            today,
            cycle_months=settings().audit_cycle_months,
            outcome=outcome,
        )
        reason = (
            f"{PullForwardReason.failed_audit}: re-audit after a failed audit"
            if outcome == Outcome.failed
            else f"cycle ({row['criticality']}, after {outcome})"
        )
        await _open(row["id"], slug, next_due, reason, actor)
        await history.record(
            "audit",
            slug,
            "record",
            actor,
            None,
            {"outcome": str(outcome), "performed_on": performed.isoformat(), "evidence_url": data.evidence_url},
        )
        return await get(done_id)


async def snooze(audit_id: int, data: AuditSnooze, actor: str) -> AuditOut:
    """Silence the reminders of an open audit for a few days, with a reason; the due date stays."""
    until = clock().today() + timedelta(days=data.days)
    async with write_transaction():
        audit = await _open_audit(audit_id)
        await Audit.update({Audit.snoozed_until: until, Audit.snooze_reason: data.reason.strip()}).where(
            Audit.id == audit_id
        )
        await history.record(
            "audit", audit["slug"], "snooze", actor, None, {"until": until.isoformat(), "reason": data.reason}
        )
        return await get(audit_id)


async def assign(audit_id: int, assignee: str, actor: str) -> AuditOut:
    async with write_transaction():
        audit = await _open_audit(audit_id)
        await Audit.update({Audit.assignee: assignee}).where(Audit.id == audit_id)
        await history.record("audit", audit["slug"], "assign", actor, None, {"assignee": assignee})
        return await get(audit_id)


async def _open_audit(audit_id: int) -> dict:
    audit = (
        await Audit.select(Audit.id, Audit.state, Audit.recipient.slug.as_alias("slug"))
        .where(Audit.id == audit_id)
        .first()
    )
    if audit is None:
        raise NotFound(f"no audit {audit_id}")
    if audit["state"] != OPEN:
        raise Conflict(f"audit {audit_id} is {audit['state']}, not open")
    return audit


# ---------------------------------------------------------------- reading

_COLUMNS = (
    Audit.id,
    Audit.state,
    Audit.due_on,
    Audit.due_reason,
    Audit.outcome,
    Audit.performed_on,
    Audit.evidence_url,
    Audit.findings,
    Audit.recorded_by,
    Audit.recorded_at,
    Audit.assignee,
    Audit.snoozed_until,
    Audit.snooze_reason,
    Audit.recipient.slug.as_alias("slug"),
    Audit.recipient.name.as_alias("name"),
    Audit.recipient.criticality.as_alias("criticality"),
)


def _out(row: dict, today: date) -> AuditOut:
    days_left = (row["due_on"] - today).days
    return AuditOut(
        id=row["id"],
        recipient=row["slug"],
        recipient_name=row["name"],
        criticality=row["criticality"],
        state=row["state"],
        due_on=row["due_on"],
        due_reason=row["due_reason"],
        days_left=days_left,
        overdue=row["state"] == OPEN and days_left <= 0,
        outcome=row["outcome"],
        performed_on=row["performed_on"],
        evidence_url=row["evidence_url"],
        findings=row["findings"],
        recorded_by=row["recorded_by"],
        recorded_at=row["recorded_at"],
        assignee=row["assignee"],
        snoozed_until=row["snoozed_until"],
        snooze_reason=row["snooze_reason"],
    )


async def get(audit_id: int) -> AuditOut:
    row = await Audit.select(*_COLUMNS).where(Audit.id == audit_id).first()
    if row is None:
        raise NotFound(f"no audit {audit_id}")
    return _out(row, clock().today())


async def for_recipient(slug: str) -> list[AuditOut]:
    recipient_id = await _recipient_id(slug)
    rows = await Audit.select(*_COLUMNS).where(Audit.recipient == recipient_id).order_by(Audit.id, ascending=False)
    today = clock().today()
    return [_out(row, today) for row in rows]


async def open_audits(
    due_within: int | None = None, overdue: bool | None = None, assignee: str | None = None, limit: int = 500
) -> list[AuditOut]:
    """Open audits of active suppliers, soonest first: `overdue=true` only the late ones, `due_within=N`
    those due in the next N days (overdue included unless `overdue=false`)."""
    today = clock().today()
    where = (Audit.state == OPEN) & (Audit.recipient.status == Status.active)
    if due_within is not None:
        where &= Audit.due_on <= today + timedelta(days=due_within)
    if overdue is True:
        where &= Audit.due_on <= today
    elif overdue is False:
        where &= Audit.due_on > today
    if assignee:
        where &= Audit.assignee == assignee
    rows = await Audit.select(*_COLUMNS).where(where).order_by(Audit.due_on).limit(limit)
    return [_out(row, today) for row in rows]


# ---------------------------------------------------------------- reminders


@dataclass(slots=True)
class RemindReport:
    considered: int = 0
    queued: int = 0
    digest_queued: bool = False


async def remind(today: date | None = None) -> RemindReport:
    """Queue today's reminders (30, 7, 1 days before, then weekly while overdue) and the weekly digest."""
    from registry_api.notices import audits as messages

    today = today or clock().today()
    report = RemindReport()
    horizon = today + timedelta(days=max(audit_rules.REMINDER_OFFSETS))
    rows = (
        await Audit.select(
            Audit.id,
            Audit.due_on,
            Audit.due_reason,
            Audit.snoozed_until,
            Audit.assignee,
            Audit.last_reminder,
            Audit.recipient.slug.as_alias("slug"),
            Audit.recipient.name.as_alias("name"),
            Audit.recipient.criticality.as_alias("criticality"),
        )
        .where((Audit.state == OPEN) & (Audit.recipient.status == Status.active) & (Audit.due_on <= horizon))
        .order_by(Audit.due_on)
    )
    report.considered = len(rows)
    queued: list[tuple[str, str, dict]] = []
    step_of: dict[str, tuple[int, str]] = {}
    for row in rows:
        if row["snoozed_until"] is not None and row["snoozed_until"] > today:
            continue
        step = audit_rules.due_step(row["due_on"], today)
        if step is None or step.key == row["last_reminder"]:
            continue
        key = f"audit:{row['id']}:{step.key}"
        message = messages.reminder(row, step, today)
        queued.append((outbox.SLACK, key, outbox.slack_payload("audit", message.text, message.blocks)))
        step_of[key] = (row["id"], step.key)
    async with write_transaction():
        inserted = await outbox.enqueue_many(queued)
        report.queued = len(inserted)
        by_step: dict[str, list[int]] = {}
        for key in step_of:  # sent now or, by another replica, already: either way this step is done
            audit_id, step_key = step_of[key]
            by_step.setdefault(step_key, []).append(audit_id)
        for step_key, ids in by_step.items():
            for start in range(0, len(ids), KEY_CHUNK):
                chunk = ids[start : start + KEY_CHUNK]
                await Audit.update({Audit.last_reminder: step_key}).where(Audit.id.is_in(chunk))
        digest_key = audit_rules.digest_key(today)
        overdue, upcoming = audit_rules.digest(((row, row["due_on"]) for row in rows), today)
        if overdue or upcoming:
            # Nothing due is no news: the digest is sent the first run of the week that has something.
            message = messages.digest(overdue, upcoming, today)
            report.digest_queued = await outbox.enqueue_slack(digest_key, "audit", message.text, message.blocks)
        await mark_run(REMINDER_JOB)
    return report


async def mark_run(name: str) -> None:
    now = clock().now()
    updated = await JobRun.update({JobRun.last_run_at: now}).where(JobRun.name == name).returning(JobRun.id)
    if not updated:
        await JobRun.raw(
            "INSERT INTO job_run (name, last_run_at) VALUES ({}, {}) ON CONFLICT (name) DO UPDATE SET last_run_at = {}",
            name,
            now,
            now,
        )


async def last_run(name: str):
    row = await JobRun.select(JobRun.last_run_at).where(JobRun.name == name).first()
    return row["last_run_at"] if row else None

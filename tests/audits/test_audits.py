"""Supplier audits: cycles, pull-forwards, recording, reminders exactly once, with a fixed clock."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import msgspec

from registry_api.clock import PARIS
from registry_api.db.tables import Audit, OutboxMessage
from registry_api.schemas.audits import AuditRecord, AuditSnooze
from registry_api.schemas.recipients import RecipientCreate, RecipientPatch
from registry_api.services import audits, recipients

TODAY = date(2026, 11, 25)


def supplier(name="Nimbus Cloud", **overrides) -> RecipientCreate:
    body = {
        "name": name,
        "kind": "hosting",
        "role": "subprocessor",
        "criticality": "critical",
        "dpa_signed_on": "2026-01-01",
        "data_categories": ["connection"],
        "locations": [{"country": "FR", "use": "storage"}],
        "certifications": ["ISO 27001"],
    }
    body.update(overrides)
    return msgspec.convert(body, RecipientCreate)


async def open_audit(slug: str) -> dict:
    [row] = await Audit.select().where((Audit.recipient.slug == slug) & (Audit.state == "open"))
    return row


async def set_due(slug: str, due: date) -> None:
    row = await open_audit(slug)
    await Audit.update({Audit.due_on: due}).where(Audit.id == row["id"])


async def reminder_keys() -> list[str]:
    rows = await OutboxMessage.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like("audit:%"))
    return sorted(r["dedupe_key"].rsplit(":", 1)[1] for r in rows)


async def test_new_supplier_gets_a_first_audit_and_retired_ones_none(db, fixed_clock):
    created = await recipients.create(supplier(), "test")
    audit = await open_audit(created.slug)
    assert audit["due_on"] == TODAY + timedelta(days=30)
    await recipients.retire(created.slug, "test")
    assert await Audit.count().where(Audit.state == "open") == 0
    proposed = await recipients.create(supplier("Later", status="proposed"), "test")
    assert await Audit.count().where(Audit.recipient.slug == proposed.slug) == 0


async def test_reminders_are_sent_once_per_step(db, fixed_clock):
    created = await recipients.create(supplier(), "test")
    await set_due(created.slug, TODAY + timedelta(days=15))
    first = await audits.remind()
    assert first.queued == 1 and await reminder_keys() == ["before-30"]
    again = await audits.remind()
    assert again.queued == 0 and await reminder_keys() == ["before-30"]
    fixed_clock.advance(days=8)  # due in 7 days
    assert (await audits.remind()).queued == 1
    assert await reminder_keys() == ["before-30", "before-7"]
    fixed_clock.advance(days=6)  # due tomorrow
    await audits.remind()
    fixed_clock.advance(days=1)  # due today: overdue week 0
    await audits.remind()
    for _ in range(6):  # the rest of the week: nothing new
        fixed_clock.advance(days=1)
        assert (await audits.remind()).queued == 0
    fixed_clock.advance(days=1)  # one week late
    assert (await audits.remind()).queued == 1
    assert await reminder_keys() == ["before-1", "before-30", "before-7", "overdue-w0", "overdue-w1"]


async def test_digest_once_a_week(db, fixed_clock):
    created = await recipients.create(supplier(), "test")
    await set_due(created.slug, TODAY - timedelta(days=3))
    assert (await audits.remind()).digest_queued
    assert not (await audits.remind()).digest_queued
    [digest] = await OutboxMessage.select().where(OutboxMessage.dedupe_key == "digest-2026-W48").output(load_json=True)
    assert "Nimbus Cloud" in digest["payload"]["args"]["text"]
    fixed_clock.advance(days=7)
    assert (await audits.remind()).digest_queued


async def test_recording_an_audit_moves_the_due_date_and_stops_reminders(db, fixed_clock):
    created = await recipients.create(supplier(), "test")
    await set_due(created.slug, TODAY + timedelta(days=5))
    await audits.remind()
    done = await audits.record(created.slug, AuditRecord(outcome="pass", evidence_url="https://x.example/r"), "api:dpo")
    assert done.state == "done" and done.outcome == "pass" and done.recorded_by == "api:dpo"
    nxt = await open_audit(created.slug)
    assert nxt["due_on"] == date(2027, 11, 25)  # critical: yearly
    assert (await audits.remind()).queued == 0
    failed = await audits.record(created.slug, AuditRecord(outcome="fail", findings="no MFA"), "api:dpo")
    assert failed.outcome == "fail"
    assert (await open_audit(created.slug))["due_on"] == TODAY + timedelta(days=30)
    history = [a.state for a in await audits.for_recipient(created.slug)]
    assert history == ["open", "done", "done"]


async def test_medium_and_low_cycles(db, fixed_clock):
    medium = await recipients.create(supplier("Medium", criticality="medium"), "test")
    await audits.record(medium.slug, AuditRecord(outcome="pass"), "t")
    assert (await open_audit(medium.slug))["due_on"] == date(2028, 11, 25)
    low = await recipients.create(supplier("Low", criticality="low"), "test")
    await audits.record(low.slug, AuditRecord(outcome="findings"), "t")
    assert (await open_audit(low.slug))["due_on"] == date(2028, 5, 25)  # half of 36 months


async def test_events_pull_the_audit_forward_with_a_reason(db, fixed_clock):
    created = await recipients.create(supplier(), "test")
    await audits.record(created.slug, AuditRecord(outcome="pass"), "t")
    assert (await open_audit(created.slug))["due_on"] == date(2027, 11, 25)
    current = await recipients.get(created.slug)
    patched = await recipients.update(
        created.slug,
        msgspec.convert(
            {
                "version": current.version,
                "locations": [
                    {"country": "FR", "use": "storage"},
                    {"country": "US", "use": "processing", "mechanism": "dpf"},
                ],
            },
            RecipientPatch,
        ),
        "t",
    )
    audit = await open_audit(created.slug)
    assert audit["due_on"] == TODAY + timedelta(days=30)
    assert audit["due_reason"] == "new_country: US"
    fixed_clock.advance(days=10)
    await recipients.update(
        created.slug,
        msgspec.convert({"version": patched.version, "data_categories": ["connection", "health"]}, RecipientPatch),
        "t",
    )
    assert (await open_audit(created.slug))["due_on"] == TODAY + timedelta(days=30)  # never later, kept
    lapsed = await recipients.get(created.slug)
    await recipients.update(created.slug, RecipientPatch(version=lapsed.version, certifications=[]), "t")
    assert (await open_audit(created.slug))["due_reason"].startswith("new_country")  # already sooner


async def test_snooze_needs_a_reason_and_silences_reminders(db, fixed_clock, client, keys):
    created = await recipients.create(supplier(), "test")
    await set_due(created.slug, TODAY + timedelta(days=3))
    audit = await open_audit(created.slug)
    r = await client.post(f"/api/v1/audits/{audit['id']}/snooze", json={"reason": ""}, headers=keys["editor"])
    assert r.status_code == 400
    snoozed = await audits.snooze(audit["id"], AuditSnooze(reason="Vendor on holiday"), "slack:U1")
    assert snoozed.snoozed_until == TODAY + timedelta(days=7)
    assert (await audits.remind()).queued == 0
    fixed_clock.advance(days=7)
    assert (await audits.remind()).queued == 1
    assert await reminder_keys() == ["overdue-w0"]


async def test_audits_api(client, keys, fixed_clock):
    r = await client.post(
        "/api/v1/recipients",
        json={"name": "Nimbus", "kind": "hosting", "role": "vendor", "criticality": "high"},
        headers=keys["editor"],
    )
    assert r.status_code == 201
    listed = (await client.get("/api/v1/audits?due_within=30", headers=keys["viewer"])).json()
    assert [a["recipient"] for a in listed] == ["nimbus"] and listed[0]["days_left"] == 30
    assert (await client.get("/api/v1/audits?overdue=true", headers=keys["viewer"])).json() == []
    bad = await client.post("/api/v1/recipients/nimbus/audits", json={"outcome": "maybe"}, headers=keys["editor"])
    assert bad.status_code == 400
    future = await client.post(
        "/api/v1/recipients/nimbus/audits",
        json={"outcome": "pass", "performed_on": "2030-01-01"},
        headers=keys["editor"],
    )
    assert future.status_code == 422
    assert (
        await client.post("/api/v1/recipients/nimbus/audits", json={"outcome": "pass"}, headers=keys["viewer"])
    ).status_code == 403
    ok = await client.post(
        "/api/v1/recipients/nimbus/audits",
        json={"outcome": "findings", "evidence_url": "https://evidence.example/1", "findings": "weak TLS"},
        headers=keys["editor"],
    )
    assert ok.status_code == 201 and ok.json()["recorded_by"] == "api:editor-key"
    trail = (await client.get("/api/v1/recipients/nimbus/audits", headers=keys["viewer"])).json()
    assert [a["state"] for a in trail] == ["open", "done"] and trail[0]["due_on"] == "2027-05-25"
    assert (await client.get("/api/v1/recipients/nope/audits", headers=keys["viewer"])).status_code == 404


def test_reminder_text_is_escaped_for_slack(fixed_clock):
    from registry_api.domain.audit_rules import due_step
    from registry_api.notices.audits import reminder

    row = {
        "id": 1,
        "name": "<!channel> & co",
        "slug": "x",
        "due_on": TODAY,
        "due_reason": "cycle",
        "criticality": "high",
        "assignee": "",
    }
    message = reminder(row, due_step(TODAY, TODAY), TODAY, "en")
    assert "<!channel>" not in message.text and "&lt;!channel&gt; &amp; co" in message.text
    assert [e["action_id"] for e in message.blocks[1]["elements"]] == ["audit_record", "audit_snooze", "audit_assign"]


async def test_catch_up_runs_a_missed_reminder_run_at_start(slack_settings, slack, db, fixed_clock):
    from registry_api.app import create_app

    created = await recipients.create(supplier(), "test")
    await set_due(created.slug, TODAY + timedelta(days=10))
    fixed_clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=PARIS))  # 08:00 passed, no run recorded
    settings = dataclasses.replace(slack_settings, scheduler_enabled=True, outbox_interval_seconds=0.2)
    app = create_app(settings)
    await app.state.runtime.start()
    try:
        calls = await slack.wait_for_async("chat.postMessage", count=2, timeout=10)
    finally:
        await app.state.runtime.stop()
    texts = sorted(c.body["text"] for c in calls)
    assert any("Nimbus Cloud" in t and "5 décembre 2026" in t for t in texts)
    assert await audits.last_run(audits.REMINDER_JOB) is not None
    # A second start the same morning does not run it again.
    app = create_app(settings)
    await app.state.runtime.start()
    await app.state.runtime.stop()
    assert len(await reminder_keys()) == 1

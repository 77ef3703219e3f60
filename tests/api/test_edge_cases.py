"""Odd input at the edge: always a clear 4xx, never a 500, and nothing saved."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from registry_api.jobs.scheduler import cron_trigger
from registry_api.schemas.audits import AuditRecord
from registry_api.schemas.recipients import RecipientCreate
from registry_api.services import audits, recipients
from registry_api.services.errors import Conflict, Invalid

HUGE = "9223372036854775808"


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/recipients?offset={HUGE}",
        f"/api/v1/who?offset={HUGE}",
        f"/api/v1/public/subprocessors?version={HUGE}",
        f"/api/v1/public/changes?offset={HUGE}",
        f"/subprocessors?version={HUGE}",
        "/api/v1/public/subprocessors?as_of=9999-12-31",
        "/api/v1/recipients?data_category=zzz",
        "/api/v1/recipients?limit=0",
    ],
)
async def test_out_of_range_query_values_are_400(client, keys, path):
    r = await client.get(path, headers=keys["viewer"])
    assert r.status_code in (400, 404), r.text
    assert r.json()["status_code"] == r.status_code


async def test_huge_audit_id_is_400(client, keys):
    r = await client.post(f"/api/v1/audits/{HUGE}/snooze", json={"reason": "abc"}, headers=keys["editor"])
    assert r.status_code == 400


@pytest.mark.parametrize(
    "overrides",
    [{"name": "   "}, {"name": "A\u0000B"}, {"service_description": "bell\u0007"}, {"certifications": [" "]}],
)
async def test_blank_or_control_characters_are_refused(client, keys, overrides):
    body = {"name": "Nimbus", "kind": "hosting", "role": "vendor", **overrides}
    r = await client.post("/api/v1/recipients", json=body, headers=keys["editor"])
    assert r.status_code == 400, r.text
    assert (await client.get("/api/v1/recipients", headers=keys["viewer"])).json()["total"] == 0


async def test_malformed_webhook_url_is_422(client, keys):
    r = await client.post("/api/v1/webhooks", json={"name": "w1", "url": "http://[::1"}, headers=keys["admin"])
    assert r.status_code == 422


async def test_dpf_mechanism_records_the_certification(client, keys):
    body = {
        "name": "Pulse",
        "kind": "performance_monitoring",
        "role": "subprocessor",
        "locations": [{"country": "US", "use": "processing", "mechanism": "dpf"}],
    }
    r = await client.post("/api/v1/recipients", json=body, headers=keys["editor"])
    assert r.status_code == 201 and "dpf" in r.json()["certifications"]


def supplier(name: str, **overrides) -> RecipientCreate:
    return msgspec.convert({"name": name, "kind": "hosting", "role": "vendor", **overrides}, RecipientCreate)


async def test_audits_are_recorded_in_order_and_only_for_the_open_one(db, fixed_clock):
    created = await recipients.create(supplier("Nimbus"), "t")
    [first] = await audits.open_audits()
    await audits.record(created.slug, AuditRecord(outcome="pass"), "t", audit_id=first.id)
    with pytest.raises(Conflict):  # a second click on a stale form: the next audit stays open
        await audits.record(created.slug, AuditRecord(outcome="fail"), "t", audit_id=first.id)
    assert [a.state for a in await audits.for_recipient(created.slug)] == ["open", "done"]
    with pytest.raises(Invalid):
        await audits.record(
            created.slug, msgspec.convert({"outcome": "pass", "performed_on": "1999-01-01"}, AuditRecord), "t"
        )
    with pytest.raises(Invalid):  # before the last recorded audit
        await audits.record(
            created.slug, msgspec.convert({"outcome": "pass", "performed_on": "2026-01-01"}, AuditRecord), "t"
        )


async def test_authorities_are_not_audited(db, fixed_clock):
    await recipients.create(supplier("Tribunal", kind="authority", role="authority"), "t")
    assert await audits.open_audits() == []


def test_reminder_cron_reads_weekdays_as_crontab_does():
    trigger = cron_trigger("0 8 * * 1-5")
    fire, seen = datetime(2026, 11, 28, 12, 0, tzinfo=UTC), []  # a Saturday
    for _ in range(5):
        fire = trigger.get_next_fire_time(None, fire)
        seen.append(fire.strftime("%a %H:%M"))
        fire = fire.replace(minute=1)
    assert seen == ["Mon 08:00", "Tue 08:00", "Wed 08:00", "Thu 08:00", "Fri 08:00"]

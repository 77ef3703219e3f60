"""The public subprocessor list: versions, notices through the outbox, outages, public outputs."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import httpx
import pytest
from aiohttp import web

from registry_api.app import create_app
from registry_api.db.tables import ListVersion, OutboxMessage, Recipient
from registry_api.integrations.webhooks import signature
from registry_api.services import publication

SECRET = "SECRET-INTERNAL-NOTE-4242"
ATOM = "{http://www.w3.org/2005/Atom}"


def subprocessor(name="Nimbus Cloud", **overrides):
    body = {
        "name": name,
        "kind": "hosting",
        "role": "subprocessor",
        "public": True,
        "service_description": "Hosting of the platform",
        "internal_notes": SECRET,
        "criticality": "critical",
        "data_categories": ["connection"],
        "dpa_signed_on": "2026-01-01",
        "locations": [{"country": "FR", "use": "storage", "city": "Paris"}],
    }
    body.update(overrides)
    return body


async def versions_count() -> int:
    return await ListVersion.count()


async def test_adding_a_subprocessor_sends_one_notice_with_the_notice_period(
    slack_client, slack_app, slack, keys, fixed_clock
):
    r = await slack_client.post("/api/v1/recipients", json=subprocessor(), headers=keys["editor"])
    assert r.status_code == 201, r.text
    await slack_app.state.runtime.dispatch()
    await slack_app.state.runtime.dispatch()
    [call] = slack.calls("chat.postMessage")
    assert call.body["channel"] == "CNOTICE"
    assert "Nimbus Cloud" in call.body["text"]
    assert "25 décembre 2026" in call.body["text"]  # 2026-11-25 + 30 days
    assert "24 décembre 2026" in call.body["text"]  # objection deadline, the day before
    version = await publication.latest_version()
    assert version.effective_on == date(2026, 12, 25)
    assert version.objection_deadline == date(2026, 12, 24)
    assert version.diff["added"][0]["slug"] == "nimbus-cloud"
    # The "now in effect" message waits for its day, then goes once.
    fixed_clock.set(datetime(2026, 12, 25, 7, 30))
    await slack_app.state.runtime.dispatch()
    assert len(slack.calls("chat.postMessage")) == 2
    assert "en vigueur" in slack.calls("chat.postMessage")[1].body["text"]
    await slack_app.state.runtime.dispatch()
    assert len(slack.calls("chat.postMessage")) == 2


async def test_outage_and_restart_neither_lose_nor_duplicate_the_notice(
    slack_client, slack_app, slack, slack_settings, keys, fixed_clock
):
    slack.fail_with(500)
    await slack_client.post("/api/v1/recipients", json=subprocessor(), headers=keys["editor"])
    await slack_app.state.runtime.dispatch()
    assert slack.calls("chat.postMessage") == [] and len(slack.failed_calls) == 1
    slack.recover()
    slack.go_down()
    fixed_clock.advance(minutes=5)
    await slack_app.state.runtime.dispatch()
    pending = await OutboxMessage.select().where(
        OutboxMessage.delivered_at.is_null() & (OutboxMessage.dedupe_key == "list-notice:v1")
    )
    assert len(pending) == 1 and pending[0]["attempts"] == 2 and "unreachable" in pending[0]["last_error"]
    # The process dies; a new one starts on the same database while Slack comes back.
    await slack_app.state.runtime.stop()
    slack.come_up()
    restarted = create_app(slack_settings)
    await restarted.state.runtime.start()
    try:
        await restarted.state.runtime.dispatch()
        assert slack.calls("chat.postMessage") == []  # backoff not elapsed yet
        fixed_clock.advance(minutes=10)
        await restarted.state.runtime.dispatch()
        await restarted.state.runtime.dispatch()
    finally:
        await restarted.state.runtime.stop()
        await slack_app.state.runtime.start()
    notices = [c for c in slack.calls("chat.postMessage") if "Nimbus" in c.body["text"]]
    assert len(notices) == 1


async def test_scheduler_delivers_within_seconds(slack_settings, slack, keys):
    settings = dataclasses.replace(slack_settings, scheduler_enabled=True, outbox_interval_seconds=0.2)
    app = create_app(settings)
    await app.state.runtime.start()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as client:
            r = await client.post("/api/v1/recipients", json=subprocessor(), headers=keys["editor"])
            assert r.status_code == 201
            await slack.wait_for_async("chat.postMessage", timeout=10)
            [call] = [c for c in slack.calls("chat.postMessage") if c.body["channel"] == "CNOTICE"]
            assert "Nimbus Cloud" in call.body["text"]
    finally:
        await app.state.runtime.stop()


async def test_internal_changes_make_no_version_and_no_notice(slack_client, keys):
    await slack_client.post("/api/v1/recipients", json=subprocessor(), headers=keys["editor"])
    assert await versions_count() == 1
    outbox_before = await OutboxMessage.count()
    r = await slack_client.patch(
        "/api/v1/recipients/nimbus-cloud",
        json={"version": 1, "internal_notes": "new secret", "criticality": "low"},
        headers=keys["editor"],
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    assert await versions_count() == 1
    assert await OutboxMessage.count() == outbox_before
    # A private vendor never appears either.
    await slack_client.post("/api/v1/recipients", json=subprocessor("Private", public=False), headers=keys["editor"])
    assert await versions_count() == 1


async def test_internal_notes_never_leak_into_public_outputs(slack_client, slack_app, slack, keys):
    await slack_client.post("/api/v1/recipients", json=subprocessor(), headers=keys["editor"])
    await slack_client.patch(
        "/api/v1/recipients/nimbus-cloud",
        json={"version": 1, "locations": [{"country": "DE", "use": "backup"}]},
        headers=keys["editor"],
    )
    await slack_app.state.runtime.dispatch()
    outputs = [
        (await slack_client.get("/api/v1/public/subprocessors")).text,
        (await slack_client.get("/api/v1/public/changes")).text,
        (await slack_client.get("/subprocessors?lang=fr")).text,
        (await slack_client.get("/subprocessors?lang=en&version=1")).text,
        (await slack_client.get("/subprocessors.atom")).text,
        json.dumps([c.body for c in slack.calls()]),
        json.dumps([row["payload"] for row in await OutboxMessage.select(OutboxMessage.payload)]),
    ]
    assert len(slack.calls("chat.postMessage")) == 2
    for text in outputs:
        assert "Nimbus Cloud" in text
        assert SECRET not in text
        assert "critical" not in text


async def test_removal_is_effective_at_once_and_location_change_needs_notice(slack_client, keys, fixed_clock):
    await slack_client.post("/api/v1/recipients", json=subprocessor(), headers=keys["editor"])
    r = await slack_client.patch(
        "/api/v1/recipients/nimbus-cloud",
        json={
            "version": 1,
            "locations": [{"country": "IN", "use": "remote_access", "mechanism": "scc", "scc_module": 3}],
        },
        headers=keys["editor"],
    )
    assert r.status_code == 200
    changed = await publication.latest_version()
    assert changed.needs_notice and changed.effective_on == date(2026, 12, 25)
    assert changed.diff["changed"][0]["fields"][0]["field"] == "locations"
    r = await slack_client.patch(
        "/api/v1/recipients/nimbus-cloud", json={"version": 2, "service_description": "Hosting"}, headers=keys["editor"]
    )
    wording = await publication.latest_version()
    assert not wording.needs_notice and wording.effective_on == date(2026, 11, 25)
    await slack_client.delete("/api/v1/recipients/nimbus-cloud", headers=keys["editor"])
    removal = await publication.latest_version()
    assert removal.diff["removed"][0]["slug"] == "nimbus-cloud"
    assert removal.effective_on == date(2026, 11, 25) and removal.objection_deadline is None


async def test_earlier_date_needs_a_reason_which_the_notice_shows(slack_client, slack_app, slack, keys, fixed_clock):
    urgent = subprocessor(publication={"effective_on": "2026-11-27"})
    r = await slack_client.post("/api/v1/recipients", json=urgent, headers=keys["editor"])
    assert r.status_code == 422
    assert r.json()["extra"]["errors"][0]["field"] == "publication.reason"
    assert (await slack_client.get("/api/v1/recipients", headers=keys["viewer"])).json()["total"] == 0
    urgent["publication"]["reason"] = "Remplacement urgent de l'hébergeur défaillant"
    r = await slack_client.post("/api/v1/recipients", json=urgent, headers=keys["editor"])
    assert r.status_code == 201
    version = await publication.latest_version()
    assert version.effective_on == date(2026, 11, 27)
    await slack_app.state.runtime.dispatch()
    [call] = slack.calls("chat.postMessage")
    assert "Remplacement urgent" in json.dumps(call.body, ensure_ascii=False)


async def test_public_json_etag_history_and_upcoming(client, keys, fixed_clock):
    await client.post("/api/v1/recipients", json=subprocessor(), headers=keys["editor"])
    fixed_clock.advance(days=2)
    await client.post("/api/v1/recipients", json=subprocessor("Second Host"), headers=keys["editor"])
    r = await client.get("/api/v1/public/subprocessors")
    body = r.json()
    assert body["version"] == 2
    assert [e["name"] for e in body["subprocessors"]] == ["Nimbus Cloud", "Second Host"]
    assert all(e["status"] == "upcoming" for e in body["subprocessors"])
    assert [u["version"] for u in body["upcoming"]] == [1, 2]
    assert "internal_notes" not in body["subprocessors"][0]
    etag = r.headers["etag"]
    again = await client.get("/api/v1/public/subprocessors", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    old = (await client.get("/api/v1/public/subprocessors?version=1")).json()
    assert [e["name"] for e in old["subprocessors"]] == ["Nimbus Cloud"]
    as_of = (await client.get("/api/v1/public/subprocessors?as_of=2026-11-25")).json()
    assert as_of["version"] == 1
    assert (await client.get("/api/v1/public/subprocessors?as_of=2020-01-01")).status_code == 404
    assert (await client.get("/api/v1/public/subprocessors?version=99")).status_code == 404
    # Once the notice period is over, the entries are in effect and nothing is upcoming.
    fixed_clock.advance(days=40)
    later = (await client.get("/api/v1/public/subprocessors")).json()
    assert later["upcoming"] == [] and {e["status"] for e in later["subprocessors"]} == {"in_effect"}
    assert (await client.get("/api/v1/public/subprocessors", headers={"If-None-Match": etag})).status_code == 200


async def test_periodic_recompute_catches_changes_made_by_other_paths(slack_client, slack_app, keys):
    await slack_client.post("/api/v1/recipients", json=subprocessor(), headers=keys["editor"])
    await Recipient.update({Recipient.public: False}).where(Recipient.slug == "nimbus-cloud")
    await slack_app.state.runtime.refresh_public_list()
    latest = await publication.latest_version()
    assert latest.number == 2 and latest.diff["removed"][0]["slug"] == "nimbus-cloud"
    await slack_app.state.runtime.refresh_public_list()
    assert (await publication.latest_version()).number == 2  # no change, no version


async def test_atom_feed_is_valid_atom(client, keys):
    await client.post("/api/v1/recipients", json=subprocessor(), headers=keys["editor"])
    await client.post("/api/v1/recipients", json=subprocessor("B & <Co>"), headers=keys["editor"])
    r = await client.get("/subprocessors.atom?lang=en")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(r.content)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    ids = set()
    for entry in entries:
        for required in ("id", "title", "updated", "summary"):
            assert (entry.find(f"{ATOM}{required}").text or "").strip(), required
        datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
        ids.add(entry.find(f"{ATOM}id").text)
    assert len(ids) == 2
    assert "B & <Co>" in entries[0].find(f"{ATOM}summary").text


async def test_page_in_french_and_english(client, keys):
    await client.post("/api/v1/recipients", json=subprocessor("<script>alert(1)</script>"), headers=keys["editor"])
    fr = await client.get("/subprocessors", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    en = await client.get("/subprocessors", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert fr.headers["content-language"] == "fr" and "Résumé des changements" in fr.text
    assert en.headers["content-language"] == "en" and "Summary of changes" in en.text
    assert "<script>alert(1)</script>" not in fr.text and "&lt;script&gt;" in fr.text
    assert (await client.get("/subprocessors?lang=en", headers={"Accept-Language": "fr"})).headers[
        "content-language"
    ] == "en"
    assert "privacy@visiativ.com" in fr.text  # how to object


async def test_signed_webhook_receives_each_version(client, keys, unused_tcp_port, slack_app):
    received: list[tuple[dict, bytes]] = []

    async def handler(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        return web.Response(status=204)

    server = web.Application()
    server.router.add_post("/hook", handler)
    runner = web.AppRunner(server)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        r = await client.post(
            "/api/v1/webhooks",
            json={"name": "client-a", "url": f"http://127.0.0.1:{unused_tcp_port}/hook"},
            headers=keys["admin"],
        )
        assert r.status_code == 201
        secret = r.json()["secret"]
        assert (
            await client.post(
                "/api/v1/webhooks", json={"name": "x", "url": "ftp://example.com/hook"}, headers=keys["admin"]
            )
        ).status_code == 422
        assert (await client.get("/api/v1/webhooks", headers=keys["editor"])).status_code == 403
        await client.post("/api/v1/recipients", json=subprocessor(), headers=keys["editor"])
        await slack_app.state.runtime.dispatch()
        [(headers, body)] = received
        ts = int(headers["X-Registry-Request-Timestamp"])
        assert headers["X-Registry-Signature"] == signature(secret, ts, body)
        payload = json.loads(body)
        assert payload["version"] == 1 and payload["changes"]["added"][0]["slug"] == "nimbus-cloud"
        assert SECRET not in body.decode()
    finally:
        await runner.cleanup()


@pytest.fixture
def unused_tcp_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_pending_outbox_is_visible_to_admins(slack_client, keys, slack_app, slack):
    slack.fail_with(500)
    await slack_client.post("/api/v1/recipients", json=subprocessor(), headers=keys["editor"])
    await slack_app.state.runtime.dispatch()
    pending = (await slack_client.get("/api/v1/outbox", headers=keys["admin"])).json()
    assert [p["dedupe_key"] for p in pending] == ["list-notice:v1", "list-effective:v1"]
    assert "500" in pending[0]["last_error"]
    assert pending[0]["due_at"] > (datetime.now() - timedelta(days=1)).isoformat()[:10]


async def test_public_list_is_served_precompressed(client, keys):
    await client.post("/api/v1/recipients", json=subprocessor(), headers=keys["editor"])
    plain = await client.get("/api/v1/public/subprocessors", headers={"Accept-Encoding": "identity"})
    zipped = await client.get("/api/v1/public/subprocessors", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == plain.json()  # httpx decodes it
    assert zipped.headers["etag"] == plain.headers["etag"]
    assert "Accept-Encoding" in zipped.headers["vary"]

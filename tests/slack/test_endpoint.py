"""`POST /slack/events`: only requests signed by Slack, recently, get through; without Slack settings the
endpoint answers 503 and the rest of the service keeps working."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
from litestar import Litestar

from registry_api.db.tables import OutboxMessage
from tests.conftest import SIGNING_SECRET
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_signing import event_callback, sign, slash_command, url_verification
from tests.slack.conftest import post


async def test_forged_signature_is_refused(
    slack_app: Litestar, slack_client: httpx.AsyncClient, slack: FakeSlackApi
) -> None:
    r = await post(slack_client, slash_command("/recipients", "who hosts our data?"), secret="not-the-secret")
    assert r.status_code == 401
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> who hosts our data?", "ts": "1.1", "channel": "C1"}
    r = await post(slack_client, event_callback(event), secret="not-the-secret")
    assert r.status_code == 401
    await asyncio.sleep(0.1)
    await slack_app.state.runtime.dispatch()
    assert await OutboxMessage.count() == 0
    assert slack.calls("response_url") == [] and slack.calls("chat.postMessage") == []


async def test_tampered_body_is_refused(slack_client: httpx.AsyncClient) -> None:
    body, content_type = slash_command("/recipients", "who hosts our data?")
    headers = sign(SIGNING_SECRET, body, content_type=content_type)
    r = await slack_client.post("/slack/events", content=body.replace(b"hosts", b"hostz"), headers=headers)
    assert r.status_code == 401


async def test_timestamp_older_than_five_minutes_is_refused(slack_client: httpx.AsyncClient) -> None:
    old = int(time.time()) - 6 * 60
    r = await post(slack_client, slash_command("/recipients", "who hosts our data?"), timestamp=old)
    assert r.status_code == 401


async def test_without_slack_settings_the_endpoint_answers_503(client: httpx.AsyncClient) -> None:
    r = await post(client, slash_command("/recipients", "who hosts our data?"))
    assert r.status_code == 503
    assert "SLACK_SIGNING_SECRET" in r.json()["detail"]
    assert (await client.get("/health")).status_code == 200


async def test_url_verification_handshake(slack_client: httpx.AsyncClient) -> None:
    r = await post(slack_client, url_verification("challenge-42"))
    assert r.status_code == 200
    assert json.loads(r.content)["challenge"] == "challenge-42"

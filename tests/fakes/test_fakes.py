"""Prove the Slack fakes behave like Slack, so bot tests can trust them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import parse_qs

import aiohttp
import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond, AsyncSay
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_signing import (
    FORM,
    JSON,
    block_action,
    event_callback,
    sign,
    slash_command,
    url_verification,
    view_submission,
)

SECRET = "test-signing-secret"


@pytest.fixture
def slack() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as fake:
        yield fake


def client(slack: FakeSlackApi, **kwargs: object) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=slack.url, **kwargs)  # type: ignore[arg-type]


# -- FakeSlackApi ------------------------------------------------------------------------


async def test_post_message_json_is_recorded(slack: FakeSlackApi) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    resp = await client(slack).chat_postMessage(channel="C111", text="hello", blocks=blocks)

    [call] = slack.wait_for("chat.postMessage")
    assert call.body["channel"] == "C111"
    assert call.body["text"] == "hello"
    assert call.headers["content-type"].startswith("application/json")
    assert call.token == "xoxb-test"
    assert resp["ok"] and resp["channel"] == "C111"
    assert resp["message"]["blocks"] == blocks


async def test_post_message_form_is_recorded(slack: FakeSlackApi) -> None:
    await client(slack).api_call("chat.postMessage", data={"channel": "C222", "text": "form"})

    [call] = slack.calls("chat.postMessage")
    assert call.body == {"channel": "C222", "text": "form"}
    assert call.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert call.headers["authorization"] == "Bearer xoxb-test"


async def test_ts_are_unique_and_increasing(slack: FakeSlackApi) -> None:
    web = client(slack)
    ts = [(await web.chat_postMessage(channel="C1", text=str(i)))["ts"] for i in range(3)]
    assert ts[0] == "1700000000.000100"
    assert ts == sorted(set(ts), key=float)


async def test_canned_answers(slack: FakeSlackApi) -> None:
    web = client(slack)
    auth = await web.auth_test()
    assert (auth["user_id"], auth["bot_id"], auth["team_id"]) == ("UBOT", "BBOT", "T0001")
    user = await web.users_info(user="U42")  # sent as a GET with a query string
    assert user["user"]["id"] == "U42" and user["user"]["tz"] == "Europe/Paris"
    view = await web.views_open(trigger_id="t", view={"type": "modal", "callback_id": "cb"})
    assert view["view"]["id"].startswith("V") and view["view"]["callback_id"] == "cb"
    dm = await web.conversations_open(users="U42")
    assert dm["channel"]["id"].startswith("D")
    eph = await web.chat_postEphemeral(channel="C1", user="U42", text="psst")
    assert eph["message_ts"]
    assert [c.method for c in slack.calls()] == [
        "auth.test",
        "users.info",
        "views.open",
        "conversations.open",
        "chat.postEphemeral",
    ]


async def test_answer_override_and_unknown_method(slack: FakeSlackApi) -> None:
    slack.answer("chat.postMessage", {"ok": False, "error": "channel_not_found"})
    with pytest.raises(SlackApiError) as err:
        await client(slack).chat_postMessage(channel="CNOPE", text="x")
    assert err.value.response["error"] == "channel_not_found"
    assert len(slack.calls("chat.postMessage")) == 1  # delivered, Slack said no

    with pytest.raises(SlackApiError) as err:
        await client(slack).api_call("nope.nope")
    assert err.value.response["error"] == "unknown_method"


async def test_fail_with_500_twice_then_succeed(slack: FakeSlackApi) -> None:
    slack.fail_with(500, times=2)
    web = client(slack)
    for _ in range(2):
        with pytest.raises(SlackApiError) as err:
            await web.chat_postMessage(channel="C1", text="x")
        assert err.value.response.status_code == 500
    assert (await web.chat_postMessage(channel="C1", text="x"))["ok"]
    assert len(slack.failed_calls) == 2
    assert len(slack.calls("chat.postMessage")) == 1


async def test_429_has_retry_after_and_slack_sdk_honours_it(slack: FakeSlackApi) -> None:
    slack.fail_with(429, times=1)
    web = client(slack, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
    assert (await web.chat_postMessage(channel="C1", text="x"))["ok"]
    [failed] = slack.failed_calls
    [ok] = slack.calls("chat.postMessage")
    assert ok.at - failed.at >= 0.9


async def test_fail_until_recover(slack: FakeSlackApi) -> None:
    slack.fail_with(503)
    for _ in range(3):
        with pytest.raises(SlackApiError):
            await client(slack).auth_test()
    slack.recover()
    assert (await client(slack).auth_test())["ok"]


async def test_go_down_refuses_connections_and_come_up_restores_same_url(slack: FakeSlackApi) -> None:
    url = slack.url
    web = client(slack, retry_handlers=[])
    assert (await web.auth_test())["ok"]

    slack.go_down()
    with pytest.raises(aiohttp.ClientConnectorError):
        await web.auth_test()

    slack.come_up()
    assert slack.url == url
    assert (await web.auth_test())["ok"]
    assert len(slack.calls("auth.test")) == 2


async def test_response_url_is_recorded(slack: FakeSlackApi) -> None:
    hook = AsyncWebhookClient(slack.response_url("cmd-1"))
    resp = await hook.send(text="done", response_type="ephemeral")
    assert resp.status_code == 200
    [call] = slack.calls("response_url")
    assert call.path == "/response/cmd-1"
    assert call.body["text"] == "done"


def test_works_from_sync_code(slack: FakeSlackApi) -> None:
    WebClient(token="xoxb-test", base_url=slack.url).chat_postMessage(channel="C9", text="sync")
    assert slack.wait_for("chat.postMessage")[0].body["text"] == "sync"


def test_wait_for_times_out_with_what_it_saw(slack: FakeSlackApi) -> None:
    WebClient(token="xoxb-test", base_url=slack.url).auth_test()
    with pytest.raises(AssertionError, match=r"auth\.test"):
        slack.wait_for("chat.postMessage", timeout=0.1)
    slack.clear()
    assert slack.calls() == []


# -- signing helpers -----------------------------------------------------------------------


def test_signature_matches_slack_sdk_verifier() -> None:
    body, content_type = slash_command("/registry", "list")
    headers = sign(SECRET, body)
    verifier = SignatureVerifier(SECRET)
    ts, sig = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    assert headers["Content-Type"] == content_type == FORM
    assert verifier.is_valid(body, ts, sig)
    assert not verifier.is_valid(body + b"&text=rm+-rf", ts, sig)
    assert not SignatureVerifier("other-secret").is_valid(body, ts, sig)
    old = sign(SECRET, body, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, old)


def test_builders_shapes() -> None:
    body, ct = slash_command("/registry", "add acme", user_id="U7")
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    assert ct == FORM and form["command"] == "/registry" and form["text"] == "add acme"
    assert form["user_id"] == "U7" and form["trigger_id"]

    body, ct = event_callback({"type": "app_mention", "text": "hi"}, event_id="Ev1")
    envelope = json.loads(body)
    assert ct == JSON and envelope["type"] == "event_callback" and envelope["event_id"] == "Ev1"
    assert sign(SECRET, body)["Content-Type"] == JSON

    body, _ = url_verification("xyz")
    assert json.loads(body) == {"token": "verification-token", "challenge": "xyz", "type": "url_verification"}

    body, ct = view_submission("edit", {"b": {"a": {"type": "plain_text_input", "value": "v"}}})
    payload = json.loads(parse_qs(body.decode())["payload"][0])
    assert ct == FORM and payload["view"]["state"]["values"]["b"]["a"]["value"] == "v"


# -- end to end through bolt ----------------------------------------------------------------


def bolt_app(slack: FakeSlackApi) -> AsyncApp:
    app = AsyncApp(client=client(slack), signing_secret=SECRET)

    @app.command("/registry")
    async def registry(ack: AsyncAck, respond: AsyncRespond, say: AsyncSay, command: dict) -> None:
        await ack()
        await respond(f"got {command['text']}")
        await say(f"<@{command['user_id']}> ran it")

    @app.action("approve")
    async def approve(ack: AsyncAck, respond: AsyncRespond, body: dict) -> None:
        await ack()
        await respond(f"approved {body['actions'][0]['value']}")

    @app.view("edit")
    async def edit(ack: AsyncAck, view: dict) -> None:
        await ack(response_action="errors", errors={"b": view["state"]["values"]["b"]["a"]["value"]})

    return app


async def dispatch(app: AsyncApp, built: tuple[bytes, str], secret: str = SECRET) -> tuple[int, str]:
    body, _ = built
    resp = await app.async_dispatch(AsyncBoltRequest(body=body.decode(), headers=sign(secret, body)))
    return resp.status, resp.body


async def test_bolt_slash_command_round_trip(slack: FakeSlackApi) -> None:
    app = bolt_app(slack)
    built = slash_command("/registry", "list", user_id="U5", response_url=slack.response_url("c"))
    assert (await dispatch(app, built))[0] == 200

    [reply] = await slack.wait_for_async("response_url")
    assert reply.body["text"] == "got list"
    [said] = await slack.wait_for_async("chat.postMessage")
    assert (said.body["channel"], said.body["text"]) == ("C111", "<@U5> ran it")


async def test_bolt_rejects_bad_signature(slack: FakeSlackApi) -> None:
    status, _ = await dispatch(bolt_app(slack), slash_command("/registry", "x"), secret="wrong")
    assert status == 401


async def test_bolt_block_action_and_view_submission(slack: FakeSlackApi) -> None:
    app = bolt_app(slack)
    await dispatch(app, block_action("approve", "acme", response_url=slack.response_url("a")))
    [reply] = await slack.wait_for_async("response_url")
    assert reply.body["text"] == "approved acme"

    state = {"b": {"a": {"type": "plain_text_input", "value": "too short"}}}
    status, body = await dispatch(app, view_submission("edit", state))
    assert status == 200
    assert json.loads(body) == {"response_action": "errors", "errors": {"b": "too short"}}


async def test_bolt_url_verification(slack: FakeSlackApi) -> None:
    status, body = await dispatch(bolt_app(slack), url_verification("chal"))
    assert status == 200 and json.loads(body) == {"challenge": "chal"}

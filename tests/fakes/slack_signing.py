"""Build requests to our ``/slack/events`` endpoint byte-for-byte the way Slack sends them.

Why: bolt verifies the signature over the *raw* body and dispatches on its exact shape
(form-encoded slash commands, ``payload=<json>`` interactivity, JSON events), so tests
that post hand-made dicts would bypass the code that breaks in production.

Each builder returns ``(body, content_type)``; :func:`sign` turns a body into headers::

    body, _ = slash_command("/registry", "list", response_url=slack.response_url("cmd"))
    resp = client.post("/slack/events", content=body, headers=sign(SECRET, body))
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

TEAM_ID = "T0001"
TEAM_DOMAIN = "test"
APP_ID = "A0001"
BOT_USER_ID = "UBOT"
VERIFICATION_TOKEN = "verification-token"  # legacy field, still sent by Slack, ignored by bolt
# Port 9 (discard) is closed: an unconfigured response_url fails fast instead of reaching Slack.
UNSET_RESPONSE_URL = "http://127.0.0.1:9/response/unset"

_ids = itertools.count(1)


def _next_id() -> int:
    return next(_ids)


def _trigger_id() -> str:
    return f"{_next_id()}.1337.0123456789abcdef"


def sign(
    secret: str, body: bytes, timestamp: int | None = None, content_type: str | None = None
) -> dict[str, str]:
    """Headers Slack sends: timestamp, ``v0=`` HMAC-SHA256 signature and Content-Type.

    ``content_type`` defaults to JSON for bodies starting with ``{``, form otherwise,
    which is what the builders of this module produce.
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if content_type is None:
        content_type = JSON if body.lstrip().startswith(b"{") else FORM
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": content_type,
    }


def _form(fields: dict[str, str]) -> tuple[bytes, str]:
    return urlencode(fields).encode(), FORM


def _interactive(payload: dict[str, Any]) -> tuple[bytes, str]:
    return _form({"payload": json.dumps(payload, separators=(",", ":"))})


def _user(user_id: str) -> dict[str, str]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": TEAM_ID}


def slash_command(
    command: str,
    text: str = "",
    user_id: str = "U111",
    channel_id: str = "C111",
    trigger_id: str | None = None,
    response_url: str = UNSET_RESPONSE_URL,
    channel_name: str = "general",
) -> tuple[bytes, str]:
    """A slash command, form-encoded with the fields Slack sends."""
    return _form(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": TEAM_ID,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or _trigger_id(),
        }
    )


def event_callback(event: dict[str, Any], event_id: str | None = None) -> tuple[bytes, str]:
    """An Events API envelope; ``authorizations`` names our bot so bolt can spot its own events."""
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{_next_id():08d}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope).encode(), JSON


def url_verification(challenge: str) -> tuple[bytes, str]:
    """The handshake Slack sends when the Events request URL is configured."""
    body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    return json.dumps(body).encode(), JSON


def block_action(
    action_id: str,
    value: str,
    user_id: str = "U111",
    block_id: str = "block",
    message: dict[str, Any] | None = None,
    channel_id: str = "C111",
    response_url: str = UNSET_RESPONSE_URL,
    trigger_id: str | None = None,
    view: dict[str, Any] | None = None,
) -> tuple[bytes, str]:
    """A button click (``block_actions``), on a message or, if ``view`` is given, in a modal."""
    action = {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "text": {"type": "plain_text", "text": value},
        "action_ts": f"{time.time():.6f}",
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or _trigger_id(),
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0001")}
        payload["view"] = {"id": "V0001", "type": "modal", **view}
    else:
        message = message or {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": "BBOT",
            "ts": "1700000000.000100",
            "text": "",
            "blocks": [],
        }
        payload["container"] = {
            "type": "message",
            "message_ts": message.get("ts"),
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": "general"}
        payload["message"] = message
        payload["response_url"] = response_url
    return _interactive(payload)


def view_submission(
    callback_id: str,
    state_values: dict[str, Any],
    user_id: str = "U111",
    private_metadata: str = "",
    view_id: str = "V0001",
) -> tuple[bytes, str]:
    """A modal submission; ``state_values`` is ``{block_id: {action_id: {type, value...}}}``."""
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": _trigger_id(),
        "view": {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": "modal",
            "blocks": [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": state_values},
            "hash": f"hash-{_next_id()}",
            "title": {"type": "plain_text", "text": "Registry"},
            "close": {"type": "plain_text", "text": "Cancel"},
            "submit": {"type": "plain_text", "text": "Save"},
            "root_view_id": view_id,
            "app_id": APP_ID,
            "bot_id": "BBOT",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _interactive(payload)

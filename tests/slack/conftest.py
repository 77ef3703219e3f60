"""Helpers of the Slack tests: signed posts to `/slack/events`, outbox delivery until the fake Slack Web
API saw a call, and polling for the work a listener does after its ack."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from litestar import Litestar

from registry_api.services.demo import seed_demo
from tests.conftest import SIGNING_SECRET
from tests.fakes.slack_api import Call, FakeSlackApi
from tests.fakes.slack_signing import sign

T = TypeVar("T")


async def post(
    client: httpx.AsyncClient,
    built: tuple[bytes, str],
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST a body built by tests.fakes.slack_signing, signed the way Slack signs it."""
    body, content_type = built
    signed = sign(secret, body, timestamp=timestamp, content_type=content_type)
    return await client.post("/slack/events", content=body, headers={**signed, **(headers or {})})


async def deliver_until(
    app: Litestar,
    slack: FakeSlackApi,
    method: str,
    *,
    where: Callable[[Call], bool] = lambda _: True,
    count: int = 1,
    timeout: float = 5.0,
) -> list[Call]:
    """Run the outbox dispatcher until the fake received `count` matching calls of `method`."""
    deadline = time.monotonic() + timeout
    while True:
        await app.state.runtime.dispatch()
        found = [c for c in slack.calls(method) if where(c)]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            seen = [(c.method, c.body.get("channel")) for c in slack.calls()]
            raise AssertionError(f"no {count} {method} call(s) within {timeout}s; seen {seen}")
        await asyncio.sleep(0.02)


async def eventually(probe: Callable[[], Awaitable[T]], check: Callable[[T], bool], timeout: float = 5.0) -> T:
    """The listener works after its ack: poll until what it does is visible."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if check(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {value!r}")
        await asyncio.sleep(0.02)


def in_channel(channel: str) -> Callable[[Call], bool]:
    return lambda call: call.body.get("channel") == channel


def blocks_of(call: Call) -> list[dict[str, Any]]:
    blocks = call.body.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def text_of(call_or_body: Call | dict[str, Any]) -> str:
    """Everything Slack would display or parse: fallback text and every block, as one JSON string."""
    body = call_or_body.body if isinstance(call_or_body, Call) else call_or_body
    blocks = body.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return json.dumps({"text": body.get("text", ""), "blocks": blocks}, ensure_ascii=False)


@pytest.fixture
async def demo(slack_app: Litestar) -> int:
    """The demo registry (every kind of recipient of the privacy policy), in the app's database."""
    return await seed_demo()

"""Answers to Slack events recorded in the outbox under the event's key, so that Slack's retries of the
same event (`X-Slack-Retry-Num`) are answered once, and a Slack outage delays an answer, never loses it."""

from __future__ import annotations

import sqlite3

from asyncpg.exceptions import UniqueViolationError

from registry_api.notices.blocks import Message
from registry_api.services import outbox
from registry_api.services.tx import write_transaction


async def record(key: str, channel: str, message: Message, **args: object) -> bool:
    """False when an answer under `key` was already recorded (a retry, or a concurrent replica)."""
    payload = message.as_kwargs()
    try:
        async with write_transaction():
            return await outbox.enqueue_slack(
                key, channel, payload["text"], payload["blocks"], extra={"unfurl_links": False, **args}
            )
    except (sqlite3.IntegrityError, UniqueViolationError):  # the same key recorded meanwhile
        return False

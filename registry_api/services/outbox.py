"""Recording side effects in the outbox, inside the caller's transaction.

A notice is recorded with the change that causes it, under a dedupe key (`notice:v12`); recording it
again is a no-op, so a retried request or a second replica cannot queue it twice.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from registry_api.clock import clock
from registry_api.db.tables import OutboxMessage

SLACK = "slack"
WEBHOOK = "webhook"


async def enqueue(kind: str, dedupe_key: str, payload: dict, due_at: datetime | None = None) -> bool:
    """Returns False when a message with this key was already recorded, by this process or another:
    `ON CONFLICT DO NOTHING` lets two replicas race on the same key without failing either transaction."""
    now = clock().now()
    rows = await OutboxMessage.raw(
        "INSERT INTO outbox (kind, dedupe_key, payload, created_at, due_at, attempts, last_error) "
        "VALUES ({}, {}, {}, {}, {}, 0, '') ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        kind,
        dedupe_key,
        msgspec.json.encode(payload).decode(),
        now,
        due_at or now,
    )
    return bool(rows)


INSERT_CHUNK = 500


async def enqueue_many(messages: list[tuple[str, str, dict]], due_at: datetime | None = None) -> set[str]:
    """Record many messages `(kind, dedupe_key, payload)` in a few statements; returns the keys actually
    inserted (those already recorded, by any replica, are skipped)."""
    now = clock().now()
    inserted: set[str] = set()
    for start in range(0, len(messages), INSERT_CHUNK):
        chunk = messages[start : start + INSERT_CHUNK]
        args: list[object] = []
        for kind, key, payload in chunk:
            args += [kind, key, msgspec.json.encode(payload).decode(), now, due_at or now]
        values = ", ".join("({}, {}, {}, {}, {}, 0, '')" for _ in chunk)
        rows = await OutboxMessage.raw(
            "INSERT INTO outbox (kind, dedupe_key, payload, created_at, due_at, attempts, last_error) "
            f"VALUES {values} ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key",
            *args,
        )
        inserted.update(row["dedupe_key"] for row in rows)
    return inserted


def slack_payload(channel: str, text: str, blocks: list[dict] | None = None, method: str = "chat.postMessage") -> dict:
    args: dict = {"text": text}
    if blocks is not None:
        args["blocks"] = blocks
    return {"method": method, "channel": channel, "args": args}


async def enqueue_slack(
    dedupe_key: str,
    channel: str,
    text: str,
    blocks: list[dict] | None = None,
    *,
    method: str = "chat.postMessage",
    due_at: datetime | None = None,
    extra: dict | None = None,
) -> bool:
    """`channel` is a role (`notice`, `review`, `audit`) resolved from settings at delivery time, or an
    id; so a notice recorded before Slack is configured is delivered once it is."""
    args: dict = {"text": text, **(extra or {})}
    if blocks is not None:
        args["blocks"] = blocks
    return await enqueue(SLACK, dedupe_key, {"method": method, "channel": channel, "args": args}, due_at)


async def pending(limit: int = 100) -> list[dict]:
    return (
        await OutboxMessage.select()
        .where(OutboxMessage.delivered_at.is_null())
        .order_by(OutboxMessage.id)
        .limit(limit)
        .output(load_json=True)
    )

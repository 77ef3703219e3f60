"""Deliver the outbox: claim a due message, send it, mark it delivered; on failure retry with backoff.

A Slack outage or a crash delays a message, never loses it: it stays in the table until delivered. A
claim (`claimed_until`) keeps two replicas from sending the same message at the same time.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta

import msgspec

from registry_api.clock import clock
from registry_api.db.tables import OutboxMessage, Webhook
from registry_api.integrations import webhooks
from registry_api.integrations.slack_api import channel_for, web_client
from registry_api.services.outbox import SLACK, WEBHOOK
from registry_api.settings import Settings

log = logging.getLogger("registry.outbox")
CLAIM_SECONDS = 60
MAX_BACKOFF_SECONDS = 3600
BATCH = 50


class DeliveryError(Exception):
    pass


def backoff_seconds(attempts: int) -> float:
    """2, 4, 8 ... seconds, capped at an hour, with jitter so that replicas do not retry in step."""
    base = min(MAX_BACKOFF_SECONDS, 2 ** min(attempts, 12))
    return base * (1 + random.random() * 0.1)


@dataclass(slots=True)
class Report:
    delivered: int = 0
    failed: int = 0


class Deliverer:
    """Sends one outbox message by kind; raises DeliveryError when it must be retried."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.slack = web_client(settings)

    async def deliver(self, kind: str, payload: dict) -> dict:
        if kind == SLACK:
            return await self._slack(payload)
        if kind == WEBHOOK:
            return await self._webhook(payload)
        raise DeliveryError(f"unknown outbox kind {kind!r}")

    async def _slack(self, payload: dict) -> dict:
        if self.slack is None:
            raise DeliveryError("Slack is not configured (SLACK_BOT_TOKEN)")
        import aiohttp
        from slack_sdk.errors import SlackApiError

        args = dict(payload.get("args") or {})
        if payload.get("channel"):
            channel = channel_for(self.settings, payload["channel"])
            if not channel:
                raise DeliveryError(f"no Slack channel configured for {payload['channel']!r}")
            args["channel"] = channel
        try:
            response = await self.slack.api_call(payload["method"], json=args)
        except SlackApiError as exc:
            raise DeliveryError(f"Slack answered {exc.response.status_code}: {exc.response.get('error')}") from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"Slack unreachable: {type(exc).__name__}: {exc}") from exc
        return {"channel": response.get("channel"), "ts": response.get("ts")}

    async def _webhook(self, payload: dict) -> dict:
        hook = await Webhook.select().where(Webhook.id == payload["webhook_id"]).first()
        if hook is None or not hook["active"]:
            return {"skipped": "webhook removed or inactive"}
        import aiohttp

        body = msgspec.json.encode(payload["body"])
        timestamp = int(clock().now().timestamp())
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
                session.post(hook["url"], data=body, headers=webhooks.headers(hook["secret"], timestamp, body)) as r,
            ):
                if r.status >= 300:
                    raise DeliveryError(f"webhook {hook['name']} answered {r.status}")
                return {"status": r.status}
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"webhook {hook['name']} unreachable: {exc}") from exc


async def dispatch_due(deliverer: Deliverer, limit: int = BATCH) -> Report:
    report = Report()
    now = clock().now()
    rows = (
        await OutboxMessage.select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.payload, OutboxMessage.attempts)
        .where(
            OutboxMessage.delivered_at.is_null()
            & (OutboxMessage.due_at <= now)
            & (OutboxMessage.claimed_until.is_null() | (OutboxMessage.claimed_until < now))
        )
        .order_by(OutboxMessage.due_at)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .output(load_json=True)
    )
    for row in rows:
        if not await _claim(row["id"]):
            continue  # another replica took it
        try:
            result = await deliverer.deliver(row["kind"], row["payload"])
        except Exception as exc:  # every failure is retried later; the message is never dropped
            report.failed += 1
            attempts = row["attempts"] + 1
            log.warning("outbox %s attempt %s failed: %s", row["id"], attempts, exc)
            await OutboxMessage.update(
                {
                    OutboxMessage.attempts: attempts,
                    OutboxMessage.last_error: str(exc)[:1000],
                    OutboxMessage.due_at: clock().now() + timedelta(seconds=backoff_seconds(attempts)),
                    OutboxMessage.claimed_until: None,
                }
            ).where(OutboxMessage.id == row["id"])
            continue
        report.delivered += 1
        await OutboxMessage.update(
            {
                OutboxMessage.delivered_at: clock().now(),
                OutboxMessage.attempts: row["attempts"] + 1,
                OutboxMessage.result: msgspec.json.encode(result).decode(),
                OutboxMessage.claimed_until: None,
                OutboxMessage.last_error: "",
            }
        ).where(OutboxMessage.id == row["id"])
    return report


async def _claim(message_id: int) -> bool:
    now = clock().now()
    claimed = (
        await OutboxMessage.update({OutboxMessage.claimed_until: now + timedelta(seconds=CLAIM_SECONDS)})
        .where(
            (OutboxMessage.id == message_id)
            & OutboxMessage.delivered_at.is_null()
            & (OutboxMessage.claimed_until.is_null() | (OutboxMessage.claimed_until < now))
        )
        .returning(OutboxMessage.id)
    )
    return bool(claimed)

"""Buttons: Approve / Reject on a vendor request in the review channel, and link buttons.

The click is acked at once; the decision is then taken by `vendor_requests.decide`, which alone knows
who may decide. A refused or stale click gets an ephemeral explanation (only the clicker sees it) and
changes nothing.
"""

from __future__ import annotations

import logging
import re

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from registry_api.notices import problems, vendors
from registry_api.notices.blocks import Message
from registry_api.notices.labels import lang_of
from registry_api.notices.labels import status as status_label
from registry_api.services import vendor_requests
from registry_api.services.errors import Conflict, NotFound, ServiceError
from registry_api.services.vendor_requests import AlreadyDecided, Decision, NotApprover
from registry_api.settings import Settings

log = logging.getLogger("registry.bot")
LINK_BUTTONS = re.compile(r"^open_")


def register(app: AsyncApp, settings: Settings) -> None:
    lang = lang_of(settings.language)

    async def decide(decision: Decision, body: dict, action: dict, client: AsyncWebClient) -> None:
        user = (body.get("user") or {}).get("id") or ""
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
        refusal = await _decide(decision, action.get("value"), user, channel, ts, settings, lang)
        if refusal is not None and channel and user:
            await client.chat_postEphemeral(channel=channel, user=user, **refusal.as_kwargs())

    async def approve(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient) -> None:
        await ack()
        await decide(Decision.approve, body, action, client)

    async def reject(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient) -> None:
        await ack()
        await decide(Decision.reject, body, action, client)

    async def link_button(ack: AsyncAck) -> None:
        await ack()  # Slack opens the URL itself; the click must still be acknowledged

    app.action(vendors.APPROVE_ACTION)(approve)
    app.action(vendors.REJECT_ACTION)(reject)
    app.action(LINK_BUTTONS)(link_button)


async def _decide(
    decision: Decision,
    value: str | None,
    user: str,
    channel: str | None,
    ts: str | None,
    settings: Settings,
    lang: str,
) -> Message | None:
    """None when the decision was recorded, else the refusal to show the clicker."""
    parsed = vendors.parse_button_value(value)
    if parsed is None:
        return vendors.refusal("not_found", lang)
    slug, version = parsed
    try:
        await vendor_requests.decide(
            slug,
            version,
            decision,
            user,
            approvers=settings.slack_approvers,
            review_channel=channel,
            review_ts=ts,
            lang=lang,
        )
    except NotApprover:
        log.info("vendor %s: %s refused to %s (not an approver)", slug, user, decision)
        return vendors.refusal("not_approver", lang, approvers=settings.slack_approvers)
    except AlreadyDecided as exc:
        return vendors.refusal("already_decided", lang, detail=status_label(exc.current.status, lang))
    except NotFound:
        return vendors.refusal("not_found", lang)
    except Conflict:
        return vendors.refusal("changed", lang)
    except ServiceError as exc:
        return vendors.refusal("error", lang, detail=exc.detail)
    except Exception:  # the database is down, say: the clicker must know nothing was recorded
        log.exception("vendor %s: decision %s by %s failed", slug, decision, user)
        return vendors.refusal("error", lang, detail=problems.message("unavailable", lang))
    return None

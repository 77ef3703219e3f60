"""Vendor requests: a new vendor proposed from Slack, reviewed, then approved or rejected by an approver.

Why a service of its own: the request and its review message, and the decision with the updated message
and the requester's DM, must each be one transaction. The messages go through the outbox, so a Slack
outage delays them and a retried click cannot send them twice; the recipient rules are exactly those of
the API (`recipients.create` / `set_status`), with the Slack user as the actor of every history entry.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from enum import StrEnum

import msgspec

from registry_api.clock import clock
from registry_api.domain.enums import Status
from registry_api.domain.recipient_rules import Problem
from registry_api.notices import vendors
from registry_api.notices.blocks import Message
from registry_api.notices.labels import lang_of
from registry_api.schemas.recipients import RecipientCreate, RecipientOut, Warning
from registry_api.services import history, outbox, recipients
from registry_api.services.errors import Conflict, Forbidden, Invalid
from registry_api.services.tx import write_transaction
from registry_api.settings import current as settings

REVIEW_CHANNEL = "review"
_SLACK_USER = re.compile(r"^[A-Z0-9]{2,40}$")
OPEN_STATUSES = (Status.proposed, Status.active)


class Decision(StrEnum):
    approve = "approve"
    reject = "reject"


STATUS_OF = {Decision.approve: Status.active, Decision.reject: Status.rejected}


class NotApprover(Forbidden):
    """The clicker is not in SLACK_APPROVERS: nothing may change."""


class AlreadyDecided(Conflict):
    """The request is no longer `proposed` (someone decided first, or it was edited elsewhere)."""

    def __init__(self, current: RecipientOut) -> None:
        super().__init__(f"{current.slug} is already {current.status}", {"status": str(current.status)})
        self.current = current


def slack_actor(user_id: str) -> str:
    """`slack:<user id>`, the history actor of a change made in Slack; refuses anything not an ID."""
    if not _SLACK_USER.match(user_id or ""):
        raise Invalid([Problem("actor", "invalid_actor", f"not a Slack user ID: {user_id!r}")])
    return f"slack:{user_id}"


async def submit(data: RecipientCreate, requester: str) -> RecipientOut:
    """Save the request as `proposed` and record its review message for the review channel.

    The review message is in the company's language (the channel is shared), whatever the requester's.
    Raises `Invalid` (same rules and fields as the API) or `Conflict` when a vendor of that name is
    already proposed or active, which is most often the same request sent twice.
    """
    cfg = settings()
    lang = lang_of(cfg.language)
    actor = slack_actor(requester)
    data = msgspec.structs.replace(data, status=Status.proposed, slug=None, publication=None)
    async with write_transaction():
        await _refuse_duplicate(data.name)
        created = await recipients.create(data, actor)
        message = vendors.review_message(created, requester, created.warnings, lang, cfg.public_base_url)
        await _enqueue(f"vendor-review:{created.slug}:v{created.version}", REVIEW_CHANNEL, message)
    return created


async def decide(
    slug: str,
    version: int,
    decision: Decision,
    approver: str,
    *,
    approvers: Collection[str],
    review_channel: str | None = None,
    review_ts: str | None = None,
    lang: str | None = None,
) -> RecipientOut:
    """Approve (→ active) or reject a proposed vendor, as seen at `version`.

    Only `approvers` may; the review message (`review_channel` / `review_ts`) is updated to say who
    decided and the requester is told by DM, both through the outbox in the same transaction. Approving
    a public vendor starts the public-list notice (the recipients service does, on becoming active).
    """
    if approver not in approvers:
        raise NotApprover(f"{approver} is not an approver")
    cfg = settings()
    lang = lang_of(lang or cfg.language)
    actor = slack_actor(approver)
    async with write_transaction():
        current = await recipients.get(slug)
        if current.status != Status.proposed:
            raise AlreadyDecided(current)
        if current.version != version:
            raise Conflict(
                f"stale version: {slug} is at version {current.version}, the request showed {version}",
                {"current_version": current.version},
            )
        after = await recipients.set_status(slug, STATUS_OF[decision], actor, expected_version=version)
        requester = await requester_of(slug)
        warnings = [
            Warning(code=p.code, message=p.message, country=p.extra.get("country"))  # type: ignore[arg-type]
            for p in recipients.validate(recipients.as_create(after)).warnings
        ]
        if review_channel and review_ts:
            update = vendors.decided_message(
                after, requester, decision, approver, clock().today(), warnings, lang, cfg.public_base_url
            )
            key = f"vendor-decision:{slug}:v{version}"
            await _enqueue(key, review_channel, update, method="chat.update", ts=review_ts)
        if requester:
            dm = vendors.requester_message(after, decision, approver, lang)
            await _enqueue(f"vendor-decision-dm:{slug}:v{version}", requester, dm)
    return after


async def requester_of(slug: str) -> str | None:
    """The Slack user who proposed the vendor, from the history's creation entry (None if not Slack)."""
    entries = await history.entries(recipients.ENTITY, slug, limit=1)
    if not entries or entries[0].action != "create" or not entries[0].actor.startswith("slack:"):
        return None
    user = entries[0].actor.removeprefix("slack:")
    return user if _SLACK_USER.match(user) else None


async def _enqueue(key: str, channel: str, message: Message, method: str = "chat.postMessage", **args: str) -> None:
    payload = message.as_kwargs()  # within Slack's limits
    await outbox.enqueue_slack(key, channel, payload["text"], payload["blocks"], method=method, extra=args or None)


async def _refuse_duplicate(name: str) -> None:
    wanted = name.strip().casefold()
    page = await recipients.list_recipients(recipients.RecipientFilters(q=name.strip()), limit=100)
    for r in page.items:
        if r.name.strip().casefold() == wanted and r.status in OPEN_STATUSES:
            raise Conflict(
                f"a vendor named {r.name!r} is already {r.status} ({r.slug})",
                {"field": "name", "slug": r.slug, "status": str(r.status)},
            )

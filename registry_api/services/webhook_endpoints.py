"""Client endpoints told of public-list changes; registered by an admin, each with its own secret."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlparse

import msgspec
from msgspec import Meta

from registry_api.db.tables import Webhook
from registry_api.domain.recipient_rules import Problem
from registry_api.services import history
from registry_api.services.errors import Conflict, Invalid, NotFound
from registry_api.services.tx import write_transaction


class WebhookCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")]
    url: Annotated[str, Meta(min_length=8, max_length=1000)]
    secret: Annotated[str, Meta(min_length=16, max_length=200)] | None = None


class WebhookOut(msgspec.Struct, kw_only=True):
    name: str
    url: str
    active: bool
    secret: str | None = None


async def register(data: WebhookCreate, actor: str) -> WebhookOut:
    try:
        parsed = urlparse(data.url)
        parsed.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        parsed = None
    if parsed is None or parsed.scheme not in ("https", "http") or not parsed.hostname:
        raise Invalid([Problem("url", "invalid_url", "the webhook URL must be an absolute http(s) URL")])
    secret = data.secret or secrets.token_urlsafe(32)
    async with write_transaction():
        if await Webhook.exists().where(Webhook.name == data.name):
            raise Conflict(f"a webhook named {data.name!r} already exists")
        await Webhook.insert(Webhook(name=data.name, url=data.url, secret=secret, active=True))
        await history.record("webhook", data.name, "create", actor, None, {"name": data.name, "url": data.url})
    return WebhookOut(name=data.name, url=data.url, active=True, secret=secret)


async def list_webhooks() -> list[WebhookOut]:
    rows = await Webhook.select(Webhook.name, Webhook.url, Webhook.active).order_by(Webhook.name)
    return [WebhookOut(name=r["name"], url=r["url"], active=bool(r["active"])) for r in rows]


async def deactivate(name: str, actor: str) -> None:
    async with write_transaction():
        updated = await Webhook.update({Webhook.active: False}).where(Webhook.name == name).returning(Webhook.id)
        if not updated:
            raise NotFound(f"no webhook {name!r}")
        await history.record("webhook", name, "deactivate", actor, {"name": name}, None)

"""Admin routes: client webhooks and the outbox (what is still waiting to be delivered, and why)."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, delete, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from registry_api.http.auth import actor_of, admin
from registry_api.services import outbox, webhook_endpoints
from registry_api.services.webhook_endpoints import WebhookCreate, WebhookOut


@post("/api/v1/webhooks", guards=[admin], tags=["admin"], summary="Register a client webhook (secret shown once)")
async def create_webhook(request: Request, data: JSONBody[WebhookCreate]) -> WebhookOut:
    return await webhook_endpoints.register(data, actor_of(request))


@get("/api/v1/webhooks", guards=[admin], tags=["admin"])
async def list_webhooks() -> list[WebhookOut]:
    return await webhook_endpoints.list_webhooks()


@delete("/api/v1/webhooks/{name:str}", guards=[admin], tags=["admin"], status_code=204)
async def delete_webhook(request: Request, name: FromPath[str]) -> None:
    await webhook_endpoints.deactivate(name, actor_of(request))


@get("/api/v1/outbox", guards=[admin], tags=["admin"], summary="Messages not yet delivered, with their last error")
async def pending_outbox(limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100) -> list[dict]:
    rows = await outbox.pending(limit)
    return [
        {
            "id": r["id"],
            "kind": r["kind"],
            "dedupe_key": r["dedupe_key"],
            "attempts": r["attempts"],
            "due_at": r["due_at"].isoformat(),
            "last_error": r["last_error"],
        }
        for r in rows
    ]

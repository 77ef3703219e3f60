"""Supplier audits over HTTP: what is due, and recording an audit's outcome."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, PathParameter, QueryParameter

from registry_api.http.auth import actor_of, editor, viewer
from registry_api.http.limits import MAX_INT
from registry_api.schemas.audits import AuditOut, AuditRecord, AuditSnooze
from registry_api.services import audits


@get("/api/v1/audits", guards=[viewer], tags=["audits"], summary="Open audits, soonest first")
async def list_audits(
    due_within: Annotated[int | None, QueryParameter(ge=0, le=3650)] = None,
    overdue: FromQuery[bool | None] = None,
    assignee: Annotated[str | None, QueryParameter(max_length=200)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 500,
) -> list[AuditOut]:
    return await audits.open_audits(due_within, overdue, assignee, limit)


@get("/api/v1/recipients/{slug:str}/audits", guards=[viewer], tags=["audits"])
async def recipient_audits(slug: FromPath[str]) -> list[AuditOut]:
    return await audits.for_recipient(slug)


@post("/api/v1/recipients/{slug:str}/audits", guards=[editor], tags=["audits"], summary="Record an audit")
async def record_audit(request: Request, slug: FromPath[str], data: JSONBody[AuditRecord]) -> AuditOut:
    return await audits.record(slug, data, actor_of(request))


@post("/api/v1/audits/{audit_id:int}/snooze", guards=[editor], tags=["audits"], status_code=200)
async def snooze_audit(
    request: Request, audit_id: Annotated[int, PathParameter(ge=1, le=MAX_INT)], data: JSONBody[AuditSnooze]
) -> AuditOut:
    return await audits.snooze(audit_id, data, actor_of(request))

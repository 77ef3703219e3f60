"""`/api/v1/recipients`: the registry itself, for keys with the viewer role and up."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, delete, get, patch, post
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from registry_api.domain.enums import RecipientKind, Status
from registry_api.domain.reference import data_categories
from registry_api.http.auth import actor_of, editor, viewer
from registry_api.http.limits import MAX_INT
from registry_api.schemas.recipients import (
    HistoryOut,
    RecipientCreate,
    RecipientOut,
    RecipientPage,
    RecipientPatch,
)
from registry_api.services import history, recipients

Country = Annotated[str | None, QueryParameter(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")]
Limit = Annotated[int, QueryParameter(ge=1, le=500)]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_INT)]


class RecipientController(Controller):
    path = "/api/v1/recipients"
    tags = ["recipients"]

    @get("/", guards=[viewer], summary="List recipients, filtered and paginated")
    async def list_recipients(
        self,
        kind: Annotated[RecipientKind | None, QueryParameter(name="category")] = None,
        country: Country = None,
        data_category: FromQuery[str | None] = None,
        status: FromQuery[Status | None] = None,
        public: FromQuery[bool | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> RecipientPage:
        if data_category is not None and data_category not in data_categories():
            raise ValidationException(
                f"unknown data category {data_category!r}", extra={"accepted": sorted(data_categories())}
            )
        filters = recipients.RecipientFilters(
            kind=kind,
            country=country.upper() if country else None,
            data_category=data_category,
            status=status,
            public=public,
            q=q,
        )
        return await recipients.list_recipients(filters, limit, offset)

    @post("/", guards=[editor], summary="Register a recipient (transfer rules checked)")
    async def create_recipient(self, request: Request, data: JSONBody[RecipientCreate]) -> RecipientOut:
        return await recipients.create(data, actor_of(request))

    @get("/{slug:str}", guards=[viewer])
    async def get_recipient(self, slug: FromPath[str]) -> RecipientOut:
        return await recipients.get(slug)

    @patch("/{slug:str}", guards=[editor], summary="Change a recipient; `version` must be current (409 if stale)")
    async def update_recipient(
        self, request: Request, slug: FromPath[str], data: JSONBody[RecipientPatch]
    ) -> RecipientOut:
        return await recipients.update(slug, data, actor_of(request))

    @delete("/{slug:str}", guards=[editor], status_code=200, summary="Retire a recipient (kept, with history)")
    async def retire_recipient(
        self,
        request: Request,
        slug: FromPath[str],
        version: Annotated[int | None, QueryParameter(ge=1, le=MAX_INT)] = None,
    ) -> RecipientOut:
        return await recipients.retire(slug, actor_of(request), version)

    @get("/{slug:str}/history", guards=[viewer])
    async def recipient_history(self, slug: FromPath[str], limit: Limit = 200, offset: Offset = 0) -> list[HistoryOut]:
        await recipients.get(slug)
        return await history.entries(recipients.ENTITY, slug, limit, offset)

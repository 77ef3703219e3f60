"""`GET /api/v1/who`: who receives which data, where (the same query the Slack bot asks)."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.exceptions import ValidationException
from litestar.params import FromQuery, QueryParameter

from registry_api.domain.enums import RecipientKind, Status
from registry_api.domain.reference import data_categories, is_known_country
from registry_api.http.auth import viewer
from registry_api.http.limits import MAX_INT
from registry_api.schemas.recipients import WhoAnswer
from registry_api.services import recipients


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


@get("/api/v1/who", guards=[viewer], tags=["recipients"], summary="Who receives what data, where")
async def who(
    data_codes: Annotated[
        str | None, QueryParameter(name="data", description="data category codes, comma-separated")
    ] = None,
    country: Annotated[str | None, QueryParameter(description="ISO alpha-2 codes, comma-separated")] = None,
    kind: Annotated[str | None, QueryParameter(name="category", description="recipient kinds, comma-separated")] = None,
    outside_eea: FromQuery[bool] = False,
    sensitive: FromQuery[bool] = False,
    status: FromQuery[Status] = Status.active,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    offset: Annotated[int, QueryParameter(ge=0, le=MAX_INT)] = 0,
) -> WhoAnswer:
    codes = _split(data_codes)
    unknown = [c for c in codes if c not in data_categories()]
    countries = tuple(c.upper() for c in _split(country))
    bad_countries = [c for c in countries if not is_known_country(c)]
    kinds = _split(kind)
    bad_kinds = [k for k in kinds if k not in RecipientKind.__members__]
    if unknown or bad_countries or bad_kinds:
        raise ValidationException(
            "unknown filter value",
            extra={
                "data": unknown,
                "country": bad_countries,
                "category": bad_kinds,
                "accepted_data": sorted(data_categories()),
            },
        )
    query = recipients.WhoQuery(
        data_categories=codes,
        countries=countries,
        kinds=kinds,
        outside_eea=outside_eea,
        sensitive_only=sensitive,
        statuses=(status,),
    )
    return await recipients.who(query, limit, offset)

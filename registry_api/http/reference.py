"""Reference data and solutions: what the codes used by the registry mean, in French and English."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.params import FromPath, JSONBody

from registry_api.domain.reference import data_categories, recipient_kinds
from registry_api.http.auth import actor_of, editor, viewer
from registry_api.schemas.reference import DataCategoryOut, KindOut, SolutionCreate, SolutionOut
from registry_api.services import solutions


@get("/api/v1/data-categories", guards=[viewer], tags=["reference"])
async def list_data_categories() -> list[DataCategoryOut]:
    return [
        DataCategoryOut(code=c.code, label_fr=c.label_fr, label_en=c.label_en, sensitive=c.sensitive, basis=c.basis)
        for c in data_categories().values()
    ]


@get("/api/v1/recipient-kinds", guards=[viewer], tags=["reference"])
async def list_recipient_kinds() -> list[KindOut]:
    return [KindOut(code=k.code, label_fr=k.label_fr, label_en=k.label_en) for k in recipient_kinds().values()]


@get("/api/v1/solutions", guards=[viewer], tags=["solutions"])
async def list_solutions() -> list[SolutionOut]:
    return await solutions.list_solutions()


@get("/api/v1/solutions/{slug:str}", guards=[viewer], tags=["solutions"])
async def get_solution(slug: FromPath[str]) -> SolutionOut:
    return await solutions.get(slug)


@post("/api/v1/solutions", guards=[editor], tags=["solutions"])
async def create_solution(request: Request, data: JSONBody[SolutionCreate]) -> SolutionOut:
    return await solutions.create(data, actor_of(request))

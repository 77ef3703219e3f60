"""Solutions: the company's products, each served by a set of recipients."""

from __future__ import annotations

from collections import defaultdict

from registry_api.db.tables import Solution, SolutionRecipient
from registry_api.schemas.reference import SolutionCreate, SolutionOut
from registry_api.services import history, read_cache
from registry_api.services.errors import Conflict, NotFound
from registry_api.services.slugs import slugify
from registry_api.services.tx import write_transaction


async def create(data: SolutionCreate, actor: str) -> SolutionOut:
    slug = data.slug or slugify(data.name)
    async with write_transaction():
        if await Solution.exists().where(Solution.slug == slug):
            raise Conflict(f"a solution with slug {slug!r} already exists", {"slug": slug})
        await Solution.insert(Solution(slug=slug, name=data.name.strip(), description=data.description))
        out = SolutionOut(slug=slug, name=data.name.strip(), description=data.description)
        await history.record("solution", slug, "create", actor, None, out)
        await read_cache.bump()
    return out


async def list_solutions() -> list[SolutionOut]:
    rows = await Solution.select().order_by(Solution.name)
    links: dict[int, list[str]] = defaultdict(list)
    for link in await SolutionRecipient.select(
        SolutionRecipient.solution, SolutionRecipient.recipient.slug.as_alias("slug")
    ):
        links[link["solution"]].append(link["slug"])
    return [
        SolutionOut(slug=r["slug"], name=r["name"], description=r["description"], recipients=sorted(links[r["id"]]))
        for r in rows
    ]


async def get(slug: str) -> SolutionOut:
    for solution in await list_solutions():
        if solution.slug == slug:
            return solution
    raise NotFound(f"no solution {slug!r}")

"""Recipients: create, change, retire, read, list and ask "who receives what, where".

Every surface calls these functions; they validate with the domain rules, write inside one transaction
together with the history entry (and, through `effects`, whatever the change must trigger), and map
database conflicts to `Conflict`.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec
from msgspec import UNSET

from registry_api.db.engine import current_engine
from registry_api.db.tables import (
    Location,
    Recipient,
    RecipientDataCategory,
    Solution,
    SolutionRecipient,
)
from registry_api.domain.enums import Mechanism, Status
from registry_api.domain.recipient_rules import (
    Draft,
    DraftLocation,
    Problem,
    Verdict,
    check_recipient,
    normalise_certifications,
)
from registry_api.domain.reference import AdequacyList, country_name, data_categories, eea_countries
from registry_api.schemas.recipients import (
    CategoryOut,
    LocationIn,
    LocationOut,
    RecipientCreate,
    RecipientOut,
    RecipientPage,
    RecipientPatch,
    Warning,
    WhoAnswer,
    WhoEntry,
)
from registry_api.services import effects, history, read_cache
from registry_api.services import recipient_queries as queries
from registry_api.services.errors import Conflict, Invalid, NotFound
from registry_api.services.slugs import slugify
from registry_api.services.tx import write_transaction

ENTITY = "recipient"
SCALAR_FIELDS = (
    "name",
    "legal_name",
    "address",
    "contact_name",
    "contact_email",
    "website",
    "service_description",
    "internal_notes",
    "kind",
    "role",
    "status",
    "public",
    "criticality",
    "certifications",
    "purposes",
    "dpa_signed_on",
)


@dataclass(frozen=True, slots=True)
class RecipientFilters:
    kind: str | None = None
    country: str | None = None
    data_category: str | None = None
    status: str | None = None
    public: bool | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class WhoQuery:
    data_categories: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    outside_eea: bool = False
    sensitive_only: bool = False
    statuses: tuple[str, ...] = (Status.active,)


# ---------------------------------------------------------------- validation


def validate(data: RecipientCreate, adequacy: AdequacyList | None = None) -> Verdict:
    """The one check of a recipient about to be saved, shared by create, patch, Slack and import."""
    draft = Draft(
        role=data.role,
        status=data.status,
        certifications=tuple(data.certifications),
        data_categories=tuple(data.data_categories),
        locations=tuple(
            DraftLocation(loc.country, loc.use, loc.mechanism, loc.scc_module, loc.tia_on) for loc in data.locations
        ),
        dpa_signed=data.dpa_signed_on is not None,
    )
    return check_recipient(draft, adequacy)


def _warnings(problems: Iterable[Problem]) -> list[Warning]:
    return [
        Warning(
            code=p.code,
            message=p.message,
            country=p.extra.get("country"),  # type: ignore[arg-type]
            location=p.extra.get("location"),  # type: ignore[arg-type]
        )
        for p in problems
    ]


def _normalised(data: RecipientCreate) -> RecipientCreate:
    """Trimmed name, certifications under their stable keys, upper-case countries; choosing the DPF as a
    location's mechanism states that the organisation is on the DPF List, so the certification is recorded."""
    certifications = list(data.certifications)
    if any(loc.mechanism == Mechanism.dpf for loc in data.locations):
        certifications.append("dpf")
    return msgspec.structs.replace(
        data,
        name=data.name.strip(),
        certifications=normalise_certifications(certifications),
        locations=[msgspec.structs.replace(loc, country=loc.country.upper()) for loc in data.locations],
    )


# ---------------------------------------------------------------- writes


async def create(data: RecipientCreate, actor: str) -> RecipientOut:
    data = _normalised(data)
    verdict = validate(data)
    if not verdict.ok:
        raise Invalid(verdict.errors, verdict.warnings)
    async with write_transaction():
        slug = data.slug or await _free_slug(slugify(data.name))
        if data.slug and await Recipient.exists().where(Recipient.slug == slug):
            raise Conflict(f"a recipient with slug {slug!r} already exists", {"slug": slug})
        parent_id = await _parent_id(data.parent, slug)
        solution_ids = await _solution_ids(data.solutions)
        now = datetime.now(UTC)
        row = Recipient(
            slug=slug,
            parent=parent_id,
            version=1,
            created_at=now,
            updated_at=now,
            **{f: _db_value(getattr(data, f)) for f in SCALAR_FIELDS},
        )
        await row.save()
        await _write_children(row.id, data.locations, data.data_categories, solution_ids)
        after = _written(data, slug, 1, now, now)
        await history.record(ENTITY, slug, "create", actor, None, _snapshot(after))
        await read_cache.bump()
        await effects.recipient_changed(None, after, actor, data.publication)
    return msgspec.structs.replace(after, warnings=_warnings(verdict.warnings))


async def update(slug: str, patch: RecipientPatch, actor: str) -> RecipientOut:
    async with write_transaction():
        before = await get(slug)
        if before.version != patch.version:
            raise Conflict(
                f"stale version: {slug} is at version {before.version}, the change was based on {patch.version}",
                {"current_version": before.version},
            )
        merged = _normalised(_merge(before, patch))
        verdict = validate(merged)
        if not verdict.ok:
            raise Invalid(verdict.errors, verdict.warnings)
        if _comparable(merged) == _comparable(as_create(before)):
            return msgspec.structs.replace(before, warnings=_warnings(verdict.warnings))
        parent_id = await _parent_id(merged.parent, slug)
        values = {getattr(Recipient, f): _db_value(getattr(merged, f)) for f in SCALAR_FIELDS}
        values[Recipient.parent] = parent_id
        values[Recipient.version] = before.version + 1
        values[Recipient.updated_at] = datetime.now(UTC)
        changed = (
            await Recipient.update(values)
            .where((Recipient.slug == slug) & (Recipient.version == before.version))
            .returning(Recipient.id)
        )
        if not changed:
            raise Conflict(f"stale version: {slug} changed meanwhile", {"current_version": None})
        recipient_id = changed[0]["id"]
        await _replace_children(recipient_id, patch, merged)
        after = _written(merged, slug, before.version + 1, before.created_at, values[Recipient.updated_at])
        await history.record(ENTITY, slug, "update", actor, _snapshot(before), _snapshot(after))
        await read_cache.bump()
        await effects.recipient_changed(before, after, actor, patch.publication)
    return msgspec.structs.replace(after, warnings=_warnings(verdict.warnings))


async def set_status(slug: str, status: Status, actor: str, expected_version: int | None = None) -> RecipientOut:
    """Approve, reject or retire; `expected_version` protects a decision taken on a stale view."""
    version = expected_version if expected_version is not None else (await get(slug)).version
    return await update(slug, RecipientPatch(version=version, status=status), actor)


async def retire(slug: str, actor: str, expected_version: int | None = None) -> RecipientOut:
    return await set_status(slug, Status.retired, actor, expected_version)


async def _free_slug(base: str) -> str:
    if not await Recipient.exists().where(Recipient.slug == base):
        return base
    taken = {
        row["slug"]
        for row in await Recipient.select(Recipient.slug).where(
            (Recipient.slug == base) | Recipient.slug.like(f"{base}-%")
        )
    }
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


async def _parent_id(parent: str | None, slug: str) -> int | None:
    if parent is None:
        return None
    if parent == slug:
        raise Invalid([Problem("parent", "parent_self", "a recipient cannot be its own parent")])
    row = await Recipient.select(Recipient.id).where(Recipient.slug == parent).first()
    if row is None:
        raise Invalid([Problem("parent", "unknown_parent", f"unknown parent recipient {parent!r}")])
    # Refuse cycles: walk up from the parent; the chain is short (group structures, sub-processor chains).
    seen = {row["id"]}
    cursor = await Recipient.select(Recipient.parent, Recipient.slug).where(Recipient.id == row["id"]).first()
    while cursor and cursor["parent"] is not None:
        if cursor["parent"] in seen:
            break
        seen.add(cursor["parent"])
        cursor = (
            await Recipient.select(Recipient.parent, Recipient.slug).where(Recipient.id == cursor["parent"]).first()
        )
        if cursor and cursor["slug"] == slug:
            raise Invalid([Problem("parent", "parent_cycle", f"{parent!r} is already below {slug!r}")])
    return row["id"]


async def _solution_ids(slugs: Sequence[str]) -> list[int]:
    if not slugs:
        return []
    rows = await Solution.select(Solution.id, Solution.slug).where(Solution.slug.is_in(list(slugs)))
    found = {r["slug"]: r["id"] for r in rows}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise Invalid(
            [
                Problem(f"solutions[{list(slugs).index(s)}]", "unknown_solution", f"unknown solution {s!r}")
                for s in missing
            ]
        )
    return list(dict.fromkeys(found[s] for s in slugs))


async def _write_children(
    recipient_id: int,
    locations: Sequence[LocationIn] | None,
    categories: Sequence[str] | None,
    solution_ids: Sequence[int] | None,
) -> None:
    if locations:
        await Location.insert(
            *[
                Location(
                    recipient=recipient_id,
                    position=i,
                    country=loc.country,
                    city=loc.city,
                    use=str(loc.use),
                    mechanism=str(loc.mechanism) if loc.mechanism else None,
                    scc_module=loc.scc_module,
                    scc_signed_on=loc.scc_signed_on,
                    tia_on=loc.tia_on,
                    supplementary_measures=loc.supplementary_measures,
                )
                for i, loc in enumerate(locations)
            ]
        )
    if categories:
        await RecipientDataCategory.insert(
            *[RecipientDataCategory(recipient=recipient_id, category=code) for code in dict.fromkeys(categories)]
        )
    if solution_ids:
        await SolutionRecipient.insert(
            *[SolutionRecipient(recipient=recipient_id, solution=sid) for sid in solution_ids]
        )


async def _replace_children(recipient_id: int, patch: RecipientPatch, merged: RecipientCreate) -> None:
    locations = categories = solution_ids = None
    if patch.locations is not UNSET:
        await Location.delete().where(Location.recipient == recipient_id)
        locations = merged.locations
    if patch.data_categories is not UNSET:
        await RecipientDataCategory.delete().where(RecipientDataCategory.recipient == recipient_id)
        categories = merged.data_categories
    if patch.solutions is not UNSET:
        await SolutionRecipient.delete().where(SolutionRecipient.recipient == recipient_id)
        solution_ids = await _solution_ids(merged.solutions)
    await _write_children(recipient_id, locations, categories, solution_ids)


def _merge(before: RecipientOut, patch: RecipientPatch) -> RecipientCreate:
    base = as_create(before)
    changes = {
        f: getattr(patch, f)
        for f in patch.__struct_fields__
        if f not in ("version", "publication") and getattr(patch, f) is not UNSET
    }
    return msgspec.structs.replace(base, **changes)


def as_create(r: RecipientOut) -> RecipientCreate:
    return RecipientCreate(
        slug=r.slug,
        parent=r.parent,
        locations=[
            LocationIn(
                country=loc.country,
                use=loc.use,
                city=loc.city,
                mechanism=loc.mechanism,
                scc_module=loc.scc_module,
                scc_signed_on=loc.scc_signed_on,
                tia_on=loc.tia_on,
                supplementary_measures=loc.supplementary_measures,
            )
            for loc in r.locations
        ],
        data_categories=[c.code for c in r.data_categories],
        solutions=list(r.solutions),
        **{f: getattr(r, f) for f in SCALAR_FIELDS},
    )


def _comparable(data: RecipientCreate) -> object:
    value = msgspec.to_builtins(data)
    value.pop("publication", None)
    value["data_categories"] = sorted(value["data_categories"])
    value["solutions"] = sorted(value["solutions"])
    return value


def _db_value(value: object) -> object:
    if isinstance(value, list):
        return msgspec.json.encode(value).decode()
    return value


def _snapshot(r: RecipientOut) -> dict:
    value = msgspec.to_builtins(r)
    value.pop("warnings", None)
    return value


# ---------------------------------------------------------------- reads


async def get(slug: str) -> RecipientOut:
    row = await queries.by_slug(slug)
    if row is None:
        raise NotFound(f"no recipient {slug!r}")
    return (await hydrate([row]))[0]


async def find_by_name(text: str, limit: int = 5) -> list[RecipientOut]:
    """Slug, exact name, then substring match: what "where is Nimbus?" in Slack needs."""
    needle = text.strip()
    if not needle:
        return []
    exact = await queries.by_slug(slugify(needle))
    rows = [exact] if exact else await queries.page(queries.Conditions(text=needle), limit, 0)
    return await hydrate(rows)


async def list_recipients(filters: RecipientFilters, limit: int = 50, offset: int = 0) -> RecipientPage:
    return await read_cache.cached(("list", filters, limit, offset), lambda: _list(filters, limit, offset))


async def _list(filters: RecipientFilters, limit: int, offset: int) -> RecipientPage:
    conditions = queries.Conditions(
        statuses=[filters.status] if filters.status else (),
        kinds=[filters.kind] if filters.kind else (),
        public=filters.public,
        countries=[filters.country] if filters.country else (),
        data_categories=[filters.data_category] if filters.data_category else (),
        text=filters.q.strip() if filters.q and filters.q.strip() else None,
    )
    items, total = await _page(conditions, limit, offset)
    return RecipientPage(items=items, total=total, limit=limit, offset=offset)


async def who(query: WhoQuery, limit: int = 50, offset: int = 0) -> WhoAnswer:
    """Who receives which data, where: the question the DPO, the bot and `GET /who` ask."""
    return await read_cache.cached(("who", query, limit, offset), lambda: _who(query, limit, offset))


async def _page(conditions: queries.Conditions, limit: int, offset: int) -> tuple[list[RecipientOut], int]:
    """A page and the total: the count runs while the page is hydrated (two connections), and is not run
    at all when a first page is not full."""
    rows = await queries.page(conditions, limit, offset)
    if offset == 0 and len(rows) < limit:
        return await hydrate(rows), len(rows)
    if current_engine().current_transaction.get() is not None:
        return await hydrate(rows), await queries.count(conditions)
    items, total = await asyncio.gather(hydrate(rows), queries.count(conditions))
    return items, total


async def _who(query: WhoQuery, limit: int, offset: int) -> WhoAnswer:
    known = data_categories()
    category_codes = list(query.data_categories)
    if query.sensitive_only:
        sensitive = [c for c, info in known.items() if info.sensitive]
        category_codes = [c for c in category_codes if c in sensitive] if category_codes else sensitive
        if not category_codes:
            return WhoAnswer(items=[], total=0, limit=limit, offset=offset)
    conditions = queries.Conditions(
        statuses=[str(s) for s in query.statuses],
        kinds=list(query.kinds),
        countries=list(query.countries),
        outside_eea=query.outside_eea,
        data_categories=category_codes,
    )
    recipients, total = await _page(conditions, limit, offset)
    items = []
    for r in recipients:
        locations = r.locations
        if query.countries or query.outside_eea:
            locations = [loc for loc in locations if _location_matches(loc, query)]
        items.append(
            WhoEntry(
                slug=r.slug,
                name=r.name,
                kind=r.kind,
                role=r.role,
                status=r.status,
                public=r.public,
                data_categories=r.data_categories,
                locations=locations,
                sensitive=r.sensitive,
                outside_eea=any(not loc.in_eea for loc in r.locations),
            )
        )
    return WhoAnswer(items=items, total=total, limit=limit, offset=offset)


def _location_matches(loc: LocationOut, query: WhoQuery) -> bool:
    if query.countries and loc.country not in query.countries:
        return False
    return not (query.outside_eea and loc.in_eea)


_hydrated: OrderedDict[int, tuple[tuple[int, object], RecipientOut]] = OrderedDict()
HYDRATED_MAX = 3000


def clear_cache() -> None:
    _hydrated.clear()


async def hydrate(rows: list[dict]) -> list[RecipientOut]:
    """Attach locations, categories, solutions and parent slugs with one query each, not one per row.

    Results are kept per recipient under its (version, updated_at), which every write changes: a row read
    again unchanged needs no further query, and a change from another replica is never served stale.
    The cached objects are shared: callers must not mutate them (use msgspec.structs.replace).
    """
    if not rows:
        return []
    result: dict[int, RecipientOut] = {}
    missing: list[dict] = []
    for row in rows:
        hit = _hydrated.get(row["id"])
        if hit is not None and hit[0] == (row["version"], row["updated_at"]):
            result[row["id"]] = hit[1]
        else:
            missing.append(row)
    for out, row in zip(await _hydrate_uncached(missing), missing, strict=True):
        result[row["id"]] = out
        _hydrated[row["id"]] = ((row["version"], row["updated_at"]), out)
        if len(_hydrated) > HYDRATED_MAX:
            _hydrated.popitem(last=False)
    return [result[row["id"]] for row in rows]


async def _hydrate_uncached(rows: list[dict]) -> list[RecipientOut]:
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    parent_ids = sorted({row["parent"] for row in rows if row["parent"] is not None})
    location_rows, category_rows, solution_rows, parent_rows = await queries.children(ids, parent_ids)
    locations: dict[int, list[LocationOut]] = defaultdict(list)
    categories: dict[int, list[str]] = defaultdict(list)
    solutions: dict[int, list[str]] = defaultdict(list)
    for loc in location_rows:
        locations[loc["recipient"]].append(_location_out(loc))
    for link in category_rows:
        categories[link["recipient"]].append(link["category"])
    for link in solution_rows:
        solutions[link["recipient"]].append(link["slug"])
    parents = {r["id"]: r["slug"] for r in parent_rows}
    return [
        _build(row, locations[row["id"]], categories[row["id"]], solutions[row["id"]], parents.get(row["parent"]))
        for row in rows
    ]


def _location_out(loc: dict) -> LocationOut:
    return LocationOut(
        country=loc["country"],
        country_name=country_name(loc["country"], "en"),
        use=loc["use"],
        city=loc["city"],
        mechanism=loc["mechanism"],
        scc_module=loc["scc_module"],
        scc_signed_on=loc["scc_signed_on"],
        tia_on=loc["tia_on"],
        supplementary_measures=loc["supplementary_measures"],
        in_eea=loc["country"] in eea_countries(),
    )


def _build(
    row: dict, locations: list[LocationOut], categories: Iterable[str], solutions: Iterable[str], parent: str | None
) -> RecipientOut:
    """The one place a RecipientOut is assembled, from a row as read or as just written."""
    known = data_categories()
    cats = [
        CategoryOut(code=c, label_fr=known[c].label_fr, label_en=known[c].label_en, sensitive=known[c].sensitive)
        for c in sorted(set(categories))
        if c in known
    ]
    return RecipientOut(
        slug=row["slug"],
        name=row["name"],
        legal_name=row["legal_name"],
        address=row["address"],
        contact_name=row["contact_name"],
        contact_email=row["contact_email"],
        website=row["website"],
        service_description=row["service_description"],
        internal_notes=row["internal_notes"],
        kind=row["kind"],
        role=row["role"],
        status=row["status"],
        public=bool(row["public"]),
        criticality=row["criticality"],
        certifications=list(row["certifications"] or []),
        purposes=list(row["purposes"] or []),
        dpa_signed_on=row["dpa_signed_on"],
        parent=parent,
        locations=locations,
        data_categories=cats,
        solutions=sorted(set(solutions)),
        sensitive=any(c.sensitive for c in cats),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _written(
    data: RecipientCreate, slug: str, version: int, created_at: datetime, updated_at: datetime
) -> RecipientOut:
    """The recipient as just written, without reading it back."""
    row = {f: getattr(data, f) for f in SCALAR_FIELDS}
    row.update(slug=slug, version=version, created_at=created_at, updated_at=updated_at)
    locations = [
        _location_out({**msgspec.structs.asdict(loc), "use": str(loc.use), "mechanism": loc.mechanism})
        for loc in data.locations
    ]
    return _build(row, locations, data.data_categories, data.solutions, data.parent)

"""The read queries of the registry's hot paths (lists, `who`, one recipient), as plain SQL.

They run on every list, every `who` question and every Slack answer, so they skip the ORM's query
builder (about a millisecond a query) and use the SQL each engine plans best: EXISTS for a page, which
stops at the first match, and IN for a count, which reads each index once. The same text runs on SQLite
and PostgreSQL; `{}` placeholders are bound by Piccolo for each engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import msgspec

from registry_api.db.engine import current_engine
from registry_api.db.tables import Recipient
from registry_api.domain.reference import eea_countries

RECIPIENT_COLUMNS = (
    "id, slug, name, legal_name, address, contact_name, contact_email, website, service_description, "
    "internal_notes, kind, role, status, public, criticality, certifications, purposes, dpa_signed_on, "
    "parent, version, created_at, updated_at"
)


@dataclass(slots=True)
class Conditions:
    """Filters on recipients; every value is a bound parameter, never pasted into the SQL."""

    statuses: Sequence[str] = ()
    kinds: Sequence[str] = ()
    public: bool | None = None
    countries: Sequence[str] = ()
    outside_eea: bool = False
    data_categories: Sequence[str] = ()
    text: str | None = None
    _args: list[object] = field(default_factory=list)

    def _marks(self, values: Iterable[object]) -> str:
        values = list(values)
        self._args.extend(values)
        return ", ".join("{}" for _ in values)

    def sql(self, exists: bool) -> tuple[str, list[object]]:
        self._args = []
        clauses: list[str] = []
        if self.statuses:
            clauses.append(f"r.status IN ({self._marks(self.statuses)})")
        if self.kinds:
            clauses.append(f"r.kind IN ({self._marks(self.kinds)})")
        if self.public is not None:
            clauses.append(f"r.public = {self._marks([self.public])}")
        location: list[str] = []
        if self.countries:
            location.append(f"l.country IN ({self._marks(self.countries)})")
        if self.outside_eea:
            location.append(f"l.country NOT IN ({self._marks(sorted(eea_countries()))})")
        if location:
            where = " AND ".join(location)
            clauses.append(
                f"EXISTS (SELECT 1 FROM location l WHERE l.recipient = r.id AND {where})"
                if exists
                else f"r.id IN (SELECT l.recipient FROM location l WHERE {where})"
            )
        if self.data_categories:
            marks = self._marks(self.data_categories)
            clauses.append(
                f"EXISTS (SELECT 1 FROM recipient_data_category c WHERE c.recipient = r.id AND c.category IN ({marks}))"
                if exists
                else f"r.id IN (SELECT c.recipient FROM recipient_data_category c WHERE c.category IN ({marks}))"
            )
        if self.text:
            pattern = "%" + self.text.lower().replace("%", "").replace("_", " ").strip() + "%"
            marks = [self._marks([pattern]) for _ in range(3)]
            clauses.append(
                f"(LOWER(r.name) LIKE {marks[0]} OR LOWER(r.legal_name) LIKE {marks[1]} OR r.slug LIKE {marks[2]})"
            )
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", self._args


def _decode(row: dict) -> dict:
    for name in ("certifications", "purposes"):
        value = row[name]
        if isinstance(value, str | bytes):
            row[name] = msgspec.json.decode(value)
    return row


async def raw(sql: str, *args: object) -> list[dict]:
    return await Recipient.raw(sql, *args)


async def page(conditions: Conditions, limit: int, offset: int) -> list[dict]:
    where, args = conditions.sql(exists=True)
    rows = await raw(
        f"SELECT {RECIPIENT_COLUMNS} FROM recipient r{where} ORDER BY r.name, r.id LIMIT {{}} OFFSET {{}}",
        *args,
        limit,
        offset,
    )
    return [_decode(row) for row in rows]


async def count(conditions: Conditions) -> int:
    where, args = conditions.sql(exists=False)
    rows = await raw(f"SELECT COUNT(*) AS n FROM recipient r{where}", *args)
    return int(rows[0]["n"])


async def by_slug(slug: str) -> dict | None:
    rows = await raw(f"SELECT {RECIPIENT_COLUMNS} FROM recipient r WHERE r.slug = {{}}", slug)
    return _decode(rows[0]) if rows else None


async def children(
    ids: Sequence[int], parent_ids: Sequence[int]
) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """Locations, categories, solutions and parents of a set of recipients: four queries, run together
    when no transaction holds a single connection."""
    marks = ", ".join("{}" for _ in ids)
    queries = [
        raw(
            "SELECT recipient, position, country, city, use, mechanism, scc_module, scc_signed_on, tia_on, "
            f"supplementary_measures FROM location WHERE recipient IN ({marks}) ORDER BY recipient, position",
            *ids,
        ),
        raw(f"SELECT recipient, category FROM recipient_data_category WHERE recipient IN ({marks})", *ids),
        raw(
            "SELECT sr.recipient, s.slug FROM solution_recipient sr JOIN solution s ON s.id = sr.solution "
            f"WHERE sr.recipient IN ({marks})",
            *ids,
        ),
    ]
    if parent_ids:
        parent_marks = ", ".join("{}" for _ in parent_ids)
        queries.append(raw(f"SELECT id, slug FROM recipient WHERE id IN ({parent_marks})", *parent_ids))
    if current_engine().current_transaction.get() is None:
        results = await asyncio.gather(*queries)
    else:
        results = [await query for query in queries]
    if not parent_ids:
        results = [*results, []]
    return tuple(results)  # type: ignore[return-value]

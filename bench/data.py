"""A registry of N recipients, generated and written straight into the database (not through HTTP).

Going through the API would take minutes for 10,000 recipients and measure the write path, which the
`create` scenario measures on its own. The schema comes from `registry migrate` (run as a subprocess,
exactly as operators run it, which also fills the `data_category` reference rows); rows are then bulk
inserted in one transaction: `executemany` on SQLite, `COPY` on PostgreSQL.
"""

from __future__ import annotations

import csv
import json
import os
import random
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

# Registers Piccolo's sqlite3 adapters (dates, timestamps as Piccolo writes them), so that rows inserted
# here read back exactly like rows the server wrote itself.
import piccolo.engine.sqlite  # noqa: F401

from bench.harness import REGISTRY, ROOT
from registry_api.db.engine import sqlite_path

DATA_DIR = ROOT / "registry_api" / "domain" / "data"
USES = ("storage", "processing", "remote_access", "backup")
LOCATIONS_PER_RECIPIENT = 5
CATEGORIES_PER_RECIPIENT = 4
PUBLIC_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class Place:
    """A country of the mix, its weight, and the Chapter V safeguard a real entry there would record."""

    country: str
    weight: int
    cities: tuple[str, ...]
    mechanism: str | None = None
    scc_module: int | None = None


# A European SaaS company's suppliers: mostly EEA, then the US under the DPF, a few third countries.
PLACES = (
    Place("FR", 30, ("Paris", "Roubaix", "Lyon", "Strasbourg")),
    Place("DE", 12, ("Frankfurt", "Berlin", "Munich")),
    Place("IE", 10, ("Dublin", "Cork")),
    Place("NL", 8, ("Amsterdam", "Rotterdam")),
    Place("BE", 3, ("Brussels",)),
    Place("ES", 3, ("Madrid", "Barcelona")),
    Place("PL", 2, ("Warsaw",)),
    Place("SE", 2, ("Stockholm",)),
    Place("US", 15, ("Ashburn", "San Francisco", "Seattle", "New York"), "dpf"),
    Place("GB", 5, ("London", "Manchester"), "adequacy"),
    Place("CH", 3, ("Zurich", "Geneva"), "adequacy"),
    Place("IN", 4, ("Bangalore", "Pune", "Chennai"), "scc", 3),
    Place("JP", 1, ("Tokyo",), "adequacy"),
    Place("CA", 1, ("Montreal", "Toronto"), "adequacy"),
    Place("SG", 1, ("Singapore",), "scc", 3),
)

# Role that goes with each kind (authorities receive data on requisition, advisers are the company's own
# vendors); everything else processes data on the company's behalf.
ROLE_OF_KIND = {
    "group_entity": "group_entity",
    "partner": "partner",
    "authority": "authority",
    "legal_financial_advisor": "vendor",
}
WORDS = (
    "Nimbus", "Vertex", "Azur", "Boreal", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Helios",
    "Indigo", "Juniper", "Kelvin", "Lumen", "Meridian", "Nova", "Orion", "Pylon", "Quartz", "Rivage",
)  # fmt: skip
SUFFIXES = ("Cloud", "Data", "Systems", "Networks", "Analytics", "Services", "Labs", "Partners", "Group")
CERTIFICATIONS = ("iso27001", "iso27701", "soc2", "hds", "secnumcloud", "pci_dss", "c5")
CRITICALITY = ("critical", "high", "medium", "medium", "low")


def csv_codes(name: str) -> list[str]:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return [row["code"] for row in csv.DictReader(handle)]


@dataclass
class Registry:
    """Rows ready to insert (Python values; JSON columns already encoded), and the slugs to read back."""

    recipients: list[tuple] = field(default_factory=list)
    locations: list[tuple] = field(default_factory=list)
    categories: list[tuple] = field(default_factory=list)
    slugs: list[str] = field(default_factory=list)


RECIPIENT_COLUMNS = (
    "id", "slug", "name", "legal_name", "address", "contact_name", "contact_email", "website",
    "service_description", "internal_notes", "kind", "role", "status", "public", "criticality",
    "certifications", "purposes", "dpa_signed_on", "parent", "version", "created_at", "updated_at",
)  # fmt: skip
LOCATION_COLUMNS = (
    "recipient", "position", "country", "city", "use", "mechanism", "scc_module", "scc_signed_on",
    "tia_on", "supplementary_measures",
)  # fmt: skip
CATEGORY_COLUMNS = ("recipient", "category")


def generate(count: int, seed: int = 42, public: int | None = None) -> Registry:
    """`count` active recipients of 5 locations and 4 data categories each, reproducible from `seed`.

    About `PUBLIC_SHARE` of them are public; `public=N` makes exactly N public instead (the public list
    scenario is defined by its size, 500 entries), chosen by a generator of its own so that every other
    value stays what `seed` gives.
    """
    rng = random.Random(seed)
    chosen_public = set(random.Random(seed + 1).sample(range(1, count + 1), public)) if public is not None else None
    kinds = csv_codes("recipient_categories.csv")
    codes = csv_codes("data_categories.csv")
    # Ordinary data is far more common than art. 9/10 data: weight the first (non-sensitive) codes up.
    code_weights = [20 if i < 7 else 1 for i in range(len(codes))]
    place_weights = [p.weight for p in PLACES]
    now = datetime.now(UTC)
    registry = Registry()
    for rid in range(1, count + 1):
        kind = kinds[rid % len(kinds)]
        role = ROLE_OF_KIND.get(kind, "subprocessor")
        name = f"{rng.choice(WORDS)} {rng.choice(SUFFIXES)} {rid:05d}"
        slug = name.lower().replace(" ", "-")
        places = rng.choices(PLACES, weights=place_weights, k=LOCATIONS_PER_RECIPIENT)
        certifications = sorted(set(rng.sample(CERTIFICATIONS, k=rng.randint(0, 3))))
        if any(p.country == "US" for p in places):
            certifications.append("dpf")
        signed = date(2024, 1, 1) + timedelta(days=rng.randrange(900))
        is_public = rng.random() < PUBLIC_SHARE
        if chosen_public is not None:
            is_public = rid in chosen_public
        registry.slugs.append(slug)
        registry.recipients.append(
            (
                rid, slug, name, f"{name} SAS", f"{rid} avenue du Benchmark, 75000 Paris",
                "Privacy Office", f"dpo@{slug}.example", f"https://{slug}.example",
                f"{kind.replace('_', ' ').capitalize()} services for the company's solutions.", "",
                kind, role, "active", is_public, rng.choice(CRITICALITY),
                json.dumps(certifications), json.dumps(["Provision of the Solutions"]),
                signed, None, 1, now, now,
            )
        )  # fmt: skip
        for position, place in enumerate(places):
            mechanism = None if role == "authority" else place.mechanism
            registry.locations.append(
                (
                    rid, position, place.country, rng.choice(place.cities), USES[position % len(USES)],
                    mechanism, place.scc_module if mechanism == "scc" else None,
                    signed if mechanism == "scc" else None, signed if mechanism == "scc" else None,
                    "Encryption at rest and in transit." if mechanism == "scc" else "",
                )
            )  # fmt: skip
        chosen: dict[str, None] = {}
        while len(chosen) < CATEGORIES_PER_RECIPIENT:
            chosen.setdefault(rng.choices(codes, weights=code_weights)[0], None)
        registry.categories.extend((rid, code) for code in chosen)
    return registry


# ---------------------------------------------------------------- databases


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql"}


async def reset_postgres(url: str) -> None:
    """Create the database if missing (through the `postgres` database), then an empty public schema."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"benchmark database name must be a plain identifier, got {name!r}")
    admin = await asyncpg.connect(parts._replace(path="/postgres").geturl())
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


def reset_sqlite(url: str) -> None:
    path = sqlite_path(url)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)


def migrate(url: str) -> None:
    """`registry migrate`, as operators run it: schema plus the data_category reference rows."""
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run([str(REGISTRY), "migrate"], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"registry migrate failed: {done.stdout}{done.stderr}")


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'


def insert_sqlite(url: str, registry: Registry) -> None:
    with sqlite3.connect(sqlite_path(url)) as connection:  # one transaction, committed on exit
        connection.executemany(_insert_sql("recipient", RECIPIENT_COLUMNS), registry.recipients)
        connection.executemany(_insert_sql("location", LOCATION_COLUMNS), registry.locations)
        connection.executemany(_insert_sql("recipient_data_category", CATEGORY_COLUMNS), registry.categories)
    with sqlite3.connect(sqlite_path(url)) as connection:
        connection.execute("ANALYZE")  # as `registry migrate` does: the planner needs the statistics
    connection.close()


async def insert_postgres(url: str, registry: Registry) -> None:
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await connection.copy_records_to_table("recipient", records=registry.recipients, columns=RECIPIENT_COLUMNS)
            await connection.copy_records_to_table("location", records=registry.locations, columns=LOCATION_COLUMNS)
            await connection.copy_records_to_table(
                "recipient_data_category", records=registry.categories, columns=CATEGORY_COLUMNS
            )
            # Explicit ids leave the serial behind: move it on, or the first POST would collide.
            await connection.execute("SELECT setval(pg_get_serial_sequence('recipient', 'id'), max(id)) FROM recipient")
        # What autovacuum would do within a minute of such a load; without it plans are guesses.
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


async def fresh(url: str) -> None:
    """An empty database with the current schema, as `registry migrate` leaves it."""
    if is_postgres(url):
        await reset_postgres(url)
    else:
        reset_sqlite(url)
    migrate(url)


async def build(url: str, count: int, seed: int = 42, public: int | None = None) -> tuple[Registry, dict[str, float]]:
    """Fresh database with `count` recipients (`public`: exactly that many public); returns the registry
    and seconds per step."""
    steps: dict[str, float] = {}
    began = time.perf_counter()
    await fresh(url)
    steps["migrate"] = time.perf_counter() - began
    mark = time.perf_counter()
    registry = generate(count, seed, public)
    steps["generate"] = time.perf_counter() - mark
    mark = time.perf_counter()
    if is_postgres(url):
        await insert_postgres(url, registry)
    else:
        insert_sqlite(url, registry)
    steps["insert"] = time.perf_counter() - mark
    steps["total"] = time.perf_counter() - began
    return registry, steps


# ---------------------------------------------------------------- suppliers with open audits

AUDIT_COLUMNS = (
    "recipient", "state", "due_on", "due_reason", "outcome", "performed_on", "evidence_url", "findings",
    "recorded_by", "recorded_at", "assignee", "snoozed_until", "snooze_reason", "created_at",
)  # fmt: skip
# The audit cycle of each criticality (registry_api.domain.audit_rules.DEFAULT_CYCLE_MONTHS), in days.
CYCLE_DAYS = {"critical": 365, "high": 365, "medium": 730, "low": 1095}
OVERDUE_SHARE = 0.05
SNOOZED_SHARE_OF_OVERDUE = 0.1
ASSIGNED_SHARE = 0.3


@dataclass
class Suppliers:
    """Minimal recipient rows (no locations, no categories: reminders read neither) and one open audit
    each, ready to insert; `due_soon` and `overdue` say what the reminder run will find."""

    recipients: list[tuple] = field(default_factory=list)
    audits: list[tuple] = field(default_factory=list)
    overdue: int = 0
    due_soon: int = 0


def generate_suppliers(count: int, today: date, seed: int = 42) -> Suppliers:
    """`count` active suppliers, each with its one open audit, as a registry in its steady state has them.

    Due dates: once the registry has run a few cycles, each supplier's next audit falls anywhere in its
    cycle (12 months for critical and high, 24 for medium, 36 for low), so they are spread uniformly over
    the cycle from tomorrow on, hence over the next 3 years. 5 % are overdue (due today or up to 6 months
    ago: audits that slipped), a tenth of those snoozed for a few days; 30 % have an assignee.
    """
    rng = random.Random(seed)
    kinds = csv_codes("recipient_categories.csv")
    now = datetime.now(UTC)
    suppliers = Suppliers()
    for rid in range(1, count + 1):
        kind = kinds[rid % len(kinds)]
        name = f"{rng.choice(WORDS)} {rng.choice(SUFFIXES)} {rid:06d}"
        slug = name.lower().replace(" ", "-")
        criticality = rng.choice(CRITICALITY)
        suppliers.recipients.append(
            (
                rid, slug, name, "", "", "", "", "", "", "", kind, ROLE_OF_KIND.get(kind, "subprocessor"),
                "active", False, criticality, "[]", "[]", None, None, 1, now, now,
            )
        )  # fmt: skip
        snoozed = None
        if rng.random() < OVERDUE_SHARE:
            due = today - timedelta(days=rng.randint(0, 180))
            suppliers.overdue += 1
            if rng.random() < SNOOZED_SHARE_OF_OVERDUE:
                snoozed = today + timedelta(days=rng.randint(1, 7))
        else:
            due = today + timedelta(days=rng.randint(1, CYCLE_DAYS[criticality]))
            suppliers.due_soon += due <= today + timedelta(days=30)
        assignee = f"U{rng.randrange(10**8):08d}" if rng.random() < ASSIGNED_SHARE else ""
        suppliers.audits.append(
            (
                rid, "open", due, f"cycle ({criticality})", None, None, "", "", "", None, assignee, snoozed,
                "waiting for the supplier's report" if snoozed else "", now,
            )
        )  # fmt: skip
    return suppliers


def insert_suppliers_sqlite(url: str, suppliers: Suppliers) -> None:
    with sqlite3.connect(sqlite_path(url)) as connection:
        # 200k rows under a dozen indexes: a cache that holds them saves most of the load's time.
        connection.execute("PRAGMA cache_size = -262144")
        connection.executemany(_insert_sql("recipient", RECIPIENT_COLUMNS), suppliers.recipients)
        connection.executemany(_insert_sql("audit", AUDIT_COLUMNS), suppliers.audits)
    with sqlite3.connect(sqlite_path(url)) as connection:
        connection.execute("ANALYZE")
    connection.close()


async def insert_suppliers_postgres(url: str, suppliers: Suppliers) -> None:
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await connection.copy_records_to_table("recipient", records=suppliers.recipients, columns=RECIPIENT_COLUMNS)
            await connection.copy_records_to_table("audit", records=suppliers.audits, columns=AUDIT_COLUMNS)
            await connection.execute("SELECT setval(pg_get_serial_sequence('recipient', 'id'), max(id)) FROM recipient")
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


async def build_suppliers(url: str, count: int, today: date, seed: int = 42) -> tuple[Suppliers, dict[str, float]]:
    """Fresh database with `count` suppliers and their open audits; returns them and seconds per step."""
    steps: dict[str, float] = {}
    began = time.perf_counter()
    await fresh(url)
    steps["migrate"] = time.perf_counter() - began
    mark = time.perf_counter()
    suppliers = generate_suppliers(count, today, seed)
    steps["generate"] = time.perf_counter() - mark
    mark = time.perf_counter()
    if is_postgres(url):
        await insert_suppliers_postgres(url, suppliers)
    else:
        insert_suppliers_sqlite(url, suppliers)
    steps["insert"] = time.perf_counter() - mark
    steps["total"] = time.perf_counter() - began
    return suppliers, steps

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


def generate(count: int, seed: int = 42) -> Registry:
    """`count` active recipients of 5 locations and 4 data categories each, reproducible from `seed`."""
    rng = random.Random(seed)
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
        registry.slugs.append(slug)
        registry.recipients.append(
            (
                rid, slug, name, f"{name} SAS", f"{rid} avenue du Benchmark, 75000 Paris",
                "Privacy Office", f"dpo@{slug}.example", f"https://{slug}.example",
                f"{kind.replace('_', ' ').capitalize()} services for the company's solutions.", "",
                kind, role, "active", rng.random() < PUBLIC_SHARE, rng.choice(CRITICALITY),
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
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def build(url: str, count: int, seed: int = 42) -> tuple[Registry, dict[str, float]]:
    """Fresh database with `count` recipients; returns the registry and seconds per step."""
    steps: dict[str, float] = {}
    began = time.perf_counter()
    if is_postgres(url):
        await reset_postgres(url)
    else:
        reset_sqlite(url)
    migrate(url)
    steps["migrate"] = time.perf_counter() - began
    mark = time.perf_counter()
    registry = generate(count, seed)
    steps["generate"] = time.perf_counter() - mark
    mark = time.perf_counter()
    if is_postgres(url):
        await insert_postgres(url, registry)
    else:
        insert_sqlite(url, registry)
    steps["insert"] = time.perf_counter() - mark
    steps["total"] = time.perf_counter() - began
    return registry, steps

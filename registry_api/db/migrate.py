"""Apply Piccolo migrations, then sync reference data (data categories) from the package."""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator

import asyncpg
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.engine.postgres import PostgresEngine

from registry_api.db.engine import current_engine
from registry_api.db.tables import DataCategory
from registry_api.domain.reference import data_categories


class MigrationFailed(RuntimeError):
    pass


MIGRATION_LOCK_KEY = 7_302_612


async def migrate(quiet: bool = True) -> None:
    """Safe to run from every replica at once: on PostgreSQL an advisory lock lets one migrate while the
    others wait, then find nothing left to do."""
    async with _migration_lock():
        out = io.StringIO()
        with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
            result = await run_forwards(app_name="registry", migration_id="all", fake=False)
        if not result.success:
            raise MigrationFailed(f"{result.message}\n{out.getvalue()}".strip())
        await sync_reference_data()
        if not isinstance(current_engine(), PostgresEngine):
            # Fresh statistics where stale, so that the planner picks the indexes that fit (SQLite has no
            # autovacuum); cheap when nothing changed.
            await current_engine().run_ddl("PRAGMA optimize")


@contextlib.asynccontextmanager
async def _migration_lock() -> AsyncIterator[None]:
    engine = current_engine()
    if not isinstance(engine, PostgresEngine):
        yield
        return
    connection = await asyncpg.connect(**engine.config)
    try:
        await connection.execute(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
        yield
    finally:
        with contextlib.suppress(Exception):
            await connection.execute(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
        await connection.close()


async def sync_reference_data() -> None:
    """Reference rows follow the package: new categories appear, labels are corrected, none is deleted."""
    existing = {row["code"]: row for row in await DataCategory.select()}
    for category in data_categories().values():
        values = {
            "label_fr": category.label_fr,
            "label_en": category.label_en,
            "sensitive": category.sensitive,
            "basis": category.basis,
        }
        current = existing.get(category.code)
        if current is None:
            await DataCategory.insert(DataCategory(code=category.code, **values))
        elif any(current[k] != v for k, v in values.items()):
            await DataCategory.update({getattr(DataCategory, k): v for k, v in values.items()}).where(
                DataCategory.code == category.code
            )

"""The last reminder step sent for an audit, so that the daily run skips what it already sent without
looking it up in the outbox (the outbox's unique key still guards races between replicas)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T04:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit last reminder"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl("ALTER TABLE audit ADD COLUMN last_reminder VARCHAR(40) NOT NULL DEFAULT ''")

    manager.add_raw(run)
    return manager

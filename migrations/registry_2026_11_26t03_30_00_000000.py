"""At most one open audit per supplier, as a partial unique index (both engines support it)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T03:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one open audit per supplier"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS audit_one_open ON audit (recipient) WHERE state = 'open'"
        )

    manager.add_raw(run)
    return manager

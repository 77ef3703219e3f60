"""A generation number of the registry, bumped by every write: read answers are cached under it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T03:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "registry generation"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        await engine.run_ddl(
            "CREATE TABLE IF NOT EXISTS registry_state (id INTEGER PRIMARY KEY, generation BIGINT NOT NULL)"
        )
        await engine.run_ddl("INSERT INTO registry_state (id, generation) VALUES (1, 0) ON CONFLICT (id) DO NOTHING")

    manager.add_raw(run)
    return manager

"""Composite unique pairs, as raw indexes: Piccolo's composite Unique fails on SQLite migrations."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T03:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique recipient/category and solution/recipient pairs"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS recipient_data_category_pair ON recipient_data_category (recipient, category)",
    "CREATE UNIQUE INDEX IF NOT EXISTS solution_recipient_pair ON solution_recipient (solution, recipient)",
    "CREATE INDEX IF NOT EXISTS history_entity_lookup ON history (entity, entity_key, id)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager

"""Indexes for the hot queries: lists ordered by name, and the `who` filters by country and category."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T03:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes for lists and who"

STATEMENTS = (
    "CREATE INDEX IF NOT EXISTS recipient_name_id ON recipient (name, id)",
    "CREATE INDEX IF NOT EXISTS recipient_status_name ON recipient (status, name, id)",
    "CREATE INDEX IF NOT EXISTS location_country_recipient ON location (country, recipient)",
    "CREATE INDEX IF NOT EXISTS recipient_data_category_category_recipient "
    "ON recipient_data_category (category, recipient)",
    "CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (due_at) WHERE delivered_at IS NULL",
    "CREATE INDEX IF NOT EXISTS audit_open_due ON audit (due_on) WHERE state = 'open'",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager

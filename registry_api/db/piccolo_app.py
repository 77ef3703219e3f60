"""The Piccolo app of the registry: its tables and the top-level `migrations/` folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry_api.db.tables import ALL_TABLES

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

APP_CONFIG = AppConfig(
    app_name="registry",
    migrations_folder_path=str(MIGRATIONS_DIR),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)

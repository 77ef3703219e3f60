"""Engine selection from `DATABASE_URL`: SQLite embedded by default, PostgreSQL in production.

Piccolo binds tables to an engine lazily through `piccolo_conf.DB`; `use_database` rebinds the conf and
every table, so that the CLI, the app factory and the tests choose the database at run time.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlparse

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

SQLITE_TIMEOUT_S = 30


class DatabaseUrlError(ValueError):
    pass


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def sqlite_path(url: str) -> Path:
    """`sqlite:///var/registry.db` is relative to the working directory, `sqlite:////abs/path` absolute."""
    path = url.removeprefix("sqlite://")
    if (path.startswith("/") and not path.startswith("//")) or path.startswith("//"):
        path = path[1:]
    if not path:
        raise DatabaseUrlError("sqlite URL needs a path, e.g. sqlite:///var/registry.db")
    return Path(path)


def make_engine(url: str) -> Engine:
    if is_sqlite(url):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(path=str(path), timeout=SQLITE_TIMEOUT_S)
    scheme = urlparse(url).scheme
    if scheme in {"postgres", "postgresql"}:
        return PostgresEngine(config={"dsn": url}, extensions=())
    raise DatabaseUrlError(f"unsupported DATABASE_URL scheme {scheme!r}: use sqlite:/// or postgresql://")


_engines: dict[str, Engine] = {}


def use_database(url: str) -> Engine:
    """Make `url` the database of this process: Piccolo's conf, every table, and migrations.

    Engines are kept per URL: building one connects to check the server version.
    """
    from piccolo.apps.migrations.tables import Migration

    from registry_api.db import piccolo_conf
    from registry_api.db.tables import ALL_TABLES

    engine = _engines.get(url)
    if engine is None:
        engine = _engines[url] = make_engine(url)
    piccolo_conf.DB = engine
    for table in (*ALL_TABLES, Migration):
        table._meta.db = engine
    return engine


def current_engine() -> Engine:
    from registry_api.db import piccolo_conf

    return piccolo_conf.DB


async def prepare_connection(engine: Engine) -> None:
    """SQLite: WAL so that readers never wait for the writer. PostgreSQL: open the pool."""
    if isinstance(engine, SQLiteEngine):
        with sqlite3.connect(engine.path) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
    elif isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=2, max_size=20)


async def release_connection(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()

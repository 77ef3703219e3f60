"""Engine selection from `DATABASE_URL`: SQLite embedded by default, PostgreSQL in production.

Piccolo binds tables to an engine lazily through `piccolo_conf.DB`; `use_database` rebinds the conf and
every table, so that the CLI, the app factory and the tests choose the database at run time.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from urllib.parse import urlparse

import aiosqlite
import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

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


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine opens a connection, and so starts a thread, for every query; this one keeps
    a few open connections per event loop and reuses them for queries and transactions alike.

    Connections are in WAL mode with `synchronous=NORMAL` (SQLite's advice for WAL: a crash of the process
    never loses a committed transaction), foreign keys on, and a busy timeout so writers queue.
    """

    MAX_OPEN = 8  # SQLite runs one writer at a time anyway; more threads only add switching

    def __init__(self, path: str, **kwargs: object) -> None:
        super().__init__(path=path, **kwargs)
        self._idle: dict[int, list[aiosqlite.Connection]] = {}
        self._slots: dict[int, asyncio.Semaphore] = {}

    async def _open(self) -> aiosqlite.Connection:
        pending = aiosqlite.connect(**self.connection_kwargs)
        pending._thread.daemon = True  # an unclosed connection must never keep the process alive
        connection = await pending
        connection.row_factory = dict_factory
        await connection.execute("PRAGMA foreign_keys = 1")
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    async def acquire(self) -> aiosqlite.Connection:
        """A pooled connection; beyond `MAX_OPEN` in use, callers wait for one to come back."""
        loop = id(asyncio.get_running_loop())
        await self._slots.setdefault(loop, asyncio.Semaphore(self.MAX_OPEN)).acquire()
        try:
            idle = self._idle.setdefault(loop, [])
            while idle:
                connection = idle.pop()
                if not connection.in_transaction:
                    return connection
                await connection.close()
            return await self._open()
        except BaseException:
            self._slots[loop].release()
            raise

    async def release(self, connection: aiosqlite.Connection) -> None:
        loop = id(asyncio.get_running_loop())
        try:
            if not connection.in_transaction:
                self._idle.setdefault(loop, []).append(connection)
            else:
                await connection.close()
        finally:
            slot = self._slots.get(loop)
            if slot is not None:  # the pool may have been closed while this connection was out
                slot.release()

    async def close_pool(self) -> None:
        self._slots.pop(id(asyncio.get_running_loop()), None)
        idle = self._idle.pop(id(asyncio.get_running_loop()), [])
        for connection in idle:
            await connection.close()

    async def get_connection(self) -> _PooledConnection:  # type: ignore[override]
        """For transactions: Piccolo closes the connection at the end, which here gives it back."""
        return _PooledConnection(self, await self.acquire())

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        connection = await self.acquire()
        try:
            return await connection.execute_fetchall(query, args or [])
        finally:
            await self.release(connection)

    async def _run_in_existing_connection(self, connection, query, args=None, query_type="generic", table=None):
        return await connection.execute_fetchall(query, args or [])


class _PooledConnection:
    """What a Piccolo SQLite transaction holds: `close()` returns the connection to the pool."""

    __slots__ = ("_connection", "_engine")

    def __init__(self, engine: PooledSQLiteEngine, connection: aiosqlite.Connection) -> None:
        self._engine = engine
        self._connection = connection

    async def execute(self, sql: str, parameters=None):
        return await self._connection.execute(sql, parameters or [])

    async def execute_fetchall(self, sql: str, parameters=None):
        return await self._connection.execute_fetchall(sql, parameters or [])

    async def close(self) -> None:
        await self._engine.release(self._connection)


async def _no_reset(connection: asyncpg.Connection) -> None:
    """Skip asyncpg's reset round trip on every release: we hold no session state (no LISTEN, no session
    advisory locks, no SET) on pooled connections; transaction-scoped locks end with their transaction."""


def make_engine(url: str) -> Engine:
    if is_sqlite(url):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        return PooledSQLiteEngine(path=str(path), timeout=SQLITE_TIMEOUT_S)
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
            connection.execute("PRAGMA optimize")  # refresh planner statistics where they are stale
    elif isinstance(engine, PostgresEngine) and engine.pool is None:
        await engine.start_connection_pool(min_size=2, max_size=20, reset=_no_reset)


async def release_connection(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close_pool()

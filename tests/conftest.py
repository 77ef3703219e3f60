"""Fixtures: the suite runs against real SQLite and, when TEST_DATABASE_URL is set, real PostgreSQL.

Each engine gets a fresh schema migrated once per session; every test starts from empty tables.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
from litestar import Litestar

from registry_api.app import create_app
from registry_api.clock import Clock, FixedClock, set_clock
from registry_api.db.engine import use_database
from registry_api.db.migrate import migrate
from registry_api.db.tables import ALL_TABLES, DataCategory
from registry_api.services import api_keys, publication, read_cache, recipients
from registry_api.settings import Settings
from tests.fakes.slack_api import FakeSlackApi

PG_URL = os.environ.get("TEST_DATABASE_URL")
PG_SKIP = "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"

if os.environ.get("REQUIRE_POSTGRES") and not PG_URL:
    raise pytest.UsageError("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")

ENGINE_PARAMS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.skipif(not PG_URL, reason=PG_SKIP)),
]


async def _reset_postgres(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


@pytest.fixture(scope="session", params=ENGINE_PARAMS)
async def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "registry.db"
        url = f"sqlite:///{path}"
    else:
        assert PG_URL
        url = PG_URL
        await _reset_postgres(url)
    use_database(url)
    await migrate()
    return url


def _table_names() -> list[str]:
    return [t._meta.tablename for t in ALL_TABLES if t is not DataCategory]


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """The database of this test, emptied (reference data kept)."""
    engine = use_database(database_url)
    names = _table_names()
    if database_url.startswith("sqlite"):
        for name in reversed(names):
            await engine.run_ddl(f'DELETE FROM "{name}"')
    else:
        await engine.run_ddl("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE")
    api_keys.clear_cache()
    publication.reset_caches()
    recipients.clear_cache()
    read_cache.clear()
    yield database_url


@pytest.fixture
def settings(db: str) -> Settings:
    return Settings(
        database_url=db,
        admin_token=None,
        scheduler_enabled=False,
        public_base_url="http://registry.test",
    )


SIGNING_SECRET = "test-signing-secret"


@pytest.fixture
def fixed_clock() -> Iterator[FixedClock]:
    """Freeze time at a Wednesday morning in Paris; tests move it with `advance(days=...)`."""
    frozen = FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    set_clock(frozen)
    try:
        yield frozen
    finally:
        set_clock(Clock())


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlackApi]:
    """A real local HTTP server standing in for the Slack Web API, shared by the session."""
    with FakeSlackApi() as fake:
        yield fake


@pytest.fixture
def slack(fake_slack: FakeSlackApi) -> FakeSlackApi:
    """The fake, emptied for this test."""
    fake_slack.reset()
    if fake_slack._server is None:  # a test that took it down and did not bring it back
        fake_slack.come_up()
    return fake_slack


@pytest.fixture
def slack_settings(settings: Settings, slack: FakeSlackApi) -> Settings:
    """Settings of an app wired to the fake Slack: signing secret, token, channels, approvers."""
    return dataclasses.replace(
        settings,
        slack_signing_secret=SIGNING_SECRET,
        slack_bot_token="xoxb-test-token",
        slack_api_url=slack.url,
        slack_notice_channel="CNOTICE",
        slack_audit_channel="CAUDIT",
        slack_review_channel="CREVIEW",
        slack_approvers=("UAPPROVER",),
    )


@contextlib.asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[Litestar]:
    """The app as `create_app` builds it, its runtime started in the test's own event loop (the PostgreSQL
    pool must live in the loop that uses it; Litestar's AsyncTestClient runs lifespans in a thread)."""
    application = create_app(settings)
    await application.state.runtime.start()
    try:
        yield application
    finally:
        await application.state.runtime.stop()


@contextlib.asynccontextmanager
async def http_client(application: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
        yield http


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Litestar]:
    async with running_app(settings) as application:
        yield application


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as http:
        yield http


@pytest.fixture
async def slack_app(slack_settings: Settings) -> AsyncIterator[Litestar]:
    """The app with Slack configured against the fake; the scheduler stays off (tests drive jobs)."""
    async with running_app(slack_settings) as application:
        yield application


@pytest.fixture
async def slack_client(slack_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(slack_app) as http:
        yield http


@pytest.fixture
async def keys(db: str) -> dict[str, dict[str, str]]:
    """Authorization headers for one key of each role."""
    headers = {}
    for role in ("viewer", "editor", "admin"):
        token = await api_keys.create(f"{role}-key", role, "test")
        headers[role] = {"Authorization": f"Bearer {token}"}
    return headers


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parents[1]

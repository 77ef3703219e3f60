"""The composition root: settings, database, HTTP routes, Slack and the scheduler are wired here.

Tests build the app through the same factory with their own settings (a local fake Slack API, a fixed
clock), so what is tested is what runs.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from piccolo.engine.base import Engine

from registry_api.db.engine import prepare_connection, release_connection, use_database
from registry_api.http.errors import EXCEPTION_HANDLERS
from registry_api.http.health import health, hello
from registry_api.http.recipients import RecipientController
from registry_api.http.reference import (
    create_solution,
    get_solution,
    list_data_categories,
    list_recipient_kinds,
    list_solutions,
)
from registry_api.http.who import who
from registry_api.settings import Settings

MAX_BODY_BYTES = 1_000_000
log = logging.getLogger("registry")


class Runtime:
    """What runs beside the HTTP routes for the life of the process: database pool, and the background
    work added by the services. Tests start and stop it in their own event loop."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine

    async def start(self) -> None:
        await prepare_connection(self.engine)

    async def stop(self) -> None:
        await release_connection(self.engine)

    @asynccontextmanager
    async def lifespan(self, _: Litestar) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    engine = use_database(settings.database_url)

    runtime = Runtime(settings, engine)

    app = Litestar(
        route_handlers=[
            health,
            hello,
            RecipientController,
            who,
            list_data_categories,
            list_recipient_kinds,
            list_solutions,
            get_solution,
            create_solution,
        ],
        lifespan=[runtime.lifespan],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        request_max_body_size=MAX_BODY_BYTES,
        compression_config=CompressionConfig(backend="gzip", minimum_size=2048),
        openapi_config=OpenAPIConfig(
            title="Recipient registry",
            version=version("recipient-registry"),
            description="Who receives which personal data, where, under which transfer safeguard.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        debug=False,
    )
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.version = version("recipient-registry")
    return app

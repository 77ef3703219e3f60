"""The composition root: settings, database, HTTP routes, Slack and the scheduler are wired here.

Tests build the app through the same factory with their own settings (a local fake Slack API, a fixed
clock), so what is tested is what runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib.metadata import version

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from piccolo.engine.base import Engine

from registry_api.clock import clock
from registry_api.db.engine import prepare_connection, release_connection, use_database
from registry_api.http.admin import create_webhook, delete_webhook, list_webhooks, pending_outbox
from registry_api.http.audits import list_audits, recipient_audits, record_audit, snooze_audit
from registry_api.http.errors import EXCEPTION_HANDLERS
from registry_api.http.health import health, hello
from registry_api.http.public import public_changes, public_subprocessors, subprocessors_feed, subprocessors_page
from registry_api.http.recipients import RecipientController
from registry_api.http.reference import (
    create_solution,
    get_solution,
    list_data_categories,
    list_recipient_kinds,
    list_solutions,
)
from registry_api.http.slack import slack_events
from registry_api.http.who import who
from registry_api.jobs.dispatch import Deliverer, dispatch_due
from registry_api.jobs.scheduler import build_scheduler, previous_fire_time
from registry_api.services import audits, publication, read_cache
from registry_api.settings import Settings, configure

MAX_BODY_BYTES = 1_000_000
log = logging.getLogger("registry")


class Runtime:
    """What runs beside the HTTP routes for the life of the process: database pool, and the background
    work added by the services. Tests start and stop it in their own event loop."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.deliverer = Deliverer(settings)
        self.scheduler: AsyncIOScheduler | None = None
        self._projected_generation: int | None = None
        self._projected_at = 0.0
        self.on_stop: list[Callable[[], Awaitable[None]]] = []

    async def start(self) -> None:
        configure(self.settings)
        await prepare_connection(self.engine)
        if self.settings.scheduler_enabled:
            # One line per run every two seconds is noise: keep APScheduler's warnings and errors only.
            logging.getLogger("apscheduler").setLevel(logging.WARNING)
            self.scheduler = build_scheduler(
                dispatch=self.dispatch,
                dispatch_seconds=self.settings.outbox_interval_seconds,
                refresh_public_list=self.refresh_public_list,
                audit_reminders=self.audit_reminders,
                audit_cron=self.settings.audit_reminder_cron,
            )
            self.scheduler.start()
            await self.catch_up()

    async def stop(self) -> None:
        for close in self.on_stop:
            await close()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        await release_connection(self.engine)

    async def dispatch(self) -> None:
        try:
            await dispatch_due(self.deliverer)
        except Exception:  # a failed run is retried at the next tick; it must not kill the job
            log.exception("outbox dispatch failed")

    async def audit_reminders(self) -> None:
        try:
            await audits.remind()
        except Exception:
            log.exception("audit reminders failed")

    async def catch_up(self) -> None:
        """A reminder run missed while every process was down (e.g. at 08:00) runs now, once."""
        missed = previous_fire_time(self.settings.audit_reminder_cron, clock().now())
        last = await audits.last_run(audits.REMINDER_JOB)
        if missed is not None and (last is None or last < missed) and self.scheduler is not None:
            self.scheduler.add_job(self.audit_reminders, id="audit-reminders-catch-up")

    async def refresh_public_list(self) -> None:
        """Recompute the whole projection, to catch changes made by any path: every 5 minutes when the
        registry generation (bumped by every service write) moved, and at least hourly for edits made
        behind the services' back."""
        try:
            generation = await read_cache.generation()
            now = time.monotonic()
            if generation == self._projected_generation and now - self._projected_at < 3600:
                return
            await publication.publish("system:projection")
            self._projected_generation, self._projected_at = generation, now
        except Exception:
            log.exception("public list refresh failed")

    @asynccontextmanager
    async def lifespan(self, _: Litestar) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    configure(settings)
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
            slack_events,
            public_subprocessors,
            public_changes,
            subprocessors_page,
            subprocessors_feed,
            create_webhook,
            list_webhooks,
            delete_webhook,
            pending_outbox,
            list_audits,
            recipient_audits,
            record_audit,
            snooze_audit,
        ],
        lifespan=[runtime.lifespan],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        request_max_body_size=MAX_BODY_BYTES,
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=2048, gzip_compress_level=1, exclude_opt_key="skip_compression"
        ),
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
    app.state.bolt = None
    if settings.slack_enabled:  # slack_bolt is heavy to import: only when Slack is configured
        from bot.app import build_bolt_app
        from bot.listeners.commands import close_sessions

        app.state.bolt = build_bolt_app(settings)
        runtime.on_stop.append(close_sessions)
    app.state.version = version("recipient-registry")
    return app

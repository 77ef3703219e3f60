"""Build the Bolt app from settings; `None` when Slack is not configured (the route then answers 503)."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from registry_api.integrations.slack_api import web_client
from registry_api.settings import Settings

log = logging.getLogger("registry.bot")


def build_bolt_app(settings: Settings) -> AsyncApp | None:
    if not settings.slack_enabled:
        return None
    client = web_client(settings)
    app = AsyncApp(
        signing_secret=settings.slack_signing_secret,
        client=client,
        # Unlike the sync App, AsyncApp does not call auth.test when built: it does so on the first
        # request and caches the answer, so building the app never needs Slack to be reachable.
        logger=logging.getLogger("registry.bolt"),
    )
    from bot import listeners

    listeners.register(app, settings)
    app.error(_log_error)
    return app


async def _log_error(error: Exception, body: dict) -> BoltResponse | None:
    """A listener failed: log it with what Slack sent (type and IDs only, never the whole payload)."""
    log.error(
        "Slack listener failed on %s (%s)",
        body.get("type") or (body.get("event") or {}).get("type") or body.get("command"),
        body.get("event_id") or body.get("trigger_id") or "",
        exc_info=error,
    )
    return None

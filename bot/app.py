"""Build the Bolt app from settings; `None` when Slack is not configured (the route then answers 503)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from registry_api.integrations.slack_api import web_client
from registry_api.settings import Settings


def build_bolt_app(settings: Settings) -> AsyncApp | None:
    if not settings.slack_enabled:
        return None
    client = web_client(settings)
    app = AsyncApp(
        signing_secret=settings.slack_signing_secret,
        client=client,
    )
    from bot import listeners

    listeners.register(app, settings)
    return app

"""Run the bot over Socket Mode, for local development without a public URL: `python -m bot.socket_mode`.

Slack then sends events, commands and clicks over a WebSocket opened by this process (app-level token
`SLACK_APP_TOKEN`, `xapp-...`, scope `connections:write`) instead of POSTing to `/slack/events`. The same
composition root builds the app, so the same listeners, database and scheduler (outbox delivery) run;
only the transport differs. Requests on the socket are not signed, so the signing secret is not needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from registry_api.app import create_app
from registry_api.db.engine import prepare_connection, release_connection, use_database
from registry_api.db.migrate import migrate
from registry_api.settings import Settings, configure

log = logging.getLogger("registry.bot")


async def run(settings: Settings, app_token: str) -> None:
    if not settings.slack_signing_secret:
        settings = dataclasses.replace(settings, slack_signing_secret="unused-in-socket-mode")
    await _migrate(settings)
    app = create_app(settings)
    runtime = app.state.runtime
    await runtime.start()
    handler = AsyncSocketModeHandler(app.state.bolt, app_token)
    log.info("Socket Mode connected; database %s", settings.database_url.split("@")[-1])
    try:
        await handler.start_async()
    finally:
        await handler.close_async()
        await runtime.stop()


async def _migrate(settings: Settings) -> None:
    """Like `registry serve`: migrations first, before the scheduler can touch the tables."""
    configure(settings)
    engine = use_database(settings.database_url)
    await prepare_connection(engine)
    try:
        await migrate()
    finally:
        await release_connection(engine)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    app_token = os.environ.get("SLACK_APP_TOKEN", "")
    if not app_token.startswith("xapp-"):
        raise SystemExit("SLACK_APP_TOKEN must be an app-level token (xapp-...) with connections:write")
    if not settings.slack_bot_token:
        raise SystemExit("SLACK_BOT_TOKEN (xoxb-...) is required")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(settings, app_token))


if __name__ == "__main__":
    main()

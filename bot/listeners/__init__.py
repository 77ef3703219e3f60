"""Listeners grouped by Slack surface; each group has a `register(app, settings)`.

Every listener acks first and works after: Bolt (with `process_before_response` off, the default) runs a
listener as a task and answers Slack as soon as `ack()` is called, well within Slack's 3 seconds.
The one exception is the modal submission, whose ack must carry the inline errors.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners import actions, audits, commands, events, home, views
from registry_api.settings import Settings


def register(app: AsyncApp, settings: Settings) -> None:
    commands.register(app, settings)
    events.register(app, settings)
    actions.register(app, settings)
    views.register(app, settings)
    audits.register(app, settings)  # audit reminders' buttons and modals
    home.register(app, settings)  # the App Home tab

"""Listeners grouped by Slack surface; each group has a `register(app, settings)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from registry_api.settings import Settings


def register(app: AsyncApp, settings: Settings) -> None:
    return None

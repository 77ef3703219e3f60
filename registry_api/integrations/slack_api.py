"""The Slack Web API client, pointed at `SLACK_API_URL` so that tests talk to a local fake."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

from registry_api.settings import Settings


def web_client(settings: Settings) -> AsyncWebClient | None:
    if not settings.slack_bot_token:
        return None
    from slack_sdk.web.async_client import AsyncWebClient

    base = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    # No retry handlers: the outbox retries with its own backoff and never loses a message.
    return AsyncWebClient(token=settings.slack_bot_token, base_url=base, timeout=10, retry_handlers=[])


def channel_for(settings: Settings, channel: str) -> str | None:
    """Roles name the configured channels; anything else is a channel or user id already."""
    roles = {
        "notice": settings.slack_notice_channel,
        "review": settings.slack_review_channel,
        "audit": settings.slack_audit_channel,
    }
    return roles.get(channel, channel)

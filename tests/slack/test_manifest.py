"""The app manifest declares exactly what the bot listens to, at the one request URL."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml

from registry_api.db.tables import OutboxMessage
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_signing import event_callback, slash_command
from tests.slack.conftest import eventually, post

REQUEST_URL = "https://registry.example.com/slack/events"


def manifest(project_root: Path) -> dict:
    return yaml.safe_load((project_root / "slack_app_manifest.yml").read_text(encoding="utf-8"))


async def test_manifest_matches_the_listeners(
    project_root: Path, slack_client: httpx.AsyncClient, slack: FakeSlackApi
) -> None:
    data = manifest(project_root)
    commands = {c["command"] for c in data["features"]["slash_commands"]}
    assert commands == {"/recipients", "/vendor"}
    assert data["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened", "app_mention"]
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert set(data["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "chat:write",
        "app_mentions:read",
        "im:write",
        "users:read",
    }
    urls = [c["url"] for c in data["features"]["slash_commands"]]
    urls += [data["settings"]["event_subscriptions"]["request_url"], data["settings"]["interactivity"]["request_url"]]
    assert set(urls) == {REQUEST_URL}
    assert data["settings"]["interactivity"]["is_enabled"] is True
    for command in commands:  # Bolt answers 404 to a request no listener handles
        r = await post(slack_client, slash_command(command, "help", response_url=slack.response_url(command)))
        assert r.status_code == 200, command
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> help", "ts": "1.1", "channel": "C1"}
    assert (await post(slack_client, event_callback(event))).status_code == 200
    # Let the listeners finish their work before the next test empties the database.
    await slack.wait_for_async("response_url", count=1)
    await eventually(OutboxMessage.count, lambda n: n >= 1)


def test_docs_explain_install_and_socket_mode(project_root: Path) -> None:
    text = (project_root / "docs" / "slack.md").read_text(encoding="utf-8")
    for needed in (
        "slack_app_manifest.yml",
        "SLACK_SIGNING_SECRET",
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "python -m bot.socket_mode",
        "SLACK_REVIEW_CHANNEL",
        "SLACK_APPROVERS",
    ):
        assert needed in text

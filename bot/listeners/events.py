"""Events: a mention of the bot is a question, answered in the thread of the mention.

Bolt acks events before the listener runs. Slack retries an event it thinks was not received (header
`X-Slack-Retry-Num`, same `event_id`): the answer is recorded in the outbox under `mention:<event_id>`,
so a retry finds it already there and nothing is posted twice.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot import answering, replies
from registry_api.settings import Settings


def register(app: AsyncApp, settings: Settings) -> None:
    base_url = settings.public_base_url

    async def on_mention(event: dict, body: dict) -> None:
        if event.get("bot_id") or event.get("subtype"):
            return  # bots, edits and deletions are not questions
        channel, ts = event.get("channel"), event.get("ts")
        if not channel or not ts:
            return
        event_id = body.get("event_id") or f"{channel}:{ts}"
        message = await answering.answer_question(event.get("text") or "", base_url)
        await replies.record(f"mention:{event_id}", channel, message, thread_ts=event.get("thread_ts") or ts)

    app.event("app_mention")(on_mention)

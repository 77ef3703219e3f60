"""Slash commands: `/recipients <question>` and `/vendor [new | <name>]`.

Both are acked at once with an empty body, then answered through the command's `response_url`
(ephemeral: only the asker sees the answer). Answering inside the ack was measured slower under load:
the ack then waits for the database, and 50 concurrent commands queue on it, while an empty ack leaves
Bolt's request path free of any I/O.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import answering, intake
from registry_api.notices import answers, vendors
from registry_api.notices.blocks import Message
from registry_api.notices.labels import lang_of
from registry_api.services import solutions
from registry_api.settings import Settings

log = logging.getLogger("registry.bot")

NEW_WORDS = frozenset({"new", "add", "create", "nouveau", "nouvelle", "ajouter", "créer", "creer"})
HELP_WORDS = frozenset({"", "help", "aide", "?", "usage"})


def register(app: AsyncApp, settings: Settings) -> None:
    base_url = settings.public_base_url

    async def recipients_command(ack: AsyncAck, command: dict, respond: AsyncRespond) -> None:
        await ack()
        async with _answering():
            message = await answering.answer_question(command.get("text") or "", base_url)
            await _reply(respond, message, command.get("response_url"))

    async def vendor_command(ack: AsyncAck, command: dict, respond: AsyncRespond, client: AsyncWebClient) -> None:
        text = (command.get("text") or "").strip()
        verb, _, rest = text.partition(" ")
        if verb.casefold() in NEW_WORDS:
            await ack()
            word = rest.strip().casefold()
            lang = lang_of(word if word in ("fr", "en") else settings.language)
            await _open_intake(client, respond, command, lang)
            return
        lang = lang_of(settings.language)
        if verb.casefold() in HELP_WORDS:
            await ack(response_type="ephemeral", **vendors.usage(lang).as_kwargs())
            return
        await ack()
        async with _answering():
            await _reply(respond, await answering.vendor_lookup(text, lang, base_url), command.get("response_url"))

    app.command("/recipients")(recipients_command)
    app.command("/vendor")(vendor_command)


async def _open_intake(client: AsyncWebClient, respond: AsyncRespond, command: dict, lang: str) -> None:
    """Open the modal while the trigger ID is valid (3 s after the command)."""
    try:
        view = intake.modal(
            lang,
            await solutions.list_solutions(),
            intake.Metadata(lang=lang, channel=command.get("channel_id")),
        )
        await client.views_open(trigger_id=command["trigger_id"], view=view)
    except Exception:  # expired trigger, Slack or database down: say so rather than nothing
        log.exception("could not open the vendor request modal")
        await _reply(respond, answers.error_message(lang))


ANSWERS_AT_ONCE = 4
_answer_slots: dict[int, asyncio.Semaphore] = {}
_sessions: dict[int, aiohttp.ClientSession] = {}


def _answering() -> asyncio.Semaphore:
    """At most a few answers are worked out at once: under a burst, acks (Slack's 3 s) come first and
    the answers follow, instead of every request competing for the event loop at the same time."""
    loop = id(asyncio.get_running_loop())
    return _answer_slots.setdefault(loop, asyncio.Semaphore(ANSWERS_AT_ONCE))


def _session() -> aiohttp.ClientSession:
    """One HTTP session for every answer: Bolt's `respond` opens a new one (and a new connection) per call."""
    loop = id(asyncio.get_running_loop())
    session = _sessions.get(loop)
    if session is None or session.closed:
        session = _sessions[loop] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
    return session


async def close_sessions() -> None:
    """Close the answer session of this event loop (at shutdown)."""
    session = _sessions.pop(id(asyncio.get_running_loop()), None)
    if session is not None and not session.closed:
        await session.close()


async def _reply(respond: AsyncRespond, message: Message, response_url: str | None = None) -> None:
    try:
        if response_url:
            webhook = AsyncWebhookClient(response_url, session=_session())
            await webhook.send(response_type="ephemeral", **message.as_kwargs())
        else:
            await respond(response_type="ephemeral", **message.as_kwargs())
    except Exception:  # an expired or unreachable response_url: nothing else can reach the user
        log.exception("could not answer through response_url")

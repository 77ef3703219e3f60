"""Answers to chat questions ("who receives connection data?", "où est Nimbus ?") as Slack messages.

Answers are capped (`MAX_SHOWN` recipients) so that a broad question stays readable and under Slack's
message limits; the footer says how many more there are and links to the public list and to the API
query that gives the whole answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from registry_api.domain.questions import Question
from registry_api.notices.blocks import Message, context, divider, section
from registry_api.notices.labels import lang_of
from registry_api.notices.render import macro
from registry_api.schemas.recipients import LocationOut, RecipientOut, WhoAnswer, WhoEntry
from registry_api.templating import escape_mrkdwn

MAX_SHOWN = 10
MAX_WHERE = 5


def public_page_url(base_url: str, lang: str) -> str:
    return f"{base_url.rstrip('/')}/subprocessors?lang={lang_of(lang)}"


def who_api_url(base_url: str, q: Question) -> str:
    """The same question asked to `GET /api/v1/who` (a viewer key is needed), for the whole answer."""
    params: dict[str, str] = {}
    if q.data_categories:
        params["data"] = ",".join(q.data_categories)
    if q.countries:
        params["country"] = ",".join(q.countries)
    if q.kinds:
        params["category"] = ",".join(q.kinds)
    if q.outside_eea:
        params["outside_eea"] = "true"
    if q.sensitive_only:
        params["sensitive"] = "true"
    query = f"?{urlencode(params)}" if params else ""
    return f"{base_url.rstrip('/')}/api/v1/who{query}"


def recipient_text(
    r: RecipientOut | WhoEntry,
    lang: str,
    *,
    locations: Sequence[LocationOut] | None = None,
    asked: Sequence[str] = (),
    detail: bool = False,
) -> str:
    return macro(
        "bot_recipient.mrkdwn",
        "recipient",
        r=r,
        locations=list(r.locations if locations is None else locations),
        lang=lang_of(lang),
        asked=tuple(asked),
        detail=detail,
    )


def who_answer(q: Question, answer: WhoAnswer, base_url: str) -> Message:
    """The recipients matching a "who" question; only the places that match it are listed."""
    lang = q.lang
    shown = answer.items[:MAX_SHOWN]
    summary = macro("bot_answers.mrkdwn", "who_summary", q=q, total=answer.total, shown=len(shown), lang=lang)
    blocks = [section(summary), divider()]
    blocks += [section(recipient_text(entry, lang, asked=q.data_categories)) for entry in shown]
    footer = macro(
        "bot_answers.mrkdwn",
        "footer",
        total=answer.total,
        shown=len(shown),
        public_url=public_page_url(base_url, lang),
        api_url=who_api_url(base_url, q),
        lang=lang,
    )
    blocks.append(context(footer))
    return Message(text=_fallback(summary, [e.name for e in shown], answer.total), blocks=blocks)


def where_answer(q: Question, found: Sequence[RecipientOut], base_url: str) -> Message:
    """Every place of the recipients named by a "where is X" question, whatever their status."""
    lang = q.lang
    shown = list(found)[:MAX_WHERE]
    summary = macro("bot_answers.mrkdwn", "where_summary", name=q.recipient or "", count=len(shown), lang=lang)
    blocks = [section(summary), divider()]
    blocks += [section(recipient_text(r, lang)) for r in shown]
    footer = macro(
        "bot_answers.mrkdwn",
        "footer",
        total=len(shown),
        shown=len(shown),
        public_url=public_page_url(base_url, lang),
        api_url=f"{base_url.rstrip('/')}/api/v1/recipients?q={_quote(q.recipient or '')}",
        lang=lang,
    )
    blocks.append(context(footer))
    return Message(text=_fallback(summary, [r.name for r in shown], len(shown)), blocks=blocks)


def help_message(lang: str, reason: str, text: str = "", recipient: str | None = None) -> Message:
    """Examples of questions; `reason` says why: `help`, `unknown`, `nothing` (no match), `not_found`."""
    body = macro("bot_answers.mrkdwn", "help", reason=reason, text=text.strip(), recipient=recipient or "", lang=lang)
    return Message(text=body, blocks=[section(body)])


def error_message(lang: str) -> Message:
    body = macro("bot_answers.mrkdwn", "error", lang=lang)
    return Message(text=body, blocks=[section(body)])


def _fallback(summary: str, names: Sequence[str], total: int) -> str:
    listed = ", ".join(escape_mrkdwn(n) for n in names)
    more = f" (+{total - len(names)})" if total > len(names) else ""
    return f"{summary}\n{listed}{more}" if listed else summary


def _quote(value: str) -> str:
    return urlencode({"q": value})[2:]

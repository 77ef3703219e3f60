"""Turn a chat question into an answer: parse it, ask the same service as `GET /api/v1/who`, build the
message. Shared by `/recipients` and mentions so that both always answer alike."""

from __future__ import annotations

import logging

from registry_api.domain.questions import parse_question
from registry_api.notices import answers, vendors
from registry_api.notices.blocks import Message
from registry_api.services import recipients

log = logging.getLogger("registry.bot")


async def answer_question(text: str, base_url: str) -> Message:
    question = parse_question(text)
    lang = question.lang
    try:
        if question.intent == "where" and question.recipient:
            found = await recipients.find_by_name(question.recipient, limit=answers.MAX_WHERE)
            if not found:
                return answers.help_message(lang, "not_found", text, question.recipient)
            return answers.where_answer(question, found, base_url)
        if question.intent == "who":
            query = recipients.WhoQuery(
                data_categories=question.data_categories,
                countries=question.countries,
                kinds=question.kinds,
                outside_eea=question.outside_eea,
                sensitive_only=question.sensitive_only,
            )
            result = await recipients.who(query, limit=answers.MAX_SHOWN)
            if not result.items:
                return answers.help_message(lang, "nothing", text)
            return answers.who_answer(question, result, base_url)
    except Exception:  # the user gets a reply rather than silence; the cause goes to the logs
        log.exception("could not answer %r", text[:200])
        return answers.error_message(lang)
    return answers.help_message(lang, question.intent, text)


async def vendor_lookup(query: str, lang: str, base_url: str) -> Message:
    try:
        found = await recipients.find_by_name(query, limit=vendors.MAX_MATCHES)
    except Exception:
        log.exception("could not look up vendor %r", query[:200])
        return answers.error_message(lang)
    return vendors.lookup(query, found, lang, base_url)

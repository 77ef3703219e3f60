"""Vendor messages: the `/vendor` card and usage, the review message with its Approve / Reject buttons,
the message as updated once decided, the requester's DM and the refusals shown to a clicker.

The buttons carry the slug and the version the reviewer saw: a decision taken on a stale message is
refused by the service (optimistic concurrency) instead of approving something nobody reviewed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Protocol

from registry_api.domain.reference import data_categories
from registry_api.notices import problems
from registry_api.notices.answers import recipient_text
from registry_api.notices.blocks import (
    Message,
    actions,
    button,
    channel_link,
    confirm_dialog,
    context,
    divider,
    link,
    mention,
    path_segment,
    section,
    sections,
)
from registry_api.notices.labels import lang_of
from registry_api.notices.render import macro
from registry_api.schemas.recipients import RecipientOut
from registry_api.templating import escape_mrkdwn

APPROVE_ACTION = "vendor_approve"
REJECT_ACTION = "vendor_reject"
REVIEW_ACTIONS_BLOCK = "vendor_review_actions"
MAX_MATCHES = 5
MAX_BODY_SECTIONS = 10


class _Warning(Protocol):
    code: str
    message: str
    country: str | None


def button_value(slug: str, version: int) -> str:
    return json.dumps({"slug": slug, "version": version}, separators=(",", ":"))


def parse_button_value(value: str | None) -> tuple[str, int] | None:
    """(slug, version) from a review button, None if the value is not one of ours."""
    try:
        data = json.loads(value or "")
        slug, version = data["slug"], data["version"]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(slug, str) or not slug or not isinstance(version, int) or isinstance(version, bool):
        return None
    return slug, version


def recipient_url(base_url: str, slug: str) -> str:
    return f"{base_url.rstrip('/')}/api/v1/recipients/{path_segment(slug)}"


# ---------------------------------------------------------------- /vendor


def usage(lang: str) -> Message:
    body = macro("bot_vendors.mrkdwn", "usage", lang=lang_of(lang))
    return Message(text=body, blocks=[section(body)])


def card(r: RecipientOut, lang: str, base_url: str) -> Message:
    body = recipient_text(r, lang, detail=True)
    blocks = [*sections(body)[:MAX_BODY_SECTIONS], context(link(recipient_url(base_url, r.slug), "API"))]
    return Message(text=body, blocks=blocks)


def lookup(query: str, found: Sequence[RecipientOut], lang: str, base_url: str) -> Message:
    """One vendor: its card. Several: a short entry each. None: how to request one."""
    lang = lang_of(lang)
    if not found:
        body = macro("bot_vendors.mrkdwn", "not_found", query=query, lang=lang)
        return Message(text=body, blocks=[section(body)])
    exact = [r for r in found if r.name.casefold() == query.strip().casefold() or r.slug == query.strip()]
    if len(found) == 1 or len(exact) == 1:
        return card((exact or list(found))[0], lang, base_url)
    shown = list(found)[:MAX_MATCHES]
    intro = macro("bot_vendors.mrkdwn", "matches", query=query, count=len(shown), lang=lang)
    blocks = [section(intro), divider(), *[section(recipient_text(r, lang)) for r in shown]]
    return Message(text=intro, blocks=blocks)


# ---------------------------------------------------------------- review


def sensitive_labels(r: RecipientOut, lang: str) -> list[str]:
    known = data_categories()
    return [known[c.code].label(lang_of(lang)) for c in r.data_categories if c.sensitive and c.code in known]


def warning_lines(warnings: Sequence[_Warning], lang: str) -> list[str]:
    """Validation warnings worth a reviewer's eye; the sensitive-data one has its own loud block."""
    return [
        problems.describe(w.code, lang, fallback=w.message, country=w.country)
        for w in warnings
        if w.code != "sensitive_data"
    ]


def _review_body(
    r: RecipientOut, requester: str | None, warnings: Sequence[_Warning], lang: str, *, pending: bool
) -> list[dict]:
    lang = lang_of(lang)
    who = mention(requester) if requester else ""
    intro = macro("bot_vendors.mrkdwn", "review_intro", requester=who, pending=pending, lang=lang)
    blocks = [section(intro)]
    sensitive = sensitive_labels(r, lang)
    if sensitive:
        blocks.append(section(macro("bot_vendors.mrkdwn", "sensitive_warning", categories=sensitive, lang=lang)))
    # A vendor with many places is split over sections rather than cut; capped so that the buttons that
    # follow stay within Slack's 50 blocks.
    blocks += sections(recipient_text(r, lang, detail=True))[:MAX_BODY_SECTIONS]
    lines = warning_lines(warnings, lang)
    if lines:
        blocks.append(section(macro("bot_vendors.mrkdwn", "warnings", items=lines, lang=lang)))
    return blocks


def review_message(
    r: RecipientOut, requester: str | None, warnings: Sequence[_Warning], lang: str, base_url: str
) -> Message:
    """Posted to the review channel: the request as saved, loud about sensitive data, with the buttons."""
    lang = lang_of(lang)
    fr = lang == "fr"
    value = button_value(r.slug, r.version)
    blocks = _review_body(r, requester, warnings, lang, pending=True)
    blocks.append(
        actions(
            button("Approuver" if fr else "Approve", APPROVE_ACTION, value=value, style="primary"),
            button(
                "Refuser" if fr else "Reject",
                REJECT_ACTION,
                value=value,
                style="danger",
                confirm=confirm_dialog(
                    "Refuser ce fournisseur ?" if fr else "Reject this vendor?",
                    (f"{r.name} sera marqué refusé." if fr else f"{r.name} will be marked rejected."),
                    "Refuser" if fr else "Reject",
                    "Annuler" if fr else "Cancel",
                    style="danger",
                ),
            ),
            block_id=REVIEW_ACTIONS_BLOCK,
        )
    )
    blocks.append(context(link(recipient_url(base_url, r.slug), "API")))
    intro = blocks[0]["text"]["text"]
    sensitive = sensitive_labels(r, lang)
    flag = (" :rotating_light: " + ("DONNÉES SENSIBLES" if fr else "SENSITIVE DATA")) if sensitive else ""
    return Message(text=f"{intro} *{_esc(r.name)}*{flag}", blocks=blocks)


def decided_message(
    r: RecipientOut,
    requester: str | None,
    decision: str,
    approver: str,
    day: date,
    warnings: Sequence[_Warning],
    lang: str,
    base_url: str,
) -> Message:
    """The review message once decided: same content, no buttons, who decided and when."""
    lang = lang_of(lang)
    line = macro("bot_vendors.mrkdwn", "decided", decision=decision, approver=mention(approver), day=day, lang=lang)
    blocks = [*_review_body(r, requester, warnings, lang, pending=False), section(line)]
    blocks.append(context(link(recipient_url(base_url, r.slug), "API")))
    return Message(text=f"*{_esc(r.name)}* · {line}", blocks=blocks)


def requester_message(r: RecipientOut, decision: str, approver: str, lang: str) -> Message:
    body = macro(
        "bot_vendors.mrkdwn",
        "requester",
        name=r.name,
        decision=decision,
        approver=mention(approver),
        public=r.public,
        lang=lang_of(lang),
    )
    return Message(text=body, blocks=[section(body)])


def refusal(reason: str, lang: str, *, approvers: Sequence[str] = (), detail: str = "") -> Message:
    """Why a click changed nothing: `not_approver`, `already_decided`, `changed`, `not_found`, `error`."""
    body = macro(
        "bot_vendors.mrkdwn",
        "refusal",
        reason=reason,
        approvers=[mention(a) for a in approvers],
        current_status=detail,
        lang=lang_of(lang),
    )
    return Message(text=body, blocks=[section(body)])


def submitted_text(r: RecipientOut, review_channel: str | None, lang: str) -> str:
    channel = channel_link(review_channel) if review_channel else ""
    return macro("bot_vendors.mrkdwn", "submitted", name=r.name, channel=channel, lang=lang_of(lang))


def _esc(value: str) -> str:
    return escape_mrkdwn(value)

"""Block Kit building blocks that respect Slack's limits, so that a long answer is cut, never refused.

Slack refuses a whole message when one section is over 3,000 characters or a header over 150; a cut in
the middle of `&amp;` or `<url|label>` would print garbage or a broken link, so `truncate` backs off to a
safe place. Mentions and links are built here only from values checked to be safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from registry_api.templating import escape_mrkdwn

SECTION_MAX = 3000
HEADER_MAX = 150
PLAIN_MAX = 75  # option texts, button labels, group labels
TEXT_MAX = 3000  # fallback text: what notifications and screen readers show
BLOCKS_MAX = 50

_SLACK_ID = re.compile(r"^[A-Z0-9]{2,40}$")

Block = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Message:
    """A Slack message: `text` is the notification / fallback, `blocks` what is displayed."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": truncate(self.text, TEXT_MAX), "blocks": self.blocks[:BLOCKS_MAX]}


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis, never inside an entity, a link or a mention."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    newline = cut.rfind("\n")
    if newline > limit * 0.8:
        cut = cut[:newline]
    if cut.rfind("<") > cut.rfind(">"):
        cut = cut[: cut.rfind("<")]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + "…"


def mention(user_id: str | None) -> str:
    """`<@U123>` for a well-formed Slack user ID; anything else is shown as escaped text, pinging no one."""
    if user_id and _SLACK_ID.match(user_id):
        return f"<@{user_id}>"
    return escape_mrkdwn(user_id or "?")


def channel_link(channel_id: str | None) -> str:
    if channel_id and _SLACK_ID.match(channel_id):
        return f"<#{channel_id}>"
    return escape_mrkdwn(channel_id or "?")


def link(url: str, label: str) -> str:
    """A mrkdwn link; the URL is ours (settings + quoted path), the label is escaped."""
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe_url}|{escape_mrkdwn(label)}>"


def path_segment(value: str) -> str:
    return quote(value, safe="")


def plain(text: str, limit: int = PLAIN_MAX) -> dict[str, Any]:
    """A plain_text object: Slack shows it verbatim (no mentions), so it is cut, not escaped."""
    return {"type": "plain_text", "text": truncate(text, limit) or " "}


def mrkdwn(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, limit) or " "}


def section(text: str, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    return block


def sections(text: str) -> list[Block]:
    """Long text as several sections split on lines, so that nothing is cut unless a line is huge."""
    blocks: list[Block] = []
    chunk = ""
    for line in text.split("\n"):
        if chunk and len(chunk) + 1 + len(line) > SECTION_MAX:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk.strip():
        blocks.append(section(chunk))
    return blocks


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_MAX)}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t, 2000) for t in texts if t][:10] or [mrkdwn(" ")]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    *,
    value: str | None = None,
    url: str | None = None,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> Block:
    element: Block = {"type": "button", "text": plain(text), "action_id": action_id}
    if value is not None:
        element["value"] = value[:2000]
    if url is not None:
        element["url"] = url[:3000]
    if style is not None:
        element["style"] = style
    if confirm is not None:
        element["confirm"] = confirm
    return element


def confirm_dialog(title: str, text: str, yes: str, no: str, style: str | None = None) -> dict[str, Any]:
    dialog: dict[str, Any] = {
        "title": plain(title, 100),
        "text": plain(text, 300),
        "confirm": plain(yes, 30),
        "deny": plain(no, 30),
    }
    if style:
        dialog["style"] = style
    return dialog


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block

"""Slack messages of supplier audits: reminders with their buttons, the weekly digest, and the line a
button press adds to a reminder. Pure builders; texts in `templates/slack/audit.mrkdwn`."""

from __future__ import annotations

from datetime import date
from typing import Any

from registry_api import i18n
from registry_api.domain.audit_rules import DigestLine, ReminderStep, due_step
from registry_api.notices.blocks import Message, mention, truncate
from registry_api.schemas.audits import AuditOut
from registry_api.settings import current as settings
from registry_api.templating import environment, escape_mrkdwn

DIGEST_LIMIT = 25
RECORD, SNOOZE, ASSIGN = "audit_record", "audit_snooze", "audit_assign"

BUTTONS = {
    "fr": {RECORD: "Enregistrer l'audit", SNOOZE: "Reporter de 7 jours", ASSIGN: "Je m'en charge"},
    "en": {RECORD: "Record audit", SNOOZE: "Snooze 7 days", ASSIGN: "Assign to me"},
}


def _macro(macro_name: str, /, **values: Any) -> str:
    module = environment().get_template("slack/audit.mrkdwn").module
    return str(getattr(module, macro_name)(**values)).strip()


def reminder(row: dict, step: ReminderStep, today: date, lang: str | None = None) -> Message:
    """A reminder for one open audit; the buttons carry the audit id."""
    lang = lang or settings().language
    days_left = (row["due_on"] - today).days
    text = _macro(
        "reminder",
        lang=lang,
        name=row["name"],
        due=row["due_on"],
        days_left=days_left,
        criticality=row["criticality"],
        reason=row["due_reason"],
        assignee=mention(row["assignee"]) if row.get("assignee") else "",
    )
    value = str(row["id"])
    labels = BUTTONS[lang]
    blocks = [
        {"type": "section", "block_id": f"audit-{row['id']}", "text": {"type": "mrkdwn", "text": truncate(text, 2900)}},
        {
            "type": "actions",
            "block_id": "audit_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": RECORD,
                    "text": {"type": "plain_text", "text": labels[RECORD]},
                    "style": "primary",
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": SNOOZE,
                    "text": {"type": "plain_text", "text": labels[SNOOZE]},
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": ASSIGN,
                    "text": {"type": "plain_text", "text": labels[ASSIGN]},
                    "value": value,
                },
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{step.key} · {row['slug']}"}]},
    ]
    return Message(text=truncate(text, 2900), blocks=blocks)


def digest(overdue: list[DigestLine], upcoming: list[DigestLine], today: date, lang: str | None = None) -> Message:
    lang = lang or settings().language
    text = _macro("digest", lang=lang, overdue=overdue, upcoming=upcoming, limit=DIGEST_LIMIT)
    return Message(
        text=truncate(text, 2900),
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 2900)}}],
    )


def card(audit: AuditOut, today: date, lang: str | None = None) -> Message:
    """A reminder rebuilt from the audit as it stands now: who took it, until when it is snoozed, or how it
    was recorded (then without buttons). Every button press replaces the message with this."""
    lang = lang or settings().language
    row = {
        "id": audit.id,
        "name": audit.recipient_name,
        "slug": audit.recipient,
        "due_on": audit.due_on,
        "due_reason": audit.due_reason,
        "criticality": audit.criticality,
        "assignee": audit.assignee,
    }
    step = due_step(audit.due_on, today)
    message = reminder(row, step or ReminderStep("", "before", 0), today, lang)
    blocks = message.blocks
    lines = []
    if audit.state == "done":
        blocks = [b for b in blocks if b.get("type") != "actions"]
        detail = outcome_label(audit.outcome or "", lang)
        if audit.performed_on:
            detail += f", {i18n.fmt_date(audit.performed_on, lang)}"
        lines.append(_macro("outcome", lang=lang, kind="recorded", who=_who(audit.recorded_by), detail=detail))
    else:
        if audit.assignee:
            lines.append(_macro("outcome", lang=lang, kind="assigned", who=mention(audit.assignee), detail=""))
        if audit.snoozed_until and audit.snoozed_until > today:
            detail = f"{i18n.fmt_date(audit.snoozed_until, lang)}, {audit.snooze_reason}"
            lines.append(_macro("outcome", lang=lang, kind="snoozed", who="", detail=detail))
    if lines:
        blocks = [
            *blocks,
            {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(" · ".join(lines), 2900)}]},
        ]
    return Message(text=message.text, blocks=blocks)


def _who(actor: str) -> str:
    """`slack:U123` is shown as a mention, any other actor (`api:dpo-key`) as escaped text."""
    return mention(actor.removeprefix("slack:")) if actor.startswith("slack:") else escape_mrkdwn(actor)


def outcome_label(outcome: str, lang: str) -> str:
    labels = {
        "fr": {"pass": "conforme", "findings": "avec constats", "fail": "non conforme"},
        "en": {"pass": "pass", "findings": "findings", "fail": "fail"},
    }
    return labels[lang].get(outcome, outcome)

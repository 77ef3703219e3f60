"""The App Home tab: the viewer's audits first, then what is overdue and what is due within 30 days."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from registry_api import i18n
from registry_api.notices import audits as messages
from registry_api.notices.blocks import truncate
from registry_api.notices.labels import lang_of
from registry_api.schemas.audits import AuditOut
from registry_api.services import audits
from registry_api.settings import Settings
from registry_api.templating import escape_mrkdwn

PER_SECTION = 15
TEXT = {
    "fr": {
        "title": "Audits fournisseurs",
        "mine": "Mes audits",
        "overdue": "En retard",
        "upcoming": "Dans les 30 prochains jours",
        "none": "Rien.",
        "late": "{n} j de retard",
        "left": "dans {n} j",
        "more": "… et {n} autres",
    },
    "en": {
        "title": "Supplier audits",
        "mine": "My audits",
        "overdue": "Overdue",
        "upcoming": "Due in the next 30 days",
        "none": "Nothing.",
        "late": "{n} d late",
        "left": "in {n} d",
        "more": "… and {n} more",
    },
}


def _line(audit: AuditOut, lang: str) -> str:
    t = TEXT[lang]
    when = t["late"].format(n=-audit.days_left) if audit.days_left <= 0 else t["left"].format(n=audit.days_left)
    return (
        f"• *{escape_mrkdwn(audit.recipient_name)}*, {i18n.fmt_date(audit.due_on, lang)} ({when})"
        f" · {escape_mrkdwn(audit.criticality)}"
    )


def _section(title: str, items: list[AuditOut], lang: str, approver: bool) -> list[dict]:
    t = TEXT[lang]
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": f"{title} ({len(items)})"}}]
    if not items:
        return [*blocks, {"type": "section", "text": {"type": "mrkdwn", "text": t["none"]}}]
    for audit in items[:PER_SECTION]:
        block: dict = {"type": "section", "text": {"type": "mrkdwn", "text": truncate(_line(audit, lang), 2900)}}
        if approver:
            block["accessory"] = {
                "type": "button",
                "action_id": messages.RECORD,
                "text": {"type": "plain_text", "text": messages.BUTTONS[lang][messages.RECORD]},
                "value": str(audit.id),
            }
        blocks.append(block)
    if len(items) > PER_SECTION:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": t["more"].format(n=len(items) - PER_SECTION)}]}
        )
    return blocks


async def home_view(user_id: str, settings: Settings) -> dict:
    lang = lang_of(settings.language)
    t = TEXT[lang]
    due = await audits.open_audits(due_within=30)
    mine = [a for a in due if a.assignee == user_id]
    overdue = [a for a in due if a.overdue]
    upcoming = [a for a in due if not a.overdue]
    approver = user_id in settings.slack_approvers
    blocks = [
        *_section(t["mine"], mine, lang, approver),
        {"type": "divider"},
        *_section(t["overdue"], overdue, lang, approver),
        {"type": "divider"},
        *_section(t["upcoming"], upcoming, lang, approver),
    ]
    return {"type": "home", "blocks": blocks[:100]}


def register(app: AsyncApp, settings: Settings) -> None:
    async def on_home(event: dict, client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event.get("user") or ""
        await client.views_publish(user_id=user, view=await home_view(user, settings))

    app.event("app_home_opened")(on_home)

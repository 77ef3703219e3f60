"""Audit reminders in Slack: "Record audit" and "Snooze 7 days" open a modal, "Assign to me" acts at once.

Each press ends by replacing the reminder with a card rebuilt from the audit as it now stands, so the
channel always shows who holds an audit, until when it is snoozed, or how it was recorded. Recording and
snoozing are for the approvers (SLACK_APPROVERS); anyone may take an audit.
"""

from __future__ import annotations

import json
import logging
from datetime import date

import msgspec
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from registry_api.clock import clock
from registry_api.notices import audits as messages
from registry_api.notices.labels import lang_of
from registry_api.schemas.audits import AuditRecord, AuditSnooze
from registry_api.services import audits
from registry_api.services.errors import ServiceError
from registry_api.settings import Settings

log = logging.getLogger("registry.bot")
RECORD_VIEW, SNOOZE_VIEW = "audit_record_modal", "audit_snooze_modal"

TEXT = {
    "fr": {
        "record_title": "Enregistrer l'audit",
        "snooze_title": "Reporter les rappels",
        "submit": "Enregistrer",
        "cancel": "Annuler",
        "outcome": "Résultat",
        "performed_on": "Date de l'audit",
        "evidence": "Lien vers les preuves",
        "findings": "Constats",
        "reason": "Motif du report (obligatoire)",
        "not_approver": "Seuls les approbateurs peuvent enregistrer ou reporter un audit.",
        "bad_url": "Une adresse http(s) complète, par exemple https://drive.example/audit.pdf",
        "too_short": "Indiquez un motif (3 caractères au moins).",
    },
    "en": {
        "record_title": "Record audit",
        "snooze_title": "Snooze reminders",
        "submit": "Save",
        "cancel": "Cancel",
        "outcome": "Outcome",
        "performed_on": "Audit date",
        "evidence": "Evidence link",
        "findings": "Findings",
        "reason": "Reason for the snooze (required)",
        "not_approver": "Only the approvers may record or snooze an audit.",
        "bad_url": "A full http(s) address, e.g. https://drive.example/audit.pdf",
        "too_short": "Give a reason (at least 3 characters).",
    },
}


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text[:75]}


def _modal(callback_id: str, title: str, meta: dict, blocks: list[dict], lang: str) -> dict:
    """A modal that remembers which audit and which reminder message (channel, ts) it was opened from."""
    t = TEXT[lang]
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(meta),
        "title": _plain(title[:24]),
        "submit": _plain(t["submit"]),
        "close": _plain(t["cancel"]),
        "blocks": blocks,
    }


def _input(block_id: str, label: str, element: dict, optional: bool = False) -> dict:
    block = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": {"action_id": "value", **element},
    }
    if optional:
        block["optional"] = True
    return block


def record_modal(audit_id: int, channel: str | None, ts: str | None, lang: str, today: date) -> dict:
    t = TEXT[lang]
    options = [{"text": _plain(messages.outcome_label(v, lang)), "value": v} for v in ("pass", "findings", "fail")]
    blocks = [
        _input("outcome", t["outcome"], {"type": "static_select", "options": options}),
        _input("performed_on", t["performed_on"], {"type": "datepicker", "initial_date": today.isoformat()}),
        _input("evidence_url", t["evidence"], {"type": "plain_text_input"}, optional=True),
        _input("findings", t["findings"], {"type": "plain_text_input", "multiline": True}, optional=True),
    ]
    meta = {"audit": audit_id, "channel": channel, "ts": ts}
    return _modal(RECORD_VIEW, t["record_title"], meta, blocks, lang)


def snooze_modal(audit_id: int, channel: str | None, ts: str | None, lang: str) -> dict:
    t = TEXT[lang]
    blocks = [_input("reason", t["reason"], {"type": "plain_text_input", "multiline": True})]
    return _modal(SNOOZE_VIEW, t["snooze_title"], {"audit": audit_id, "channel": channel, "ts": ts}, blocks, lang)


def _value(state: dict, block: str) -> str | None:
    element = (state.get(block) or {}).get("value") or {}
    if element.get("type") == "static_select":
        return (element.get("selected_option") or {}).get("value")
    if element.get("type") == "datepicker":
        return element.get("selected_date")
    return element.get("value")


def _where(body: dict) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return channel, ts


def register(app: AsyncApp, settings: Settings) -> None:
    lang = lang_of(settings.language)

    async def refresh(client: AsyncWebClient, audit_id: int, channel: str | None, ts: str | None) -> None:
        if not channel or not ts:
            return
        card = messages.card(await audits.get(audit_id), clock().today(), lang)
        await client.chat_update(channel=channel, ts=ts, **card.as_kwargs())

    async def refuse(client: AsyncWebClient, body: dict, text: str) -> None:
        channel, _ = _where(body)
        user = (body.get("user") or {}).get("id")
        if channel and user:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)

    async def open_for_approver(body: dict, client: AsyncWebClient, build_view) -> None:
        """Recording and snoozing are for approvers: others are told so, only them, and nothing opens."""
        user = (body.get("user") or {}).get("id") or ""
        if user not in settings.slack_approvers:
            await refuse(client, body, TEXT[lang]["not_approver"])
            return
        channel, ts = _where(body)
        await client.views_open(trigger_id=body["trigger_id"], view=build_view(channel, ts))

    async def on_record(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient) -> None:
        await ack()
        audit_id = int(action["value"])
        await open_for_approver(
            body, client, lambda channel, ts: record_modal(audit_id, channel, ts, lang, clock().today())
        )

    async def on_snooze(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient) -> None:
        await ack()
        audit_id = int(action["value"])
        await open_for_approver(body, client, lambda channel, ts: snooze_modal(audit_id, channel, ts, lang))

    async def on_assign(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient) -> None:
        await ack()
        user = (body.get("user") or {}).get("id") or ""
        channel, ts = _where(body)
        try:
            await audits.assign(int(action["value"]), user, f"slack:{user}")
        except ServiceError as exc:
            await refuse(client, body, exc.detail)
            return
        await refresh(client, int(action["value"]), channel, ts)

    async def on_record_submit(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient) -> None:
        user = (body.get("user") or {}).get("id") or ""
        meta = json.loads(view.get("private_metadata") or "{}")
        state = (view.get("state") or {}).get("values") or {}
        raw = {
            "outcome": _value(state, "outcome"),
            "performed_on": _value(state, "performed_on"),
            "evidence_url": (_value(state, "evidence_url") or "").strip(),
            "findings": _value(state, "findings") or "",
        }
        try:
            data = msgspec.convert({k: v for k, v in raw.items() if v is not None}, AuditRecord)
        except msgspec.ValidationError as exc:
            field = "evidence_url" if "evidence_url" in str(exc) else "outcome"
            message = TEXT[lang]["bad_url"] if field == "evidence_url" else str(exc)
            await ack(response_action="errors", errors={field: message})
            return
        if user not in settings.slack_approvers:
            await ack(response_action="errors", errors={"outcome": TEXT[lang]["not_approver"]})
            return
        try:
            audit = await audits.get(int(meta["audit"]))
            await audits.record(audit.recipient, data, f"slack:{user}", audit_id=audit.id)
        except ServiceError as exc:
            field = "performed_on" if "future" in exc.detail else "outcome"
            await ack(response_action="errors", errors={field: exc.detail})
            return
        await ack()
        await refresh(client, audit.id, meta.get("channel"), meta.get("ts"))

    async def on_snooze_submit(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient) -> None:
        user = (body.get("user") or {}).get("id") or ""
        meta = json.loads(view.get("private_metadata") or "{}")
        reason = (_value((view.get("state") or {}).get("values") or {}, "reason") or "").strip()
        if len(reason) < 3:
            await ack(response_action="errors", errors={"reason": TEXT[lang]["too_short"]})
            return
        if user not in settings.slack_approvers:
            await ack(response_action="errors", errors={"reason": TEXT[lang]["not_approver"]})
            return
        try:
            await audits.snooze(int(meta["audit"]), AuditSnooze(reason=reason), f"slack:{user}")
        except ServiceError as exc:
            await ack(response_action="errors", errors={"reason": exc.detail})
            return
        await ack()
        await refresh(client, int(meta["audit"]), meta.get("channel"), meta.get("ts"))

    app.action(messages.RECORD)(on_record)
    app.action(messages.SNOOZE)(on_snooze)
    app.action(messages.ASSIGN)(on_assign)
    app.view(RECORD_VIEW)(on_record_submit)
    app.view(SNOOZE_VIEW)(on_snooze_submit)

"""Audit reminders in Slack, driven through /slack/events with signed requests against the fake Web API."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta

import msgspec

from registry_api.db.tables import Audit
from registry_api.schemas.recipients import RecipientCreate
from registry_api.services import audits, recipients
from tests.conftest import SIGNING_SECRET
from tests.fakes.slack_signing import block_action, event_callback, sign, view_submission

TODAY = date(2026, 11, 25)


async def post(client, payload: tuple[bytes, str]):
    body, content_type = payload
    return await client.post(
        "/slack/events", content=body, headers=sign(SIGNING_SECRET, body, content_type=content_type)
    )


async def settle() -> None:
    """Bolt answers Slack at ack() and finishes the listener in a task: let it run."""
    for _ in range(50):
        await asyncio.sleep(0.02)


async def due_supplier(name: str = "Nimbus Cloud", days: int = 5) -> int:
    body = {"name": name, "kind": "hosting", "role": "vendor", "criticality": "high"}
    created = await recipients.create(msgspec.convert(body, RecipientCreate), "test")
    [row] = await Audit.select().where((Audit.recipient.slug == created.slug) & (Audit.state == "open"))
    await Audit.update({Audit.due_on: TODAY + timedelta(days=days)}).where(Audit.id == row["id"])
    return row["id"]


async def reminder_message(slack_app, slack) -> dict:
    await audits.remind()
    await slack_app.state.runtime.dispatch()
    [call] = [
        c
        for c in slack.calls("chat.postMessage")
        if c.body["channel"] == "CAUDIT"
        and "blocks" in c.body
        and any(b.get("type") == "actions" for b in c.body["blocks"])
    ]
    return {"type": "message", "ts": "1700000000.000200", "text": call.body["text"], "blocks": call.body["blocks"]}


async def test_reminder_buttons_record_an_audit_and_the_next_run_is_silent(slack_client, slack_app, slack, fixed_clock):
    audit_id = await due_supplier()
    message = await reminder_message(slack_app, slack)
    assert [e["action_id"] for e in message["blocks"][1]["elements"]] == [
        "audit_record",
        "audit_snooze",
        "audit_assign",
    ]
    r = await post(
        slack_client,
        block_action("audit_record", str(audit_id), user_id="UAPPROVER", message=message, channel_id="CAUDIT"),
    )
    assert r.status_code == 200
    await settle()
    [opened] = slack.calls("views.open")
    view = opened.body["view"] if isinstance(opened.body["view"], dict) else json.loads(opened.body["view"])
    assert view["callback_id"] == "audit_record_modal"
    state = {
        "outcome": {"value": {"type": "static_select", "selected_option": {"value": "pass"}}},
        "performed_on": {"value": {"type": "datepicker", "selected_date": "2026-11-24"}},
        "evidence_url": {"value": {"type": "plain_text_input", "value": "not a url"}},
        "findings": {"value": {"type": "plain_text_input", "value": None}},
    }
    bad = await post(
        slack_client,
        view_submission("audit_record_modal", state, user_id="UAPPROVER", private_metadata=view["private_metadata"]),
    )
    assert bad.json()["response_action"] == "errors" and "evidence_url" in bad.json()["errors"]
    assert (await audits.get(audit_id)).state == "open"
    state["evidence_url"]["value"]["value"] = "https://evidence.example/nimbus-2026.pdf"
    ok = await post(
        slack_client,
        view_submission("audit_record_modal", state, user_id="UAPPROVER", private_metadata=view["private_metadata"]),
    )
    assert ok.status_code == 200 and not ok.content.strip(b"{}")
    await settle()
    done = await audits.get(audit_id)
    assert done.state == "done" and done.outcome == "pass" and done.recorded_by == "slack:UAPPROVER"
    [update] = slack.calls("chat.update")
    blocks = update.body["blocks"] if isinstance(update.body["blocks"], list) else json.loads(update.body["blocks"])
    assert not any(b.get("type") == "actions" for b in blocks)
    assert "<@UAPPROVER>" in json.dumps(blocks)
    nxt = (await audits.for_recipient("nimbus-cloud"))[0]
    assert nxt.state == "open" and nxt.due_on == date(2027, 11, 24)
    assert (await audits.remind()).queued == 0


async def test_non_approver_cannot_record_or_snooze(slack_client, slack_app, slack, fixed_clock):
    audit_id = await due_supplier()
    message = await reminder_message(slack_app, slack)
    for action in ("audit_record", "audit_snooze"):
        await post(
            slack_client, block_action(action, str(audit_id), user_id="URANDOM", message=message, channel_id="CAUDIT")
        )
    await settle()
    assert slack.calls("views.open") == []
    refusals = slack.calls("chat.postEphemeral")
    assert len(refusals) == 2 and all(c.body["user"] == "URANDOM" for c in refusals)
    assert (await audits.get(audit_id)).state == "open"


async def test_snooze_needs_a_reason_and_assign_updates_the_message(slack_client, slack_app, slack, fixed_clock):
    audit_id = await due_supplier()
    message = await reminder_message(slack_app, slack)
    await post(
        slack_client, block_action("audit_assign", str(audit_id), user_id="U222", message=message, channel_id="CAUDIT")
    )
    await settle()
    assert (await audits.get(audit_id)).assignee == "U222"
    [update] = slack.calls("chat.update")
    assert "<@U222>" in json.dumps(update.body)
    await post(
        slack_client,
        block_action("audit_snooze", str(audit_id), user_id="UAPPROVER", message=message, channel_id="CAUDIT"),
    )
    await settle()
    [opened] = slack.calls("views.open")
    view = opened.body["view"] if isinstance(opened.body["view"], dict) else json.loads(opened.body["view"])
    empty = {"reason": {"value": {"type": "plain_text_input", "value": " "}}}
    r = await post(
        slack_client,
        view_submission("audit_snooze_modal", empty, user_id="UAPPROVER", private_metadata=view["private_metadata"]),
    )
    assert r.json()["errors"]["reason"]
    given = {"reason": {"value": {"type": "plain_text_input", "value": "Supplier closed for the holidays"}}}
    r = await post(
        slack_client,
        view_submission("audit_snooze_modal", given, user_id="UAPPROVER", private_metadata=view["private_metadata"]),
    )
    assert r.status_code == 200
    await settle()
    snoozed = await audits.get(audit_id)
    assert snoozed.snoozed_until == TODAY + timedelta(days=7) and "holidays" in snoozed.snooze_reason
    assert "holidays" in json.dumps(slack.calls("chat.update")[-1].body)


async def test_app_home_lists_overdue_and_upcoming(slack_client, slack, fixed_clock):
    await due_supplier("Late Vendor", days=-4)
    await due_supplier("Soon Vendor", days=12)
    await due_supplier("Far Vendor", days=200)
    event = {"type": "app_home_opened", "user": "UAPPROVER", "channel": "D1", "tab": "home", "event_ts": "1.0"}
    r = await post(slack_client, event_callback(event))
    assert r.status_code == 200
    await settle()
    [published] = slack.calls("views.publish")
    assert published.body["user_id"] == "UAPPROVER"
    text = json.dumps(published.body["view"], ensure_ascii=False)
    assert "Late Vendor" in text and "Soon Vendor" in text and "Far Vendor" not in text
    assert text.index("Late Vendor") < text.index("Soon Vendor")
    assert "audit_record" in text  # approvers get the button

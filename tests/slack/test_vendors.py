"""Vendor intake and approval through Slack: `/vendor new` opens the modal, a submission is validated like
the API (inline errors, nothing saved) or saved as proposed and posted for review; only approvers decide."""

from __future__ import annotations

import json
from typing import Any

import httpx
from litestar import Litestar

from registry_api.db.tables import OutboxMessage
from registry_api.domain.enums import Status
from registry_api.notices import vendors
from registry_api.schemas.recipients import RecipientPatch
from registry_api.services import history, recipients
from registry_api.services.errors import NotFound
from tests.fakes.slack_api import Call, FakeSlackApi
from tests.fakes.slack_signing import block_action, slash_command, view_submission
from tests.slack.conftest import blocks_of, deliver_until, eventually, in_channel, post, text_of

REVIEW = "CREVIEW"
REVIEW_TS = "1700000000.009900"


def selected(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value}}


def multi(*values: str) -> dict[str, Any]:
    return {
        "type": "multi_static_select",
        "selected_options": [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values],
    }


def text(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def form(**overrides: Any) -> dict[str, Any]:
    """Modal state as Slack sends it: `{block_id: {action_id: state}}`, block and action IDs equal."""
    fields: dict[str, Any] = {
        "name": text("Nimbus Cloud"),
        "legal_name": text("Nimbus Cloud Ltd"),
        "service_description": text("Managed databases for the portal."),
        "kind": selected("hosting"),
        "role": selected("subprocessor"),
        "loc0_country": selected("DE"),
        "loc0_city": text("Frankfurt"),
        "loc0_use": selected("storage"),
        "data_categories": multi("connection", "identity"),
        "public": {"type": "checkboxes", "selected_options": []},
        "criticality": selected("high"),
        "dpa_signed_on": {"type": "datepicker", "selected_date": "2026-10-01"},
    }
    fields.update(overrides)
    return {block: {block: state} for block, state in fields.items() if state is not None}


async def submit(client: httpx.AsyncClient, values: dict[str, Any], user: str = "U111") -> dict[str, Any]:
    metadata = json.dumps({"lang": "en", "channel": "C111"})
    r = await post(client, view_submission("vendor_request", values, user_id=user, private_metadata=metadata))
    assert r.status_code == 200
    return r.json() if r.content else {}


async def review_call(app: Litestar, slack: FakeSlackApi) -> Call:
    [call] = await deliver_until(app, slack, "chat.postMessage", where=in_channel(REVIEW))
    return call


def button(call: Call, action_id: str) -> dict[str, Any]:
    for block in blocks_of(call):
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} button in {blocks_of(call)}")


async def click(client: httpx.AsyncClient, action_id: str, value: str, user: str) -> None:
    message = {"type": "message", "user": "UBOT", "bot_id": "BBOT", "ts": REVIEW_TS, "text": "", "blocks": []}
    r = await post(client, block_action(action_id, value, user_id=user, channel_id=REVIEW, message=message))
    assert r.status_code == 200


async def status_of(slug: str) -> Status | None:
    try:
        return (await recipients.get(slug)).status
    except NotFound:
        return None


# ---------------------------------------------------------------- /vendor new


async def test_vendor_new_opens_the_modal(slack_client: httpx.AsyncClient, slack: FakeSlackApi, demo: int) -> None:
    r = await post(slack_client, slash_command("/vendor", "new", trigger_id="42.1337.abc"))
    assert r.status_code == 200
    [call] = await slack.wait_for_async("views.open")
    assert call.body["trigger_id"] == "42.1337.abc"
    view = call.body["view"]
    assert view["callback_id"] == "vendor_request"
    assert view["title"]["text"] == "Nouveau fournisseur"  # the company's language by default
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    for block_id, block in inputs.items():
        assert block["element"]["action_id"] == block_id  # a problem's field maps to one block
    for slot in range(3):
        assert {f"loc{slot}_{p}" for p in ("country", "country_other", "use", "mechanism", "scc_module")} <= set(inputs)
    assert len(inputs["kind"]["element"]["options"]) == 15
    groups = inputs["loc0_country"]["element"]["option_groups"]
    assert sum(len(g["options"]) for g in groups) <= 100  # Slack's limit for one select
    assert "IN" in [o["value"] for g in groups for o in g["options"]]
    categories = inputs["data_categories"]["element"]["option_groups"]
    assert [o["value"] for o in categories[1]["options"]][:1] == ["racial_ethnic_origin"]
    assert all(o["text"]["text"].startswith("⚠") for o in categories[1]["options"])
    solutions = [o["value"] for o in inputs["solutions"]["element"]["options"]]
    assert solutions == ["iporta-insight", "iporta-portail", "iporta-sign"]
    assert len(view["blocks"]) <= 100


async def test_vendor_new_in_english(slack_client: httpx.AsyncClient, slack: FakeSlackApi) -> None:
    await post(slack_client, slash_command("/vendor", "new en"))
    [call] = await slack.wait_for_async("views.open")
    assert call.body["view"]["title"]["text"] == "New vendor"
    assert json.loads(call.body["view"]["private_metadata"])["lang"] == "en"


async def test_india_under_adequacy_gets_an_inline_error_and_nothing_is_saved(
    slack_app: Litestar, slack_client: httpx.AsyncClient, slack: FakeSlackApi
) -> None:
    values = form(loc0_country=selected("IN"), loc0_use=selected("remote_access"), loc0_mechanism=selected("adequacy"))
    answer = await submit(slack_client, values)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["loc0_mechanism"]
    error = answer["errors"]["loc0_mechanism"]
    assert "India has no adequacy decision" in error
    assert "standard contractual clauses" in error and "derogation" not in error
    assert (await recipients.list_recipients(recipients.RecipientFilters())).total == 0
    assert await OutboxMessage.count() == 0
    await app_dispatch(slack_app)
    assert slack.calls("chat.postMessage") == []


async def test_errors_land_on_the_block_of_their_place(slack_client: httpx.AsyncClient) -> None:
    """The second place filled in the third slot: its problem goes to the third slot's blocks."""
    values = form(
        loc2_country_other=text("Inde"),
        loc2_use=selected("remote_access"),
        loc2_mechanism=selected("scc"),
    )
    answer = await submit(slack_client, values)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["loc2_scc_module"]
    values = form(loc1_country_other=text("Atlantis"))
    assert (await submit(slack_client, values))["errors"] == {
        "loc1_country_other": "Unknown country: type a two-letter ISO code (e.g. MX) or the country's name"
    }
    values = form(loc0_country=None, loc0_city=None)
    assert list((await submit(slack_client, values))["errors"]) == ["loc0_country"]
    values = form(loc1_city=text("Lyon"))
    assert list((await submit(slack_client, values))["errors"]) == ["loc1_country"]


async def test_a_valid_request_is_saved_as_proposed_and_posted_for_review(
    slack_app: Litestar, slack_client: httpx.AsyncClient, slack: FakeSlackApi
) -> None:
    values = form(
        loc1_country=selected("IN"),
        loc1_use=selected("remote_access"),
        loc1_mechanism=selected("scc"),
        loc1_scc_module=selected("3"),
        data_categories=multi("connection", "health"),
    )
    answer = await submit(slack_client, values, user="U111")
    assert answer["response_action"] == "update"
    assert "*Nimbus Cloud* is saved as _proposed_" in answer["view"]["blocks"][0]["text"]["text"]
    assert "<#CREVIEW>" in answer["view"]["blocks"][0]["text"]["text"]
    assert "transfer impact assessment" in text_of({"blocks": answer["view"]["blocks"]})

    saved = await recipients.get("nimbus-cloud")
    assert saved.status == Status.proposed
    assert [(loc.country, loc.mechanism, loc.scc_module) for loc in saved.locations] == [
        ("DE", None, None),
        ("IN", "scc", 3),
    ]
    [entry] = await history.entries("recipient", "nimbus-cloud")
    assert (entry.action, entry.actor) == ("create", "slack:U111")

    call = await review_call(slack_app, slack)
    review = text_of(call)
    assert "<@U111>" in review and "Nimbus Cloud" in review
    assert "Nouvelle demande de fournisseur" in review  # the company's language, not the requester's
    assert ":rotating_light: *ATTENTION : CE FOURNISSEUR RECEVRAIT DES DONNÉES SENSIBLES*" in review
    assert "Inde, Bengaluru" not in review and "Inde (accès à distance)" in review
    approve = button(call, "vendor_approve")
    assert json.loads(approve["value"]) == {"slug": "nimbus-cloud", "version": 1}
    assert button(call, "vendor_reject")["style"] == "danger"


async def test_a_duplicate_request_is_refused_on_the_name(slack_client: httpx.AsyncClient) -> None:
    assert (await submit(slack_client, form()))["response_action"] == "update"
    answer = await submit(slack_client, form(name=text("nimbus cloud")))
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {"name": "This vendor already exists (nimbus-cloud)"}


# ---------------------------------------------------------------- approval


async def test_a_non_approver_click_changes_nothing(
    slack_app: Litestar, slack_client: httpx.AsyncClient, slack: FakeSlackApi
) -> None:
    await submit(slack_client, form())
    value = button(await review_call(slack_app, slack), "vendor_approve")["value"]
    await click(slack_client, "vendor_approve", value, user="U222")
    [refusal] = await slack.wait_for_async("chat.postEphemeral")
    assert (refusal.body["channel"], refusal.body["user"]) == (REVIEW, "U222")
    assert "Seuls les approbateurs" in refusal.body["text"] and "<@UAPPROVER>" in refusal.body["text"]
    saved = await recipients.get("nimbus-cloud")
    assert (saved.status, saved.version) == (Status.proposed, 1)
    assert [e.action for e in await history.entries("recipient", "nimbus-cloud")] == ["create"]
    await app_dispatch(slack_app)
    assert slack.calls("chat.update") == []
    assert [c.body["channel"] for c in slack.calls("chat.postMessage")] == [REVIEW]


async def test_an_approver_click_activates_the_vendor(
    slack_app: Litestar, slack_client: httpx.AsyncClient, slack: FakeSlackApi
) -> None:
    await submit(slack_client, form(public={"type": "checkboxes", "selected_options": [{"value": "public"}]}))
    value = button(await review_call(slack_app, slack), "vendor_approve")["value"]
    await click(slack_client, "vendor_approve", value, user="UAPPROVER")

    saved = await eventually(lambda: recipients.get("nimbus-cloud"), lambda r: r.status == Status.active)
    assert saved.version == 2
    entries = await history.entries("recipient", "nimbus-cloud")
    assert [(e.action, e.actor) for e in entries] == [("create", "slack:U111"), ("update", "slack:UAPPROVER")]
    assert entries[1].before["status"] == "proposed" and entries[1].after["status"] == "active"

    [update] = await deliver_until(slack_app, slack, "chat.update")
    assert (update.body["channel"], update.body["ts"]) == (REVIEW, REVIEW_TS)
    assert "*Approuvé* par <@UAPPROVER>" in text_of(update)
    assert not [b for b in blocks_of(update) if b["type"] == "actions"]  # no buttons left

    [dm] = await deliver_until(slack_app, slack, "chat.postMessage", where=in_channel("U111"))
    assert "a été approuvée par <@UAPPROVER>" in dm.body["text"]
    # A public vendor becoming active starts the public-list change notice.
    [notice] = await deliver_until(slack_app, slack, "chat.postMessage", where=in_channel("CNOTICE"))
    assert "Nimbus Cloud" in text_of(notice)

    # A second click (another approver, or Slack showing the old buttons) changes nothing more.
    await click(slack_client, "vendor_reject", value, user="UAPPROVER")
    [late] = await slack.wait_for_async("chat.postEphemeral")
    assert "déjà traitée" in late.body["text"] and "actif" in late.body["text"]
    assert (await recipients.get("nimbus-cloud")).status == Status.active


async def test_an_approver_can_reject(
    slack_app: Litestar, slack_client: httpx.AsyncClient, slack: FakeSlackApi
) -> None:
    await submit(slack_client, form())
    value = button(await review_call(slack_app, slack), "vendor_reject")["value"]
    await click(slack_client, "vendor_reject", value, user="UAPPROVER")
    await eventually(lambda: status_of("nimbus-cloud"), lambda s: s == Status.rejected)
    [update] = await deliver_until(slack_app, slack, "chat.update")
    assert "*Refusé* par <@UAPPROVER>" in text_of(update)
    [dm] = await deliver_until(slack_app, slack, "chat.postMessage", where=in_channel("U111"))
    assert "refusée" in dm.body["text"]


async def test_a_click_on_a_stale_request_changes_nothing(
    slack_app: Litestar, slack_client: httpx.AsyncClient, slack: FakeSlackApi
) -> None:
    """The vendor was edited after the review message was posted: approving it would approve unseen data."""
    await submit(slack_client, form())
    value = button(await review_call(slack_app, slack), "vendor_approve")["value"]
    current = await recipients.get("nimbus-cloud")
    await recipients.update("nimbus-cloud", RecipientPatch(version=current.version, legal_name="Other Ltd"), "api:x")
    await click(slack_client, "vendor_approve", value, user="UAPPROVER")
    [refusal] = await slack.wait_for_async("chat.postEphemeral")
    assert "modifié depuis la demande" in refusal.body["text"]
    assert (await recipients.get("nimbus-cloud")).status == Status.proposed


# ---------------------------------------------------------------- /vendor <name>, /vendor


async def test_vendor_card(slack_client: httpx.AsyncClient, slack: FakeSlackApi, demo: int) -> None:
    r = await post(slack_client, slash_command("/vendor", "Pulse Monitoring", response_url=slack.response_url("v")))
    assert r.status_code == 200
    [call] = await slack.wait_for_async("response_url")
    assert call.body["response_type"] == "ephemeral"
    card = text_of(call)
    assert "*Pulse Monitoring*" in card
    assert "États-Unis, Oregon (traitement) : Data Privacy Framework UE-États-Unis" in card
    assert "*Entité juridique*" in card and "/api/v1/recipients/pulse-monitoring" in card


async def test_vendor_unknown_and_usage(slack_client: httpx.AsyncClient, slack: FakeSlackApi, demo: int) -> None:
    await post(slack_client, slash_command("/vendor", "Zorglub", response_url=slack.response_url("v")))
    [call] = await slack.wait_for_async("response_url")
    assert "Aucun fournisseur ne correspond" in call.body["text"]
    r = await post(slack_client, slash_command("/vendor", ""))
    assert r.json()["response_type"] == "ephemeral"
    assert "/vendor new" in r.json()["text"]


async def app_dispatch(app: Litestar) -> None:
    for _ in range(3):
        await app.state.runtime.dispatch()


async def test_approving_a_vendor_proposed_outside_slack_dms_no_one(
    slack_app: Litestar, slack_client: httpx.AsyncClient, slack: FakeSlackApi, demo: int
) -> None:
    """Heatmapr was proposed by the demo seed (not from Slack): there is no requester to tell."""
    await click(slack_client, "vendor_approve", vendors.button_value("heatmapr", 1), user="UAPPROVER")
    await eventually(lambda: status_of("heatmapr"), lambda s: s == Status.active)
    [update] = await deliver_until(slack_app, slack, "chat.update")
    assert "*Nouvelle demande de fournisseur*." in text_of(update)  # no requester to name
    await app_dispatch(slack_app)
    assert not [c for c in slack.calls("chat.postMessage") if c.body["channel"].startswith("U")]
    assert [e.actor for e in await history.entries("recipient", "heatmapr")][-1] == "slack:UAPPROVER"

"""The message builders and the modal, without Slack: Slack's own Block Kit models accept what we send,
limits are respected, escaping holds and every problem field finds its input."""

from __future__ import annotations

import pytest
from litestar import Litestar
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot import intake
from bot.answering import answer_question
from registry_api.domain.recipient_rules import Problem
from registry_api.notices import vendors
from registry_api.notices.blocks import SECTION_MAX, link, mention, sections, truncate
from registry_api.schemas.recipients import LocationIn, RecipientCreate
from registry_api.schemas.reference import SolutionOut
from registry_api.services import recipients

SLOTS = [intake.Slot(0, "loc0_country"), intake.Slot(2, "loc2_country_other")]


def valid_blocks(blocks: list[dict]) -> None:
    assert len(blocks) <= 50
    for block in blocks:
        Block.parse(block).validate_json()  # raises SlackObjectFormationError on a broken block


@pytest.mark.parametrize(
    ("field", "block"),
    [
        ("locations[0].mechanism", "loc0_mechanism"),
        ("locations[0].country", "loc0_country"),
        ("locations[1].mechanism", "loc2_mechanism"),
        ("locations[1].country", "loc2_country_other"),
        ("locations[1].scc_module", "loc2_scc_module"),
        ("locations[1].city", "loc2_city"),
        ("locations[1]", "loc2_country_other"),
        ("locations[7].mechanism", "loc0_country"),
        ("data_categories[3]", "data_categories"),
        ("data_categories", "data_categories"),
        ("solutions[0]", "solutions"),
        ("dpa_signed_on", "dpa_signed_on"),
        ("name", "name"),
        ("parent", "name"),
        ("", "name"),
    ],
)
def test_every_problem_field_finds_its_block(field: str, block: str) -> None:
    assert intake.block_for(field, SLOTS) == block


def test_problems_are_said_in_the_users_language_with_what_would_be_accepted() -> None:
    problem = Problem(
        "locations[0].mechanism",
        "no_adequacy",
        "IN has no adequacy decision",
        {"country": "IN", "accepted_mechanisms": ["scc", "bcr", "derogation_art49"]},
    )
    errors = intake.errors_for([problem, problem], SLOTS, "fr")
    assert errors == {
        "loc0_mechanism": "Inde n'a pas de décision d'adéquation. Garanties possibles : clauses contractuelles "
        "types, règles d'entreprise contraignantes (BCR)."
    }
    unknown = Problem("parent", "weird_code", "something odd")
    assert intake.errors_for([unknown], SLOTS, "en") == {"name": "parent: something odd"}


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("IN", "IN"),
        ("in", "IN"),
        ("Inde", "IN"),
        ("india", "IN"),
        ("Mexique", "MX"),
        ("MEX", "MX"),
        ("états-unis", "US"),
        ("Royaume-Uni", "GB"),
        ("Atlantis", None),
        ("", None),
        ("UK", None),
    ],
)
def test_other_country_takes_a_code_or_a_name(typed: str, code: str | None) -> None:
    assert intake.resolve_country(typed) == code


def test_the_modal_is_valid_block_kit_in_both_languages() -> None:
    solutions = [SolutionOut(slug=f"s{i}", name=f"Solution {i}", description="") for i in range(150)]
    for lang in ("fr", "en"):
        view = intake.modal(lang, solutions, intake.Metadata(lang=lang, channel="C1"))
        View(**view).validate_json()
        valid_blocks(view["blocks"])
        inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
        assert len(inputs["solutions"]["options"]) == 100
        for element in inputs.values():
            groups = element.get("option_groups") or [{"options": element.get("options", [])}]
            assert sum(len(g["options"]) for g in groups) <= 100
            assert all(len(o["text"]["text"]) <= 75 for g in groups for o in g["options"])


def test_metadata_survives_garbage() -> None:
    assert intake.Metadata.decode("not json", "en") == intake.Metadata(lang="en")
    assert intake.Metadata.decode('{"lang": "de", "channel": 3}', "fr") == intake.Metadata(lang="fr")
    meta = intake.Metadata(lang="en", channel="C9")
    assert intake.Metadata.decode(meta.encode()) == meta


@pytest.mark.parametrize("value", [None, "", "x", "[]", '{"slug": 1, "version": 1}', '{"slug": "a", "version": true}'])
def test_foreign_button_values_are_refused(value: str | None) -> None:
    assert vendors.parse_button_value(value) is None


def test_button_values_round_trip() -> None:
    assert vendors.parse_button_value(vendors.button_value("nimbus-cloud", 3)) == ("nimbus-cloud", 3)


def test_truncate_never_breaks_an_entity_or_a_link() -> None:
    text = "a" * 10 + "&amp;" + "b" * 10
    assert truncate(text, 13) == "a" * 10 + "…"
    linked = "x" * 10 + link("http://e.test/path", "label")
    assert truncate(linked, 20) == "x" * 10 + "…"
    assert truncate("short", 10) == "short"


def test_long_text_is_split_into_sections_not_cut() -> None:
    lines = [f"line {i} " + "z" * 90 for i in range(100)]
    blocks = sections("\n".join(lines))
    assert len(blocks) > 1
    assert all(len(b["text"]["text"]) <= SECTION_MAX for b in blocks)
    assert "\n".join(b["text"]["text"] for b in blocks) == "\n".join(lines)


def test_mentions_are_built_only_from_slack_ids() -> None:
    assert mention("U123ABC") == "<@U123ABC>"
    assert mention("<!channel>") == "&lt;!channel&gt;"
    assert mention(None) == "?"


async def test_answers_and_review_messages_are_valid_block_kit(slack_app: Litestar, demo: int) -> None:
    for question in ("who receives connection data?", "qui est hors UE ?", "où est Paylane ?", "help", "zzz"):
        valid_blocks((await answer_question(question, "http://registry.test")).blocks)
    paylane = await recipients.get("paylane")
    valid_blocks(vendors.card(paylane, "fr", "http://registry.test").blocks)
    valid_blocks(vendors.review_message(paylane, "U1", paylane.warnings, "fr", "http://registry.test").blocks)


async def test_a_vendor_with_many_places_keeps_its_buttons(slack_app: Litestar) -> None:
    data = RecipientCreate(
        name="Everywhere Hosting",
        kind="hosting",
        role="subprocessor",
        status="proposed",
        data_categories=["connection", "health"],
        locations=[LocationIn(country="FR", use="storage", city=f"Ville {i} " + "x" * 100) for i in range(100)],
    )
    created = await recipients.create(data, "test")
    review = vendors.review_message(created, "U1", created.warnings, "fr", "http://registry.test")
    valid_blocks(review.blocks)
    assert review.blocks[-2]["type"] == "actions"
    assert sum(b["type"] == "section" for b in review.blocks) > 3  # split, not cut at 3,000 characters
    valid_blocks(vendors.card(created, "en", "http://registry.test").blocks)

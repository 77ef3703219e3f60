"""Questions asked with `/recipients` or by mentioning the bot, in French and English, answered from the
registry through the real Bolt app, with the fake Slack Web API recording what the bot sends."""

from __future__ import annotations

import asyncio

import httpx
from litestar import Litestar

from registry_api.db.tables import OutboxMessage
from registry_api.schemas.recipients import LocationIn, RecipientCreate
from registry_api.services import recipients
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_signing import event_callback, slash_command
from tests.slack.conftest import deliver_until, in_channel, post, text_of


async def ask(client: httpx.AsyncClient, slack: FakeSlackApi, question: str) -> dict:
    """`/recipients <question>`: acked at once with an empty body, answered through response_url."""
    r = await post(client, slash_command("/recipients", question, response_url=slack.response_url("ask")))
    assert r.status_code == 200
    assert r.content in (b"", b"{}") or not r.json().get("blocks")
    [call] = await slack.wait_for_async("response_url")
    assert call.path == "/response/ask"
    assert call.body["response_type"] == "ephemeral"
    return call.body


def names_in(body: dict) -> list[str]:
    """The recipients listed in an answer: the bold name opening each recipient section."""
    names = []
    for block in body["blocks"]:
        text = block.get("text", {}).get("text", "") if block["type"] == "section" else ""
        if text.startswith("*") and " · " in text:
            names.append(text[1 : text.index("*", 1)])
    return names


async def test_french_question_gets_the_recipients_of_health_data(
    slack_client: httpx.AsyncClient, slack: FakeSlackApi, demo: int
) -> None:
    body = await ask(slack_client, slack, "qui reçoit les données de santé ?")
    assert names_in(body) == ["Dossier Santé Cloud"]
    text = text_of(body)
    assert "*Données de santé*" in text  # the asked category, in bold, labelled in French
    assert "DONNÉES SENSIBLES" in text and ":rotating_light:" in text
    assert "France, Lyon (stockage)" in text
    assert "EEE, aucune garantie requise" in text
    assert "http://registry.test/subprocessors?lang=fr" in text
    assert "/api/v1/who?data=health" in text


async def test_english_question_gets_the_recipients_in_the_us(
    slack_client: httpx.AsyncClient, slack: FakeSlackApi, demo: int
) -> None:
    body = await ask(slack_client, slack, "what goes to the US?")
    assert names_in(body) == ["Pulse Monitoring"]
    text = text_of(body)
    assert "United States, Oregon (processing): EU-US Data Privacy Framework" in text
    assert "Ireland" not in text  # only the places that answer the question
    assert "http://registry.test/subprocessors?lang=en" in text


async def test_safeguard_shows_the_scc_module(slack_client: httpx.AsyncClient, slack: FakeSlackApi, demo: int) -> None:
    body = await ask(slack_client, slack, "où est Remotix ?")
    assert names_in(body) == ["Remotix Support"]
    assert "Inde" in text_of(body)
    assert "clauses contractuelles types, module 3 (sous-traitant → sous-traitant)" in text_of(body)


async def test_a_broad_answer_is_capped_with_the_count_of_the_rest(
    slack_client: httpx.AsyncClient, slack: FakeSlackApi, demo: int
) -> None:
    body = await ask(slack_client, slack, "who receives connection data?")
    expected = await recipients.who(recipients.WhoQuery(data_categories=("connection",)))
    assert expected.total == 11  # the demo registry; the proposed Heatmapr is not an answer
    assert len(names_in(body)) == 10
    assert names_in(body) == [e.name for e in expected.items[:10]]
    assert "and *1 more*" in text_of(body)
    assert "Heatmapr" not in text_of(body)


async def test_outside_the_eea(slack_client: httpx.AsyncClient, slack: FakeSlackApi, demo: int) -> None:
    body = await ask(slack_client, slack, "qui est hors UE ?")
    # Adequacy countries (GB, CH) are outside the EEA too: a transfer, under a safeguard.
    assert names_in(body) == ["Azimut Engineering Tunisie", "Metrica", "Paylane", "Pulse Monitoring", "Remotix Support"]
    text = text_of(body)
    assert "hors EEE" in text
    assert "Royaume-Uni, London (traitement) : décision d'adéquation" in text
    assert "Irlande" not in text  # Paylane's EEA place is not what was asked


async def test_unknown_question_gets_examples(slack_client: httpx.AsyncClient, slack: FakeSlackApi, demo: int) -> None:
    body = await ask(slack_client, slack, "blorp the frobnicator")
    text = text_of(body)
    assert "I did not understand" in text
    assert "who receives connection data?" in text and "where is Nuage Souverain?" in text


async def test_no_match_and_unknown_vendor_get_help(
    slack_client: httpx.AsyncClient, slack: FakeSlackApi, demo: int
) -> None:
    body = await ask(slack_client, slack, "qui reçoit des données génétiques ?")
    assert "Aucun destinataire actif ne correspond" in text_of(body)
    assert "qui héberge nos données ?" in text_of(body)
    slack.clear()
    body = await ask(slack_client, slack, "where is Zorglub Hosting?")
    assert "I know no recipient named" in text_of(body) and "Zorglub Hosting" in text_of(body)


async def test_empty_command_gets_help(slack_client: httpx.AsyncClient, slack: FakeSlackApi, demo: int) -> None:
    body = await ask(slack_client, slack, "")
    assert "/recipients" in text_of(body)


async def test_mention_is_answered_in_its_thread(
    slack_app: Litestar, slack_client: httpx.AsyncClient, slack: FakeSlackApi, demo: int
) -> None:
    event = {
        "type": "app_mention",
        "user": "U111",
        "text": "<@UBOT> qui héberge nos données ?",
        "ts": "1700000123.000200",
        "channel": "CASK",
        "event_ts": "1700000123.000200",
    }
    r = await post(slack_client, event_callback(event, event_id="EvMENTION1"))
    assert r.status_code == 200
    [call] = await deliver_until(slack_app, slack, "chat.postMessage", where=in_channel("CASK"))
    assert call.body["thread_ts"] == "1700000123.000200"
    text = text_of(call)
    assert "Nuage Souverain" in text and "Dossier Santé Cloud" in text
    assert "Hébergement et colocation de serveurs" in text


async def test_a_retried_event_is_answered_once(
    slack_app: Litestar, slack_client: httpx.AsyncClient, slack: FakeSlackApi, demo: int
) -> None:
    event = {
        "type": "app_mention",
        "user": "U111",
        "text": "<@UBOT> who hosts our data?",
        "ts": "1700000456.000100",
        "channel": "CASK",
        "event_ts": "1700000456.000100",
    }
    first = await post(slack_client, event_callback(event, event_id="EvRETRIED"))
    assert first.status_code == 200
    await deliver_until(slack_app, slack, "chat.postMessage", where=in_channel("CASK"))
    for attempt in (1, 2):  # Slack's retries: same event_id, after the answer went out
        retry = await post(
            slack_client,
            event_callback(event, event_id="EvRETRIED"),
            headers={"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"},
        )
        assert retry.status_code == 200
    await _settle(slack_app)
    assert len([c for c in slack.calls("chat.postMessage") if c.body.get("channel") == "CASK"]) == 1
    assert await OutboxMessage.count().where(OutboxMessage.dedupe_key == "mention:EvRETRIED") == 1


async def test_concurrent_retries_are_answered_once(
    slack_app: Litestar, slack_client: httpx.AsyncClient, slack: FakeSlackApi, demo: int
) -> None:
    """A retry can arrive while the first delivery is still being handled: one answer still."""
    event = {"type": "app_mention", "user": "U111", "text": "<@UBOT> help", "ts": "1.2", "channel": "CASK"}
    built = event_callback(event, event_id="EvRACE")
    responses = await asyncio.gather(
        post(slack_client, built),
        post(slack_client, built, headers={"X-Slack-Retry-Num": "1"}),
        post(slack_client, built, headers={"X-Slack-Retry-Num": "2"}),
    )
    assert [r.status_code for r in responses] == [200, 200, 200]
    await deliver_until(slack_app, slack, "chat.postMessage", where=in_channel("CASK"))
    await _settle(slack_app)
    assert len([c for c in slack.calls("chat.postMessage") if c.body.get("channel") == "CASK"]) == 1


async def test_a_vendor_named_channel_pings_no_one(
    slack_app: Litestar, slack_client: httpx.AsyncClient, slack: FakeSlackApi
) -> None:
    await recipients.create(
        RecipientCreate(
            name="<!channel> & <@U999|boss> *Evil*",
            kind="hosting",
            role="subprocessor",
            data_categories=["connection"],
            locations=[LocationIn(country="FR", use="storage", city="<!here>")],
        ),
        "test",
    )
    body = await ask(slack_client, slack, "who receives connection data?")
    text = text_of(body)
    assert "&lt;!channel&gt; &amp; &lt;@U999|boss&gt;" in text
    assert "&lt;!here&gt;" in text
    for raw in ("<!channel>", "<!here>", "<@U999"):
        assert raw not in text

    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> who hosts our data?", "ts": "9.1", "channel": "CX"}
    await post(slack_client, event_callback(event, event_id="EvEVIL"))
    [call] = await deliver_until(slack_app, slack, "chat.postMessage", where=in_channel("CX"))
    for raw in ("<!channel>", "<!here>", "<@U999"):
        assert raw not in text_of(call)
    assert "&lt;!channel&gt;" in call.body["text"]


async def test_the_question_is_echoed_escaped(slack_client: httpx.AsyncClient, slack: FakeSlackApi) -> None:
    body = await ask(slack_client, slack, "<!channel> zzz qqq")
    assert "<!channel>" not in text_of(body)


async def _settle(app: Litestar) -> None:
    """Let listeners still running after their ack finish, then deliver whatever they recorded."""
    for _ in range(10):
        await asyncio.sleep(0.05)
        await app.state.runtime.dispatch()

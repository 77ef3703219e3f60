"""The REST API of recipients, end to end over HTTP on each engine."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio


def recipient(**overrides):
    body = {
        "name": "Nimbus Cloud",
        "kind": "hosting",
        "role": "subprocessor",
        "public": True,
        "data_categories": ["connection", "identity"],
        "locations": [{"country": "FR", "use": "storage", "city": "Paris"}],
    }
    body.update(overrides)
    return body


async def test_create_then_read(client, keys):
    r = await client.post("/api/v1/recipients", json=recipient(), headers=keys["editor"])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["slug"] == "nimbus-cloud"
    assert body["version"] == 1
    assert [c["code"] for c in body["data_categories"]] == ["connection", "identity"]
    r = await client.get("/api/v1/recipients/nimbus-cloud", headers=keys["viewer"])
    assert r.status_code == 200
    assert r.json()["locations"][0]["country"] == "FR"
    assert r.json()["locations"][0]["in_eea"] is True


async def test_india_under_adequacy_is_refused_and_names_the_country(client, keys):
    body = recipient(locations=[{"country": "IN", "use": "remote_access", "mechanism": "adequacy"}])
    r = await client.post("/api/v1/recipients", json=body, headers=keys["editor"])
    assert r.status_code == 422
    error = r.json()["extra"]["errors"][0]
    assert error["country"] == "IN"
    assert error["field"] == "locations[0].mechanism"
    assert "IN" in r.json()["detail"]
    assert "scc" in error["accepted_mechanisms"]
    assert "adequacy" not in error["accepted_mechanisms"]
    r = await client.get("/api/v1/recipients", headers=keys["viewer"])
    assert r.json()["total"] == 0


async def test_india_under_scc_module_3_is_accepted_with_tia_warning(client, keys):
    body = recipient(locations=[{"country": "IN", "use": "remote_access", "mechanism": "scc", "scc_module": 3}])
    r = await client.post("/api/v1/recipients", json=body, headers=keys["editor"])
    assert r.status_code == 201, r.text
    codes = {w["code"] for w in r.json()["warnings"]}
    assert "tia_missing" in codes


async def test_us_adequacy_needs_dpf_certification(client, keys):
    body = recipient(locations=[{"country": "US", "use": "processing", "mechanism": "adequacy"}])
    r = await client.post("/api/v1/recipients", json=body, headers=keys["editor"])
    assert r.status_code == 422
    assert r.json()["extra"]["errors"][0]["code"] == "dpf_required"
    body["certifications"] = ["EU-US DPF"]
    r = await client.post("/api/v1/recipients", json=body, headers=keys["editor"])
    assert r.status_code == 201, r.text
    assert r.json()["certifications"] == ["dpf"]


async def test_unknown_country_is_refused(client, keys):
    body = recipient(locations=[{"country": "XX", "use": "storage"}])
    r = await client.post("/api/v1/recipients", json=body, headers=keys["editor"])
    assert r.status_code == 422
    assert r.json()["extra"]["errors"][0]["field"] == "locations[0].country"


async def test_duplicate_slug_is_409(client, keys):
    assert (
        await client.post("/api/v1/recipients", json=recipient(slug="a"), headers=keys["editor"])
    ).status_code == 201
    r = await client.post("/api/v1/recipients", json=recipient(slug="a"), headers=keys["editor"])
    assert r.status_code == 409


async def test_auto_slug_is_made_unique(client, keys):
    first = await client.post("/api/v1/recipients", json=recipient(), headers=keys["editor"])
    second = await client.post("/api/v1/recipients", json=recipient(), headers=keys["editor"])
    assert (first.json()["slug"], second.json()["slug"]) == ("nimbus-cloud", "nimbus-cloud-2")


async def test_stale_patch_is_409_and_changes_nothing(client, keys):
    await client.post("/api/v1/recipients", json=recipient(), headers=keys["editor"])
    r = await client.patch(
        "/api/v1/recipients/nimbus-cloud",
        json={"version": 1, "internal_notes": "first"},
        headers=keys["editor"],
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    r = await client.patch(
        "/api/v1/recipients/nimbus-cloud",
        json={"version": 1, "internal_notes": "second"},
        headers=keys["editor"],
    )
    assert r.status_code == 409
    assert r.json()["extra"]["current_version"] == 2
    current = (await client.get("/api/v1/recipients/nimbus-cloud", headers=keys["viewer"])).json()
    assert current["internal_notes"] == "first" and current["version"] == 2


async def test_every_write_is_in_history_with_before_and_after(client, keys):
    await client.post("/api/v1/recipients", json=recipient(), headers=keys["editor"])
    await client.patch(
        "/api/v1/recipients/nimbus-cloud",
        json={"version": 1, "locations": [{"country": "DE", "use": "backup"}]},
        headers=keys["editor"],
    )
    r = await client.delete("/api/v1/recipients/nimbus-cloud", headers=keys["editor"])
    assert r.status_code == 200 and r.json()["status"] == "retired"
    entries = (await client.get("/api/v1/recipients/nimbus-cloud/history", headers=keys["viewer"])).json()
    assert [e["action"] for e in entries] == ["create", "update", "update"]
    assert all(e["actor"] == "api:editor-key" for e in entries)
    assert entries[0]["before"] is None
    assert entries[1]["before"]["locations"][0]["country"] == "FR"
    assert entries[1]["after"]["locations"][0]["country"] == "DE"
    assert entries[2]["after"]["status"] == "retired"


async def test_patch_that_breaks_a_transfer_is_refused(client, keys):
    await client.post("/api/v1/recipients", json=recipient(), headers=keys["editor"])
    r = await client.patch(
        "/api/v1/recipients/nimbus-cloud",
        json={"version": 1, "locations": [{"country": "CN", "use": "storage"}]},
        headers=keys["editor"],
    )
    assert r.status_code == 422
    assert r.json()["extra"]["errors"][0]["code"] == "safeguard_required"
    current = (await client.get("/api/v1/recipients/nimbus-cloud", headers=keys["viewer"])).json()
    assert current["version"] == 1 and current["locations"][0]["country"] == "FR"


async def test_filters_and_pagination(client, keys):
    await client.post("/api/v1/recipients", json=recipient(name="A host"), headers=keys["editor"])
    await client.post(
        "/api/v1/recipients",
        json=recipient(
            name="B mail",
            kind="email_delivery",
            public=False,
            data_categories=["identity"],
            locations=[{"country": "DE", "use": "processing"}],
        ),
        headers=keys["editor"],
    )
    get = lambda q: client.get(f"/api/v1/recipients?{q}", headers=keys["viewer"])  # noqa: E731
    assert [i["name"] for i in (await get("category=email_delivery")).json()["items"]] == ["B mail"]
    assert [i["name"] for i in (await get("country=de")).json()["items"]] == ["B mail"]
    assert [i["name"] for i in (await get("data_category=connection")).json()["items"]] == ["A host"]
    assert [i["name"] for i in (await get("public=false")).json()["items"]] == ["B mail"]
    assert [i["name"] for i in (await get("q=host")).json()["items"]] == ["A host"]
    page = (await get("limit=1&offset=1")).json()
    assert page["total"] == 2 and [i["name"] for i in page["items"]] == ["B mail"]
    assert (await get("status=nonsense")).status_code == 400


async def test_auth_roles(client, keys):
    assert (await client.get("/api/v1/recipients")).status_code == 401
    assert (await client.get("/api/v1/recipients", headers={"Authorization": "Bearer nope"})).status_code == 401
    r = await client.post("/api/v1/recipients", json=recipient(), headers=keys["viewer"])
    assert r.status_code == 403
    assert r.json()["status_code"] == 403


async def test_unknown_recipient_is_404(client, keys):
    r = await client.get("/api/v1/recipients/nope", headers=keys["viewer"])
    assert r.status_code == 404 and r.json()["detail"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"name": 3, "kind": "hosting", "role": "subprocessor"}', "application/json"),
        (b'{"name": "x", "kind": "hosting", "role": "subprocessor", "surprise": 1}', "application/json"),
        (b'{"name": "\xff\xfe", "kind": "hosting", "role": "subprocessor"}', "application/json"),
        (b'{"name": "x", "kind": "spaceship", "role": "subprocessor"}', "application/json"),
        (b"[]", "application/json"),
    ],
)
async def test_bad_bodies_are_4xx_and_save_nothing(client, keys, content, content_type):
    headers = {**keys["editor"], "Content-Type": content_type}
    r = await client.post("/api/v1/recipients", content=content, headers=headers)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["status_code"] == r.status_code
    assert (await client.get("/api/v1/recipients", headers=keys["viewer"])).json()["total"] == 0


async def test_huge_body_is_413(client, keys):
    body = b'{"name": "' + b"x" * 2_000_000 + b'"}'
    r = await client.post(
        "/api/v1/recipients", content=body, headers={**keys["editor"], "Content-Type": "application/json"}
    )
    assert r.status_code == 413


async def test_who_answers_by_category_and_country(client, keys):
    await client.post("/api/v1/recipients", json=recipient(name="Local host"), headers=keys["editor"])
    await client.post(
        "/api/v1/recipients",
        json=recipient(
            name="Remote support",
            kind="session_remote_access",
            data_categories=["connection", "health"],
            locations=[
                {"country": "FR", "use": "storage"},
                {"country": "IN", "use": "remote_access", "mechanism": "scc", "scc_module": 3},
            ],
        ),
        headers=keys["editor"],
    )
    r = await client.get("/api/v1/who?data=connection&country=IN", headers=keys["viewer"])
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["name"] for i in items] == ["Remote support"]
    assert [loc["country"] for loc in items[0]["locations"]] == ["IN"]
    assert items[0]["locations"][0]["mechanism"] == "scc"
    assert items[0]["sensitive"] is True
    names = [
        i["name"] for i in (await client.get("/api/v1/who?data=connection", headers=keys["viewer"])).json()["items"]
    ]
    assert names == ["Local host", "Remote support"]
    outside = (await client.get("/api/v1/who?outside_eea=true", headers=keys["viewer"])).json()["items"]
    assert [i["name"] for i in outside] == ["Remote support"]
    sensitive = (await client.get("/api/v1/who?sensitive=true", headers=keys["viewer"])).json()["items"]
    assert [i["name"] for i in sensitive] == ["Remote support"]
    r = await client.get("/api/v1/who?data=nonsense&country=XX", headers=keys["viewer"])
    assert r.status_code == 400
    assert r.json()["extra"]["country"] == ["XX"]


async def test_health_and_openapi(client):
    r = await client.get("/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    spec = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/recipients" in spec["paths"]
    assert "/api/v1/who" in spec["paths"]


async def test_solutions(client, keys):
    r = await client.post("/api/v1/solutions", json={"name": "Iporta Sign"}, headers=keys["editor"])
    assert r.status_code == 201 and r.json()["slug"] == "iporta-sign"
    assert (
        await client.post("/api/v1/solutions", json={"name": "Iporta Sign"}, headers=keys["editor"])
    ).status_code == 409
    r = await client.post("/api/v1/recipients", json=recipient(solutions=["iporta-sign"]), headers=keys["editor"])
    assert r.json()["solutions"] == ["iporta-sign"]
    r = await client.post("/api/v1/recipients", json=recipient(solutions=["nope"]), headers=keys["editor"])
    assert r.status_code == 422
    listed = (await client.get("/api/v1/solutions", headers=keys["viewer"])).json()
    assert listed[0]["recipients"] == ["nimbus-cloud"]


async def test_cached_answers_follow_every_write(client, keys):
    """Lists and `who` are cached under the registry generation: each write must show at once."""
    first = await client.get("/api/v1/who?data=connection", headers=keys["viewer"])
    assert first.json()["total"] == 0
    await client.post("/api/v1/recipients", json=recipient(), headers=keys["editor"])
    assert [
        i["name"] for i in (await client.get("/api/v1/who?data=connection", headers=keys["viewer"])).json()["items"]
    ] == ["Nimbus Cloud"]
    await client.patch(
        "/api/v1/recipients/nimbus-cloud", json={"version": 1, "data_categories": ["identity"]}, headers=keys["editor"]
    )
    assert (await client.get("/api/v1/who?data=connection", headers=keys["viewer"])).json()["total"] == 0
    listed = (await client.get("/api/v1/recipients", headers=keys["viewer"])).json()["items"]
    assert [c["code"] for c in listed[0]["data_categories"]] == ["identity"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"locations": [{"country": "FR", "use": "storage", "city": "x" * 200}]},
        {"contact_name": "x" * 250},
        {"name": "x" * 201},
    ],
)
async def test_values_longer_than_their_columns_are_400_not_500(client, keys, overrides):
    r = await client.post("/api/v1/recipients", json=recipient(**overrides), headers=keys["editor"])
    assert r.status_code == 400, r.text

"""The `registry` console script, run as operators run it, against each engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry_api.domain.enums import RecipientKind, Role
from registry_api.domain.reference import adequacy_list
from registry_api.services import recipients
from registry_api.services.checks import check_all
from registry_api.services.demo import seed_demo

REGISTRY = str(Path(sys.executable).with_name("registry"))


def run(url: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([REGISTRY, *args], env=env, capture_output=True, text=True, timeout=60, cwd=cwd)


async def test_migrate_seed_keys_and_check(db):
    assert run(db, "migrate").returncode == 0
    seeded = run(db, "seed-demo")
    assert seeded.returncode == 0 and "recipients created" in seeded.stdout
    again = run(db, "seed-demo")
    assert again.returncode == 0 and "not empty" in again.stdout
    created = run(db, "apikey", "create", "ci-bot", "--role", "editor")
    assert created.returncode == 0 and created.stdout.startswith("rk_")
    duplicate = run(db, "apikey", "create", "ci-bot")
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    assert len(duplicate.stderr.strip().splitlines()) == 1
    assert run(db, "apikey", "revoke", "ci-bot").returncode == 0
    assert run(db, "apikey", "revoke", "ci-bot").returncode == 1
    check = run(db, "check")
    assert check.returncode == 0, check.stdout
    assert "0 with transfers that do not hold" in check.stdout


async def test_check_fails_when_a_stored_transfer_no_longer_holds(db):
    await seed_demo()
    # A transfer that held when written stops holding: simulate an edit made behind the service's back.
    from registry_api.db.tables import Location

    await Location.update({Location.mechanism: "adequacy"}).where(Location.country == "IN")
    result = run(db, "check")
    assert result.returncode == 1
    assert "remotix" in result.stdout and "IN" in result.stdout


async def test_fall_of_the_dpf_raises_every_us_recipient(db):
    await seed_demo()
    before = {c.slug for c in await check_all() if not c.verdict.ok}
    after = {c.slug for c in await check_all(adequacy_list().without("US")) if not c.verdict.ok}
    assert before == set()
    us = {r.slug for r in (await recipients.who(recipients.WhoQuery(countries=("US",)), limit=500)).items}
    assert us and after == us


def test_bad_database_url_is_a_one_line_failure(tmp_path):
    result = run("mysql://nope", "migrate", cwd=tmp_path)
    assert result.returncode == 1
    assert "unsupported DATABASE_URL" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


async def test_demo_registry_covers_the_privacy_policy(db):
    assert await seed_demo() >= 15
    page = await recipients.list_recipients(recipients.RecipientFilters(), limit=500)
    kinds = {r.kind for r in page.items}
    assert kinds == set(RecipientKind)
    assert sum(r.role == Role.group_entity for r in page.items) >= 2
    assert any(r.role == Role.partner for r in page.items)
    assert any(r.role == Role.authority for r in page.items)
    locations = [(r, loc) for r in page.items for loc in r.locations]
    assert any(loc.country == "US" and loc.mechanism == "dpf" for _, loc in locations)
    assert any(
        loc.mechanism == "scc" and loc.scc_module == 3 and adequacy_list().get(loc.country) is None
        for _, loc in locations
    )
    assert any(loc.country == "GB" for _, loc in locations)
    assert any(r.sensitive for r in page.items)
    solutions = {s for r in page.items for s in r.solutions}
    assert len(solutions) >= 3


@pytest.mark.parametrize("command", [["apikey", "create", "x", "--role", "god"], ["nonsense"]])
def test_usage_errors_exit_non_zero(tmp_path, command):
    result = run(f"sqlite:///{tmp_path}/r.db", *command, cwd=tmp_path)
    assert result.returncode != 0

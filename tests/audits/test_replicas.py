"""Two server processes on one PostgreSQL database, both with the scheduler on: each reminder goes once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
import msgspec
import pytest

from registry_api.clock import clock
from registry_api.db.tables import Audit
from registry_api.schemas.recipients import RecipientCreate
from registry_api.services import recipients

REGISTRY = str(Path(sys.executable).with_name("registry"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def postgres_only(database_url: str) -> str:
    if database_url.startswith("sqlite"):
        pytest.skip("replicas share a PostgreSQL database; SQLite is for a single process")
    return database_url


async def test_two_replicas_send_each_reminder_once(postgres_only, db, slack, tmp_path):
    today = clock().today()
    offsets = [15, 5, 1, 0, -3, -10, 40]  # the last one is not due for a reminder yet
    for i, offset in enumerate(offsets):
        body = {"name": f"Supplier {i}", "kind": "hosting", "role": "vendor", "criticality": "high"}
        created = await recipients.create(msgspec.convert(body, RecipientCreate), "test")
        await Audit.update({Audit.due_on: today + timedelta(days=offset)}).where(
            (Audit.recipient.slug == created.slug) & (Audit.state == "open")
        )
    env = {
        **os.environ,
        "DATABASE_URL": postgres_only,
        "SCHEDULER_ENABLED": "true",
        "AUDIT_REMINDER_CRON": "* * * * *",  # a run was due a few seconds ago: both catch up at start
        "OUTBOX_INTERVAL_SECONDS": "0.2",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": slack.url,
        "SLACK_AUDIT_CHANNEL": "CAUDIT",
        "SLACK_NOTICE_CHANNEL": "CNOTICE",
        "REGISTRY_ADMIN_TOKEN": "replica-test-token",
        "DEMO_DATA": "false",
    }
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [REGISTRY, "serve"],
            env={**env, "PORT": str(port)},
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for port in ports
    ]
    try:
        for port in ports:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            else:
                raise AssertionError(f"replica on {port} did not start")
        expected = len(offsets) - 1 + 1  # one reminder per due supplier, plus the weekly digest
        await slack.wait_for_async("chat.postMessage", count=expected, timeout=30)
        time.sleep(2)  # both dispatchers keep running: nothing more may arrive
    finally:
        for process in processes:
            process.terminate()
        outputs = [p.communicate(timeout=15)[0].decode() for p in processes]
    audit_posts = [c for c in slack.calls("chat.postMessage") if c.body.get("channel") == "CAUDIT"]
    texts = Counter(c.body["text"] for c in audit_posts)
    assert len(audit_posts) == expected, outputs
    assert all(count == 1 for count in texts.values()), texts
    assert not any("Supplier 6" in text for text in texts)  # due in 40 days: no reminder, not in the digest

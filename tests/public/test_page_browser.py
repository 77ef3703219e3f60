"""The public page in a real headless Chromium: it renders, reads in both languages, and fits the screen.

The screenshots are kept in the test's temporary folder (path printed) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (make system-deps)")
REGISTRY = str(Path(sys.executable).with_name("registry"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """`registry serve` with the demo registry on a SQLite file, as `make run` starts it."""
    folder = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder}/registry.db",
        "PORT": str(port),
        "DEMO_DATA": "true",
        "SCHEDULER_ENABLED": "false",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    process = subprocess.Popen(
        [REGISTRY, "serve"], env=env, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError("server did not start")
        yield base
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
        assert "first start: admin API key" in output


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=90
    )


@pytest.mark.parametrize(("lang", "heading"), [("fr", "Liste des sous-traitants"), ("en", "subprocessors")])
def test_public_page_renders_in_chromium(server, tmp_path, lang, heading):
    url = f"{server}/subprocessors?lang={lang}"
    dom = chromium("--dump-dom", url, profile=tmp_path / "profile-dom").stdout
    assert heading in dom
    assert "Nuage Souverain" in dom and "Remotix Support" in dom
    assert "Heatmapr" not in dom  # proposed, not public
    assert "remise de 12" not in dom  # internal notes
    shot = tmp_path / f"subprocessors-{lang}.png"
    chromium(f"--screenshot={shot}", "--window-size=1280,2400", url, profile=tmp_path / "profile-shot")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    assert width == 1280 and len(data) > 50_000  # a page with content, not a blank frame
    print(f"screenshot: {shot}")


def test_page_renders_on_a_phone_screen(server, tmp_path):
    """A 390 px wide screen gets the one-column layout (look at the screenshot)."""
    url = f"{server}/subprocessors?lang=fr"
    shot = tmp_path / "phone.png"
    chromium(f"--screenshot={shot}", "--window-size=390,1600", url, profile=tmp_path / "profile-phone")
    data = shot.read_bytes()
    assert int.from_bytes(data[16:20], "big") == 390
    print(f"screenshot: {shot}")

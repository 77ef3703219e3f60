"""The tests' fake Slack Web API (tests/fakes/slack_api.py) in a process of its own, for the slash command.

`python -m bench.slack_fake` prints `URL <web api base url> <response_url>`, then answers one command per
line of stdin: `count` prints `COUNT <json>` (calls received per method), end of input stops it. A process
of its own, not a thread of the bench: the bot's answers (one POST to the `response_url` per command) must
not take the CPU or the GIL of the client that measures the acknowledgements.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]


class FakeSlack:
    """The bench's handle on the child process: start it, read its URLs, ask for its counts, stop it."""

    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None
        self.api_url = ""
        self.response_url = ""

    async def start(self) -> FakeSlack:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.slack_fake", cwd=ROOT, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        line = await self._line("URL ")
        self.api_url, self.response_url = line.split()[1:3]
        return self

    async def _line(self, prefix: str) -> str:
        assert self.process is not None and self.process.stdout is not None
        while True:
            raw = await asyncio.wait_for(self.process.stdout.readline(), timeout=30)
            if not raw:
                raise RuntimeError("the fake Slack API exited")
            line = raw.decode().strip()
            if line.startswith(prefix):
                return line

    async def counts(self) -> dict[str, int]:
        """Calls received so far, per Web API method (`response_url` for the answers to commands)."""
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(b"count\n")
        await self.process.stdin.drain()
        return json.loads((await self._line("COUNT ")).removeprefix("COUNT "))

    async def stop(self) -> None:
        """Close its stdin (it exits on end of input); kill our own child only if it does not."""
        if self.process is None or self.process.returncode is not None:
            return
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), timeout=10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def serve(commands: IO[str]) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.fakes.slack_api import FakeSlackApi

    with FakeSlackApi() as fake:
        print(f"URL {fake.url} {fake.response_url('bench')}", flush=True)
        for line in commands:
            if line.strip() == "count":
                print("COUNT " + json.dumps(Counter(call.method for call in fake.calls())), flush=True)


if __name__ == "__main__":
    serve(sys.stdin)

"""The real server in a subprocess, and HTTP load on it measured the same way for every endpoint.

The server is started as operators start it (`registry serve`), so what is measured is what runs:
uvicorn, the Litestar app, the database engine. Load comes from an asyncio client (aiohttp) in this
process, so the harness needs nothing outside the venv, or from wrk for timed concurrent loads when it is
installed. Either client costs CPU on the same machine, which is why every figure is also given as a
ratio to `/hello` measured by the same client, the same way, in the same run.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / ".venv" / "bin" / "registry"
RESULTS = Path(__file__).resolve().parent / "results"
HOST = "127.0.0.1"
START_TIMEOUT_S = 120.0
REQUEST_TIMEOUT_S = 30.0
MAX_ERRORS_KEPT = 20
CLIENTS = ("auto", "aiohttp")


def free_port() -> int:
    """A port nobody listens on now: the OS picks it, we release it, the server binds it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """One `registry serve` process on a free port of 127.0.0.1, with a random admin bearer token."""

    database_url: str
    name: str = "server"
    token: str = field(default_factory=lambda: "bench_" + secrets.token_urlsafe(24))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    started_in_s: float = 0.0

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        return RESULTS / f"{self.name}.log"

    def environment(self) -> dict[str, str]:
        # Empty Slack secrets: a developer's .env must not turn Slack on (dotenv never overrides them).
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "HOST": HOST,
            "PORT": str(self.port),
            "SCHEDULER_ENABLED": "false",
            "DEMO_DATA": "false",
            "REGISTRY_ADMIN_TOKEN": self.token,
            "SLACK_SIGNING_SECRET": "",
            "SLACK_BOT_TOKEN": "",
        }

    async def start(self) -> float:
        """Spawn and wait for the first 200 on /health; returns (and keeps) the seconds that took."""
        RESULTS.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        began = time.perf_counter()
        self.process = subprocess.Popen(
            [str(REGISTRY), "serve"], cwd=ROOT, env=self.environment(), stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        timeout = aiohttp.ClientTimeout(total=2)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log_tail()}")
                try:
                    async with session.get(f"{self.base_url}/health") as response:
                        if response.status == 200:
                            break
                except (aiohttp.ClientError, TimeoutError):
                    pass
                if time.perf_counter() - began > START_TIMEOUT_S:
                    self.stop()
                    raise RuntimeError(f"no 200 on /health after {START_TIMEOUT_S:.0f} s:\n{self.log_tail()}")
                await asyncio.sleep(0.01)
        self.started_in_s = time.perf_counter() - began
        return self.started_in_s

    def stop(self) -> None:
        """SIGTERM to our own process only (uvicorn shuts down cleanly), SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def memory_mib(self) -> dict[str, float]:
        """VmRSS (now) and VmHWM (peak since start or since `reset_peak`) of the server, in MiB."""
        assert self.process is not None
        values: dict[str, float] = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in {"VmRSS", "VmHWM"}:
                values[key] = int(rest.split()[0]) / 1024
        return values

    def reset_peak(self) -> bool:
        """Reset VmHWM (Linux `clear_refs` 5) so that each scenario reports its own peak."""
        assert self.process is not None
        try:
            Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")
            return True
        except OSError:
            return False


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP request of a load: GET by default, a JSON body for writes."""

    path: str
    method: str = "GET"
    body: bytes | None = None


def gets(paths: Sequence[str]) -> list[Call]:
    return [Call(path) for path in paths]


@dataclass
class LoadResult:
    """What one load gave: latency percentiles (ms) of answered requests, throughput, failures.

    `errors` are non-2xx answers and failed requests (the first few, described); `error_count` all of them.
    """

    client: str
    concurrency: int
    count: int
    elapsed_s: float
    p50: float
    p95: float
    p99: float
    error_count: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.count / self.elapsed_s if self.elapsed_s else 0.0


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of sorted values: an observed latency, no interpolation."""
    if not ordered:
        return float("nan")
    return ordered[max(1, math.ceil(len(ordered) * p / 100)) - 1]


def wrk_found() -> bool:
    return shutil.which("wrk") is not None


async def load(
    server: Server,
    calls: Sequence[Call],
    *,
    concurrency: int = 1,
    requests: int | None = None,
    duration_s: float | None = None,
    client: str = "auto",
) -> LoadResult:
    """Send `calls` (cycled) with `concurrency` clients until `requests` are sent or `duration_s` ends.

    Timed GET loads go to wrk when it is installed (`client="auto"`): on a small machine one Python
    client process tops out below the server's own ceiling, and would then measure itself. Counted
    loads, writes, or no wrk: the asyncio client.
    """
    if requests is None and duration_s is None:
        raise ValueError("give requests, duration_s or both")
    timed_gets = requests is None and all(call.method == "GET" for call in calls)
    if client == "auto" and timed_gets and wrk_found():
        assert duration_s is not None
        result = await load_wrk(server, calls, concurrency=concurrency, duration_s=duration_s)
        if result.error_count:  # wrk only counts them: replay once to show what failed
            replay = await load_aiohttp(server, calls, concurrency=1, requests=len(calls))
            result.errors = replay.errors
        return result
    return await load_aiohttp(server, calls, concurrency=concurrency, requests=requests, duration_s=duration_s)


async def load_aiohttp(
    server: Server,
    calls: Sequence[Call],
    *,
    concurrency: int,
    requests: int | None = None,
    duration_s: float | None = None,
) -> LoadResult:
    """The asyncio client. Connections are kept alive, as real clients do; an unrecorded warm-up opens
    them first, so that TCP set-up and first-request costs (imports, caches) are not counted.
    """
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    latencies: list[float] = []
    errors: list[str] = []
    error_count = 0

    async with aiohttp.ClientSession(connector=connector, headers=headers, timeout=timeout) as session:

        async def send(call: Call) -> tuple[int, bytes]:
            url = server.base_url + call.path
            async with session.request(call.method, url, data=call.body) as response:
                return response.status, await response.read()

        reads = [c for c in calls if c.method == "GET"]
        if reads:
            await asyncio.gather(*(send(reads[i % len(reads)]) for i in range(concurrency * 2)))

        counter = itertools.count()
        began = time.perf_counter()
        deadline = began + duration_s if duration_s is not None else None

        async def worker() -> None:
            nonlocal error_count
            while True:
                i = next(counter)
                if requests is not None and i >= requests:
                    return
                if deadline is not None and time.perf_counter() >= deadline:
                    return
                call = calls[i % len(calls)]
                sent = time.perf_counter()
                try:
                    status, body = await send(call)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    error_count += 1
                    if len(errors) < MAX_ERRORS_KEPT:
                        errors.append(f"{call.method} {call.path}: {type(exc).__name__}: {exc}")
                    continue
                latencies.append((time.perf_counter() - sent) * 1000)
                if not 200 <= status < 300:
                    error_count += 1
                    if len(errors) < MAX_ERRORS_KEPT:
                        errors.append(f"{status} {call.method} {call.path}: {body[:300]!r}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return LoadResult(
        "aiohttp",
        concurrency,
        len(latencies),
        elapsed,
        percentile(latencies, 50),
        percentile(latencies, 95),
        percentile(latencies, 99),
        error_count,
        errors,
    )


# wrk cycles through the paths itself; `done` prints one machine-readable line (latencies in µs).
WRK_SCRIPT = """
local paths = {%(paths)s}
local i = 0
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.headers["Accept-Encoding"] = "gzip, deflate"
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


async def load_wrk(server: Server, calls: Sequence[Call], *, concurrency: int, duration_s: float) -> LoadResult:
    """`wrk -t1 -c<concurrency>` (as in ../shared/PERFORMANCE.md), same headers as the asyncio client."""
    paths = ", ".join(json.dumps(call.path) for call in calls)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"paths": paths, "token": server.token})
    try:
        command = ["wrk", "-t1", f"-c{concurrency}", f"-d{duration_s:g}s", "--timeout", "30s"]
        process = await asyncio.create_subprocess_exec(
            *command, "-s", script.name, server.base_url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await process.communicate()
    finally:
        os.unlink(script.name)
    line = next((x for x in out.decode().splitlines() if x.startswith("BENCH ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err.decode()}{out.decode()}")
    count, duration_us, status_errors, socket_errors, p50, p95, p99 = (int(x) for x in line.split()[1:])
    return LoadResult(
        "wrk",
        concurrency,
        count,
        duration_us / 1e6,
        p50 / 1000,
        p95 / 1000,
        p99 / 1000,
        status_errors + socket_errors,
    )

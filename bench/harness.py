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
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
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
    # Set last, over the defaults below: how a scenario turns a feature on (Slack for the slash command).
    extra_env: dict[str, str] = field(default_factory=dict)

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
            **self.extra_env,
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
    """One HTTP request of a load: GET by default, a JSON body for writes.

    `headers` are added to (or override) the load's defaults: `If-None-Match` for the 304 path, the
    signature and form content type of a Slack request. `expect` is the one status that counts as success
    (a 304 is the point of a conditional GET, a 200 there would mean the ETag did not match); by default
    any 2xx does.
    """

    path: str
    method: str = "GET"
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    expect: int | None = None

    def succeeded(self, status: int) -> bool:
        return status == self.expect if self.expect is not None else 200 <= status < 300


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

    Timed loads go to wrk when it is installed (`client="auto"`): on a small machine one Python client
    process tops out below the server's own ceiling, and would then measure itself. Counted loads (each
    request sent once, e.g. creates) or no wrk: the asyncio client.
    """
    if requests is None and duration_s is None:
        raise ValueError("give requests, duration_s or both")
    if client == "auto" and requests is None and wrk_found():
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
            async with session.request(call.method, url, data=call.body, headers=dict(call.headers)) as response:
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
                if not call.succeeded(status):
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


async def load_bursts(
    server: Server,
    call: Call,
    *,
    size: int,
    bursts: int,
    between: Callable[[], Awaitable[None]] | None = None,
) -> LoadResult:
    """`bursts` times: `size` copies of `call` sent at once on `size` open connections, all answers
    awaited, then `between` (e.g. until the work the requests started is done), so that each burst meets
    an idle server, as when that many people send a command at the same moment.

    Latencies are per request, from its send to its last byte; req/s is meaningless here and left out.
    The connections are opened by an unrecorded burst first.
    """
    connector = aiohttp.TCPConnector(limit=size, limit_per_host=size)
    headers = {"Authorization": f"Bearer {server.token}", "Accept-Encoding": "gzip, deflate"}
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    latencies: list[float] = []
    errors: list[str] = []
    error_count = 0
    async with aiohttp.ClientSession(connector=connector, headers=headers, timeout=timeout) as session:

        async def send() -> tuple[float, int | str, bytes]:
            sent = time.perf_counter()
            try:
                async with session.request(
                    call.method, server.base_url + call.path, data=call.body, headers=dict(call.headers)
                ) as response:
                    body = await response.read()
                    return (time.perf_counter() - sent) * 1000, response.status, body
            except (aiohttp.ClientError, TimeoutError) as exc:
                return (time.perf_counter() - sent) * 1000, f"{type(exc).__name__}: {exc}", b""

        began = time.perf_counter()
        for burst in range(bursts + 1):
            answers = await asyncio.gather(*(send() for _ in range(size)))
            if burst:  # the first one opened the connections
                for ms, status, body in answers:
                    if isinstance(status, int):
                        latencies.append(ms)
                    if not (isinstance(status, int) and call.succeeded(status)):
                        error_count += 1
                        if len(errors) < MAX_ERRORS_KEPT:
                            errors.append(f"{status} {call.method} {call.path}: {body[:300]!r}")
            if between is not None:
                await between()
        elapsed = time.perf_counter() - began
    latencies.sort()
    return LoadResult(
        "aiohttp bursts",
        size,
        len(latencies),
        elapsed,
        percentile(latencies, 50),
        percentile(latencies, 95),
        percentile(latencies, 99),
        error_count,
        errors,
    )


# wrk cycles through the requests itself, built once per thread in `init` (formatting one per request would
# cost the client CPU that the server needs on a small machine). `done` prints one machine-readable line
# (latencies in µs). A `response` hook, which makes wrk hand every answer to Lua, is added only when the
# load expects one particular status (the 304 path): wrk itself only counts statuses above 399.
WRK_SCRIPT = """
local calls = {%(calls)s}
local prepared = {}
local i = 0
local threads = {}
unexpected = 0
wrk.headers["Authorization"] = %(authorization)s
wrk.headers["Accept-Encoding"] = "gzip, deflate"

setup = function(thread)
  table.insert(threads, thread)
end

init = function(args)
  for n, call in ipairs(calls) do
    local headers = {}
    for k, v in pairs(wrk.headers) do headers[k] = v end
    for k, v in pairs(call[3]) do headers[k] = v end
    prepared[n] = wrk.format(call[1], call[2], headers, call[4])
  end
end

request = function()
  i = i + 1
  return prepared[(i %% #prepared) + 1]
end
%(response)s
done = function(summary, latency, requests)
  local e = summary.errors
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + (thread:get("unexpected") or 0) end
  io.write(string.format("BENCH %%d %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), bad))
end
"""
WRK_EXPECT = """
response = function(status, headers, body)
  if status ~= %(expect)d then unexpected = unexpected + 1 end
end
"""


def lua_string(value: str | bytes) -> str:
    """A Lua string literal of any bytes: decimal escapes (which LuaJIT reads) for all but plain ASCII."""
    raw = value.encode() if isinstance(value, str) else value
    safe = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_./:=&%+,;?!*()@~"
    return '"' + "".join(chr(c) if c in safe else f"\\{c:03d}" for c in raw) + '"'


def wrk_calls(calls: Sequence[Call]) -> str:
    rows = []
    for call in calls:
        headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in call.headers)
        body = lua_string(call.body) if call.body is not None else "nil"
        rows.append(f"{{{lua_string(call.method)}, {lua_string(call.path)}, {{{headers}}}, {body}}}")
    return ",\n  ".join(rows)


async def load_wrk(server: Server, calls: Sequence[Call], *, concurrency: int, duration_s: float) -> LoadResult:
    """`wrk -t1 -c<concurrency>`, same headers as the asyncio client."""
    expects = {call.expect for call in calls}
    if len(expects) > 1:
        raise ValueError("wrk cannot tell which request an answer belongs to: one expected status per load")
    expect = expects.pop()
    script_text = WRK_SCRIPT % {
        "calls": wrk_calls(calls),
        "authorization": lua_string(f"Bearer {server.token}"),
        "response": WRK_EXPECT % {"expect": expect} if expect is not None else "",
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(script_text)
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
    count, duration_us, status_errors, socket_errors, p50, p95, p99, unexpected = (int(x) for x in line.split()[1:])
    return LoadResult(
        "wrk",
        concurrency,
        count,
        duration_us / 1e6,
        p50 / 1000,
        p95 / 1000,
        p99 / 1000,
        socket_errors + (unexpected if expect is not None else status_errors),
    )


async def probe(server: Server, call: Call, *, decompress: bool = True) -> tuple[int, dict[str, str], bytes]:
    """One request, sent the way the asyncio client sends them: to check an answer before loading it
    (an ETag to reuse, a 200 from Slack's route) and to warm what the first request builds.
    Header names come back lower-cased. `decompress=False` returns the body as it came over the wire."""
    headers = {"Authorization": f"Bearer {server.token}", "Accept-Encoding": "gzip, deflate", **dict(call.headers)}
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with (
        aiohttp.ClientSession(timeout=timeout, auto_decompress=decompress) as session,
        session.request(call.method, server.base_url + call.path, data=call.body, headers=headers) as response,
    ):
        return response.status, {k.lower(): v for k, v in response.headers.items()}, await response.read()

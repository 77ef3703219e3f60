"""The measured scenarios, each paired with `/hello` at the same concurrency in the same run.

Absolute figures drift between machines and runs; the ratio to `/hello` (the framework's ceiling on this
machine, through the same client) is what can be compared from one run to the next. Targets come from
bench/README.md and are checked in the notes column, never asserted.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bench.data import PLACES, ROLE_OF_KIND, csv_codes
from bench.harness import RESULTS, ROOT, Call, LoadResult, Server, gets, load, load_bursts, percentile, probe
from bench.slack_fake import FakeSlack

HELLO_MIN_REQUESTS = 300
# A counted load stops after this many seconds even if requests remain: the run must end in minutes
# even against a pathologically slow build (the row then says how many requests were sent).
COUNTED_CAP_S = 60.0


@dataclass
class Row:
    """One line of the results table; latencies in ms, `None` where a column does not apply."""

    scenario: str
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    rps: float | None = None
    hello_rps: float | None = None
    errors: int = 0
    notes: list[str] = field(default_factory=list)
    # Kept so that a variant of the same endpoint can be compared with the same /hello measurement.
    hello: LoadResult | None = field(default=None, repr=False)

    @property
    def ratio(self) -> float | None:
        return self.rps / self.hello_rps if self.rps and self.hello_rps else None


@dataclass
class Context:
    """What every scenario needs: the running server, the slugs in the database, the load sizes."""

    server: Server
    slugs: list[str]
    requests: int
    duration_s: float
    creates: int
    client: str = "auto"
    rng: random.Random = field(default_factory=lambda: random.Random(7))


def target(label: str, value: float, limit: float, unit: str = "ms", at_least: bool = False) -> str:
    ok = value >= limit if at_least else value <= limit
    sign = "≥" if at_least else "≤"
    return f"target {label} {sign} {limit:g}{' ' + unit if unit else ''}: {'ok' if ok else 'MISS'}"


async def measured(
    ctx: Context,
    scenario: str,
    calls: list[Call],
    *,
    concurrency: int,
    requests: int | None = None,
    duration_s: float | None = None,
    hello: LoadResult | None = None,
    settle: Callable[[LoadResult], Awaitable[None]] | None = None,
) -> tuple[Row, LoadResult]:
    """Run the scenario's load, then `/hello` the same way, and fill a row with both and the peak RSS.

    `hello`: a `/hello` load already measured the same way in this run (variants of one endpoint share
    it). `settle`: awaited between the two with the load's result, for work the scenario leaves running
    after its answers (the Slack bot's replies), which would otherwise be counted against `/hello`.
    """
    ctx.server.reset_peak()
    shared_hello = hello is not None

    async def run(these: list[Call], count: int | None) -> LoadResult:
        limit_s = duration_s if count is None else COUNTED_CAP_S
        return await load(
            ctx.server, these, concurrency=concurrency, requests=count, duration_s=limit_s, client=ctx.client
        )

    result = await run(calls, requests)
    if settle is not None:
        await settle(result)
    peak = ctx.server.memory_mib().get("VmHWM", float("nan"))
    if hello is None:
        hello = await run([Call("/hello")], max(requests, HELLO_MIN_REQUESTS) if requests is not None else None)
    for failed in (result,) if shared_hello else (result, hello):
        if failed.error_count:
            print(f"  {scenario}: {failed.error_count} errors, first ones:", file=sys.stderr)
            for line in failed.errors:
                print(f"    {line}", file=sys.stderr)
    row = Row(
        scenario,
        result.p50,
        result.p95,
        result.p99,
        result.rps,
        hello.rps,
        errors=result.error_count + (0 if shared_hello else hello.error_count),
        hello=hello,
        notes=[
            f"{result.count:,} req, c={concurrency}, {result.client}",
            f"p50 ×{result.p50 / hello.p50:.1f} /hello ({hello.p50:.2f} ms, {hello.rps:.0f} req/s"
            f"{', same /hello run as above' if shared_hello else ''})",
            f"peak RSS {peak:.0f} MiB",
        ],
    )
    if requests is not None and result.count + result.error_count < requests:
        row.notes.insert(0, f"stopped after {COUNTED_CAP_S:g} s")
    if row.errors:
        row.notes.insert(0, f"**{row.errors} ERRORS**")
    return row, result


# ---------------------------------------------------------------- scenarios


async def cold_start(database_url: str, engine: str, starts: int = 3) -> Row:
    """Spawn to first 200 on /health with the registry already in the database, then RSS at that moment.

    Several spawns, median reported: one start is at the mercy of the page cache and the scheduler.
    """
    times: list[float] = []
    rss: list[float] = []
    for i in range(starts):
        server = Server(database_url, name=f"{engine}-cold-{i}")
        try:
            times.append(await server.start() * 1000)
            rss.append(server.memory_mib()["VmRSS"])
        finally:
            server.stop()
    median, after = statistics.median(times), max(rss)
    return Row(
        "cold start (spawn → /health 200)",
        p50=median,
        notes=[
            f"{starts} spawns, {min(times):.0f}–{max(times):.0f} ms",
            target("start", median / 1000, 1.5, "s"),
            f"RSS after start {after:.0f} MiB",
            target("RSS", after, 120, "MiB"),
        ],
    )


def who_paths(rng: random.Random) -> list[str]:
    """The questions people ask: by data category, by country, by kind and country, by kind alone."""
    codes = csv_codes("data_categories.csv")
    kinds = csv_codes("recipient_categories.csv")
    countries = [place.country for place in PLACES]
    queries = [f"data={code}" for code in codes]
    queries += [f"country={country}" for country in countries]
    queries += [f"category={kind}&country={rng.choice(countries)}" for kind in kinds]
    queries += [f"category={kind}" for kind in kinds]
    queries += [f"data={rng.choice(codes)}&country={rng.choice(countries)}" for _ in range(15)]
    rng.shuffle(queries)
    return [f"/api/v1/who?{query}" for query in queries]


async def who(ctx: Context) -> list[Row]:
    row, result = await measured(
        ctx, "who (varied filters)", gets(who_paths(ctx.rng)), concurrency=1, requests=ctx.requests
    )
    row.notes.append(target("p95", result.p95, 10))
    return [row]


async def list_pages(ctx: Context) -> list[Row]:
    """A page of 50 at varied offsets, then the largest page the route gives (500), as for an export."""
    last = max(len(ctx.slugs) - 50, 1)
    pages = [f"/api/v1/recipients?limit=50&offset={ctx.rng.randrange(last)}" for _ in range(ctx.requests)]
    small, _ = await measured(ctx, "list limit=50", gets(pages), concurrency=1, requests=ctx.requests)
    offsets = range(0, max(len(ctx.slugs) - 500, 1), 500)
    big_pages = [f"/api/v1/recipients?limit=500&offset={offset}" for offset in offsets]
    big, result = await measured(
        ctx, "list limit=500", gets(big_pages), concurrency=1, requests=max(ctx.requests // 10, 20)
    )
    big.notes.append(f"1,000 records ≈ 2 pages ≈ {2 * result.p50:.0f} ms")
    big.notes.append(target("1,000 records p50", 2 * result.p50, 50))
    return [small, big]


async def read_one(ctx: Context) -> list[Row]:
    paths = [f"/api/v1/recipients/{slug}" for slug in ctx.rng.sample(ctx.slugs, min(2000, len(ctx.slugs)))]
    row, result = await measured(ctx, "read one, 32 concurrent", gets(paths), concurrency=32, duration_s=ctx.duration_s)
    row.notes.append(target("req/s", result.rps, 2000, "", at_least=True))
    row.notes.append(target("p99", result.p99, 50))
    return [row]


def create_body(i: int, kinds: list[str], codes: list[str]) -> bytes:
    """A recipient as a client would post it: 2 locations (one in the EEA, one under the DPF), 2 categories."""
    kind = kinds[i % len(kinds)]
    return json.dumps(
        {
            "name": f"Bench Created {i:05d}",
            "kind": kind,
            "role": ROLE_OF_KIND.get(kind, "subprocessor"),
            "certifications": ["DPF"],
            "dpa_signed_on": "2025-06-01",
            "data_categories": [codes[i % 7], codes[(i + 1) % 7]],
            "locations": [
                {"country": "FR", "city": "Paris", "use": "storage"},
                {"country": "US", "city": "Ashburn", "use": "processing", "mechanism": "dpf"},
            ],
        }
    ).encode()


async def create(ctx: Context) -> list[Row]:
    kinds = csv_codes("recipient_categories.csv")
    codes = csv_codes("data_categories.csv")
    calls = [Call("/api/v1/recipients", "POST", create_body(i, kinds, codes)) for i in range(ctx.creates)]
    row, result = await measured(
        ctx, f"create {ctx.creates:,} one after another", calls, concurrency=1, requests=ctx.creates
    )
    row.notes.append(f"total {result.elapsed_s:.2f} s")
    row.notes.append(target("total for 1,000", result.elapsed_s * 1000 / max(result.count, 1), 3, "s"))
    return [row]


# Reads first, on exactly the generated registry; `create` adds rows, so it comes last (after the
# `slash` server and the in-process `publish`, see __main__).
READ_SCENARIOS = {"who": who, "list": list_pages, "read-one": read_one}


# ---------------------------------------------------------------- public subprocessor list

PUBLIC_PATH = "/api/v1/public/subprocessors"


async def public_list(ctx: Context, first_publish_ms: float) -> list[Row]:
    """`GET /api/v1/public/subprocessors` (500 entries) at 32 connections, gzip accepted as browsers do;
    the same without `Accept-Encoding` (so the cost of compressing it shows apart); the same with the
    ETag of the answer in `If-None-Match` (every answer must then be a 304). One `/hello` load for all.

    The first GET is sent before the loads (unmeasured): it builds the cached body, which every later
    request of the version shares; what is measured is serving that cache.
    """
    status, headers, body = await probe(ctx.server, Call(PUBLIC_PATH))
    if status != 200:
        raise RuntimeError(f"GET {PUBLIC_PATH} answered {status}: {body[:300]!r}")
    entries = len(json.loads(body)["subprocessors"])
    _, _, compressed = await probe(ctx.server, Call(PUBLIC_PATH), decompress=False)
    etag = headers["etag"]
    conditional, _, _ = await probe(ctx.server, Call(PUBLIC_PATH, headers=(("If-None-Match", etag),)))
    full, _ = await measured(
        ctx, f"public list ({entries} entries), 32 concurrent", [Call(PUBLIC_PATH)], concurrency=32,
        duration_s=ctx.duration_s,
    )  # fmt: skip
    full.notes += [
        f"body {len(body) / 1024:.0f} KiB JSON, {len(compressed) / 1024:.0f} KiB gzip'd "
        f"({headers.get('content-encoding', 'identity')})",
        f"first publication (in-process, before the server) {first_publish_ms:.0f} ms",
        target("ratio (issue)", full.ratio or 0, 0.7, "", at_least=True),
        target("ratio (stretch)", full.ratio or 0, 0.8, "", at_least=True),
    ]
    identity = Call(PUBLIC_PATH, headers=(("Accept-Encoding", "identity"),))
    plain, _ = await measured(
        ctx, "public list, no Accept-Encoding, 32 concurrent", [identity], concurrency=32,
        duration_s=ctx.duration_s, hello=full.hello,
    )  # fmt: skip
    plain.notes += [
        "the same answer uncompressed: what it costs beyond serving the cached body is compression",
        target("ratio (issue)", plain.ratio or 0, 0.7, "", at_least=True),
        target("ratio (stretch)", plain.ratio or 0, 0.8, "", at_least=True),
    ]
    call = Call(PUBLIC_PATH, headers=(("If-None-Match", etag),), expect=304)
    cached, _ = await measured(
        ctx, "public list, If-None-Match → 304, 32 concurrent", [call], concurrency=32,
        duration_s=ctx.duration_s, hello=full.hello,
    )  # fmt: skip
    cached.notes += [
        f"probe answered {conditional}",
        target("ratio (issue)", cached.ratio or 0, 0.7, "", at_least=True),
        target("ratio (stretch)", cached.ratio or 0, 0.8, "", at_least=True),
    ]
    return [full, plain, cached]


# ---------------------------------------------------------------- in-process services


async def inproc(task: str, database_url: str, log_name: str, *args: str, timeout_s: float = 600) -> dict[str, Any]:
    """Run `python -m bench.inproc <task>` (see there why a process of its own) and return its result."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_path = RESULTS / f"{log_name}.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.inproc", task, database_url, *args, cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=log,
        )  # fmt: skip
        try:
            out, _ = await asyncio.wait_for(process.communicate(), timeout=timeout_s)
        except TimeoutError:
            raise RuntimeError(f"bench.inproc {task} still running after {timeout_s:.0f} s") from None
        finally:
            if process.returncode is None:  # timed out or interrupted: our own child, by its pid
                process.kill()
                await process.wait()
    line = next((x for x in out.decode().splitlines() if x.startswith("RESULT ")), None)
    if process.returncode != 0 or line is None:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"bench.inproc {task} failed ({process.returncode}):\n{tail}")
    return json.loads(line.removeprefix("RESULT "))


def timing_row(scenario: str, values: list[float], notes: list[str]) -> Row:
    ordered = sorted(values)
    return Row(
        scenario,
        percentile(ordered, 50) if ordered else None,
        percentile(ordered, 95) if ordered else None,
        percentile(ordered, 99) if ordered else None,
        notes=notes,
    )


async def publish(database_url: str, engine: str, reps: int) -> list[Row]:
    """Publishing a change of the public list on the 10,000-recipient registry, in-process (no server).

    The columns are the time spent in `publication.publish` (the target's "publishing a change"); the
    notes give the whole service call the change came through, which is what the user waits for.
    """
    full = str(max(reps // 3, 3))
    result = await inproc("publish", database_url, f"{engine}-publish", "--reps", str(reps), "--full-reps", full)
    first = result["first"]
    size = f"{result['first']['entries']:,} entries, snapshot {result['snapshot_bytes'] / 1e6:.1f} MB"
    rows: list[Row] = []
    series = (
        ("update", "publish: update 1 public recipient (recipients.update)", "recipients.update"),
        ("create", "publish: create 1 public recipient (recipients.create)", "recipients.create"),
        ("full", "publish: full recompute, 1 recipient changed", None),
        ("full_quiet", "publish: full recompute, nothing changed", None),
    )
    for key, title, service in series:
        data = result[key]
        publish_ms = data["publish_ms"] if service else data["ms"]
        row = timing_row(title, publish_ms, [f"{len(data['ms'])} runs"])
        if len(data["ms"]) < data["wanted"]:
            row.notes[0] += f" (stopped after 30 s, of {data['wanted']})"
        if service:
            whole = sorted(data["ms"])
            row.notes.append(f"whole {service} p50 {percentile(whole, 50):.0f} ms, p95 {percentile(whole, 95):.0f} ms")
        expected_versions = 0 if key == "full_quiet" else len(data["ms"])
        row.notes.append(f"{data['versions']} versions recorded")
        if data["versions"] != expected_versions:
            row.errors += 1
            row.notes.insert(0, f"**expected {expected_versions} versions, got {data['versions']}**")
        if row.p95 is not None:
            row.notes.append(target("p95 (issue)", row.p95, 200))
            row.notes.append(target("p95 (stretch)", row.p95, 100))
        rows.append(row)
    rows[0].notes.insert(0, size)
    rows[0].notes.append(
        f"first publication {first['ms']:.0f} ms; peak RSS of the process {result['peak_rss_mib']:.0f} MiB"
    )
    return rows


async def audit_reminders(database_url: str, engine: str, today: date, suppliers: int) -> list[Row]:
    """`audits.remind(today)` on `suppliers` open audits, in-process: the first run (empty outbox), the
    same day again right after and once the outbox's statistics are fresh, the next day (see
    bench/inproc.py `REMIND_RUNS`)."""
    result = await inproc("remind", database_url, f"{engine}-remind", "--today", today.isoformat())
    rows = []
    for run in result["runs"]:
        what = {
            "first": "first run",
            "again": "same day again, right after",
            "again analyzed": "same day again, outbox analyzed",
            "next day": "next day",
        }[run["label"]]
        row = Row(f"audit reminders, {suppliers:,} suppliers: {what}", p50=run["ms"])
        row.notes = [
            f"{run['considered']:,} open audits due within 30 days or overdue, {run['queued']:,} reminders queued"
            + (", digest queued" if run["digest"] else ""),
            f"peak RSS {run['peak_rss_mib']:.0f} MiB (before the first run {result['rss_before_mib']:.0f} MiB)"
            if run["peak_rss_mib"] is not None
            else f"peak RSS since start {result['peak_rss_since_start_mib']:.0f} MiB",
            target("time (issue)", run["ms"] / 1000, 2, "s"),
            target("time (stretch)", run["ms"] / 1000, 1, "s"),
        ]
        if run["label"].startswith("again") and run["queued"]:
            row.errors += 1
            row.notes.insert(0, f"**{run['queued']} reminders queued twice**")
        rows.append(row)
    return rows


# ---------------------------------------------------------------- Slack slash command

SLASH_TEXT = "who receives connection data in the US?"
SLASH_CONCURRENCY = 50
SLASH_BURSTS = 10
DRAIN_CAP_S = 60.0


async def slash_command(database_url: str, engine: str, duration_s: float, client: str) -> list[Row]:
    """`/recipients who receives connection data in the US?` as Slack sends it (form-encoded, signed),
    to `POST /slack/events` at 50 connections: the latency measured is the acknowledgement's.

    The server runs with Slack configured against the fake Web API (a process of its own, see
    bench/slack_fake.py), and the command's `response_url` points at that fake, so each command is also
    answered, as in production: the bot asks `who` and POSTs the answer after the ack. Those answers are
    counted and awaited (at most 60 s) before `/hello` is loaded, so that their backlog is not counted
    against the ceiling; how long they took to drain says whether the bot keeps up with the acks.
    One signed body is replayed throughout (Slack's signature only has to be less than 5 minutes old).
    """
    sys.path.insert(0, str(ROOT))
    from tests.fakes.slack_signing import sign
    from tests.fakes.slack_signing import slash_command as slash_body

    fake = await FakeSlack().start()
    secret = secrets.token_hex(16)
    server = Server(
        database_url,
        name=f"{engine}-slack",
        extra_env={"SLACK_SIGNING_SECRET": secret, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": fake.api_url},
    )
    try:
        await server.start()
        body, _ = slash_body("/recipients", SLASH_TEXT, response_url=fake.response_url)
        call = Call("/slack/events", "POST", body, headers=tuple(sign(secret, body).items()), expect=200)
        status, _, answer = await probe(server, call)
        if status != 200:
            raise RuntimeError(f"POST /slack/events answered {status}: {answer[:300]!r}")
        await wait_for_answers(fake, 1, 10.0)  # the bot's first answer: auth.test, caches, who
        before = (await fake.counts()).get("response_url", 0)
        drained: dict[str, float] = {}

        async def settle(load_result: LoadResult) -> None:
            began = time.perf_counter()
            total = await wait_for_answers(fake, before + load_result.count, DRAIN_CAP_S)
            drained.update(answers=total - before, s=time.perf_counter() - began)

        ctx = Context(server, [], 0, duration_s, 0, client)
        row, result = await measured(
            ctx, f"slash command /recipients, {SLASH_CONCURRENCY} concurrent", [call],
            concurrency=SLASH_CONCURRENCY, duration_s=duration_s, settle=settle,
        )  # fmt: skip
        answers = int(drained.get("answers", 0))
        row.notes += [
            f"ack latency (HTTP answer); bot answers delivered to response_url: {answers:,} of {result.count:,}, "
            f"the last {drained.get('s', 0):.1f} s after the load ended",
            target("p99 (issue)", result.p99, 300),
            target("p99 (stretch)", result.p99, 100),
        ]
        if answers < result.count:
            row.errors += result.count - answers
            row.notes.insert(0, f"**{result.count - answers} commands not answered within {DRAIN_CAP_S:g} s**")
        # Signed again: the closed-loop load, its drain and /hello may have taken minutes.
        fresh = Call("/slack/events", "POST", body, headers=tuple(sign(secret, body).items()), expect=200)
        return [row, await slash_bursts(server, fake, fresh)]
    finally:
        server.stop()
        await fake.stop()


async def slash_bursts(server: Server, fake: FakeSlack, call: Call) -> Row:
    """`SLASH_BURSTS` bursts of 50 commands sent at the same moment, each after the bot answered the
    previous one: fifty people asking at once, rather than fifty clients asking without pause."""
    answered = (await fake.counts()).get("response_url", 0)
    unanswered = 0

    async def between() -> None:
        nonlocal answered, unanswered
        now = await wait_for_answers(fake, answered + SLASH_CONCURRENCY, DRAIN_CAP_S)
        unanswered += max(answered + SLASH_CONCURRENCY - now, 0)
        answered = now

    server.reset_peak()
    result = await load_bursts(server, call, size=SLASH_CONCURRENCY, bursts=SLASH_BURSTS, between=between)
    peak = server.memory_mib().get("VmHWM", float("nan"))
    for line in result.errors:
        print(f"    slash bursts: {line}", file=sys.stderr)
    row = Row(
        f"slash command /recipients, {SLASH_BURSTS} bursts of {SLASH_CONCURRENCY} at once",
        result.p50,
        result.p95,
        result.p99,
        errors=result.error_count,
        notes=[
            f"{result.count:,} req, aiohttp; ack latency, each burst after the previous one was answered",
            f"peak RSS {peak:.0f} MiB",
            target("p99 (issue)", result.p99, 300),
            target("p99 (stretch)", result.p99, 100),
        ],
    )
    if unanswered:
        row.errors += unanswered
        row.notes.insert(0, f"**{unanswered} commands not answered within {DRAIN_CAP_S:g} s**")
    if row.errors:
        row.notes.insert(0, f"**{row.errors} ERRORS**")
    return row


async def wait_for_answers(fake: FakeSlack, count: int, cap_s: float) -> int:
    """Until the fake has received `count` answers, or none came for 2 s, or `cap_s`; returns the count."""
    began = last_change = time.perf_counter()
    seen = -1
    while True:
        now_seen = (await fake.counts()).get("response_url", 0)
        now = time.perf_counter()
        if now_seen != seen:
            seen, last_change = now_seen, now
        if seen >= count or now - last_change > 2.0 or now - began > cap_s:
            return seen
        await asyncio.sleep(0.1)


# ---------------------------------------------------------------- report


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 1000 else f"{value:.0f}"


def markdown(title: str, rows: list[Row]) -> str:
    lines = [
        f"### {title}",
        "",
        "| scenario | p50 ms | p95 ms | p99 ms | req/s | ratio to /hello req/s | notes |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        rps = f"{row.rps:,.0f}" if row.rps else "–"
        ratio = f"{row.ratio:.2f}" if row.ratio else "–"
        cells = [row.scenario, _ms(row.p50), _ms(row.p95), _ms(row.p99), rps, ratio, "; ".join(row.notes)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"

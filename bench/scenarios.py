"""The measured scenarios, each paired with `/hello` at the same concurrency in the same run.

Absolute figures drift between machines and runs; the ratio to `/hello` (the framework's ceiling on this
machine, through the same client) is what can be compared from one run to the next. Targets come from
../shared/PERFORMANCE.md and are checked in the notes column, never asserted.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
from dataclasses import dataclass, field

from bench.data import PLACES, ROLE_OF_KIND, csv_codes
from bench.harness import Call, LoadResult, Server, gets, load

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
) -> tuple[Row, LoadResult]:
    """Run the scenario's load, then `/hello` the same way, and fill a row with both and the peak RSS."""
    ctx.server.reset_peak()

    async def run(these: list[Call], count: int | None) -> LoadResult:
        limit_s = duration_s if count is None else COUNTED_CAP_S
        return await load(
            ctx.server, these, concurrency=concurrency, requests=count, duration_s=limit_s, client=ctx.client
        )

    result = await run(calls, requests)
    peak = ctx.server.memory_mib().get("VmHWM", float("nan"))
    hello = await run([Call("/hello")], max(requests, HELLO_MIN_REQUESTS) if requests is not None else None)
    for failed in (result, hello):
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
        errors=result.error_count + hello.error_count,
        notes=[
            f"{result.count:,} req, c={concurrency}, {result.client}",
            f"p50 ×{result.p50 / hello.p50:.1f} /hello ({hello.p50:.2f} ms, {hello.rps:.0f} req/s)",
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


# Reads first, on exactly the generated registry; `create` adds rows, so it comes last.
LOAD_SCENARIOS = (who, list_pages, read_one, create)


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

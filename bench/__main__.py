"""`python -m bench`: build a registry, start the real server, run every scenario, print the tables.

Everything runs on 127.0.0.1, every loop is bounded by a request count or a duration, and the server
processes started here are stopped here, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Coroutine
from datetime import date, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg

from bench import data, scenarios
from bench.harness import CLIENTS, RESULTS, Server, wrk_found

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/bench"
# Scenario names for --only, in the order they run. The first ones share the main registry (--recipients);
# `public-list` and `audit-reminders` build their own, in turn, in the same database.
SCENARIOS = ("cold-start", "who", "list", "read-one", "slash", "publish", "create", "public-list", "audit-reminders")
MAIN_REGISTRY = frozenset(SCENARIOS[:7])
PUBLIC_REGISTRY = 2_500
PUBLIC_ENTRIES = 500


def scenario_names(value: str) -> frozenset[str]:
    names = frozenset(part.strip() for part in value.split(",") if part.strip())
    unknown = names - set(SCENARIOS)
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown scenario(s) {sorted(unknown)}; choose among {', '.join(SCENARIOS)}")
    return names


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--recipients", type=int, default=10_000, help="size of the generated registry")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of each concurrent load")
    parser.add_argument("--requests", type=int, default=300, help="requests of each one-client scenario")
    parser.add_argument("--creates", type=int, default=1_000, help="recipients created over HTTP")
    parser.add_argument("--client", choices=CLIENTS, default="auto", help="auto: wrk for timed loads if installed")
    parser.add_argument("--starts", type=int, default=3, help="spawns timed for the cold start")
    parser.add_argument(
        "--only", type=scenario_names, default=frozenset(SCENARIOS), help=f"NAME[,NAME]: among {', '.join(SCENARIOS)}"
    )
    parser.add_argument("--publish-reps", type=int, default=30, help="repetitions of each publish series")
    parser.add_argument("--suppliers", type=int, default=100_000, help="suppliers (open audits) for audit-reminders")
    return parser.parse_args(argv)


def progress(rows: list[scenarios.Row]) -> None:
    for row in rows:
        figures = f"p50 {row.p50:.2f} ms" if row.p50 is not None else "–"
        if row.rps:
            figures += f", {row.rps:,.0f} req/s"
        print(f"   {row.scenario}: {figures}", flush=True)


async def run_engine(engine: str, database_url: str, args: argparse.Namespace) -> list[scenarios.Row]:
    """The selected scenarios on one engine, each registry built right before the scenarios that use it.

    Order on the main registry: reads first (exactly the generated registry), then the Slack command
    (reads only), then publishing (adds a few dozen public recipients), then `create` (adds --creates).
    """
    only: frozenset[str] = args.only
    rows: list[scenarios.Row] = []
    if only & MAIN_REGISTRY:
        print(f"\n== {engine}: building {args.recipients:,} recipients", flush=True)
        registry, steps = await data.build(database_url, args.recipients)
        print(
            f"   registry built in {steps['total']:.2f} s (migrate {steps['migrate']:.2f} s, "
            f"generate {steps['generate']:.2f} s, insert {steps['insert']:.2f} s: "
            f"{len(registry.recipients):,} recipients, {len(registry.locations):,} locations, "
            f"{len(registry.categories):,} data categories)",
            flush=True,
        )
        if "cold-start" in only:
            rows.append(await scenarios.cold_start(database_url, engine, args.starts))
            progress(rows[-1:])
        reads = [scenario for name, scenario in scenarios.READ_SCENARIOS.items() if name in only]
        if reads:
            server = Server(database_url, name=f"{engine}-load")
            try:
                await server.start()
                ctx = scenarios.Context(server, registry.slugs, args.requests, args.duration, args.creates, args.client)
                for scenario in reads:
                    progress(done := await scenario(ctx))
                    rows += done
            finally:
                server.stop()
        if "slash" in only:
            progress(done := await scenarios.slash_command(database_url, engine, args.duration, args.client))
            rows += done
        if "publish" in only:
            progress(done := await scenarios.publish(database_url, engine, args.publish_reps))
            rows += done
        if "create" in only:
            server = Server(database_url, name=f"{engine}-create")
            try:
                await server.start()
                ctx = scenarios.Context(server, registry.slugs, args.requests, args.duration, args.creates, args.client)
                progress(done := await scenarios.create(ctx))
                rows += done
            finally:
                server.stop()
    if "public-list" in only:
        print(f"\n== {engine}: building {PUBLIC_REGISTRY:,} recipients, {PUBLIC_ENTRIES} public", flush=True)
        _, steps = await data.build(database_url, PUBLIC_REGISTRY, public=PUBLIC_ENTRIES)
        first = await scenarios.inproc("publish-first", database_url, f"{engine}-publish-first")
        print(f"   built in {steps['total']:.2f} s, first version published in {first['ms']:.0f} ms", flush=True)
        server = Server(database_url, name=f"{engine}-public")
        try:
            await server.start()
            ctx = scenarios.Context(server, [], args.requests, args.duration, 0, args.client)
            progress(done := await scenarios.public_list(ctx, first["ms"]))
            rows += done
        finally:
            server.stop()
    if "audit-reminders" in only:
        print(f"\n== {engine}: building {args.suppliers:,} suppliers with an open audit each", flush=True)
        today = date.today()
        suppliers, steps = await data.build_suppliers(database_url, args.suppliers, today)
        print(
            f"   built in {steps['total']:.2f} s ({suppliers.overdue:,} overdue, "
            f"{suppliers.due_soon:,} due within 30 days)",
            flush=True,
        )
        progress(done := await scenarios.audit_reminders(database_url, engine, today, args.suppliers))
        rows += done
    return rows


def machine(client: str) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPU ({cpu}, load average {load} at start), Python {platform.python_version()}, "
        f"litestar {version('litestar')}, piccolo {version('piccolo')}, clients: aiohttp {version('aiohttp')}"
        f"{', wrk' if client == 'auto' and wrk_found() else ''}"
    )


async def main(args: argparse.Namespace) -> int:
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    scratch = tempfile.mkdtemp(prefix="registry-bench-")
    urls = {
        "sqlite": f"sqlite:///{scratch}/registry.db",
        "postgres": os.environ.get("BENCH_DATABASE_URL") or DEFAULT_POSTGRES_URL,
    }
    header = (
        f"## Benchmark {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}\n\n"
        f"{machine(args.client)}. {args.recipients:,} recipients (5 locations, 4 data categories each; "
        f"public list: {PUBLIC_REGISTRY:,} recipients of which {PUBLIC_ENTRIES} public; audit reminders: "
        f"{args.suppliers:,} suppliers); one-client scenarios {args.requests} requests, concurrent ones "
        f"{args.duration:g} s; publish series {args.publish_reps} runs. "
        f"Scenarios: {', '.join(n for n in SCENARIOS if n in args.only)}.\n"
    )
    tables: list[str] = []
    failed = False
    try:
        for engine in engines:
            try:
                rows = await run_engine(engine, urls[engine], args)
            except (OSError, RuntimeError, ValueError, asyncpg.PostgresError) as exc:
                print(f"{engine}: benchmark not run: {exc}", file=sys.stderr)
                tables.append(f"### {engine}\n\nnot run: {exc}\n")
                failed = True
                continue
            failed = failed or any(row.errors for row in rows)
            title = f"{engine} ({args.recipients:,} recipients unless the scenario says otherwise)"
            tables.append(scenarios.markdown(title, rows))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report = header + "\n" + "\n".join(tables)
    print("\n" + report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(report)
    print(f"written to {RESULTS / 'latest.md'}")
    return 1 if failed else 0


def run(coroutine: Coroutine[Any, Any, int]) -> int:
    """uvloop when installed (as the server uses it): a slower client would flatten the ratios."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


if __name__ == "__main__":
    sys.exit(run(main(parse_args())))

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
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg

from bench import data, scenarios
from bench.harness import CLIENTS, RESULTS, Server, wrk_found

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/bench"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--recipients", type=int, default=10_000, help="size of the generated registry")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of each concurrent load")
    parser.add_argument("--requests", type=int, default=300, help="requests of each one-client scenario")
    parser.add_argument("--creates", type=int, default=1_000, help="recipients created over HTTP")
    parser.add_argument("--client", choices=CLIENTS, default="auto", help="auto: wrk for timed loads if installed")
    parser.add_argument("--starts", type=int, default=3, help="spawns timed for the cold start")
    return parser.parse_args(argv)


async def run_engine(engine: str, database_url: str, args: argparse.Namespace) -> list[scenarios.Row]:
    print(f"\n== {engine}: building {args.recipients:,} recipients", flush=True)
    registry, steps = await data.build(database_url, args.recipients)
    print(
        f"   registry built in {steps['total']:.2f} s (migrate {steps['migrate']:.2f} s, "
        f"generate {steps['generate']:.2f} s, insert {steps['insert']:.2f} s: "
        f"{len(registry.recipients):,} recipients, {len(registry.locations):,} locations, "
        f"{len(registry.categories):,} data categories)",
        flush=True,
    )
    rows = [await scenarios.cold_start(database_url, engine, args.starts)]
    print(f"   {rows[0].scenario}: {rows[0].p50:.0f} ms", flush=True)
    server = Server(database_url, name=f"{engine}-load")
    try:
        await server.start()
        ctx = scenarios.Context(server, registry.slugs, args.requests, args.duration, args.creates, args.client)
        for scenario in scenarios.LOAD_SCENARIOS:
            for row in await scenario(ctx):
                rows.append(row)
                print(f"   {row.scenario}: p50 {row.p50:.2f} ms, {row.rps:,.0f} req/s", flush=True)
    finally:
        server.stop()
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
        f"{machine(args.client)}. {args.recipients:,} recipients (5 locations, 4 data categories each); "
        f"one-client scenarios {args.requests} requests, concurrent ones {args.duration:g} s.\n"
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
            tables.append(scenarios.markdown(f"{engine} ({args.recipients:,} recipients)", rows))
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

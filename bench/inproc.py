"""Service calls timed without a server: publishing the public list, computing audit reminders.

`python -m bench.inproc <task> <database url> ...` prints one `RESULT <json>` line. The bench runs it as a
child process rather than in its own: the services bind Piccolo's tables to one database per process and
keep module caches (hydrated recipients, the latest snapshot), so a process per engine and per task is the
only way that one engine's caches or the bench's own memory (the generated rows) never show in the other's
figures. What runs is exactly what the server runs: `use_database`, `configure`, the connection pool the
app opens (`prepare_connection`), then the service functions themselves.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

# Each series stops after this long even if repetitions remain: the run must end in minutes even
# against a pathologically slow build (the result then says how many were done).
SERIES_CAP_S = 30.0


# ---------------------------------------------------------------- memory


def reset_peak() -> bool:
    """Reset this process's VmHWM (Linux `clear_refs` 5) so that each step reports its own peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def memory_mib() -> dict[str, float]:
    """VmRSS and VmHWM of this process in MiB; `ru_maxrss` (peak since start) where /proc is missing."""
    values: dict[str, float] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in {"VmRSS", "VmHWM"}:
                values[key] = int(rest.split()[0]) / 1024
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        values = {"VmRSS": peak, "VmHWM": peak}
    return values


@contextlib.asynccontextmanager
async def database(url: str) -> AsyncIterator[None]:
    """The database as the app opens it: settings, tables bound, pool (PostgreSQL) or WAL (SQLite)."""
    from registry_api.db.engine import prepare_connection, release_connection, use_database
    from registry_api.settings import Settings, configure

    configure(Settings(database_url=url, scheduler_enabled=False))
    engine = use_database(url)
    await prepare_connection(engine)
    try:
        yield
    finally:
        await release_connection(engine)


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = await call()
    return (time.perf_counter() - began) * 1000, result


# ---------------------------------------------------------------- publication


async def first_publication() -> Any:
    """The first version, in effect today, as the app's demo seed publishes it (services/demo.py): with
    the default notice period the whole list would stay "upcoming" for 30 days and every answer would
    also carry that version's diff, i.e. every entry twice, which is not the list's usual state."""
    from registry_api.clock import clock
    from registry_api.schemas.recipients import Publication
    from registry_api.services import publication

    return await publication.publish("bench", Publication(effective_on=clock().today(), reason="initial list"))


async def publish_first(url: str) -> dict[str, Any]:
    """The first version of the public list, published before a server serves it."""
    async with database(url):
        ms, version = await timed(first_publication)
        return {
            "ms": ms,
            "version": version.number if version else None,
            "entries": len(version.snapshot) if version else 0,
        }


def new_public_recipient(i: int) -> Any:
    """A public subprocessor as a DPO would add it: two locations (EEA, US under the DPF), two categories."""
    from registry_api.schemas.recipients import LocationIn, RecipientCreate

    return RecipientCreate(
        name=f"Bench Public {i:04d}",
        kind="hosting",
        role="subprocessor",
        public=True,
        certifications=["DPF"],
        dpa_signed_on=date(2025, 6, 1),
        service_description="Hosting of the company's solutions.",
        data_categories=["identity", "connection"],
        locations=[
            LocationIn(country="FR", city="Paris", use="storage"),
            LocationIn(country="US", city="Ashburn", use="processing", mechanism="dpf"),
        ],
    )


async def publish_series(url: str, reps: int, full_reps: int) -> dict[str, Any]:
    """Publishing a change of the public list the ways the app does it: `reps` times each through the
    services, `full_reps` times each for the full recomputes (the periodic job's path, several times
    slower, so fewer runs keep the bench within minutes).

    - `update`: `recipients.update` of one public recipient's service description (a public field), which
      publishes inside its transaction (the incremental path: `publish(changed={slug: entry})`);
    - `create`: `recipients.create` of a new public recipient (incremental path, a change needing notice);
    - `full`: `publication.publish` recomputing the whole projection after one public recipient changed
      outside the services (what the 5-minute refresh job finds after another replica's change);
    - `full_quiet`: the same when nothing changed, the refresh job's usual run.

    For the first two, the time of the whole service call and the part spent in `publication.publish`
    (wrapped here) are both kept. Every repetition touches a different recipient.
    """
    async with database(url):
        from registry_api.db.tables import ListVersion, Recipient
        from registry_api.schemas.recipients import RecipientPatch
        from registry_api.services import publication, recipients

        result: dict[str, Any] = {}
        first_ms, first = await timed(first_publication)
        latest = await publication.latest_version()
        if latest is None:
            raise RuntimeError("no public recipient: nothing to publish")
        result["first"] = {"ms": first_ms, "published": first is not None, "entries": len(latest.snapshot)}
        result["snapshot_bytes"] = len(json.dumps(latest.snapshot, separators=(",", ":")).encode())
        slugs = sorted(latest.snapshot)

        spent: list[float] = []
        original = publication.publish

        async def publish_timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                spent.append((time.perf_counter() - began) * 1000)

        publication.publish = publish_timed  # type: ignore[assignment]

        async def series(name: str, count: int, step: Callable[[int], Awaitable[tuple[float, Any]]]) -> None:
            before = await ListVersion.count()
            spent.clear()
            totals: list[float] = []
            began = time.perf_counter()
            for i in range(count):
                if time.perf_counter() - began > SERIES_CAP_S:
                    break
                ms, _ = await step(i)
                totals.append(ms)
            result[name] = {
                "ms": totals,
                "publish_ms": list(spent),
                "versions": await ListVersion.count() - before,
                "wanted": count,
            }

        async def update(i: int) -> tuple[float, Any]:
            slug = slugs[i % len(slugs)]
            current = await recipients.get(slug)
            patch = RecipientPatch(version=current.version, service_description=f"Hosting, bench change {i}.")
            return await timed(lambda: recipients.update(slug, patch, "bench"))

        async def create(i: int) -> tuple[float, Any]:
            return await timed(lambda: recipients.create(new_public_recipient(i), "bench"))

        async def full(i: int) -> tuple[float, Any]:
            slug = slugs[-1 - i % len(slugs)]
            await Recipient.update(
                {
                    Recipient.service_description: f"Changed behind the services ({i}).",
                    Recipient.version: Recipient.version + 1,
                    Recipient.updated_at: datetime.now(UTC),
                }
            ).where(Recipient.slug == slug)
            return await timed(lambda: original("bench"))

        async def quiet(i: int) -> tuple[float, Any]:
            return await timed(lambda: original("bench"))

        await series("update", reps, update)
        await series("create", reps, create)
        await series("full", full_reps, full)
        await series("full_quiet", full_reps, quiet)
        publication.publish = original  # type: ignore[assignment]
        result["peak_rss_mib"] = memory_mib()["VmHWM"]
        return result


# ---------------------------------------------------------------- audit reminders


REMIND_RUNS = (
    ("first", 0, False),  # an empty outbox: the first run ever, or after a long outage
    ("again", 0, False),  # right after: a catch-up at start-up then the cron, or two replicas
    ("again analyzed", 0, True),  # the same once the outbox's statistics are fresh (autovacuum's minute)
    ("next day", 1, True),  # the steady state: only the steps that changed overnight
)


async def remind(url: str, today: date) -> dict[str, Any]:
    """`audits.remind(day)` in the runs of `REMIND_RUNS`, each with its own peak RSS (VmHWM reset before
    it), and the RSS before the first.

    "Analyzed" runs come after `ANALYZE outbox`, what PostgreSQL's autovacuum does within a minute of
    the first run's thousands of inserts (SQLite has no autovacuum; the app refreshes its statistics at
    start-up): right after that first run, the planner still sees the outbox as empty. The message
    templates are compiled before the first run: a server that has been up a day has them.
    """
    async with database(url):
        from registry_api.db.tables import OutboxMessage
        from registry_api.notices import audits as messages  # noqa: F401  (imported by remind on first use)
        from registry_api.services import audits
        from registry_api.templating import environment

        environment().get_template("slack/audit.mrkdwn").module  # noqa: B018
        result: dict[str, Any] = {"rss_before_mib": memory_mib()["VmRSS"], "runs": []}
        for label, days_later, analyze in REMIND_RUNS:
            if analyze:
                await OutboxMessage.raw("ANALYZE outbox")
            peak_reset = reset_peak()
            day = today + timedelta(days=days_later)
            ms, report = await timed(lambda day=day: audits.remind(day))
            result["runs"].append(
                {
                    "label": label,
                    "ms": ms,
                    "considered": report.considered,
                    "queued": report.queued,
                    "digest": report.digest_queued,
                    "peak_rss_mib": memory_mib()["VmHWM"] if peak_reset else None,
                }
            )
        result["outbox_rows"] = await OutboxMessage.count()
        result["peak_rss_since_start_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return result


# ---------------------------------------------------------------- entry point


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.inproc", description=__doc__)
    parser.add_argument("task", choices=["publish-first", "publish", "remind"])
    parser.add_argument("url")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--full-reps", type=int, default=10)
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    if args.task == "publish-first":
        return await publish_first(args.url)
    if args.task == "publish":
        return await publish_series(args.url, args.reps, args.full_reps)
    return await remind(args.url, args.today or date.today())


def run(args: argparse.Namespace) -> dict[str, Any]:
    """uvloop when installed, as the server runs: the services' cost includes the event loop's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main(args))
    return uvloop.run(main(args))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    print("RESULT " + json.dumps(run(parse_args()), default=str), flush=True)

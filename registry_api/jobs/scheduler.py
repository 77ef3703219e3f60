"""APScheduler 3.x: one in-memory scheduler per process, never a shared job store.

Every job is idempotent (dedupe keys in the outbox, claims on messages, one version per projection
change), so running the scheduler on several replicas sends nothing twice; `SCHEDULER_ENABLED=false`
runs a replica without it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from registry_api.clock import PARIS

Job = Callable[[], Awaitable[object]]


def build_scheduler(
    *,
    dispatch: Job,
    dispatch_seconds: float,
    refresh_public_list: Job,
    audit_reminders: Job | None = None,
    audit_cron: str = "0 8 * * 1-5",
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
        timezone=PARIS,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 12 * 3600},
    )
    scheduler.add_job(dispatch, IntervalTrigger(seconds=dispatch_seconds), id="outbox-dispatch")
    scheduler.add_job(refresh_public_list, IntervalTrigger(minutes=5), id="public-list-refresh")
    if audit_reminders is not None:
        scheduler.add_job(audit_reminders, CronTrigger.from_crontab(audit_cron, timezone=PARIS), id="audit-reminders")
    return scheduler

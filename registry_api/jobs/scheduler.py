"""APScheduler 3.x: one in-memory scheduler per process, never a shared job store.

Every job is idempotent (dedupe keys in the outbox, claims on messages, one version per projection
change), so running the scheduler on several replicas sends nothing twice; `SCHEDULER_ENABLED=false`
runs a replica without it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

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
        scheduler.add_job(audit_reminders, cron_trigger(audit_cron), id="audit-reminders")
    return scheduler


_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def cron_trigger(expression: str) -> CronTrigger:
    """A standard 5-field crontab (`0 8 * * 1-5` = weekdays at 08:00, Europe/Paris).

    APScheduler 3 numbers weekdays from Monday = 0, so its `from_crontab` reads `1-5` as Tuesday to
    Saturday; the day-of-week numbers are turned into names first to keep the crontab meaning.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"a crontab has 5 fields, got {expression!r}")
    minute, hour, day, month, dow = fields
    dow = re.sub(r"\b([0-7])\b", lambda m: _DAY_NAMES[int(m.group(1))], dow)
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=dow, timezone=PARIS)


def previous_fire_time(cron: str, now: datetime, lookback_days: int = 8) -> datetime | None:
    """The last time `cron` should have fired before `now` (within `lookback_days`), for catch-up."""
    trigger = cron_trigger(cron)
    start = now - timedelta(days=lookback_days)
    fire = trigger.get_next_fire_time(None, start)
    previous = None
    while fire is not None and fire <= now:
        previous = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return previous

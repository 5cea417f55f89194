"""Harvests on a timetable: ``[sources.NAME] schedule = "30 2 * * *"`` (a cron expression in UTC; six fields
put seconds first) makes
``mcep serve`` queue a run of that source at those times. APScheduler reads the expressions and keeps time;
a run still going when the next is due is not started twice (the queue runs one at a time, and a schedule
whose source is already queued or running waits for its next time)."""

from __future__ import annotations

import logging
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from mcep_ld.config import ConfigError, Settings
from mcep_ld.ingest.runs import HarvestQueue

log = logging.getLogger(__name__)


_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]  # crontab numbers days from Sunday = 0 (and 7)


def _weekdays(field: str) -> str:
    """A crontab day-of-week field with its numbers as names: APScheduler numbers days from Monday = 0, so
    `0 0 * * 0` would fire on Mondays instead of Sundays."""
    items = []
    for item in field.split(","):
        base, slash, step = item.partition("/")
        if base == "*" or not any(c.isdigit() for c in base):
            items.append(item)
            continue
        first, _, last = base.partition("-")
        days = list(range(int(first), int(last or first) + 1))
        days = days[:: int(step)] if slash else days
        items.extend(_DAYS[d % 7] for d in days)
    return ",".join(dict.fromkeys(items))


def trigger(name: str, expression: str) -> CronTrigger:
    """The trigger of a source's ``schedule``: five fields (minute hour day month weekday) as crontab has
    them, or six with seconds first (as Quartz and Spring write them); ConfigError naming the source for a
    malformed expression."""
    fields = expression.split()
    try:
        if len(fields) not in (5, 6):
            raise ValueError(f"five or six fields, not {len(fields)}")
        second = fields.pop(0) if len(fields) == 6 else "0"
        minute, hour, day, month, weekday = fields
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=_weekdays(weekday), timezone=UTC)
    except ValueError as exc:
        raise ConfigError(f"sources.{name}.schedule: not a cron expression ({expression!r}): {exc}") from None


def scheduled_sources(settings: Settings) -> dict[str, CronTrigger]:
    """Every enabled source with a schedule, and its trigger."""
    return {name: trigger(name, settings.source(name)["schedule"]) for name in sorted(settings.sources)
            if settings.source(name)["schedule"] and settings.source(name)["enabled"]}


def start(settings: Settings, queue: HarvestQueue) -> BackgroundScheduler | None:
    """A running scheduler queueing each scheduled source at its times; None when no source has a schedule."""
    triggers = scheduled_sources(settings)
    if not triggers:
        return None
    scheduler = BackgroundScheduler(timezone=UTC)

    def due(name: str) -> None:
        if any(r.source == name and not r.finished for r in queue.all()):
            log.warning("%s: its scheduled run is due while another is queued or running; skipped", name)
            return
        try:
            queue.submit(name, asked_by="schedule")
        except Exception:  # noqa: BLE001 - one source's trouble never stops the scheduler
            log.exception("%s: its scheduled run could not be queued", name)

    for name, when in triggers.items():
        scheduler.add_job(due, when, args=[name], id=name, name=f"harvest {name}", coalesce=True,
                          max_instances=1, misfire_grace_time=3600)
        log.info("%s: harvested on schedule %r", name, settings.source(name)["schedule"])
    scheduler.start()
    return scheduler

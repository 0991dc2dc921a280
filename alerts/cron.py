"""Cron expressions as sources.yaml, `--digest` and `--takedown-checks` write them.

Five fields (minute hour day month weekday) as crontab has them, or six with seconds first, so
that a test or a busy source can run every few seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger


class CronError(ValueError):
    """A cron expression that cannot be used; the message says why and what the form is."""


FORMS = "write 5 fields (minute hour day month weekday, e.g. '*/30 * * * *') or 6 with " \
        "seconds first (e.g. '*/10 * * * * *')"


def parse_cron(expression: str) -> CronTrigger:
    """The APScheduler trigger of a 5- or 6-field cron expression, in UTC."""
    fields = str(expression or "").split()
    if len(fields) not in (5, 6):
        raise CronError(f"cron {expression!r} has {len(fields)} fields: {FORMS}")
    if len(fields) == 5:
        fields.insert(0, "0")
    second, minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=weekday, timezone=UTC)
    except ValueError as exc:
        raise CronError(f"cron {expression!r} is not valid: {exc}; {FORMS}") from None


def due(expression: str, last: datetime, now: datetime) -> bool:
    """Whether the schedule fired after `last` and at or before `now`."""
    fire = parse_cron(expression).get_next_fire_time(None, last + timedelta(seconds=1))
    return fire is not None and fire <= now


def utc(value: str) -> datetime:
    """An ISO 8601 time as stored (`...Z`) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)

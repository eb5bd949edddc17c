"""Calendar arithmetic in her time zone: ISO weeks, weekly slots, quiet hours, months ahead."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

QUIET_FROM, QUIET_UNTIL = time(21, 0), time(6, 0)  # nothing is sent 21:00–06:00 her time
ZONES = {"wib": "Asia/Jakarta", "wita": "Asia/Makassar", "wit": "Asia/Jayapura"}  # Indonesia's three zones


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def iso_week(moment: datetime, zone: str) -> tuple[int, int]:
    """(ISO year, ISO week) of `moment` on her calendar."""
    year, week, _ = local(moment, zone).isocalendar()
    return year, week


def week_start(year: int, week: int) -> date:
    return date.fromisocalendar(year, week, 1)


def next_slot(after: datetime, weekday: int, at: time, zone: str) -> datetime:
    """The first weekly slot (weekday 0 = Monday, at local time) strictly after `after`, in UTC."""
    here = local(after, zone)
    day = here.date() + timedelta(days=(weekday - here.weekday()) % 7)
    slot = datetime.combine(day, at, tzinfo=ZoneInfo(zone))
    if slot <= here:
        slot += timedelta(days=7)
    return slot.astimezone(UTC)


def outside_quiet_hours(moment: datetime, zone: str) -> datetime:
    """`moment`, or the next 06:00 her time when it falls between 21:00 and 06:00."""
    here = local(moment, zone)
    if QUIET_UNTIL <= here.time() < QUIET_FROM:
        return moment
    day = here.date() + timedelta(days=1) if here.time() >= QUIET_FROM else here.date()
    return datetime.combine(day, QUIET_UNTIL, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def week_opened_at(moment: datetime, zone: str) -> datetime:
    """Midnight starting the Monday of `moment`'s week, her time, in UTC."""
    here = local(moment, zone)
    monday = datetime.combine(here.date() - timedelta(days=here.weekday()), time(0, 0), tzinfo=ZoneInfo(zone))
    return monday.astimezone(UTC)


def week_closes_at(year: int, week: int, zone: str) -> datetime:
    """When a reminder about that week stops making sense: her next Monday, once the night is over."""
    monday = datetime.combine(week_start(year, week) + timedelta(days=7), time(0, 0), tzinfo=ZoneInfo(zone))
    return outside_quiet_hours(monday.astimezone(UTC), zone)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

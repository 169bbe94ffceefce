"""Reporting periods: calendar months and weeks in the project's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings


@dataclass(frozen=True)
class Period:
    """A half-open span of time [start, end) with a label."""

    start: datetime
    end: datetime
    label: str

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month(year: int, number: int) -> Period:
    """Return the calendar month in the project's time zone."""
    start = datetime(year, number, 1, tzinfo=zone())
    following = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone())
    return Period(start=start, end=following, label=f"{year:04d}-{number:02d}")


def parse_month(text: str) -> Period:
    """Parse YYYY-MM into its month, or raise ValueError naming the value."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"'{text}' is not a month; write it as YYYY-MM, e.g. 2026-11.")
    return month(int(match.group(1)), int(match.group(2)))


def previous(period: Period) -> Period:
    """Return the month before a month."""
    start = period.start.date()
    year, number = (start.year - 1, 12) if start.month == 1 else (start.year, start.month - 1)
    return month(year, number)


def last_month(today: date) -> Period:
    """Return the calendar month before the one containing today."""
    year, number = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return month(year, number)


def weeks(period: Period) -> list[Period]:
    """Return the Monday-to-Sunday weeks overlapping the period, clipped to it."""
    result = []
    local_start = period.start.astimezone(zone())
    monday = (local_start - timedelta(days=local_start.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0)
    while monday < period.end:
        following = monday + timedelta(days=7)
        start, end = max(monday, period.start), min(following, period.end)
        result.append(Period(start=start, end=end, label=f"{start:%d %b}"))
        monday = following
    return result


def recent_weeks(now: datetime, count: int) -> list[Period]:
    """Return the last count whole-or-current Monday weeks up to now, oldest first."""
    local = now.astimezone(zone())
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0,
                                                               microsecond=0)
    starts = [monday - timedelta(days=7 * n) for n in range(count - 1, -1, -1)]
    return [Period(start=s, end=s + timedelta(days=7), label=f"{s:%d %b}") for s in starts]

"""Business calendars: working days and hours in a policy's time zone. Pure: no database, no now.

All inputs and outputs are aware datetimes. Working days and opening hours are found on local
wall-clock times in the calendar's zone, so DST changes do not shift "09:00 the next working day";
elapsed time is measured between UTC instants, so an hour is an hour across a change of clocks.
Results are in UTC: the same instants give the same answers whatever zone they are written in,
and comparing or subtracting two results is never wall-clock arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

# Monday=0 … Sunday=6 → (start, end) local working hours.
DEFAULT_WORKING_HOURS: Mapping[int, tuple[time, time]] = {
    day: (time(9), time(18)) for day in range(5)
}


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days and hours of a policy: weekdays with hours, minus public and custom holidays."""

    time_zone: str = "Asia/Singapore"
    country: str = "SG"
    subdivision: str = ""
    custom_holidays: frozenset[date] = field(default_factory=frozenset)
    working_hours: Mapping[int, tuple[time, time]] = field(
        default_factory=lambda: dict(DEFAULT_WORKING_HOURS)
    )

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @cached_property
    def _public(self) -> holidays.HolidayBase | dict:
        if not self.country:
            return {}
        return holidays.country_holidays(self.country, subdiv=self.subdivision or None)

    def holiday_name(self, day: date) -> str | None:
        """Return the name of the holiday on day, or None if it is not a holiday."""
        if day in self.custom_holidays:
            return "company holiday"
        return self._public.get(day)

    def is_working_day(self, day: date) -> bool:
        """Return True if day has working hours and is no holiday."""
        return day.weekday() in self.working_hours and self.holiday_name(day) is None

    def next_working_day(self, day: date) -> date:
        """Return the first working day strictly after day."""
        self._require_working_days()
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def _require_working_days(self) -> None:
        if not self.working_hours:
            raise ValueError("The calendar has no working weekdays.")

    def local(self, moment: datetime) -> datetime:
        """Return moment as a naive local wall-clock time."""
        return moment.astimezone(self.zone).replace(tzinfo=None)

    def aware(self, wall: datetime) -> datetime:
        """Return a naive local wall-clock time as an aware datetime in the calendar's zone."""
        return wall.replace(tzinfo=self.zone)

    def instant(self, wall: datetime) -> datetime:
        """Return a naive local wall-clock time as an aware datetime in UTC."""
        return self.aware(wall).astimezone(UTC)

    def working_window(self, day: date) -> tuple[datetime, datetime] | None:
        """Return the opening and closing instants (UTC) of day, or None if it is not worked."""
        if not self.is_working_day(day):
            return None
        opens, closes = self.working_hours[day.weekday()]
        return self.instant(datetime.combine(day, opens)), self.instant(
            datetime.combine(day, closes)
        )

    def skipped_days(self, start: datetime, end: datetime) -> list[date]:
        """Return the non-working days strictly between the local dates of start and end."""
        first, last = self.local(start).date(), self.local(end).date()
        days = []
        day = first + timedelta(days=1)
        while day < last:
            if not self.is_working_day(day):
                days.append(day)
            day += timedelta(days=1)
        return days

    # --- arithmetic --------------------------------------------------------------------------

    def add_calendar_hours(self, start: datetime, hours: float) -> datetime:
        """Return start plus hours of elapsed (absolute) time."""
        # Aware arithmetic within one zone is wall-clock arithmetic: add in UTC.
        return start.astimezone(UTC) + timedelta(hours=hours)

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """Return the same local time on the days-th following working day.

        A start on a non-working day counts from the start of the next working day.
        """
        self._require_working_days()
        wall = self.local(start)
        day = wall.date()
        if not self.is_working_day(day):
            day = self.next_working_day(day)
            wall = datetime.combine(day, self.working_hours[day.weekday()][0])
        clock = wall.time()  # keeps fold: the second 01:30 of a fall-back night stays the second
        for _ in range(int(days)):
            day = self.next_working_day(day)
        return self.instant(datetime.combine(day, clock))

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """Return the moment when hours of working time have passed since start."""
        self._require_working_days()
        remaining = timedelta(hours=hours)
        moment = start.astimezone(UTC)
        day = self.local(start).date()
        while True:
            window = self.working_window(day)
            if window is not None:
                window_start, window_end = max(moment, window[0]), window[1]
                if window_start < window_end:
                    available = window_end - window_start
                    if remaining <= available:
                        return window_start + remaining
                    remaining -= available
            day += timedelta(days=1)

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Return the working time between start and end (zero if end is before start)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        day, last = self.local(start).date(), self.local(end).date()
        while day <= last:
            window = self.working_window(day)
            if window is not None:
                lo, hi = max(start, window[0]), min(end, window[1])
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total


def calendar_from_rows(
    *, time_zone: str, country: str, subdivision: str = "", custom: Iterable[date] = (),
    working_hours: Mapping[int, tuple[time, time]] | None = None,
) -> BusinessCalendar:
    """Build a calendar from a policy's stored values."""
    return BusinessCalendar(
        time_zone=time_zone, country=country or "", subdivision=subdivision or "",
        custom_holidays=frozenset(custom),
        working_hours=dict(working_hours) if working_hours else dict(DEFAULT_WORKING_HOURS),
    )

"""Deadlines of a tier limit: due, warning and the sentence explaining them. Pure functions.

Inputs are the calendar, the limit, the anchor moment and the hold periods; nothing here reads
the database or the current time, so every rule can be tested exhaustively. Moments are returned
in UTC and elapsed time is measured in UTC, whatever zone the inputs are written in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from escalations.choices import ClockKind
from escalations.sla.calendar import BusinessCalendar


@dataclass(frozen=True)
class Limit:
    """A tier's time limit: an amount on a clock, with an optional warning target."""

    amount: Decimal
    kind: str
    target: Decimal | None = None


class Deadline(NamedTuple):
    """When a case is due and warned, and why (a tuple: the sweep builds thousands)."""

    due_at: datetime
    warn_at: datetime
    explanation: str


def scaled(amount: Decimal, percent: int) -> Decimal:
    """Return amount shortened to percent of itself."""
    if percent == 100:
        return amount
    return amount * Decimal(percent) / Decimal(100)


def add_on_clock(calendar: BusinessCalendar, start: datetime, kind: str,
                 amount: Decimal) -> datetime:
    """Return start plus amount on the clock kind.

    A fraction of a business day (from risk tightening) is that share of the working hours of
    the day the whole days end on.
    """
    if kind == ClockKind.BUSINESS_DAYS:
        whole = int(amount)
        end = calendar.add_business_days(start, whole) if whole else start.astimezone(UTC)
        fraction = amount - whole
        if fraction:
            end = calendar.add_business_hours(end, float(fraction) * _day_hours(calendar, end))
        return end
    if kind == ClockKind.BUSINESS_HOURS:
        return calendar.add_business_hours(start, float(amount))
    return calendar.add_calendar_hours(start, float(amount))


def _day_hours(calendar: BusinessCalendar, moment: datetime) -> float:
    day = calendar.local(moment).date()
    window = calendar.working_window(day)
    while window is None:
        day = calendar.next_working_day(day)
        window = calendar.working_window(day)
    opens, closes = window
    return (closes - opens).total_seconds() / 3600


def paused_time(calendar: BusinessCalendar, kind: str, since: datetime,
                holds: Sequence[tuple[datetime, datetime]]) -> timedelta:
    """Return the time on the clock that the case stood on hold after since."""
    since = since.astimezone(UTC)
    total = timedelta(0)
    for start, end in holds:
        # Within one zone, aware comparison and subtraction go by the wall clock: use UTC.
        start, end = max(start.astimezone(UTC), since), end.astimezone(UTC)
        if end <= start:
            continue
        if kind == ClockKind.CALENDAR_HOURS:
            total += end - start
        else:
            total += calendar.business_time_between(start, end)
    return total


def shift(calendar: BusinessCalendar, kind: str, moment: datetime, pause: timedelta) -> datetime:
    """Return moment moved later by pause on the clock."""
    if not pause:
        return moment.astimezone(UTC)
    if kind == ClockKind.CALENDAR_HOURS:
        return calendar.add_calendar_hours(moment, pause.total_seconds() / 3600)
    return calendar.add_business_hours(moment, pause.total_seconds() / 3600)


def compute_deadline(
    *, calendar: BusinessCalendar, limit: Limit, anchor_at: datetime, anchor_label: str,
    holds: Sequence[tuple[datetime, datetime]] = (), risk_rating: int | None = None,
    risk_percent: int = 100, warning_share: Decimal = Decimal("0.75"),
) -> Deadline:
    """Return the due and warning moments of limit counted from anchor_at, and why.

    Holds (closed periods) stop the clock: both moments are found on the running clock, then
    moved later by the time paused on the limit's clock. risk_percent shortens the amounts; a
    range warns at its target, a single limit at warning_share of its own (unpaused) time.
    """
    amount = scaled(limit.amount, risk_percent)
    pause = paused_time(calendar, limit.kind, anchor_at, holds)
    running_due = add_on_clock(calendar, anchor_at, limit.kind, amount)
    if limit.target is not None:
        target = scaled(limit.target, risk_percent)
        running_warn = add_on_clock(calendar, anchor_at, limit.kind, target)
    else:
        running_warn = _share_of(calendar, limit.kind, anchor_at, running_due, warning_share)
    due = shift(calendar, limit.kind, running_due, pause)
    warn = shift(calendar, limit.kind, running_warn, pause)
    explanation = explain(
        calendar=calendar, limit=limit, anchor_at=anchor_at, anchor_label=anchor_label,
        due_at=due, pause=pause, risk_rating=risk_rating, risk_percent=risk_percent,
    )
    return Deadline(due_at=due, warn_at=min(warn, due), explanation=explanation)


def _share_of(calendar: BusinessCalendar, kind: str, start: datetime, end: datetime,
              share: Decimal) -> datetime:
    if kind == ClockKind.CALENDAR_HOURS:
        start = start.astimezone(UTC)
        return start + (end.astimezone(UTC) - start) * float(share)
    working = calendar.business_time_between(start, end)
    return calendar.add_business_hours(start, working.total_seconds() * float(share) / 3600)


# --- the sentence --------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _amount_text(amount: Decimal, kind: str) -> str:
    number = f"{amount.normalize():f}"
    unit = ClockKind(kind).label
    if number == "1":
        unit = unit.rstrip("s")
    return f"{number} {unit}"


def duration_text(span: timedelta) -> str:
    """Return a span as '3 h 10 min' (or '2 d 4 h' when over a day)."""
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "",
             f"{minutes} min" if minutes else ""]
    return " ".join(p for p in parts if p) or "0 min"


def _skipped_text(calendar: BusinessCalendar, days: list[date]) -> str:
    weekends, holidays = [], []
    for day in days:
        name = calendar.holiday_name(day)
        if name:
            holidays.append(f"the {day.day} {day:%b} holiday ({name})")
        elif day.weekday() not in calendar.working_hours:
            weekends.append(day)
    parts = []
    if weekends:
        names = sorted({d.weekday() for d in weekends})
        label = "-".join(date(2024, 1, 1 + n).strftime("%a") for n in (names[0], names[-1]))
        if len(names) == 1:
            label = date(2024, 1, 1 + names[0]).strftime("%a")
        count = len({d.isocalendar()[:2] for d in weekends})
        parts.append(label if count == 1 else f"{label} ×{count}")
    parts.extend(holidays)
    return " and ".join(parts)


DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def wall_text(local: datetime) -> str:
    """Return a local wall-clock time as 'Mon 24 Nov 14:00' (English, whatever the locale)."""
    return (f"{DAYS[local.weekday()]} {local.day:02d} {MONTHS[local.month - 1]} "
            f"{local.hour:02d}:{local.minute:02d}")


def explain(
    *, calendar: BusinessCalendar, limit: Limit, anchor_at: datetime, anchor_label: str,
    due_at: datetime, pause: timedelta, risk_rating: int | None, risk_percent: int,
) -> str:
    """Return one or two sentences saying how due_at was computed."""
    local = calendar.local(anchor_at)
    text = f"{_amount_text(limit.amount, limit.kind)} from {anchor_label} on {wall_text(local)}"
    if limit.kind != ClockKind.CALENDAR_HOURS:
        skipped = calendar.skipped_days(anchor_at, due_at)
        if skipped:
            text += f"; skipped {_skipped_text(calendar, skipped)}"
    if pause:
        text += f"; +{duration_text(pause)} on hold"
    if risk_percent != 100:
        text += f"; risk {risk_rating} at {risk_percent}%"
    due_local = calendar.local(due_at)
    return f"{text}. Due {wall_text(due_local)} ({calendar.time_zone})."

"""The deadline of a case's current tier, from its policy's tier limit and calendar."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from escalations.choices import ClockAnchor, ClockKind
from escalations.sla.calendar import BusinessCalendar, calendar_from_rows


def policy_calendar(policy) -> BusinessCalendar:
    """Return the business calendar of a policy (its zone, country and custom holidays)."""
    return calendar_from_rows(
        time_zone=policy.time_zone, country=policy.holiday_country,
        subdivision=policy.holiday_subdivision,
        custom=policy.custom_holidays.values_list("date", flat=True),
    )


def add_limit(calendar: BusinessCalendar, start: datetime, kind: str, amount: Decimal) -> datetime:
    """Return start plus amount on the given clock."""
    if kind == ClockKind.BUSINESS_DAYS:
        return calendar.add_business_days(start, int(amount))
    if kind == ClockKind.BUSINESS_HOURS:
        return calendar.add_business_hours(start, float(amount))
    return calendar.add_calendar_hours(start, float(amount))


def case_due_at(*, case, entered_at: datetime) -> datetime | None:
    """Return the deadline of the case's current tier, or None for a tier without a limit."""
    tier = case.current_tier
    if tier is None or tier.limit_value is None:
        return None
    anchor = case.opened_at if tier.limit_anchor == ClockAnchor.CASE_OPENED else entered_at
    return add_limit(policy_calendar(case.policy), anchor, tier.limit_kind, tier.limit_value)

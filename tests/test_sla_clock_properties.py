"""Property-based tests of the business clocks (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from escalations.choices import ClockKind
from escalations.sla.calendar import BusinessCalendar
from escalations.sla.clock import Limit, compute_deadline

CALENDARS = [
    BusinessCalendar(time_zone="Asia/Singapore", country="SG"),
    BusinessCalendar(time_zone="Europe/London", country="GB"),
    BusinessCalendar(time_zone="America/New_York", country="US"),
]
moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
calendars = st.sampled_from(CALENDARS)


@settings(max_examples=300, deadline=None)
@given(calendar=calendars, start=moments, days=st.integers(min_value=1, max_value=30))
def test_business_days_land_on_a_working_day_at_the_same_local_time(calendar, start, days):
    due = calendar.add_business_days(start, days)
    local_start, local_due = calendar.local(start), calendar.local(due)
    assert due > start
    assert calendar.is_working_day(local_due.date())
    if calendar.is_working_day(local_start.date()):
        assert local_due.time() == local_start.time()
        # exactly `days` working days lie after the start day up to and including the due day
        day, count = local_start.date(), 0
        while day < local_due.date():
            day += timedelta(days=1)
            count += calendar.is_working_day(day)
        assert count == days


@settings(max_examples=300, deadline=None)
@given(calendar=calendars, start=moments, days=st.integers(min_value=1, max_value=20))
def test_business_days_grow_with_the_count(calendar, start, days):
    assert calendar.add_business_days(start, days) < calendar.add_business_days(start, days + 1)


@settings(max_examples=300, deadline=None)
@given(calendar=calendars, start=moments,
       minutes=st.integers(min_value=1, max_value=60 * 9 * 15))
def test_business_hours_round_trip_with_business_time_between(calendar, start, minutes):
    hours = minutes / 60
    due = calendar.add_business_hours(start, hours)
    assert due > start
    elapsed = calendar.business_time_between(start, due)
    assert abs(elapsed.total_seconds() - minutes * 60) < 1
    local = calendar.local(due)
    opens, closes = calendar.working_hours[local.weekday()]
    assert calendar.is_working_day(local.date()) and opens < local.time() <= closes


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, start=moments,
       amount=st.integers(min_value=1, max_value=10),
       kind=st.sampled_from([ClockKind.CALENDAR_HOURS, ClockKind.BUSINESS_HOURS,
                             ClockKind.BUSINESS_DAYS]),
       hold_start=st.integers(min_value=0, max_value=72 * 60),
       hold_minutes=st.integers(min_value=1, max_value=48 * 60))
def test_a_hold_never_brings_a_deadline_earlier(calendar, start, amount, kind, hold_start,
                                                hold_minutes):
    limit = Limit(amount=Decimal(amount), kind=kind)
    plain = compute_deadline(calendar=calendar, limit=limit, anchor_at=start, anchor_label="x")
    begin = start + timedelta(minutes=hold_start)
    held = compute_deadline(
        calendar=calendar, limit=limit, anchor_at=start, anchor_label="x",
        holds=[(begin, begin + timedelta(minutes=hold_minutes))],
    )
    assert held.due_at >= plain.due_at
    assert plain.warn_at <= plain.due_at and held.warn_at <= held.due_at
    if kind == ClockKind.CALENDAR_HOURS:
        assert held.due_at - plain.due_at == timedelta(minutes=hold_minutes)


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, start=moments, percent=st.integers(min_value=1, max_value=100),
       kind=st.sampled_from([ClockKind.CALENDAR_HOURS, ClockKind.BUSINESS_HOURS,
                             ClockKind.BUSINESS_DAYS]))
def test_risk_tightening_never_lengthens_a_limit(calendar, start, percent, kind):
    limit = Limit(amount=Decimal(3), kind=kind, target=Decimal(2))
    full = compute_deadline(calendar=calendar, limit=limit, anchor_at=start, anchor_label="x")
    tight = compute_deadline(calendar=calendar, limit=limit, anchor_at=start, anchor_label="x",
                             risk_rating=5, risk_percent=percent)
    assert tight.due_at <= full.due_at
    assert tight.warn_at <= tight.due_at


@settings(max_examples=100, deadline=None)
@given(start=st.datetimes(min_value=datetime(2026, 3, 20), max_value=datetime(2026, 4, 5),
                          timezones=st.just(UTC)),
       days=st.integers(min_value=1, max_value=5))
def test_business_days_keep_wall_clock_across_dst(start, days):
    calendar = BusinessCalendar(time_zone="Europe/London", country="GB")
    due = calendar.add_business_days(start, days)
    london = ZoneInfo("Europe/London")
    if calendar.is_working_day(start.astimezone(london).date()):
        assert due.astimezone(london).time() == start.astimezone(london).time()

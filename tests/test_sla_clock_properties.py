"""Tests of the pure clocks: properties (hypothesis) and the warning after a hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalations.choices import ClockKind
from escalations.sla.calendar import BusinessCalendar
from escalations.sla.clock import Limit, compute_deadline, shift

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


SGT = ZoneInfo("Asia/Singapore")


def sg(*args) -> datetime:
    return datetime(*args, tzinfo=SGT)


@pytest.mark.parametrize(
    ("kind", "amount", "anchor", "hold", "due", "warn"),
    [
        pytest.param(
            # 24 h from 00:00, 10 h on hold: due at 34 h, warned at 18 h + 10 h (not 25.5 h)
            ClockKind.CALENDAR_HOURS, 24, datetime(2026, 11, 24, tzinfo=UTC),
            (datetime(2026, 11, 24, 2, tzinfo=UTC), datetime(2026, 11, 24, 12, tzinfo=UTC)),
            datetime(2026, 11, 25, 10, tzinfo=UTC), datetime(2026, 11, 25, 4, tzinfo=UTC),
            id="calendar-hours",
        ),
        pytest.param(
            # 8 working hours from Tue 09:00 (warned after 6), 2 working hours on hold:
            # due Wed 10:00, warned Tue 15:00 + 2 h = 17:00 (not 7.5 of 10 h: 16:30)
            ClockKind.BUSINESS_HOURS, 8, sg(2026, 11, 24, 9),
            (sg(2026, 11, 24, 10), sg(2026, 11, 24, 12)),
            sg(2026, 11, 25, 10), sg(2026, 11, 24, 17),
            id="business-hours",
        ),
        pytest.param(
            # 2 business days from Tue 14:00 (18 working hours, warned after 13.5: Thu 09:30),
            # 3 working hours on hold: due Thu 17:00, warned Thu 12:30 (not 11:45)
            ClockKind.BUSINESS_DAYS, 2, sg(2026, 11, 24, 14),
            (sg(2026, 11, 25, 10), sg(2026, 11, 25, 13)),
            sg(2026, 11, 26, 17), sg(2026, 11, 26, 12, 30),
            id="business-days",
        ),
    ],
)
def test_a_hold_moves_the_warning_by_the_pause_without_counting_it(kind, amount, anchor, hold,
                                                                   due, warn):
    # given a single limit warned at 75% and a finished hold
    limit = Limit(amount=Decimal(amount), kind=kind)
    # when its deadline is computed
    deadline = compute_deadline(
        calendar=CALENDARS[0], limit=limit, anchor_at=anchor, anchor_label="x", holds=[hold],
        warning_share=Decimal("0.75"),
    )
    # then the warning is 75% of the limit's own working time, moved later by the pause
    assert (deadline.due_at, deadline.warn_at) == (due, warn)


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, start=moments,
       amount=st.integers(min_value=1, max_value=10),
       kind=st.sampled_from([ClockKind.CALENDAR_HOURS, ClockKind.BUSINESS_HOURS,
                             ClockKind.BUSINESS_DAYS]),
       share=st.sampled_from([Decimal("0.5"), Decimal("0.75"), Decimal("0.9")]),
       hold_start=st.integers(min_value=0, max_value=72 * 60),
       hold_minutes=st.integers(min_value=1, max_value=48 * 60))
def test_a_hold_moves_the_warning_as_it_moves_the_due_moment(calendar, start, amount, kind,
                                                              share, hold_start, hold_minutes):
    limit = Limit(amount=Decimal(amount), kind=kind)
    plain = compute_deadline(calendar=calendar, limit=limit, anchor_at=start, anchor_label="x",
                             warning_share=share)
    begin = start + timedelta(minutes=hold_start)
    end = begin + timedelta(minutes=hold_minutes)
    held = compute_deadline(calendar=calendar, limit=limit, anchor_at=start, anchor_label="x",
                            holds=[(begin, end)], warning_share=share)
    if kind == ClockKind.CALENDAR_HOURS:
        pause = end - begin
    else:
        pause = calendar.business_time_between(begin, end)
    assert held.due_at == shift(calendar, kind, plain.due_at, pause)
    assert held.warn_at == shift(calendar, kind, plain.warn_at, pause)

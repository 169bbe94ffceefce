"""The clocks answer in instants: the zone an input is written in never changes a result.

Each test feeds the same instants once in UTC and once written in other zones (the calendar's
own, zones with daylight saving, a half-hour zone) around the spring-forward and fall-back nights
of London and New York, and expects the same answers.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalations.choices import ClockKind
from escalations.sla.calendar import BusinessCalendar
from escalations.sla.clock import Limit, add_on_clock, compute_deadline, paused_time, shift

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
ZONES = [
    UTC, LONDON, NEW_YORK, ZoneInfo("Asia/Singapore"), ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Australia/Lord_Howe"),
]
ROUND_THE_CLOCK = {day: (time(0), time(23, 59)) for day in range(7)}
CALENDARS = {
    "london": BusinessCalendar(time_zone="Europe/London", country="GB"),
    "new-york": BusinessCalendar(time_zone="America/New_York", country="US"),
    "singapore": BusinessCalendar(time_zone="Asia/Singapore", country="SG"),
    # working windows that contain the change of clocks itself
    "london-24/7": BusinessCalendar(time_zone="Europe/London", country="",
                                    working_hours=ROUND_THE_CLOCK),
    "new-york-24/7": BusinessCalendar(time_zone="America/New_York", country="",
                                      working_hours=ROUND_THE_CLOCK),
}
# The moments (UTC) the clocks change in 2026.
NIGHTS = {
    "london-spring-forward": datetime(2026, 3, 29, 1, tzinfo=UTC),
    "london-fall-back": datetime(2026, 10, 25, 1, tzinfo=UTC),
    "new-york-spring-forward": datetime(2026, 3, 8, 7, tzinfo=UTC),
    "new-york-fall-back": datetime(2026, 11, 1, 6, tzinfo=UTC),
}
# Before the change, inside the repeated or skipped hour, just after, and the day before.
OFFSETS = [timedelta(hours=-26), timedelta(minutes=-90), timedelta(minutes=-30),
           timedelta(minutes=30), timedelta(minutes=75)]
KINDS = [ClockKind.CALENDAR_HOURS, ClockKind.BUSINESS_HOURS, ClockKind.BUSINESS_DAYS]


def written_in(zone, moment: datetime) -> datetime:
    return moment.astimezone(zone)


def deadline(calendar, kind, anchor, holds, amount=Decimal(24), target=None):
    return compute_deadline(
        calendar=calendar, limit=Limit(amount=amount, kind=kind, target=target),
        anchor_at=anchor, anchor_label="x", holds=holds,
    )


def test_24_calendar_hours_across_spring_forward_are_24_elapsed_hours():
    calendar = BusinessCalendar(time_zone="Europe/London", country="GB")
    start = datetime(2026, 3, 28, 12, tzinfo=LONDON)  # 12:00 GMT

    due = calendar.add_calendar_hours(start, 24)

    assert due.astimezone(LONDON).replace(tzinfo=None) == datetime(2026, 3, 29, 13)  # BST
    assert due.timestamp() - start.timestamp() == 24 * 3600


def test_24_calendar_hours_across_fall_back_are_24_elapsed_hours():
    start = datetime(2026, 10, 31, 12, tzinfo=NEW_YORK)  # 12:00 EDT

    due = CALENDARS["new-york"].add_calendar_hours(start, 24)

    assert due.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 11, 1, 11)  # EST
    assert due.timestamp() - start.timestamp() == 24 * 3600


def test_a_hold_inside_the_repeated_hour_counts_its_elapsed_time():
    # 01:10 BST to 01:30 GMT on the fall-back night: 80 minutes, though 20 on the wall clock
    begin = datetime(2026, 10, 25, 1, 10, tzinfo=LONDON)
    end = datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON)
    calendar = CALENDARS["london"]

    pause = paused_time(calendar, ClockKind.CALENDAR_HOURS, begin - timedelta(hours=1),
                        [(begin, end)])

    assert pause == timedelta(minutes=80)
    # (compared in UTC: Python never finds a time in the repeated hour equal to another zone's)
    assert calendar.add_calendar_hours(begin, 80 / 60) == end.astimezone(UTC)


@pytest.mark.parametrize("night", NIGHTS)
@pytest.mark.parametrize("calendar_name", CALENDARS)
def test_every_clock_function_ignores_the_zone_of_its_inputs(calendar_name, night):
    calendar = CALENDARS[calendar_name]
    for offset in OFFSETS:
        start = NIGHTS[night] + offset
        end = start + timedelta(hours=30)
        for zone in ZONES:
            # given the same instants written in UTC and in zone
            here, there = written_in(zone, start), written_in(zone, end)
            # then every answer is the same instant
            assert calendar.add_calendar_hours(here, 7.5) == calendar.add_calendar_hours(start, 7.5)
            assert calendar.add_business_days(here, 2) == calendar.add_business_days(start, 2)
            assert calendar.add_business_hours(here, 5.5) == calendar.add_business_hours(start, 5.5)
            assert calendar.business_time_between(here, there) == calendar.business_time_between(
                start, end
            )
            assert calendar.skipped_days(here, there) == calendar.skipped_days(start, end)
            for kind in KINDS:
                assert add_on_clock(calendar, here, kind, Decimal("1.5")) == add_on_clock(
                    calendar, start, kind, Decimal("1.5")
                )
                assert paused_time(calendar, kind, here, [(here, there)]) == paused_time(
                    calendar, kind, start, [(start, end)]
                )
                assert shift(calendar, kind, here, timedelta(hours=3)) == shift(
                    calendar, kind, start, timedelta(hours=3)
                )
                held = [(written_in(zone, start + timedelta(hours=1)), there)]
                assert deadline(calendar, kind, here, held) == deadline(
                    calendar, kind, start, [(start + timedelta(hours=1), end)]
                )


instants = st.builds(
    lambda night, minutes: night + timedelta(minutes=minutes),
    st.sampled_from(list(NIGHTS.values())), st.integers(min_value=-3 * 24 * 60,
                                                        max_value=3 * 24 * 60),
)
zones = st.sampled_from(ZONES)


@settings(max_examples=300, deadline=None)
@given(calendar=st.sampled_from(list(CALENDARS.values())), anchor=instants,
       kind=st.sampled_from(KINDS), amount=st.integers(min_value=1, max_value=72),
       with_target=st.booleans(),
       hold_after=st.integers(min_value=-120, max_value=48 * 60),
       hold_minutes=st.integers(min_value=1, max_value=24 * 60),
       anchor_zone=zones, begin_zone=zones, end_zone=zones)
def test_a_deadline_is_the_same_whatever_zone_its_inputs_are_written_in(
    calendar, anchor, kind, amount, with_target, hold_after, hold_minutes, anchor_zone,
    begin_zone, end_zone,
):
    # given a limit, an anchor and a hold, as instants in UTC
    target = Decimal(amount) / 2 if with_target else None
    begin = anchor + timedelta(minutes=hold_after)
    end = begin + timedelta(minutes=hold_minutes)
    in_utc = deadline(calendar, kind, anchor, [(begin, end)], Decimal(amount), target)
    # when the same instants are written in other zones
    elsewhere = deadline(
        calendar, kind, written_in(anchor_zone, anchor),
        [(written_in(begin_zone, begin), written_in(end_zone, end))], Decimal(amount), target,
    )
    # then the due and warning moments and the sentence are the same
    assert elsewhere == in_utc


@settings(max_examples=300, deadline=None)
@given(calendar=st.sampled_from(list(CALENDARS.values())), start=instants,
       minutes=st.integers(min_value=0, max_value=72 * 60), zone=zones)
def test_calendar_hours_are_elapsed_hours_in_every_zone(calendar, start, minutes, zone):
    due = calendar.add_calendar_hours(written_in(zone, start), minutes / 60)
    assert due.timestamp() - start.timestamp() == pytest.approx(minutes * 60, abs=1e-3)
    assert due == start + timedelta(minutes=minutes)

"""Business calendar arithmetic: weekends, holidays, business hours, time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalations.sla.calendar import BusinessCalendar

SGT = ZoneInfo("Asia/Singapore")
SG = BusinessCalendar(time_zone="Asia/Singapore", country="SG")


def sg(*args) -> datetime:
    return datetime(*args, tzinfo=SGT)


def test_business_days_keep_the_local_time_and_skip_weekends():
    # Fri 27 Nov 2026 14:00 + 1 business day = Mon 30 Nov 14:00
    assert SG.add_business_days(sg(2026, 11, 27, 14), 1) == sg(2026, 11, 30, 14)
    assert SG.add_business_days(sg(2026, 11, 24, 14), 3) == sg(2026, 11, 27, 14)


def test_business_days_skip_public_holidays():
    # Christmas (Fri 25 Dec 2026) is a Singapore public holiday
    assert SG.add_business_days(sg(2026, 12, 24, 10), 1) == sg(2026, 12, 28, 10)


def test_business_days_from_a_non_working_day_start_next_working_morning():
    # Sat 28 Nov 2026 → counts from Mon 30 Nov 09:00
    assert SG.add_business_days(sg(2026, 11, 28, 20), 1) == sg(2026, 12, 1, 9)


def test_custom_holidays_are_skipped():
    calendar = BusinessCalendar(custom_holidays=frozenset({date(2026, 11, 25)}))
    assert calendar.add_business_days(sg(2026, 11, 24, 14), 1) == sg(2026, 11, 26, 14)
    assert calendar.holiday_name(date(2026, 11, 25)) == "company holiday"


def test_business_hours_cross_nights_and_weekends():
    # Fri 16:00 + 4 working hours (09-18) = Mon 11:00
    assert SG.add_business_hours(sg(2026, 11, 27, 16), 4) == sg(2026, 11, 30, 11)
    # before opening: counts from 09:00
    assert SG.add_business_hours(sg(2026, 11, 24, 7), 2) == sg(2026, 11, 24, 11)


def test_business_time_between_counts_only_working_hours():
    assert SG.business_time_between(sg(2026, 11, 27, 16), sg(2026, 11, 30, 11)) == timedelta(
        hours=4
    )


def test_calendar_hours_are_elapsed_time_across_dst():
    calendar = BusinessCalendar(time_zone="Europe/London", country="GB")
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 3, 28, 12, tzinfo=london)  # 12:00 GMT, the day before summer time
    due = calendar.add_calendar_hours(start, 24)
    # 13:00 BST on the wall clock, 24 elapsed hours (12:00 on the wall clock would be 23)
    assert due == datetime(2026, 3, 29, 13, tzinfo=london)
    assert due.timestamp() - start.timestamp() == 24 * 3600
    # the business-day clock keeps the wall-clock time across the change to summer time
    due = calendar.add_business_days(datetime(2026, 3, 27, 10, tzinfo=london), 1)
    assert (due.astimezone(london).time(), due.astimezone(london).utcoffset()) == (
        time(10), timedelta(hours=1),
    )


def test_inputs_in_utc_are_computed_in_the_calendar_zone():
    # 06:00 UTC is 14:00 in Singapore
    due = SG.add_business_days(datetime(2026, 11, 27, 6, tzinfo=UTC), 1)
    assert due == sg(2026, 11, 30, 14)


def test_a_calendar_without_working_days_is_refused():
    with pytest.raises(ValueError, match="no working weekdays"):
        BusinessCalendar(working_hours={}).add_business_days(sg(2026, 11, 24), 1)

"""Fuzzing the importer: no input gives a traceback; bad input gives errors, and writes nothing."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from escalations.imports.engine import tracker_import
from escalations.models import Case

pytestmark = pytest.mark.django_db

HEADERS = ["Ticket #", "Date", "Customer", "Issue Type", "Risk", "Team", "Status", "Tier",
           "Owner", "Value", "Feedback", "Closed", "Email"]
cells = st.one_of(
    st.text(max_size=30), st.integers(-10**6, 10**6).map(str), st.sampled_from(
        ["Out of stock", "5 - critical", "7", "Customer Service", "2026-11-23", "23/11/2026",
         "45254", "=cmd()", "", "Resolved", "on hold", "Manager", "1e400", "nan", "-0"]),
)


def _admin() -> User:
    return User.objects.get_or_create(username="fuzz-admin", defaults={"is_superuser": True})[0]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.binary(max_size=2000), name=st.sampled_from(["a.csv", "a.xlsx", "a.json", "a"]))
def test_random_bytes_never_crash(data, name):
    report = tracker_import(data=data, file_name=name, actor=_admin(), dry_run=True)
    # a file with no rows is an error, so a report without errors has planned rows
    assert report.errors or report.plans
    assert all(isinstance(e["message"], str) and e["message"]
               for e in report.as_json()["errors"])
    assert not Case.objects.exists()


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=13, unique=True),
       rows=st.lists(st.lists(cells, min_size=0, max_size=14), min_size=0, max_size=6))
def test_random_trackers_never_crash_and_are_all_or_nothing(header, rows):
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    before = Case.objects.count()
    report = tracker_import(data=buffer.getvalue().encode(), file_name="f.csv", actor=_admin())
    json_line = report.as_json()
    assert set(json_line) == {"created", "updated", "skipped", "errors"}
    if report.errors:
        assert Case.objects.count() == before
        assert all(isinstance(e["message"], str) and e["message"] for e in json_line["errors"])
    else:
        assert Case.objects.count() == before + json_line["created"]

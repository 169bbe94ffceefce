"""A report whose build stopped half-way (its worker killed, its task lost) is built again,
once, after REPORT_BUILD_STALE_SECONDS; one being built is left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from reports.models import MonthlyReport
from reports.periods import month
from reports.services import monthly_report_request, report_claim
from reports.tasks import generate_monthly_report, recover_stalled_reports

pytestmark = pytest.mark.django_db
PERIOD = month(2026, 11)


def test_one_builder_at_a_time_and_none_once_built(settings):
    report = monthly_report_request(period=PERIOD)
    now = timezone.now()
    assert report_claim(report_id=report.pk, now=now) is not None
    assert report_claim(report_id=report.pk, now=now + timedelta(seconds=60)) is None
    stale = now + timedelta(seconds=settings.REPORT_BUILD_STALE_SECONDS + 1)
    assert report_claim(report_id=report.pk, now=stale) is not None  # its builder died

    MonthlyReport.objects.filter(pk=report.pk).update(building_since=None)
    assert generate_monthly_report(report.pk, PERIOD.label) == report.pk
    assert MonthlyReport.objects.get(pk=report.pk).status == MonthlyReport.Status.READY
    assert generate_monthly_report(report.pk, PERIOD.label) is None  # a late duplicate task


def test_stalled_reports_are_built_again_and_live_builds_left_alone(settings):
    died = monthly_report_request(period=PERIOD)  # its worker was killed mid-build
    lost = monthly_report_request(period=PERIOD)  # its task never reached a worker
    building = monthly_report_request(period=PERIOD)  # a worker is on it right now
    now = timezone.now()
    limit = timedelta(seconds=settings.REPORT_BUILD_STALE_SECONDS)
    MonthlyReport.objects.filter(pk=died.pk).update(building_since=now - limit - timedelta(1))
    MonthlyReport.objects.filter(pk=lost.pk).update(created_at=now - limit - timedelta(1))
    MonthlyReport.objects.filter(pk=building.pk).update(building_since=now - timedelta(seconds=5))

    assert sorted(recover_stalled_reports(now=now)) == sorted([died.pk, lost.pk])

    status = dict(MonthlyReport.objects.values_list("pk", "status"))  # the tasks run at once here
    assert status == {died.pk: "ready", lost.pk: "ready", building.pk: "pending"}
    assert recover_stalled_reports(now=now) == []


def test_the_recovery_is_scheduled_every_minute():
    from django_q.models import Schedule

    from escalations.schedules import schedules_ensure

    schedules_ensure()
    schedule = Schedule.objects.get(name="reports-recover")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "reports.tasks.recover_stalled_reports", Schedule.MINUTES, 1)

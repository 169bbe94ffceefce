"""With the task broker down (Redis restarting), people's changes and report requests still
go through: the notifications wait in the outbox for the scheduled delivery run, and the
report for the stalled-report recovery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from escalations.models import Case, Notification
from reports.models import MonthlyReport
from reports.tasks import recover_stalled_reports

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    import django_q.tasks
    from redis.exceptions import ConnectionError as RedisDown

    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise RedisDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(django_q.tasks, "async_task", refuse)
    return calls


def test_an_escalation_goes_through_and_its_notifications_wait_in_the_outbox(
        broker_down, make_case, make_user, client, django_capture_on_commit_callbacks):
    case = make_case(category="out-of-stock")
    make_user("assistant-manager", email="am@x.test")  # someone at the next tier to tell
    manager = make_user("manager")
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/admin/escalations/case/{case.pk}/transition/escalate/",
                             {"version": case.version, "reason": "Customer called again"})

    assert answer.status_code == 302
    assert Case.objects.get(pk=case.pk).tier == case.tier + 1
    assert broker_down, "the delivery was asked for, and the broker refused"
    waiting = Notification.objects.filter(case=case, status="queued")
    assert waiting.exists()


def test_a_report_asked_for_is_built_by_the_recovery_once_the_broker_is_back(
        broker_down, make_user, client, monkeypatch, settings):
    manager = make_user("manager")
    client.force_login(manager)

    answer = client.post("/admin/reports/monthlyreport/generate/", {"month": "2026-11"})

    assert answer.status_code == 302
    report = MonthlyReport.objects.get()
    assert report.status == MonthlyReport.Status.PENDING
    monkeypatch.undo()  # the broker is back (tasks run at once in the tests)
    later = timezone.now() + timedelta(seconds=settings.REPORT_BUILD_STALE_SECONDS + 1)
    assert recover_stalled_reports(now=later) == [report.pk]
    assert MonthlyReport.objects.get(pk=report.pk).status == MonthlyReport.Status.READY

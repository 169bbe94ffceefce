"""django-q2 entry points of the reports: take ids, call a service."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from reports.periods import last_month, parse_month
from reports.services import (
    monthly_report_generate,
    monthly_reports_build,
    report_claim,
    reports_stalled,
)


def generate_monthly_report(report_id: int, month: str) -> int | None:
    """Generate a pending report, unless another worker is building it (or it is done)."""
    report = report_claim(report_id=report_id, now=timezone.now())
    if report is None:
        return None
    monthly_report_generate(report=report, period=parse_month(month))
    return report.pk


def recover_stalled_reports(now: datetime | None = None) -> list[int]:
    """Queue again the build of each pending report nobody is building (scheduled each minute)."""
    from django_q.tasks import async_task

    stalled = list(reports_stalled(now=now or timezone.now()))
    for report in stalled:
        async_task("reports.tasks.generate_monthly_report", report.pk, f"{report.month:%Y-%m}")
    return [report.pk for report in stalled]


def generate_last_months_report(now: datetime | None = None) -> list[int]:
    """Build last month's organisation-wide reports (scheduled on the 1st of each month).

    Two audiences: the standard report without confidential cases and, if there are any, the
    restricted one with them (see ``reports.services``). Return the reports' ids.
    """
    now = now or timezone.now()
    period = last_month(timezone.localdate(now))
    return [report.pk for report in monthly_reports_build(period=period, now=now)]

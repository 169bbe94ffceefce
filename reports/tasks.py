"""django-q2 entry points of the reports: take ids, call a service."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from reports.models import MonthlyReport
from reports.periods import last_month, parse_month
from reports.services import monthly_report_generate, monthly_reports_build


def generate_monthly_report(report_id: int, month: str) -> int:
    """Generate a requested report."""
    report = MonthlyReport.objects.select_related("requested_by", "team").get(pk=report_id)
    monthly_report_generate(report=report, period=parse_month(month))
    return report.pk


def generate_last_months_report(now: datetime | None = None) -> list[int]:
    """Build last month's organisation-wide reports (scheduled on the 1st of each month).

    Two audiences: the standard report without confidential cases and, if there are any, the
    restricted one with them (see ``reports.services``). Return the reports' ids.
    """
    now = now or timezone.now()
    period = last_month(timezone.localdate(now))
    return [report.pk for report in monthly_reports_build(period=period, now=now)]

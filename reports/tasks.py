"""django-q2 entry points of the reports: take ids, call a service."""

from __future__ import annotations

from django.utils import timezone

from reports.models import MonthlyReport
from reports.periods import last_month, parse_month
from reports.services import monthly_report_generate, monthly_report_request


def generate_monthly_report(report_id: int, month: str) -> int:
    """Generate a requested report."""
    report = MonthlyReport.objects.select_related("requested_by", "team").get(pk=report_id)
    monthly_report_generate(report=report, period=parse_month(month))
    return report.pk


def generate_last_months_report() -> int:
    """Build last month's organisation-wide report (scheduled on the 1st of each month)."""
    period = last_month(timezone.localdate())
    report = monthly_report_request(period=period)
    monthly_report_generate(report=report, period=period)
    return report.pk

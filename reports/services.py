"""Generating monthly reports: the workbook, its stored record, and telling managers."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime

from django.core.files import File
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.choices import RoleScope
from accounts.models import Team, User
from accounts.selectors import sees_all_teams
from escalations.models import Case, Channel, NotificationEvent
from escalations.notifications.outbox import outbox_enqueue_message
from escalations.selectors import cases_visible_to
from reports.models import MonthlyReport
from reports.periods import Period
from reports.workbook import write_workbook


def report_cases(*, user: User | None = None, team: Team | None = None) -> QuerySet[Case]:
    """Return the cases a report covers: a user's scope, a team's, or the organisation's."""
    cases = Case.objects.all() if user is None else cases_visible_to(user)
    return cases.filter(team=team) if team is not None else cases


def scope_label(*, user: User | None, team: Team | None) -> str:
    """Name what a report covers: the team asked for, else what the requester sees (e.g.
    "Team Customer Service", "Department Commercial, Team Legal", "Organisation")."""
    if team is not None:
        return f"Team {team.name}"
    if user is None or sees_all_teams(user):
        return "Organisation"
    memberships = user.memberships_cached
    departments = sorted({m.team.department.name for m in memberships
                          if m.role.scope == RoleScope.DEPARTMENT})
    teams = sorted({m.team.name for m in memberships
                    if m.team.department.name not in departments})
    parts = [f"Department {name}" for name in departments] + [f"Team {name}" for name in teams]
    return ", ".join(parts) or f"Cases assigned to {user}"


def monthly_report_request(*, period: Period, user: User | None = None,
                           team: Team | None = None) -> MonthlyReport:
    """Record that a report was asked for (shown as pending until generated)."""
    return MonthlyReport.objects.create(
        month=period.start.date(), scope=scope_label(user=user, team=team), team=team,
        requested_by=user,
    )


def monthly_report_generate(*, report: MonthlyReport, period: Period, output: str | None = None,
                            now: datetime | None = None) -> MonthlyReport:
    """Write the report's workbook (to output too, if given), store it and tell managers."""
    cases = report_cases(user=report.requested_by, team=report.team)
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        report.cases = write_workbook(path, cases, period)
        name = f"escalations-{period.label}-{report.pk}.xlsx"
        with open(path, "rb") as data:
            report.file.save(name, File(data), save=False)
        if output:
            with open(path, "rb") as data, open(output, "wb") as target:
                target.write(data.read())
    except Exception as error:
        report.status, report.error = MonthlyReport.Status.FAILED, str(error)
        report.save()
        raise
    finally:
        os.unlink(path)
    report.status, report.generated_at = MonthlyReport.Status.READY, now or timezone.now()
    report.save()
    report_announce(report=report)
    return report


def report_readers(report: MonthlyReport) -> list[User]:
    """Return who is told about a report: its requester, or the organisation's managers."""
    if report.requested_by is not None:
        return [report.requested_by] if report.requested_by.email else []
    return list(User.objects.filter(
        is_active=True, is_system=False, memberships__role__scope=RoleScope.ALL,
    ).exclude(email="").distinct())


def report_announce(*, report: MonthlyReport) -> int:
    """Email the readers a link to the report (through the outbox)."""
    from django.conf import settings

    link = settings.SITE_URL.rstrip("/") + reverse("admin:reports_monthlyreport_download",
                                                   args=[report.pk])
    readers = report_readers(report)
    for user in readers:
        outbox_enqueue_message(
            event=NotificationEvent.DIGEST, channel=Channel.EMAIL, recipient=user.email,
            subject=f"Escalation report {report.month:%Y-%m} is ready ({report.scope})",
            body_text=f"The monthly escalation report for {report.month:%B %Y} ({report.scope})"
            f" is ready: {report.cases} cases.\n\nDownload it: {link}\n",
            recipient_user=user, label=f"{user} <{user.email}>",
        )
    return len(readers)


def may_read_report(user: User, report: MonthlyReport) -> bool:
    """Return True if the user may download the report."""
    from accounts.selectors import sees_all_teams, visible_team_ids

    if user.is_superuser or report.requested_by_id == user.pk:
        return True
    if report.team_id is not None:
        teams = visible_team_ids(user)
        return teams is None or report.team_id in teams
    return report.requested_by_id is None and sees_all_teams(user)

"""Generating monthly reports: the workbook, its stored record, who reads it, telling them.

Confidential cases never reach a reader who may not see them. A report built without a
requester (the schedule, the command) is built for two audiences: the standard report leaves
confidential cases out of every sheet and every figure (rows and counts alike, so nothing can be
inferred from it), and, when the scope has confidential cases, a restricted report of the same
scope holds them; it is listed, downloadable and announced only for those who see confidential
cases and the whole scope. A person's own report ("Generate a report") holds what their role
sees: confidential cases only if the role sees them, not merely because some are assigned to
them. ``MonthlyReport.includes_confidential`` records which; ``may_read_report`` and
``reports_readable_by`` enforce it for the download, the admin list and the announcement.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.choices import RoleScope
from accounts.models import Team, User
from accounts.selectors import sees_all_teams, sees_confidential, visible_team_ids
from escalations.models import Case, Channel, NotificationEvent
from escalations.notifications.outbox import outbox_enqueue_message
from escalations.selectors import cases_visible_to
from reports.models import MonthlyReport
from reports.periods import Period
from reports.workbook import write_workbook

READ_PERMISSION = "reports.view_monthlyreport"


def report_cases(*, user: User | None = None, team: Team | None = None,
                 include_confidential: bool = False) -> QuerySet[Case]:
    """Return the cases a report covers: a user's scope, a team's, or the organisation's.

    Confidential cases are left out unless include_confidential; every sheet and figure of the
    workbook is computed from this queryset alone.
    """
    cases = Case.objects.all() if user is None else cases_visible_to(user)
    if team is not None:
        cases = cases.filter(team=team)
    return cases if include_confidential else cases.filter(confidential=False)


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
                           team: Team | None = None,
                           include_confidential: bool = False) -> MonthlyReport:
    """Record that a report was asked for (shown as pending until generated).

    A person's report includes confidential cases exactly when their role sees them
    (include_confidential is for reports without a requester: the restricted audience).
    """
    if user is not None:
        include_confidential = sees_confidential(user)
    return MonthlyReport.objects.create(
        month=period.start.date(), scope=scope_label(user=user, team=team), team=team,
        requested_by=user, includes_confidential=include_confidential,
    )


def monthly_reports_build(*, period: Period, team: Team | None = None,
                          output: str | None = None,
                          now: datetime | None = None) -> list[MonthlyReport]:
    """Build a scope's reports without a requester: the standard one, then the restricted one.

    The standard report (written to output too, if given) leaves confidential cases out; the
    restricted one, only if the scope has confidential cases, includes them. Both are recorded
    as pending before either is built, so that a worker killed half-way leaves both for
    ``reports_stalled`` to find.
    """
    reports = [monthly_report_request(period=period, team=team)]
    if report_cases(team=team, include_confidential=True).filter(confidential=True).exists():
        reports.append(monthly_report_request(period=period, team=team,
                                              include_confidential=True))
    built = []
    for report in reports:
        claimed = report_claim(report_id=report.pk, now=now or timezone.now())
        if claimed is not None:
            built.append(monthly_report_generate(
                report=claimed, period=period, now=now,
                output=output if not claimed.includes_confidential else None))
    return built


def _stale(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.REPORT_BUILD_STALE_SECONDS)


def report_claim(*, report_id: int, now: datetime) -> MonthlyReport | None:
    """Take a pending report to build; None if it is built, failed, or a worker started on it
    less than REPORT_BUILD_STALE_SECONDS ago (one conditional UPDATE: one builder at a time)."""
    taken = MonthlyReport.objects.filter(
        Q(building_since__isnull=True) | Q(building_since__lt=_stale(now)),
        pk=report_id, status=MonthlyReport.Status.PENDING,
    ).update(building_since=now)
    if not taken:
        return None
    return MonthlyReport.objects.select_related("requested_by", "team").get(pk=report_id)


def reports_stalled(*, now: datetime) -> QuerySet[MonthlyReport]:
    """Return the pending reports nobody is building: their build stopped half-way, or their
    task was lost (a worker killed, the broker restarted), REPORT_BUILD_STALE_SECONDS ago."""
    stale = _stale(now)
    return MonthlyReport.objects.filter(
        Q(building_since__lt=stale) | Q(building_since__isnull=True, created_at__lt=stale),
        status=MonthlyReport.Status.PENDING,
    )


def monthly_report_generate(*, report: MonthlyReport, period: Period, output: str | None = None,
                            now: datetime | None = None) -> MonthlyReport:
    """Write the report's workbook (to output too, if given), store it and tell managers."""
    cases = report_cases(user=report.requested_by, team=report.team,
                         include_confidential=report.includes_confidential)
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
    """Return who is told about a report: its requester, or the organisation's managers.

    Only those who may read the report are told (a restricted report is not announced to a
    manager who does not see confidential cases).
    """
    if report.requested_by is not None:
        candidates = [report.requested_by]
    else:
        candidates = list(User.objects.filter(
            is_active=True, is_system=False, memberships__role__scope=RoleScope.ALL,
        ).distinct())
    return [user for user in candidates if user.email and may_read_report(user, report)]


def report_announce(*, report: MonthlyReport) -> int:
    """Email the readers a link to the report (through the outbox)."""
    from django.conf import settings

    link = settings.SITE_URL.rstrip("/") + reverse("admin:reports_monthlyreport_download",
                                                   args=[report.pk])
    readers = report_readers(report)
    for user in readers:
        outbox_enqueue_message(
            event=NotificationEvent.DIGEST, channel=Channel.EMAIL, recipient=user.email,
            subject=f"Escalation report {report.month:%Y-%m} is ready ({report.audience})",
            body_text=f"The monthly escalation report for {report.month:%B %Y} ({report.audience})"
            f" is ready: {report.cases} cases.\n\nDownload it: {link}\n",
            recipient_user=user, label=f"{user} <{user.email}>",
        )
    return len(readers)


def may_read_report(user: User, report: MonthlyReport) -> bool:
    """Return True if the user may list, download and be told about the report.

    A report including confidential cases is only for those who see confidential cases; beyond
    that, a person's own report is theirs, a team's is for those who see the team, and the
    organisation's for organisation-wide roles. ``reports_readable_by`` is the same rule as a
    queryset: change both together.
    """
    if not user.is_active or not user.has_perm(READ_PERMISSION):
        return False
    if report.includes_confidential and not sees_confidential(user):
        return False
    if user.is_superuser or report.requested_by_id == user.pk:
        return True
    if report.team_id is not None:
        teams = visible_team_ids(user)
        return teams is None or report.team_id in teams
    return report.requested_by_id is None and sees_all_teams(user)


def reports_readable_by(user: User, queryset: QuerySet[MonthlyReport]) -> QuerySet[MonthlyReport]:
    """Return the reports of queryset that the user may read (``may_read_report`` in SQL)."""
    if not user.is_active or not user.has_perm(READ_PERMISSION):
        return queryset.none()
    if not sees_confidential(user):
        queryset = queryset.filter(includes_confidential=False)
    if user.is_superuser:
        return queryset
    teams = visible_team_ids(user)
    readable = Q(requested_by=user) | (
        Q(team__isnull=False) if teams is None else Q(team_id__in=teams))
    if sees_all_teams(user):
        readable |= Q(team__isnull=True, requested_by__isnull=True)
    return queryset.filter(readable)

"""Confidential cases in monthly reports: who sees, downloads and is told about which report.

Reports built without a requester (the command, the schedule) come in two audiences: the
standard one leaves confidential cases out of every sheet and figure; the restricted one holds
them and is for those who see confidential cases and the whole scope. A person's own report
holds what their role sees, and is read only by those who see at least that.
"""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from escalations.models import Notification
from reports.models import MonthlyReport
from reports.services import may_read_report
from reports.tasks import generate_last_months_report

pytestmark = pytest.mark.django_db

# Each role in the team where it is held (manager: the Customer Experience department).
ROLE_TEAMS = {
    "agent": "customer-service", "team-lead": "customer-service",
    "supervisor": "customer-service", "manager": "customer-service",
    "senior-management": "operations", "head-of-operations": "operations",
    "executive": "operations", "legal": "legal",
}
ROLES = [*ROLE_TEAMS, "admin"]
LIST_URL = "/admin/reports/monthlyreport/"

ORGANISATION_READERS = {"senior-management", "head-of-operations", "executive", "admin"}
TEAM_READERS = {"team-lead", "supervisor", "manager"} | ORGANISATION_READERS
CONFIDENTIAL_READERS = {"executive", "admin"}
# Announcements go to the organisation-wide roles among those who may read the report.
TOLD = {"senior-management", "head-of-operations", "executive"}
TOLD_CONFIDENTIAL = {"executive"}


@pytest.fixture
def people(make_user, admin_user) -> dict:
    users = {role: make_user(role, team=team, email=f"{role}@x.test")
             for role, team in ROLE_TEAMS.items()}
    users["admin"] = admin_user
    return users


@pytest.fixture
def cases(make_case) -> dict:
    """Given a normal and a confidential case of Customer Service opened in November."""
    return {"normal": make_case(summary="Parcel late"),
            "secret": make_case(summary="Customer data leaked", confidential=True)}


def _reports(**filters) -> dict[bool, MonthlyReport]:
    """Return the reports matching filters keyed by whether they include confidential cases."""
    reports = {r.includes_confidential: r for r in MonthlyReport.objects.filter(**filters)}
    assert len(reports) == MonthlyReport.objects.filter(**filters).count()
    return reports


def _download(client, report: MonthlyReport):
    response = client.get(f"{LIST_URL}{report.pk}/download/")
    if response.status_code != 200:
        return response.status_code, None
    content = b"".join(response.streaming_content)  # the test client closes it when consumed
    return 200, load_workbook(BytesIO(content), read_only=True)


def _texts(book) -> str:
    return "\n".join(str(value) for sheet in book.worksheets
                     for row in sheet.iter_rows(values_only=True) for value in row
                     if value is not None)


def _cases_opened(book) -> int:
    rows = book["Summary"].iter_rows(min_row=4, values_only=True)
    return next(row[1] for row in rows if row and row[0] == "Cases opened")


def _listed(client) -> set[int]:
    response = client.get(LIST_URL)
    if response.status_code == 403:  # no access to reports at all (agents)
        return set()
    return {r.pk for r in response.context["cl"].result_list}


def _told(report: MonthlyReport) -> set[str]:
    link = f"/admin/reports/monthlyreport/{report.pk}/download/"
    return {n.recipient.removesuffix("@x.test")
            for n in Notification.objects.filter(body_text__contains=link)}


def _assert_read_as(client, user, role: str, report: MonthlyReport, readers: set[str],
                    cases: dict) -> None:
    """Then the role lists and downloads the report iff it is among its readers, and what it
    downloads holds the confidential case only in a report that includes confidential cases."""
    client.force_login(user)
    allowed = role in readers
    assert (report.pk in _listed(client)) is allowed
    status, book = _download(client, report)
    if role == "agent":  # agents have no access to reports at all
        assert status == 403
        return
    assert status == (200 if allowed else 403)
    if book is None:
        return
    texts = _texts(book)
    assert cases["normal"].ticket_id in texts
    if report.includes_confidential:
        assert cases["secret"].ticket_id in texts and _cases_opened(book) == 2
    else:
        assert cases["secret"].ticket_id not in texts
        assert "Customer data leaked" not in texts
        assert _cases_opened(book) == 1


@pytest.mark.parametrize("role", ROLES)
def test_command_builds_organisation_reports_per_audience(client, people, cases, role):
    # when the command builds November's organisation-wide report
    call_command("monthly_report", "--month", "2026-11", stdout=StringIO())
    # then there is a standard and a restricted report, each read only by its readers
    reports = _reports(team=None)
    assert set(reports) == {False, True}
    _assert_read_as(client, people[role], role, reports[False], ORGANISATION_READERS, cases)
    _assert_read_as(client, people[role], role, reports[True], CONFIDENTIAL_READERS, cases)


@pytest.mark.parametrize("role", ROLES)
def test_command_builds_team_reports_per_audience(client, people, cases, role):
    call_command("monthly_report", "--month", "2026-11", "--team", "customer-service",
                 stdout=StringIO())
    reports = _reports(team__slug="customer-service")
    assert set(reports) == {False, True}
    _assert_read_as(client, people[role], role, reports[False], TEAM_READERS, cases)
    _assert_read_as(client, people[role], role, reports[True], CONFIDENTIAL_READERS, cases)


@pytest.mark.parametrize("role", ROLES)
def test_schedule_builds_last_months_reports_per_audience(client, people, cases, role):
    # when the schedule runs on 1 December (Singapore time)
    pks = generate_last_months_report(now=datetime(2026, 11, 30, 22, tzinfo=UTC))
    reports = _reports()
    assert sorted(pks) == sorted(r.pk for r in reports.values())
    assert all(f"{r.month:%Y-%m}" == "2026-11" for r in reports.values())
    _assert_read_as(client, people[role], role, reports[False], ORGANISATION_READERS, cases)
    _assert_read_as(client, people[role], role, reports[True], CONFIDENTIAL_READERS, cases)


def test_announcements_go_only_to_those_who_may_read(people, cases):
    call_command("monthly_report", "--month", "2026-11", stdout=StringIO())
    call_command("monthly_report", "--month", "2026-11", "--team", "customer-service",
                 stdout=StringIO())
    organisation, team = _reports(team=None), _reports(team__isnull=False)
    assert _told(organisation[False]) == _told(team[False]) == TOLD
    assert _told(organisation[True]) == _told(team[True]) == TOLD_CONFIDENTIAL
    restricted = Notification.objects.filter(recipient="executive@x.test",
                                             subject__contains="confidential cases included")
    assert restricted.count() == 2


def test_team_report_with_confidential_cases_is_for_legal_of_that_team(
        client, people, make_case):
    # given a confidential case of the Legal team
    secret = make_case(team="legal", confidential=True)
    call_command("monthly_report", "--month", "2026-11", "--team", "legal", stdout=StringIO())
    restricted = _reports(team__slug="legal")[True]
    # then Legal, who see confidential cases and that team, read it; Legal do not read the
    # organisation's restricted report (they do not see every team)
    client.force_login(people["legal"])
    status, book = _download(client, restricted)
    assert status == 200 and secret.ticket_id in _texts(book)
    assert _told(restricted) == TOLD_CONFIDENTIAL
    client.force_login(people["senior-management"])
    assert _download(client, restricted)[0] == 403


def test_command_without_confidential_cases_builds_one_report(people, make_case, tmp_path):
    normal = make_case()
    out = StringIO()
    call_command("monthly_report", "--month", "2026-11", "--output", str(tmp_path / "r.xlsx"),
                 stdout=out)
    report = MonthlyReport.objects.get()
    assert not report.includes_confidential
    assert out.getvalue().count("\n") == 1
    assert normal.ticket_id in _texts(load_workbook(tmp_path / "r.xlsx", read_only=True))


def test_command_output_names_each_audience_and_writes_the_standard_report(
        people, cases, tmp_path):
    out = StringIO()
    call_command("monthly_report", "--month", "2026-11", "--output", str(tmp_path / "r.xlsx"),
                 stdout=out)
    standard, restricted = out.getvalue().splitlines()
    assert standard.startswith("Report 2026-11 (Organisation): 1 cases → ")
    assert standard.endswith(str(tmp_path / "r.xlsx"))
    assert restricted.startswith(
        "Report 2026-11 (Organisation, confidential cases included): 2 cases → ")
    written = _texts(load_workbook(tmp_path / "r.xlsx", read_only=True))
    assert cases["secret"].ticket_id not in written


def test_admin_list_shows_whether_confidential_cases_are_included(client, people, cases):
    call_command("monthly_report", "--month", "2026-11", stdout=StringIO())
    client.force_login(people["executive"])
    page = client.get(LIST_URL).content.decode()
    assert "confidential cases included" in page.lower()


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_exactly_the_reports_the_role_may_read(client, people, cases, role):
    call_command("monthly_report", "--month", "2026-11", stdout=StringIO())
    call_command("monthly_report", "--month", "2026-11", "--team", "customer-service",
                 stdout=StringIO())
    call_command("monthly_report", "--month", "2026-11", "--team", "sales-bd",
                 stdout=StringIO())
    for requester in ("legal", "team-lead", "executive"):
        client.force_login(people[requester])
        client.post(f"{LIST_URL}generate/", {"month": "2026-11"})
    user = people[role]
    readable = {r.pk for r in MonthlyReport.objects.all() if may_read_report(user, r)}
    if role == "agent":
        assert readable == set()
        return
    assert readable
    client.force_login(user)
    assert _listed(client) == readable


def test_own_report_of_a_confidential_role_is_read_by_them_alone(client, people, cases):
    # when Legal generates a report of their own scope (their team and confidential cases)
    client.force_login(people["legal"])
    client.post(f"{LIST_URL}generate/", {"month": "2026-11"})
    report = MonthlyReport.objects.get(requested_by=people["legal"])
    # then it includes confidential cases, and only Legal (and administrators) read it
    assert report.includes_confidential
    status, book = _download(client, report)
    assert status == 200 and cases["secret"].ticket_id in _texts(book)
    assert _told(report) == {"legal"}
    for other in ("executive", "head-of-operations", "team-lead"):
        client.force_login(people[other])
        assert _download(client, report)[0] == 403
        assert report.pk not in _listed(client)
    client.force_login(people["admin"])
    assert _download(client, report)[0] == 200


def test_own_report_leaves_out_confidential_cases_merely_assigned_to_the_requester(
        client, people, make_case, cases):
    # given a team lead who is the assignee of a confidential case
    lead = people["team-lead"]
    assigned = make_case(summary="Assigned secret", confidential=True, assignee=lead)
    client.force_login(lead)
    client.post(f"{LIST_URL}generate/", {"month": "2026-11"})
    report = MonthlyReport.objects.get(requested_by=lead)
    # then the report holds what the role sees, so the lead can read it and it leaks nothing
    assert not report.includes_confidential
    status, book = _download(client, report)
    texts = _texts(book)
    assert status == 200 and cases["normal"].ticket_id in texts
    assert assigned.ticket_id not in texts and cases["secret"].ticket_id not in texts


def test_report_including_confidential_cases_is_refused_once_the_role_is_lost(
        people, make_case):
    from accounts.models import Role, Team
    from accounts.services import membership_set

    make_case(team="legal", confidential=True)
    legal = people["legal"]
    call_command("monthly_report", "--month", "2026-11", "--team", "legal", stdout=StringIO())
    reports = _reports(team__slug="legal")
    assert may_read_report(legal, reports[True])
    # when Legal becomes a team lead of the same team (still seeing the team)
    membership_set(user=legal, team=Team.objects.get(slug="legal"),
                   role=Role.objects.get(slug="team-lead"))
    legal = type(legal).objects.get(pk=legal.pk)
    # then the standard report is still theirs to read, the restricted one no longer
    assert may_read_report(legal, reports[False])
    assert not may_read_report(legal, reports[True])

"""Reports in the admin: dashboard per scope, report list and downloads per role, generation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from reports.models import MonthlyReport
from reports.periods import month
from reports.services import monthly_report_generate, monthly_report_request

pytestmark = pytest.mark.django_db


def test_dashboard_shows_the_users_scope_with_links(client, make_case, make_user):
    lead = make_user("team-lead")
    now = timezone.now()
    make_case(now=now - timedelta(hours=30))  # overdue (24 h limit)
    make_case(now=now)
    make_case(team="sales-bd", now=now)  # not in the lead's scope
    client.force_login(lead)
    page = client.get("/admin/").content.decode()
    assert 'id="dashboard"' in page and "<svg" in page
    assert "/admin/escalations/case/?due=overdue" in page
    dashboard = client.get("/admin/").context["dashboard"]
    cards = {card["label"]: card["value"] for card in dashboard["cards"]}
    assert cards["Open escalations"] == 2 and cards["Overdue"] == 1
    assert "cdn" not in page.lower()


def test_dashboard_query_count_does_not_grow_with_cases(client, make_case, admin_user,
                                                        django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(admin_user)
    make_case()
    with CaptureQueriesContext(connection) as few:
        client.get("/admin/")
    for _ in range(15):
        make_case()
    with CaptureQueriesContext(connection) as many:
        client.get("/admin/")
    assert len(many) == len(few)


def test_resolution_report_page(client, make_case, make_user, admin_user):
    from escalations.choices import Outcome
    from escalations.services import case_resolve

    case = case_resolve(case=make_case(), actor=admin_user, resolution_plan="Refund issued",
                        corrective_actions="Alerts", outcome=Outcome.ISSUE_RESOLVED)
    client.force_login(make_user("team-lead"))
    page = client.get(f"/admin/escalations/case/{case.pk}/resolution-report/").content.decode()
    assert "Refund issued" in page and "Time per tier" in page and "Timeline" in page
    client.force_login(make_user("agent", team="sales-bd"))
    assert client.get(f"/admin/escalations/case/{case.pk}/resolution-report/").status_code in (
        302, 403, 404)


def _ready_report(**scope) -> MonthlyReport:
    report = monthly_report_request(period=month(2026, 11), **scope)
    return monthly_report_generate(report=report, period=month(2026, 11))


def test_organisation_report_is_for_organisation_wide_roles(client, make_user):
    report = _ready_report()
    url = f"/admin/reports/monthlyreport/{report.pk}/download/"
    client.force_login(make_user("head-of-operations", team="operations"))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    client.force_login(make_user("team-lead"))
    assert client.get(url).status_code == 403
    assert report.pk not in [r.pk for r in client.get(
        "/admin/reports/monthlyreport/").context["cl"].result_list]


def test_team_lead_generates_and_reads_their_scope_report(client, make_user, make_case):
    lead = make_user("team-lead", email="tl@x.test")
    make_case()
    client.force_login(lead)
    response = client.post("/admin/reports/monthlyreport/generate/", {"month": "2026-11"})
    assert response.status_code == 302
    report = MonthlyReport.objects.get(requested_by=lead)
    assert report.status == "ready"  # the test settings run tasks synchronously
    assert client.get(f"/admin/reports/monthlyreport/{report.pk}/download/").status_code == 200
    from escalations.models import Notification

    assert Notification.objects.filter(recipient="tl@x.test",
                                       subject__contains="report 2026-11").exists()


def test_agents_cannot_generate_reports(client, make_user):
    client.force_login(make_user("agent"))
    assert client.get("/admin/reports/monthlyreport/generate/").status_code == 403

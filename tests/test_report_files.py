"""Monthly report workbooks are private files, read only through the admin's checked download."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from accounts.models import Team
from reports.models import MonthlyReport
from reports.periods import month
from reports.services import monthly_report_generate, monthly_report_request
from tests.test_evidence_files import debug_urlconf  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture
def team_report(make_case) -> MonthlyReport:
    make_case()
    period = month(2026, 11)
    report = monthly_report_request(period=period,
                                    team=Team.objects.get(slug="customer-service"))
    return monthly_report_generate(report=report, period=period)


def download_url(report: MonthlyReport) -> str:
    return f"/admin/reports/monthlyreport/{report.pk}/download/"


def test_anonymous_visitor_is_sent_to_the_login_page(client, team_report):
    response = client.get(download_url(team_report))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_lead_of_another_team_gets_no_workbook(client, team_report, make_user):
    client.force_login(make_user("team-lead", team="sales-bd"))

    assert client.get(download_url(team_report)).status_code in (403, 404)


def test_lead_of_the_team_downloads_the_workbook_as_an_attachment(client, team_report,
                                                                  make_user):
    client.force_login(make_user("team-lead"))

    response = client.get(download_url(team_report))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == Path(team_report.file.path).read_bytes()
    assert response["Content-Disposition"] == 'attachment; filename="escalations-2026-11.xlsx"'
    assert response["Content-Type"] == XLSX
    assert response["X-Content-Type-Options"] == "nosniff"


def test_workbooks_are_stored_under_unguessable_names(team_report):
    assert re.fullmatch(r"reports/[0-9a-f]{32}\.xlsx", team_report.file.name)
    assert Path(team_report.file.path).read_bytes().startswith(b"PK")


@pytest.mark.usefixtures("debug_urlconf")
def test_the_old_media_urls_answer_404_even_in_development(client, team_report, admin_user):
    client.force_login(admin_user)

    for url in (f"/media/{team_report.file.name}",
                f"/media/reports/escalations-2026-11-{team_report.pk}.xlsx"):
        assert client.get(url).status_code == 404


def test_a_report_page_links_to_the_checked_download_not_the_storage(client, admin_user):
    from reports.models import MonthlyReport
    from reports.periods import parse_month
    from reports.services import monthly_report_generate, monthly_report_request

    period = parse_month("2026-11")
    report = monthly_report_generate(report=monthly_report_request(period=period),
                                     period=period)
    client.force_login(admin_user)

    page = client.get(f"/admin/reports/monthlyreport/{report.pk}/change/").content.decode()

    assert f"/admin/reports/monthlyreport/{report.pk}/download/" in page
    assert "/media/" not in page and MonthlyReport.objects.get(pk=report.pk).file.name not in page


def test_a_report_whose_file_is_gone_answers_not_found(client, admin_user):
    from reports.periods import parse_month

    period = parse_month("2026-11")
    report = monthly_report_generate(report=monthly_report_request(period=period), period=period)
    report.file.storage.delete(report.file.name)
    client.force_login(admin_user)

    response = client.get(f"/admin/reports/monthlyreport/{report.pk}/download/")

    assert response.status_code == 404

"""A manager closes a case with the customer's feedback and reads the month's report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from python_calamine import CalamineWorkbook

from escalations.choices import CaseState, Outcome
from escalations.models import Case
from escalations.services import case_resolve

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_closes_with_feedback_and_downloads_the_monthly_report(
        page, login, shot, make_user, make_case, admin_user, tmp_path):
    manager = make_user("manager")
    now = timezone.now()
    case = make_case(now=now - timedelta(hours=3))
    case_resolve(case=case, actor=admin_user, resolution_plan="Refunded the order",
                 outcome=Outcome.ISSUE_RESOLVED, now=now - timedelta(hours=1))
    login(manager)

    page.goto(f"/admin/escalations/case/{case.pk}/change/")
    page.locator("#case-actions").get_by_role("link", name="Close…").click()
    expect(page.locator("#transition-preview")).to_contain_text("Closed")
    page.select_option("select[name='feedback_score']", "4")
    page.fill("textarea[name='feedback_comment']", "Quick refund, thank you")
    shot("close-with-feedback")
    page.locator("form [name='_transition']").click()
    expect(page.locator(".messagelist")).to_contain_text("now closed")
    case = Case.objects.get(pk=case.pk)
    assert (case.state, case.feedback_score) == (CaseState.CLOSED, 4)

    page.goto("/admin/reports/monthlyreport/")
    page.get_by_role("link", name="Generate a report").click()
    month = timezone.localtime(now).strftime("%Y-%m")
    page.fill("input[name='month']", month)
    page.get_by_role("button", name="Generate").click()
    expect(page.locator(".messagelist")).to_contain_text("being generated")
    shot("monthly-reports")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download .xlsx").first.click()
    path = tmp_path / "report.xlsx"
    download_info.value.save_as(path)

    workbook = CalamineWorkbook.from_path(str(path))
    cases_sheet = workbook.get_sheet_by_name("Cases").to_python()
    tickets = {row[0] for row in cases_sheet[1:] if row}
    assert case.ticket_id in tickets

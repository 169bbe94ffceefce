"""The case form as people submit it: edit details, add notes, add a case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalations.models import Case, CaseNote

pytestmark = pytest.mark.django_db(transaction=True)


def test_team_lead_edits_a_detail_and_adds_a_note(page, login, shot, make_user, make_case):
    lead = make_user("team-lead")
    case = make_case(now=timezone.now() - timedelta(hours=2))
    login(lead)

    page.goto(f"/admin/escalations/case/{case.pk}/change/")
    page.fill("#id_order_number", "SO-778")
    shot("case-form-filled")
    page.click("[name='_continue']")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    composer = page.locator("#note-composer")
    composer.locator("textarea[name='body']").fill("Called the customer; <b>replacement</b> found.")
    composer.get_by_role("button", name="Add to the log").click()
    expect(page.locator(".messagelist")).to_contain_text("Internal note added")
    shot("timeline", page.locator("#timeline"))

    case.refresh_from_db()
    assert case.order_number == "SO-778"
    note = CaseNote.objects.get(case=case)
    assert (note.body, note.author) == ("Called the customer; <b>replacement</b> found.", lead)
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Called the customer; <b>replacement</b> found.")
    expect(timeline).to_contain_text("Order number: — → SO-778")


def test_agent_adds_a_case_from_a_category(page, login, shot, make_user):
    agent = make_user("agent")
    login(agent)

    page.goto("/admin/escalations/case/add/")
    page.fill("#id_ticket_id", "HS-1001")
    page.select_option("#id_category", label="Fraud / scam accusation")
    expect(page.locator("#category-guidance")).to_contain_text("straight to a supervisor")
    expect(page.locator("#id_policy option:checked")).to_have_text(
        "S-Club Escalation for Complex Inquiries")
    expect(page.locator("#id_confidential")).not_to_be_checked()
    page.select_option("#id_risk_rating", "4")
    page.fill("#id_customer_name", "Dana Reyes")
    page.fill("#id_summary", "Customer says our shop is a scam")
    shot("add-case-filled")
    page.click("[name='_continue']")

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    shot("add-case-saved")
    case = Case.objects.get(ticket_id="HS-1001")
    assert case.policy == case.category.default_policy
    assert case.created_by == agent


def test_a_confidential_category_ticks_confidential_on_the_add_form(page, login, make_user):
    login(make_user("agent"))

    page.goto("/admin/escalations/case/add/")
    page.select_option("#id_category", label="Compliance & legal")

    expect(page.locator("#id_confidential")).to_be_checked()


def test_the_case_list_fits_a_1366_pixel_screen(page, login, shot, make_user, make_case):
    lead = make_user("team-lead", first_name="Maximiliana", last_name="Wolfeschlegelstein")
    for _ in range(3):
        make_case(category="unresolved-complaint-agent-issue", assignee=lead,
                  summary="A long summary " * 10)
    login(lead)

    page.goto("/admin/escalations/case/")
    shot("case-list")

    table = page.locator("#result_list").bounding_box()
    assert table["x"] + table["width"] <= 1366
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366

"""A team lead's day with one case, from the overdue filter to the customer briefing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalations.choices import CaseState
from escalations.models import Case

pytestmark = pytest.mark.django_db(transaction=True)


def _run_action(page, label: str, fields: dict[str, str] | None = None,
                selects: dict[str, str] | None = None) -> None:
    """Open one of the case page's actions, fill its form and confirm it."""
    page.get_by_role("link", name=label, exact=True).click()
    for selector, value in (fields or {}).items():
        page.fill(selector, value)
    for selector, value in (selects or {}).items():
        page.select_option(selector, value)
    page.locator("form [name='_transition']").click()


def test_team_lead_works_an_overdue_case_to_resolution(page, login, shot, make_user, make_case):
    lead = make_user("team-lead")
    now = timezone.now()
    overdue = make_case(now=now - timedelta(hours=30), assignee=lead,
                        customer_email="dana@example.com", summary="Pump out of stock")
    on_time = make_case(now=now - timedelta(hours=1), summary="Still within the day")
    login(lead)

    page.goto("/admin/escalations/case/")
    page.get_by_role("link", name="Overdue", exact=True).click()
    shot("overdue-filter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(overdue.ticket_id)
    expect(page.locator("#result_list")).not_to_contain_text(on_time.ticket_id)

    rows.first.get_by_role("link", name=overdue.ticket_id).click()
    shot("case-page")
    _run_action(page, "Acknowledge")
    expect(page.locator(".messagelist")).to_contain_text("acknowledge")
    expect(page.locator("body")).to_contain_text("In progress")

    page.fill("#id_order_number", "SO-42")
    page.locator("[name='_continue']").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.locator("#note-composer textarea[name='body']").fill("Supplier promises stock Friday.")
    page.locator("#note-composer").get_by_role("button", name="Add to the log").click()
    expect(page.locator("#timeline")).to_contain_text("Supplier promises stock Friday.")
    shot("note-and-detail-saved")

    _run_action(page, "Escalate…", {"textarea[name='reason']": "Supplier missed the date"})
    expect(page.locator(".messagelist")).to_contain_text("at tier 2")
    shot("escalated")

    _run_action(page, "Put on hold…", {"textarea[name='reason']": "Waiting for the customer"})
    expect(page.locator(".messagelist")).to_contain_text("on hold")
    _run_action(page, "Resume")
    expect(page.locator(".messagelist")).to_contain_text("in progress")

    _run_action(page, "Resolve…", {"textarea[name='resolution_plan']": "Ship the substitute pump",
                                    "textarea[name='corrective_actions']": "Second supplier"},
                {"select[name='outcome']": "issue_resolved"})
    expect(page.locator(".messagelist")).to_contain_text("resolved")
    shot("resolved")
    case = Case.objects.get(pk=overdue.pk)
    assert (case.state, case.tier, case.order_number) == (CaseState.RESOLVED, 2, "SO-42")

    page.get_by_role("link", name="History").click()
    history = page.locator(".case-timeline")
    expect(history).to_contain_text("Supplier missed the date")
    expect(history).to_contain_text("Waiting for the customer")
    expect(history).to_contain_text("State: In progress → Resolved")
    expect(history).to_contain_text("Tier: 1. Team Lead → 2. Assistant Manager")
    expect(history).not_to_contain_text("in_progress")
    shot("history")
    page.go_back()

    page.get_by_role("link", name="Resolution report").click()
    expect(page.locator("body")).to_contain_text("Ship the substitute pump")
    expect(page.locator("body")).to_contain_text("Second supplier")
    shot("resolution-report")
    page.go_back()

    page.get_by_role("link", name="Brief the customer").click()
    expect(page.locator("textarea[name='body']")).to_have_value(re.compile("resolved", re.I))
    shot("briefing-draft")
    page.locator("form [name='_transition']").click()
    expect(page.locator(".messagelist")).to_contain_text("dana@example.com")
    assert case.notes.filter(kind="customer_briefing").count() == 1

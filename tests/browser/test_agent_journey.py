"""An agent's journey: open a case from a category, attach evidence, escalate; and the limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from escalations.choices import Outcome
from escalations.models import Case
from escalations.services import case_resolve

pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_opens_a_case_attaches_evidence_and_escalates(page, login, shot, make_user,
                                                            tmp_path: Path):
    agent = make_user("agent")
    make_user("supervisor", email="sup@example.com", first_name="Sam", last_name="Lee")
    login(agent)

    page.goto("/admin/escalations/case/add/")
    page.fill("#id_ticket_id", "HS-2001")
    page.select_option("#id_category", label="Payment issue")
    expect(page.locator("#category-guidance")).to_contain_text("Disputed charges")
    page.select_option("#id_risk_rating", "3")
    page.fill("#id_customer_name", "<img src=x onerror=alert(1)> Lim")
    page.fill("#id_summary", "Charged twice for one order")
    shot("agent-add-case")
    page.click("[name='_continue']")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    expect(page.locator("#id_customer_name")).to_have_value("<img src=x onerror=alert(1)> Lim")

    receipt = tmp_path / "bank statement.pdf"
    receipt.write_bytes(b"%PDF-1.4 two charges")
    page.get_by_text("Add another Evidence file").click()
    page.set_input_files("input[type=file][name$='evidence_file']", str(receipt))
    page.click("[name='_continue']")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.get_by_role("link", name="bank statement.pdf")).to_be_visible()
    shot("evidence-attached")

    page.get_by_role("link", name="Escalate…", exact=True).click()
    preview = page.locator("#transition-preview")
    expect(preview).to_contain_text("2. Supervisor Intervention (owner: Supervisor)")
    expect(preview).to_contain_text("sup@example.com")
    shot("escalate-form")
    page.fill("textarea[name='reason']", "Bank confirms the double charge")
    page.locator("form [name='_transition']").click()
    expect(page.locator(".messagelist")).to_contain_text("at tier 2")
    case = Case.objects.get(ticket_id="HS-2001")
    assert (case.tier, case.attachments.count()) == (2, 1)


def test_agent_is_refused_a_confidential_case_and_a_close(page, login, shot, make_user,
                                                          make_case, admin_user):
    agent = make_user("agent")
    secret = make_case(category="compliance-legal", summary="Data breach complaint")
    resolved = case_resolve(case=make_case(), actor=admin_user, resolution_plan="Refund",
                            outcome=Outcome.ISSUE_RESOLVED)
    login(agent)

    page.goto(f"/admin/escalations/case/{secret.pk}/change/")
    expect(page.locator("body")).not_to_contain_text("Data breach complaint")
    expect(page.locator("body")).not_to_contain_text(secret.ticket_id)
    expect(page.locator(".messagelist")).to_contain_text("doesn’t exist")
    shot("confidential-refused")

    page.goto(f"/admin/escalations/case/{resolved.pk}/change/")
    expect(page.get_by_role("link", name="Close…")).to_have_count(0)
    response = page.goto(f"/admin/escalations/case/{resolved.pk}/transition/close/")
    assert response.status == 403
    assert Case.objects.get(pk=resolved.pk).state == "resolved"

"""The tools around the cases: bulk escalation from the list, one's own notification settings."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import User
from escalations.models import Case

pytestmark = pytest.mark.django_db(transaction=True)


def test_team_lead_escalates_selected_cases_from_the_list(page, login, shot, make_user,
                                                          make_case):
    lead = make_user("team-lead")
    movable = [make_case() for _ in range(2)]
    top = make_case(category="compliance-legal", assignee=lead)  # already at the top tier
    login(lead)

    page.goto("/admin/escalations/case/?state=all")
    for case in [*movable, top]:
        page.locator(f"tr:has-text('{case.ticket_id}') input[name='_selected_action']").check()
    page.select_option("select[name='action']", "escalate_selected")
    page.get_by_role("button", name="Run").click()
    page.fill("textarea[name='reason']", "Supplier backlog")
    shot("bulk-escalate-form")
    page.get_by_role("button", name="Apply").click()

    messages = page.locator(".messagelist")
    expect(messages).to_contain_text("2 case(s) updated")
    expect(messages).to_contain_text(top.ticket_id)  # refused, and said so
    shot("bulk-escalate-result")
    assert sorted(Case.objects.filter(pk__in=[c.pk for c in movable])
                  .values_list("tier", flat=True)) == [2, 2]


def test_a_person_changes_their_own_notification_settings_from_the_user_menu(page, login, shot,
                                                                            make_user):
    agent = make_user("agent", first_name="Ana", last_name="Ng")
    login(agent)

    page.goto("/admin/")
    page.get_by_text("Ana Ng").click()
    page.get_by_role("link", name="Notification settings").click()
    page.select_option("select[name='notification_channel']", "chat")
    shot("own-notification-settings")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".messagelist")).to_contain_text("notification settings were saved")
    assert User.objects.get(pk=agent.pk).notification_channel == "chat"

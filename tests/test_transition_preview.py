"""Each transition form says what will happen before it is confirmed, and changes nothing."""

from __future__ import annotations

import pytest

from escalations.models import Case, CaseEvent, Notification

pytestmark = pytest.mark.django_db


def test_the_escalate_form_names_the_next_tier_its_owner_deadline_and_who_is_told(
        client, make_case, make_user):
    lead = make_user("team-lead")
    assistant = make_user("assistant-manager", first_name="Amira", last_name="Tan",
                          email="amira@example.com")
    case = make_case()
    version = case.version
    client.force_login(lead)

    page = client.get(f"/admin/escalations/case/{case.pk}/transition/escalate/")

    text = page.content.decode()
    preview = text[text.index('id="transition-preview"'):text.index("<form method")]
    assert page.status_code == 200
    assert "2. Assistant Manager (owner: Assistant Manager)" in preview
    assert "amira@example.com" in preview  # told by email
    assert "Nobody is notified" not in preview
    case.refresh_from_db()
    assert (case.tier, case.version) == (1, version)
    assert not CaseEvent.objects.filter(case=case).exists()
    assert not Notification.objects.filter(case=case).exists()
    offered = dict(page.context["form"].fields["assignee"].choices)
    assert offered[str(assistant.pk)] == "Amira Tan (Assistant Manager)"


def test_escalating_with_an_assignee_hands_the_case_over_in_one_change(client, make_case,
                                                                       make_user):
    lead = make_user("team-lead")
    assistant = make_user("assistant-manager")
    case = make_case()
    client.force_login(lead)

    response = client.post(f"/admin/escalations/case/{case.pk}/transition/escalate/", {
        "version": case.version, "reason": "Supplier silent", "assignee": assistant.pk,
    })

    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert (case.tier, case.assignee) == (2, assistant)


def test_the_preview_says_when_a_transition_would_be_refused(client, make_case, admin_user):
    top = make_case(category="compliance-legal")  # already at the top tier
    client.force_login(admin_user)

    text = client.get(f"/admin/escalations/case/{top.pk}/transition/escalate/").content.decode()

    assert "already at the top tier" in text


def test_an_agent_is_not_offered_an_assignee_when_escalating(client, make_case, make_user):
    agent = make_user("agent")
    case = make_case()
    client.force_login(agent)

    page = client.get(f"/admin/escalations/case/{case.pk}/transition/escalate/")

    assert page.status_code == 200
    assert "assignee" not in page.context["form"].fields


def test_the_escalate_page_costs_the_same_queries_however_many_people_are_offered(
        client, make_case, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lead = make_user("team-lead")
    make_user("assistant-manager")
    case = make_case()
    client.force_login(lead)
    url = f"/admin/escalations/case/{case.pk}/transition/escalate/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(6):
        make_user("manager")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)

    assert len(page.context["form"].fields["assignee"].choices) == 1 + 7
    assert len(many) == len(few)

"""Templates, final resolution summaries, customer briefings, digests and preferences."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from escalations.choices import NoteKind, Outcome
from escalations.models import CaseNote, Notification, NotificationTemplate
from escalations.notifications.delivery import deliver_due
from escalations.notifications.digest import digest_send
from escalations.services import case_close, case_escalate, case_resolve

pytestmark = pytest.mark.django_db


def test_resolution_summary_has_timeline_outcome_and_time_per_tier(make_case, make_user,
                                                                   admin_user, now):
    make_user("assistant-manager", email="am@x.test")
    case = make_case(category="out-of-stock")
    case = case_escalate(case=case, actor=admin_user, reason="Supplier silent",
                         now=now + timedelta(hours=2))
    case = case_resolve(case=case, actor=admin_user, resolution_plan="Refund issued",
                        corrective_actions="Stock alerts added", outcome=Outcome.ISSUE_RESOLVED,
                        now=now + timedelta(hours=5))
    deliver_due(now=now + timedelta(hours=5))
    resolved = [m for m in mail.outbox if "Resolved" in m.subject]
    assert len(resolved) == 1
    body = resolved[0].body
    assert "Outcome: Issue resolved" in body and "Refund issued" in body
    assert "Stock alerts added" in body
    assert "- 1. Team Lead: 2 h" in body and "- 2. Assistant Manager: 3 h" in body
    assert "Escalated: Supplier silent" in body
    assert "Resolved: Resolved" not in body  # each reason once


def test_html_part_escapes_customer_text_but_plain_text_keeps_it(make_case, make_user,
                                                                  admin_user, now):
    make_user("assistant-manager", email="am@x.test")
    case = make_case(category="out-of-stock", now=now)
    case.summary = "<script>alert(1)</script> & co"
    case.save()
    case_escalate(case=case, actor=admin_user, reason="r", now=now)
    deliver_due(now=now)
    message = mail.outbox[0]
    assert "<script>alert(1)</script> & co" in message.body
    html = message.alternatives[0][0]
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_admin_edited_template_is_used(make_case, make_user, admin_user, now):
    NotificationTemplate.objects.filter(event="escalated").update(
        subject="ESCALATION {{ case.ticket_id }} now with {{ tier.owner_role }}"
    )
    make_user("assistant-manager", email="am@x.test")
    case = make_case(category="out-of-stock")
    case_escalate(case=case, actor=admin_user, reason="r", now=now)
    deliver_due(now=now)
    assert mail.outbox[0].subject == f"ESCALATION {case.ticket_id} now with Assistant Manager"


def test_every_event_has_a_stored_template_that_renders(make_case, admin_user):
    from escalations.models import NotificationEvent
    from escalations.notifications.rendering import case_context, render

    case = make_case()
    context = case_context(case, summary=True)
    context.update(headline="h", mentions="", sender="s", groups=[], total=0, overdue=0,
                   today="today")
    for event in NotificationEvent.values:
        rendered = render(NotificationTemplate.objects.get(event=event), context)
        assert rendered.subject and rendered.text


def test_customer_briefing_states_expected_time_and_is_logged(client, make_case, make_user,
                                                              now):
    agent = make_user("agent")
    case = make_case(category="unresolved-issue", customer_email="cust@x.test", now=now)
    client.force_login(agent)
    url = f"/admin/escalations/case/{case.pk}/brief-customer/"
    draft = client.get(url).content.decode()
    assert "We expect to have a resolution for you by Wed 25 Nov 2026 14:00" in draft
    response = client.post(url, {"subject": "Your case", "body": "We expect it by Friday."})
    assert response.status_code == 302
    briefing = Notification.objects.get(case=case, event="customer_briefing")
    assert (briefing.recipient, briefing.subject, briefing.rendered) == (
        "cust@x.test", "Your case", True,
    )
    note = CaseNote.objects.get(case=case, kind=NoteKind.CUSTOMER_BRIEFING)
    assert note.author == agent and "We expect it by Friday." in note.body
    deliver_due(now=briefing.next_attempt_at)
    assert mail.outbox[-1].to == ["cust@x.test"]


def test_briefing_refused_outside_scope(client, make_case, make_user):
    outsider = make_user("agent", team="sales-bd")
    case = make_case(customer_email="cust@x.test")
    client.force_login(outsider)
    response = client.post(f"/admin/escalations/case/{case.pk}/brief-customer/",
                           {"subject": "s", "body": "b"})
    assert response.status_code == 403
    assert not Notification.objects.filter(event="customer_briefing").exists()


def test_daily_digest_lists_open_cases_in_scope_overdue_first(make_case, make_user, admin_user,
                                                              now):
    manager = make_user("manager", email="mgr@x.test")
    make_user("agent", email="agent@x.test")  # agents get no digest
    late = make_case(category="out-of-stock", now=now - timedelta(days=2), risk=2)
    fresh = make_case(category="out-of-stock", now=now, risk=5)
    make_case(category="out-of-stock", team="sales-bd")  # outside the manager's department
    closed = make_case(category="out-of-stock", now=now)
    closed = case_resolve(case=closed, actor=admin_user, resolution_plan="p",
                          outcome=Outcome.ISSUE_RESOLVED, now=now)
    case_close(case=closed, actor=admin_user, now=now)
    assert digest_send(now=now) == 1
    digest = Notification.objects.get(event="digest")
    assert digest.recipient_user == manager
    text = digest.body_text
    assert text.index(late.ticket_id) < text.index(fresh.ticket_id)
    assert f"OVERDUE {late.ticket_id}" in text
    assert "Open escalations: 2 (1 overdue)" == digest.subject


def test_preferences_page_saves_channel_and_mutes_but_not_critical(client, make_user):
    user = make_user("team-lead", email="tl@x.test")
    client.force_login(user)
    page = client.get("/admin/accounts/user/preferences/").content.decode()
    assert 'value="escalated"' in page and 'value="breached_top"' not in page
    response = client.post("/admin/accounts/user/preferences/", {
        "email": "tl@x.test", "notification_channel": "both", "muted_events": ["sla_warning"],
    })
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.notification_channel, user.muted_events) == ("both", ["sla_warning"])
    response = client.post("/admin/accounts/user/preferences/", {
        "email": "tl@x.test", "notification_channel": "email", "muted_events": ["breached_top"],
    })
    assert response.status_code == 200  # refused: not a choice
    user.refresh_from_db()
    assert user.muted_events == ["sla_warning"]


def test_outbox_admin_retry_is_for_admins_only(client, make_user, admin_user, make_case, now):
    make_user("assistant-manager", email="am@x.test")
    case = make_case(category="out-of-stock")
    case_escalate(case=case, actor=admin_user, reason="r", now=now)
    notification = Notification.objects.get(case=case, channel="email")
    Notification.objects.filter(pk=notification.pk).update(status="failed", last_error="x")
    manager = make_user("manager")
    client.force_login(manager)
    page = client.get("/admin/escalations/notification/")
    assert page.status_code == 403  # managers have no access to the outbox
    client.force_login(admin_user)
    response = client.post("/admin/escalations/notification/", {
        "action": "retry", "_selected_action": [notification.pk],
    })
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.status == "queued"

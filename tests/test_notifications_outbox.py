"""The outbox: rows written with the change, right recipients, nothing for a failed change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Team
from escalations.models import Notification
from escalations.notifications.outbox import outbox_queue_pending_events
from escalations.services import CaseConflict, case_assign, case_escalate
from escalations.sla.sweep import sla_sweep

pytestmark = pytest.mark.django_db


def _recipients(case, event):
    return sorted(
        Notification.objects.filter(case=case, event=event, channel="email")
        .values_list("recipient", flat=True)
    )


@pytest.fixture
def delivery_requests(monkeypatch) -> list[str]:
    """Record the tasks handed to the task queue (django-q2's async_task), by dotted path."""
    requests: list[str] = []

    def async_task(func, *args, **kwargs):
        requests.append(func if isinstance(func, str) else f"{func.__module__}.{func.__name__}")

    monkeypatch.setattr("django_q.tasks.async_task", async_task)
    return requests


def test_escalation_queues_notifications_in_its_transaction(
    make_case, make_user, admin_user, now, django_capture_on_commit_callbacks, delivery_requests
):
    from django.utils.module_loading import import_string

    from escalations.tasks import deliver_notifications

    # Given an assistant manager, a team lead and an agent in the case's team
    make_user("assistant-manager", username="am", email="am@x.test")
    make_user("team-lead", username="tl", email="tl@x.test")
    make_user("agent", username="ag", email="ag@x.test")
    case = make_case(category="out-of-stock")
    # When the case is escalated and its transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        case_escalate(case=case, actor=admin_user, reason="Supplier silent", now=now)
        requested_before_commit = list(delivery_requests)
    # Then Eezee tier 2's owner (Assistant Manager) and informed (Team Lead) are queued
    assert _recipients(case, "escalated") == ["am@x.test", "tl@x.test"]
    assert Notification.objects.filter(case=case, status="queued").count() == 2
    # and delivery is asked for once for both, after commit, not before
    assert requested_before_commit == []
    assert [import_string(task) for task in delivery_requests] == [deliver_notifications]


def test_failed_transition_queues_nothing(make_case, make_user, admin_user, now):
    make_user("assistant-manager", email="am@x.test")
    agent_elsewhere = make_user("agent", team="sales-bd")
    case = make_case(category="out-of-stock")
    with pytest.raises(PermissionDenied):
        case_escalate(case=case, actor=agent_elsewhere, reason="r", now=now)
    stale = type(case).objects.get(pk=case.pk)
    case_escalate(case=case, actor=admin_user, reason="first", now=now)
    before = Notification.objects.count()
    with pytest.raises(CaseConflict):
        case_escalate(case=stale, actor=admin_user, reason="second", now=now)
    assert Notification.objects.count() == before


def test_recipients_come_from_the_case_team_then_organisation(make_case, make_user, admin_user,
                                                              now):
    from accounts.models import Department

    # an assistant manager in another Customer Experience team, and one in Sales (other dept)
    Team.objects.create(name="CS Escalations", slug="cs-escalations",
                        department=Department.objects.get(slug="customer-experience"))
    make_user("assistant-manager", team="cs-escalations", email="am-cx@x.test")
    make_user("assistant-manager", team="sales-bd", email="am-sales@x.test")
    case = make_case(category="out-of-stock", team="customer-service")
    case_escalate(case=case, actor=admin_user, reason="r", now=now)
    # none in Customer Service itself: the organisation's holders who can see the case are told
    assert _recipients(case, "escalated") == ["am-cx@x.test"]
    make_user("assistant-manager", team="customer-service", email="am-cs@x.test")
    other = make_case(category="out-of-stock", team="customer-service")
    case_escalate(case=other, actor=admin_user, reason="r", now=now)
    assert _recipients(other, "escalated") == ["am-cs@x.test"]


def test_nobody_outside_visibility_hears_of_a_confidential_case(make_case, make_user,
                                                                 admin_user, now):
    make_user("supervisor", email="sup@x.test")
    make_user("senior-management", team="operations", email="senior@x.test")
    make_user("legal", team="legal", email="legal@x.test")
    case = make_case(category="unresolved-issue", confidential=True)
    case = case_escalate(case=case, actor=admin_user, reason="r", now=now)  # → Supervisor
    case_escalate(case=case, actor=admin_user, reason="r", now=now)  # → Senior Management
    assert Notification.objects.filter(case=case, channel="email").count() == 0
    make_user("executive", team="operations", email="exec@x.test")
    case = type(case).objects.get(pk=case.pk)
    case_escalate(case=case, actor=admin_user, reason="r", now=now)  # → Executive & Legal
    assert _recipients(case, "escalated") == sorted(["exec@x.test", "legal@x.test"])


def test_muted_events_are_skipped_but_critical_ones_are_not(make_case, make_user, admin_user,
                                                            now):
    make_user("assistant-manager", email="am@x.test", muted_events=["escalated"])
    quiet = make_case(category="out-of-stock", risk=3)
    case_escalate(case=quiet, actor=admin_user, reason="r", now=now)
    assert _recipients(quiet, "escalated") == []
    critical = make_case(category="out-of-stock", risk=5)
    case_escalate(case=critical, actor=admin_user, reason="r", now=now)
    assert _recipients(critical, "escalated") == ["am@x.test"]


def _sweep(*, now):
    """Run the sweep, then the delivery run's first step: queue the notifications of its events."""
    result = sla_sweep(now=now)
    outbox_queue_pending_events()
    return result


def test_the_sweep_leaves_its_events_for_the_delivery_run_which_queues_them_once(
        make_case, make_user, now):
    make_user("assistant-manager", email="am@x.test")
    case = make_case(category="out-of-stock")
    sla_sweep(now=now + timedelta(hours=25))
    assert not Notification.objects.filter(case=case).exists()
    assert outbox_queue_pending_events() == 1
    assert outbox_queue_pending_events() == 0
    assert _recipients(case, "escalated") == ["am@x.test"]


def test_one_sweep_chooses_the_recipients_of_each_case(make_case, make_user, now):
    """The sweep works out recipients once per kind of case: cases differing in risk (muting)
    or assignee still get their own."""
    make_user("assistant-manager", email="am@x.test", muted_events=["escalated"])
    agent = make_user("agent", email="agent@x.test")
    quiet = make_case(category="out-of-stock", risk=3)
    critical = make_case(category="out-of-stock", risk=5)
    assigned = make_case(category="out-of-stock", risk=3, assignee=agent)
    assert _sweep(now=now + timedelta(hours=25))["promoted"] == 3
    assert _recipients(quiet, "escalated") == []
    assert _recipients(critical, "escalated") == ["am@x.test"]
    assert _recipients(assigned, "escalated") == ["agent@x.test"]


def test_chat_goes_to_the_team_group_with_mentions(make_case, make_user, admin_user, now):
    Team.objects.filter(slug="customer-service").update(
        chat_webhook_url="http://127.0.0.1:9/hook"
    )
    make_user("assistant-manager", email="am@x.test", notification_channel="chat",
              first_name="Ann", last_name="Lee")
    case = make_case(category="out-of-stock")
    case_escalate(case=case, actor=admin_user, reason="r", now=now)
    chat = Notification.objects.get(case=case, channel="chat")
    assert chat.recipient == "http://127.0.0.1:9/hook" and "Ann Lee" in chat.recipient_label
    assert _recipients(case, "escalated") == []  # Ann chose chat only


def test_assignment_tells_the_assignee(make_case, make_user, admin_user):
    agent = make_user("agent", email="agent@x.test")
    case = make_case()
    case_assign(case=case, actor=admin_user, assignee=agent)
    assert _recipients(case, "assigned") == ["agent@x.test"]


def test_sweep_writes_outbox_rows_with_its_promotions(make_case, make_user, now):
    make_user("assistant-manager", email="am@x.test")
    case = make_case(category="out-of-stock")
    _sweep(now=now + timedelta(hours=25))
    assert _recipients(case, "escalated") == ["am@x.test"]
    assert _recipients(case, "sla_warning") == []  # warned at tier 1? no: promoted past it


def test_top_tier_breach_tells_the_policy_top_role(make_case, make_user, now):
    from decimal import Decimal

    from escalations.models import Tier

    Tier.objects.filter(policy__slug="eezee-operations", level=4).update(
        limit_value=Decimal(96), limit_anchor="case_opened"
    )
    make_user("head-of-operations", team="operations", email="hoo@x.test")
    case = make_case(category="out-of-stock")
    _sweep(now=now + timedelta(hours=97))
    assert _recipients(case, "breached_top") == ["hoo@x.test"]

"""The SLA sweep: promotion, several tiers late, top tier, warnings, idempotence, crashes."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from escalations.choices import CaseState
from escalations.models import Case, CaseEvent, Tier, TierStay
from escalations.services import case_escalate, case_hold
from escalations.services.reference_loading import system_user
from escalations.sla import sweep as sweep_module
from escalations.sla.sweep import sla_sweep

pytestmark = pytest.mark.django_db


def _history(case):
    return list(case.history.order_by("history_date", "history_id"))


def test_overdue_case_is_promoted_by_the_system_with_reason(make_case, now):
    case = make_case(category="out-of-stock")  # Eezee tier 1 due at +24 h
    result = sla_sweep(now=now + timedelta(hours=25))
    case.refresh_from_db()
    assert (result["promoted"], result["checked"]) == (1, 1)
    assert (case.tier, case.state, case.sla_breached) == (2, CaseState.OPEN, True)
    row = _history(case)[-1]
    assert row.history_transition == "escalate"
    assert row.history_change_reason == (
        "SLA breached: 24 calendar hours from case opening at tier Team Lead"
    )
    assert row.history_user == system_user()
    assert row.history_date == now + timedelta(hours=24)  # the breach time, not the sweep's
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.ESCALATED)
    assert (event.level, event.occurred_at) == (2, now + timedelta(hours=24))


def test_case_several_tiers_late_is_promoted_through_each_missed_tier(make_case, now):
    case = make_case(category="out-of-stock")
    # the system was down for four days
    result = sla_sweep(now=now + timedelta(days=4))
    case.refresh_from_db()
    assert result["promoted"] == 3
    assert case.tier == 4 and case.due_at is None  # head of operations: case-specific
    escalations = [r for r in _history(case) if r.history_transition == "escalate"]
    assert [(r.tier, r.history_date - now) for r in escalations] == [
        (2, timedelta(hours=24)), (3, timedelta(hours=48)), (4, timedelta(hours=72)),
    ]
    stays = list(TierStay.objects.filter(case=case).order_by("entered_at"))
    assert [(s.level, s.breached_at and s.breached_at - now) for s in stays] == [
        (1, timedelta(hours=24)), (2, timedelta(hours=48)), (3, timedelta(hours=72)), (4, None),
    ]


def test_sweep_history_rows_are_whole_snapshots(make_case, now):
    """Each history row the sweep writes holds the whole case as it was, not only what the
    sweep changed."""
    case = make_case(category="out-of-stock", order_value=Decimal("99.90"), details="Story")
    sla_sweep(now=now + timedelta(days=4))
    case.refresh_from_db()
    rows = [r for r in _history(case) if r.history_transition == "escalate"]
    tracked = [field.attname for field in Case.history.model.tracked_fields]
    assert {name: getattr(rows[-1], name) for name in tracked} == {
        name: getattr(case, name) for name in tracked}
    steps = [(r.tier, r.version, r.ticket_id, r.details, r.order_value, r.team_id) for r in rows]
    assert steps == [(tier, version, case.ticket_id, "Story", Decimal("99.90"), case.team_id)
                     for tier, version in [(2, 2), (3, 3), (4, 4)]]


def test_sweep_queries_do_not_grow_with_the_cases(make_case, now):
    """Each batch reads only the fields the sweep needs, and never one case at a time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    later = now + timedelta(hours=25)
    for _ in range(2):
        make_case(category="out-of-stock", now=now)
    with CaptureQueriesContext(connection) as few:
        assert sla_sweep(now=later)["promoted"] == 2
    for _ in range(6):
        make_case(category="out-of-stock", now=now)
    with CaptureQueriesContext(connection) as many:
        assert sla_sweep(now=later)["promoted"] == 6
    assert len(many) == len(few)


def test_per_tier_anchor_several_tiers_late_uses_each_breach_as_next_entry(make_case, now):
    case = make_case(category="unresolved-issue")  # complex inquiries: 1, 3, 5 business days
    sla_sweep(now=now + timedelta(days=30))
    case.refresh_from_db()
    assert case.tier == 4
    stays = list(TierStay.objects.filter(case=case).order_by("entered_at"))
    for previous, following in zip(stays, stays[1:], strict=False):
        assert following.entered_at == previous.breached_at == previous.left_at


def test_sweep_is_idempotent(make_case, now):
    make_case(category="out-of-stock")
    make_case(category="unresolved-issue")
    later = now + timedelta(days=2)
    first = sla_sweep(now=later)
    rows = Case.history.count()
    second = sla_sweep(now=later)
    assert first["promoted"] > 0
    assert (second["promoted"], second["warned"], second["checked"]) == (0, 0, 0)
    assert Case.history.count() == rows


def _limit_top_tier(policy_slug: str, level: int, hours: int) -> None:
    Tier.objects.filter(policy__slug=policy_slug, level=level).update(
        limit_value=Decimal(hours), limit_kind="calendar_hours", limit_anchor="tier_entered"
    )


def test_top_tier_breach_is_marked_not_promoted_and_reminded_daily(make_case, now):
    _limit_top_tier("sclub-complex-inquiries", 4, 10)
    case = make_case(category="compliance-legal")  # starts at the top tier (4)
    sla_sweep(now=now + timedelta(hours=11))
    case.refresh_from_db()
    assert (case.tier, case.sla_breached) == (4, True)
    assert CaseEvent.objects.filter(case=case, kind="breached_top").count() == 1
    assert _history(case)[-1].history_transition == "sla"
    sla_sweep(now=now + timedelta(hours=20))  # less than a day later: no reminder yet
    sla_sweep(now=now + timedelta(hours=35))  # a day after the breach mark: reminded
    sla_sweep(now=now + timedelta(hours=36))
    sla_sweep(now=now + timedelta(hours=60))  # and again the next day
    assert CaseEvent.objects.filter(case=case, kind="breach_reminder").count() == 2
    assert Case.objects.get(pk=case.pk).tier == 4


def test_warning_is_raised_once_at_the_target(make_case, now):
    case = make_case(category="out-of-stock")  # warn at 75% of 24 h = 18 h
    assert sla_sweep(now=now + timedelta(hours=17))["warned"] == 0
    assert sla_sweep(now=now + timedelta(hours=19))["warned"] == 1
    assert sla_sweep(now=now + timedelta(hours=20))["warned"] == 0
    case.refresh_from_db()
    assert case.at_risk and case.tier == 1
    assert CaseEvent.objects.filter(case=case, kind="sla_warning").count() == 1
    assert TierStay.objects.get(case=case).warned_at == now + timedelta(hours=18)


def test_unacknowledged_case_is_flagged_without_changing_tier(make_case, now):
    Tier.objects.filter(policy__slug="eezee-operations", level=1).update(
        ack_value=Decimal(2), ack_kind="calendar_hours"
    )
    case = make_case(category="out-of-stock")
    sla_sweep(now=now + timedelta(hours=3))
    case.refresh_from_db()
    assert (case.ack_overdue, case.tier, case.state) == (True, 1, CaseState.OPEN)
    assert CaseEvent.objects.filter(case=case, kind="ack_overdue").count() == 1


def test_cases_on_hold_are_not_swept(make_case, admin_user, now):
    case = case_hold(case=make_case(category="out-of-stock"), actor=admin_user, reason="w",
                     now=now)
    assert sla_sweep(now=now + timedelta(days=5))["checked"] == 0
    assert Case.objects.get(pk=case.pk).tier == 1


def test_sweep_audit_trail_matches_manual_escalation(make_case, now):
    # Given two identical cases, one escalated by the service, one by the sweep
    by_service = make_case(category="unresolved-issue")
    by_sweep = make_case(category="unresolved-issue")
    breach = by_sweep.due_at
    reason = "SLA breached: 1 business days from tier entry at tier Frontline Support Agent Review"
    case_escalate(case=by_service, actor=system_user(), reason=reason, now=breach)
    sla_sweep(now=breach + timedelta(minutes=1))
    fields = ["tier", "state", "due_at", "warn_at", "version", "history_transition",
              "history_change_reason", "history_user_id", "history_date", "sla_breached"]
    service_row = by_service.history.latest()
    sweep_row = by_sweep.history.latest()
    differing = {f for f in fields if getattr(service_row, f) != getattr(sweep_row, f)}
    assert differing <= {"sla_breached"}  # a manual escalation is not a breach
    stay_fields = ["level", "tier_name", "entered_at", "left_at", "left_by", "due_at"]
    assert list(TierStay.objects.filter(case=by_service).order_by("entered_at")
                .values_list(*stay_fields)) == list(
        TierStay.objects.filter(case=by_sweep).order_by("entered_at").values_list(*stay_fields))


def test_crash_in_the_middle_leaves_no_half_state(make_case, now, monkeypatch):
    cases = [make_case(category="out-of-stock") for _ in range(6)]
    real_write = sweep_module.changes_write
    calls = {"n": 0}

    def failing_write(changes, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker died")
        return real_write(changes, **kwargs)

    monkeypatch.setattr(sweep_module, "changes_write", failing_write)
    with pytest.raises(RuntimeError):
        sla_sweep(now=now + timedelta(hours=25), batch_size=3)
    tiers = sorted(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list(
        "tier", flat=True))
    assert tiers == [1, 1, 1, 2, 2, 2]  # first batch fully promoted, second untouched
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]):
        escalated = case.tier == 2
        assert case.history.filter(history_transition="escalate").exists() == escalated
        assert TierStay.objects.filter(case=case).count() == (2 if escalated else 1)
        assert CaseEvent.objects.filter(case=case).exists() == escalated
    monkeypatch.setattr(sweep_module, "changes_write", real_write)
    assert sla_sweep(now=now + timedelta(hours=25))["promoted"] == 3
    assert set(Case.objects.values_list("tier", flat=True)) == {2}


def test_sla_sweep_command_prints_one_json_line(make_case, now):
    make_case(category="out-of-stock")
    out = StringIO()
    call_command("sla_sweep", "--now", (now + timedelta(hours=25)).isoformat(), stdout=out)
    line = json.loads(out.getvalue())
    assert line == {"promoted": 1, "warned": 0, "checked": 1,
                    "now": (now + timedelta(hours=25)).isoformat()}


def test_sla_sweep_command_refuses_bad_now():
    with pytest.raises(Exception, match="not an ISO-8601"):
        call_command("sla_sweep", "--now", "yesterday", stdout=StringIO())


def test_sweep_schedule_exists_once_after_migrate():
    from django.utils.module_loading import import_string
    from django_q.models import Schedule

    from escalations.schedules import schedules_ensure
    from escalations.tasks import run_sla_sweep

    schedules_ensure()
    schedules_ensure()
    schedule = Schedule.objects.get(name="sla-sweep")
    # the worker runs the leased sweep every minute
    assert import_string(schedule.func) is run_sla_sweep
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 1)


def test_scheduled_sweep_skips_while_another_holds_the_lease(make_case, now):
    from escalations.sla.leases import leased
    from escalations.tasks import SWEEP_LEASE, run_sla_sweep

    make_case(category="out-of-stock", now=now - timedelta(days=2))
    with leased(SWEEP_LEASE, ttl=timedelta(minutes=5)) as held:
        assert held
        assert run_sla_sweep() is None
    assert run_sla_sweep()["promoted"] >= 1


@pytest.fixture
def delivery_requests(monkeypatch) -> list[int]:
    """Record each request handed to the task queue (django-q2's async_task) to deliver the
    outbox, as the number of committed events whose notifications it is to queue."""
    from django.utils.module_loading import import_string

    from escalations.tasks import deliver_notifications

    requests: list[int] = []

    def async_task(func, *args, **kwargs):
        task = import_string(func) if isinstance(func, str) else func
        if task is deliver_notifications:
            requests.append(CaseEvent.objects.filter(notifications_queued=False).count())

    monkeypatch.setattr("django_q.tasks.async_task", async_task)
    return requests


@pytest.mark.django_db(transaction=True)
def test_one_delivery_request_per_sweep_after_its_batches_commit(make_case, make_user, now,
                                                                 delivery_requests):
    """Each batch commits on its own; delivery is asked for once, after the last one."""
    from escalations.models import Notification

    # Given three overdue cases, each with people to notify of its escalation
    make_user("team-lead", email="lead@example.com")
    make_user("assistant-manager", email="am@example.com")
    for _ in range(3):
        make_case(category="out-of-stock")
    # When the sweep promotes them one batch (one transaction) at a time
    result = sla_sweep(now=now + timedelta(hours=25), batch_size=1)
    # Then one request asks for delivery, once every batch's events are committed
    assert result["promoted"] == 3
    assert delivery_requests == [3]
    # and that delivery run queues each event's notifications, once
    from escalations.tasks import deliver_notifications

    deliver_notifications()
    queued = Notification.objects.filter(event="escalated").count()
    deliver_notifications()
    assert Notification.objects.filter(event="escalated").count() == queued >= 3
    assert not CaseEvent.objects.filter(notifications_queued=False).exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_batch_still_hands_over_the_committed_batches_notifications(
        make_case, make_user, now, monkeypatch, delivery_requests):

    # Given two overdue cases, and a worker that dies while sweeping the second
    make_user("team-lead", email="lead@example.com")
    for _ in range(2):
        make_case(category="out-of-stock")
    real_batch, calls = sweep_module.sweep_batch, []

    def second_batch_fails(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker lost its database")
        return real_batch(**kwargs)

    monkeypatch.setattr(sweep_module, "sweep_batch", second_batch_fails)
    # When the sweep runs one case per batch
    with pytest.raises(RuntimeError):
        sla_sweep(now=now + timedelta(hours=25), batch_size=1)
    # Then the first batch's committed events are still handed over for delivery
    assert delivery_requests == [1]

"""Case transitions through the services: allowed, refused, permission-denied, history, stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from escalations.choices import CaseState, Outcome
from escalations.models import Case, TierStay
from escalations.services import (
    CaseConflict,
    TransitionRefused,
    case_acknowledge,
    case_close,
    case_escalate,
    case_hold,
    case_reopen,
    case_resolve,
    case_resume,
)

pytestmark = pytest.mark.django_db


def _resolve(case, actor, now):
    return case_resolve(
        case=case, actor=actor, now=now, resolution_plan="Refund issued",
        outcome=Outcome.ISSUE_RESOLVED, corrective_actions="Stock check added",
    )


def test_open_starts_at_category_default_tier_with_deadline(make_case, now):
    # Given an out-of-stock case (Eezee: team lead, 24 calendar hours from opening)
    case = make_case(category="out-of-stock")
    # Then it is open at tier 1 with its deadline 24 hours after opening
    assert (case.state, case.tier) == (CaseState.OPEN, 1)
    assert case.due_at == now + timedelta(hours=24)
    record = case.history.get()
    assert record.history_transition == "open"
    assert record.history_user.username == "root"


def test_fraud_goes_straight_to_supervisor_and_legal_is_confidential(make_case):
    fraud = make_case(category="fraud-scam-accusation")
    legal = make_case(category="compliance-legal")
    assert (fraud.tier, fraud.current_tier.owner_role.slug) == (2, "supervisor")
    assert (legal.tier, legal.current_tier.owner_role.slug, legal.confidential) == (
        4, "executive", True,
    )


def test_acknowledge_moves_open_to_in_progress_and_records_stay(make_case, make_user, now):
    lead = make_user("team-lead")
    case = make_case()
    case = case_acknowledge(case=case, actor=lead, now=now + timedelta(hours=1))
    assert case.state == CaseState.IN_PROGRESS
    assert case.assignee == lead  # acknowledging an unassigned case takes it
    stay = TierStay.objects.get(case=case)
    assert stay.acknowledged_at == now + timedelta(hours=1)


def test_acknowledge_refused_when_not_open(make_case, admin_user, now):
    case = case_acknowledge(case=make_case(), actor=admin_user, now=now)
    with pytest.raises(TransitionRefused, match="cannot be acknowledged: it is in progress"):
        case_acknowledge(case=case, actor=admin_user, now=now)


def test_escalate_moves_to_next_tier_with_reason_in_history(make_case, make_user, now):
    agent = make_user("agent")
    case = make_case()
    later = now + timedelta(hours=3)
    case = case_escalate(case=case, actor=agent, reason="Supplier silent", now=later)
    assert (case.state, case.tier) == (CaseState.OPEN, 2)
    # Eezee tier 2: 48 hours from opening, not from entering the tier
    assert case.due_at == now + timedelta(hours=48)
    latest = case.history.latest()
    assert (latest.history_transition, latest.history_change_reason) == (
        "escalate", "Supplier silent",
    )
    assert latest.history_user == agent
    stays = list(TierStay.objects.filter(case=case).order_by("entered_at"))
    assert [(s.level, s.left_by) for s in stays] == [(1, "escalate"), (2, "")]
    assert stays[0].left_at == later and stays[1].entered_at == later


def test_escalate_from_in_progress_and_on_hold(make_case, admin_user, now):
    case = case_acknowledge(case=make_case(), actor=admin_user, now=now)
    case = case_escalate(case=case, actor=admin_user, reason="r", now=now)
    assert (case.state, case.tier) == (CaseState.OPEN, 2)
    case = case_hold(case=case, actor=admin_user, reason="waiting", now=now)
    case = case_escalate(case=case, actor=admin_user, reason="r", now=now)
    assert (case.state, case.tier) == (CaseState.OPEN, 3)


def test_escalate_refused_at_top_tier(make_case, admin_user):
    case = make_case(category="compliance-legal")  # starts at tier 4 of 4
    with pytest.raises(TransitionRefused, match="already at the top tier"):
        case_escalate(case=case, actor=admin_user, reason="more")
    assert Case.objects.get(pk=case.pk).tier == 4


def test_escalate_needs_a_reason(make_case, admin_user):
    with pytest.raises(TransitionRefused, match="reason is required"):
        case_escalate(case=make_case(), actor=admin_user, reason="  ")


def test_escalate_refused_on_resolved_case(make_case, admin_user, now):
    case = _resolve(make_case(), admin_user, now)
    with pytest.raises(TransitionRefused, match="it is resolved"):
        case_escalate(case=case, actor=admin_user, reason="late")


def test_hold_and_resume(make_case, admin_user, now):
    case = case_hold(case=make_case(), actor=admin_user, reason="Awaiting customer", now=now)
    assert case.state == CaseState.ON_HOLD
    with pytest.raises(TransitionRefused):
        case_hold(case=case, actor=admin_user, reason="again", now=now)
    case = case_resume(case=case, actor=admin_user, now=now)
    assert case.state == CaseState.IN_PROGRESS
    with pytest.raises(TransitionRefused):
        case_resume(case=case, actor=admin_user, now=now)


def test_resolve_needs_plan_and_outcome(make_case, admin_user, now):
    case = make_case()
    with pytest.raises(TransitionRefused, match="resolution plan and an outcome"):
        case_resolve(case=case, actor=admin_user, resolution_plan="", outcome="", now=now)
    assert Case.objects.get(pk=case.pk).state == CaseState.OPEN


def test_resolve_then_close_records_feedback(make_case, make_user, admin_user, now):
    manager = make_user("manager")
    case = _resolve(make_case(), admin_user, now)
    assert (case.state, case.resolved_at, case.due_at) == (CaseState.RESOLVED, now, None)
    closed = case_close(case=case, actor=manager, feedback_score=4, feedback_comment="Thanks",
                        now=now + timedelta(days=1))
    assert (closed.state, closed.feedback_score, closed.closed_at) == (
        CaseState.CLOSED, 4, now + timedelta(days=1),
    )
    stay = TierStay.objects.get(case=case)
    assert (stay.left_by, stay.left_at) == ("resolve", now)


def test_close_refused_unless_resolved(make_case, admin_user):
    with pytest.raises(TransitionRefused, match="cannot be closed: it is open"):
        case_close(case=make_case(), actor=admin_user)


def test_reopen_returns_to_open_at_same_tier_with_new_stay(make_case, admin_user, now):
    case = case_escalate(case=make_case(), actor=admin_user, reason="r", now=now)
    case = _resolve(case, admin_user, now)
    case = case_reopen(case=case, actor=admin_user, reason="Customer came back",
                       now=now + timedelta(hours=2))
    assert (case.state, case.tier, case.resolved_at) == (CaseState.OPEN, 2, None)
    assert case.due_at is not None
    assert TierStay.objects.filter(case=case, left_at__isnull=True, level=2).count() == 1


def test_agent_may_escalate_but_not_resolve_or_close_team_lead_tier(make_case, make_user, now):
    agent = make_user("agent")
    case = make_case()  # Eezee tier 1 is owned by the team lead
    with pytest.raises(PermissionDenied):
        _resolve(case, agent, now)
    with pytest.raises(PermissionDenied):
        case_acknowledge(case=case, actor=agent, now=now)
    case = case_escalate(case=case, actor=agent, reason="beyond me", now=now)
    assert case.tier == 2


def test_agent_may_resolve_at_agent_owned_tier(make_case, make_user, now):
    agent = make_user("agent")
    case = make_case(category="unresolved-issue")  # complex inquiries: level 1 is the agent's
    case = _resolve(case, agent, now)
    assert case.state == CaseState.RESOLVED
    with pytest.raises(PermissionDenied):
        case_close(case=case, actor=agent)


def test_team_lead_cannot_resolve_manager_tier(make_case, make_user, admin_user, now):
    lead = make_user("team-lead")
    case = make_case()
    case = case_escalate(case=case, actor=admin_user, reason="r", now=now)
    case = case_escalate(case=case, actor=admin_user, reason="r", now=now)  # tier 3: Manager
    with pytest.raises(PermissionDenied):
        _resolve(case, lead, now)
    assert _resolve(case, make_user("manager"), now).state == CaseState.RESOLVED


def test_assignee_may_resolve_regardless_of_rank(make_case, make_user, now):
    agent = make_user("agent")
    case = make_case(assignee=agent)
    assert _resolve(case, agent, now).state == CaseState.RESOLVED


def test_user_outside_scope_cannot_transition(make_case, make_user):
    outsider = make_user("team-lead", team="sales-bd")
    with pytest.raises(PermissionDenied):
        case_escalate(case=make_case(team="customer-service"), actor=outsider, reason="r")


def test_stale_copy_is_refused_as_conflict(make_case, admin_user, now):
    # Given two people who loaded the same case
    case = make_case()
    mine, theirs = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    # When one escalates first
    case_escalate(case=theirs, actor=admin_user, reason="first", now=now)
    # Then the other's escalation (from the copy they saw) is refused, not applied twice
    with pytest.raises(CaseConflict, match="changed by someone else"):
        case_escalate(case=mine, actor=admin_user, reason="second", now=now)
    assert Case.objects.get(pk=case.pk).tier == 2
    assert case.history.filter(history_transition="escalate").count() == 1


def test_state_cannot_be_assigned_directly(make_case):
    case = make_case()
    with pytest.raises(AttributeError):
        case.state = CaseState.CLOSED


def test_failed_transition_writes_nothing(make_case, admin_user, now):
    case = make_case()
    versions = case.history.count()
    with pytest.raises(TransitionRefused):
        case_close(case=case, actor=admin_user, now=now)
    assert case.history.count() == versions
    assert Case.objects.get(pk=case.pk).version == case.version


def test_change_reason_does_not_leak_into_next_save(make_case, admin_user, now):
    case = case_escalate(case=make_case(), actor=admin_user, reason="once", now=now)
    case.summary = "edited without a service"
    case.save()
    assert case.history.latest().history_change_reason in (None, "")


def test_every_transition_leaves_one_history_row(make_case, admin_user, now):
    case = make_case()
    case = case_acknowledge(case=case, actor=admin_user, now=now)
    case = case_hold(case=case, actor=admin_user, reason="wait", now=now)
    case = case_resume(case=case, actor=admin_user, now=now)
    case = case_escalate(case=case, actor=admin_user, reason="up", now=now)
    case = _resolve(case, admin_user, now)
    case = case_reopen(case=case, actor=admin_user, reason="back", now=now)
    case = _resolve(case, admin_user, now)
    case_close(case=case, actor=admin_user, now=now)
    transitions = list(
        case.history.order_by("history_date", "history_id").values_list(
            "history_transition", flat=True
        )
    )
    assert transitions == [
        "open", "acknowledge", "hold", "resume", "escalate", "resolve", "reopen", "resolve",
        "close",
    ]


def test_only_legal_executive_or_admin_may_lift_confidentiality(make_case, make_user):
    from escalations.services import case_update

    manager = make_user("manager")
    case = make_case(confidential=True, assignee=manager)
    with pytest.raises(PermissionDenied, match="lift the confidentiality"):
        case_update(case=case, actor=manager, changes={"confidential": False})
    legal = make_user("legal", team="legal")
    assert not case_update(case=case, actor=legal, changes={"confidential": False}).confidential


def test_long_reasons_are_kept_whole(make_case, admin_user, now):
    reason = "Customer escalated again after three failed deliveries. " * 20
    case = case_escalate(case=make_case(), actor=admin_user, reason=reason, now=now)
    assert case.history.latest().history_change_reason == reason


def test_active_cases_are_exactly_the_unresolved_ones(make_case, admin_user, now):
    """The case list's partial index relies on: active ⇔ resolved_at is empty."""
    from escalations.choices import ACTIVE_STATES

    open_case = make_case()
    held = case_hold(case=make_case(), actor=admin_user, reason="w", now=now)
    done = _resolve(make_case(), admin_user, now)
    back = case_reopen(case=_resolve(make_case(), admin_user, now), actor=admin_user,
                       reason="again", now=now)
    closed = case_close(case=_resolve(make_case(), admin_user, now), actor=admin_user, now=now)
    for case in (open_case, held, done, back, closed):
        case.refresh_from_db()
        assert (case.state in ACTIVE_STATES) is (case.resolved_at is None), case.state

"""The one write path: the SLA clock run on one case by its service and the sweep over a batch
write the same rows; clocks count from the start stored with each tier stay (opening, tier
entry, import, reopening), whichever path later recomputes them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from accounts.models import User
from escalations.choices import CaseState, ClockBasis
from escalations.imports.engine import tracker_import
from escalations.models import Case, CaseEvent, Notification, Tier, TierStay
from escalations.notifications.outbox import outbox_queue_pending_events
from escalations.services import (
    case_assign,
    case_hold,
    case_reopen,
    case_resolve,
    case_resume,
    case_update,
)
from escalations.sla.sweep import case_sla_check, sla_sweep

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def people(make_user):
    """The people told about escalations, warnings and breaches in customer service and legal."""
    return {role: make_user(role=role, email=f"{role}@x.test") for role in (
        "team-lead", "supervisor", "assistant-manager", "manager", "head-of-operations",
        "senior-management", "executive")} | {
        "legal": make_user(role="legal", team="legal", email="legal@x.test")}


def _top_tier_limited(hours: int) -> None:
    Tier.objects.filter(policy__slug="sclub-complex-inquiries", level=4).update(
        limit_value=Decimal(hours), limit_kind="calendar_hours", limit_anchor="tier_entered")


def _held(make_case, admin_user, now):
    case = make_case(category="out-of-stock")
    case = case_hold(case=case, actor=admin_user, reason="Waiting for the supplier",
                     now=now + 2 * HOUR)
    return case_resume(case=case, actor=admin_user, now=now + 12 * HOUR)


def _tightened(make_case, admin_user, now):
    case = make_case(category="unresolved-issue", risk=3)  # risk 5: half the time
    return case_update(case=case, actor=admin_user, changes={"risk_rating": 5}, now=now + HOUR)


def _confidential(make_case, admin_user, now):
    # told only to those who may see it: here its assignee
    return make_case(category="out-of-stock", confidential=True,
                     assignee=User.objects.get(email="assistant-manager@x.test"))


def _top_tier(make_case, admin_user, now):
    _top_tier_limited(10)
    return make_case(category="compliance-legal")


# name: (how the case is made, the moments the clock runs at)
SCENARIOS: dict[str, tuple[Callable, list[timedelta]]] = {
    "single promotion after a warning": (
        lambda make_case, admin_user, now: make_case(category="out-of-stock"),
        [19 * HOUR, 25 * HOUR]),
    "several tiers at once, counted from the opening": (
        lambda make_case, admin_user, now: make_case(category="out-of-stock"),
        [timedelta(days=4)]),
    "several tiers at once, counted from each entry": (
        lambda make_case, admin_user, now: make_case(category="unresolved-issue"),
        [timedelta(days=30)]),
    "a hold moves the warning and the deadline": (_held, [27 * HOUR, 29 * HOUR, 35 * HOUR]),
    "a tighter risk rating": (_tightened, [3 * HOUR, 20 * HOUR]),
    "a confidential case": (_confidential, [25 * HOUR]),
    "a breach at the top tier, then a reminder": (_top_tier, [11 * HOUR, 36 * HOUR]),
}


def _rows(case_id: int) -> dict[str, list]:
    """Every row the clock wrote about a case, without keys that differ between two cases
    (its events' notifications queued first, as the delivery run does)."""
    outbox_queue_pending_events()
    case = Case.objects.get(pk=case_id)
    history_skip = {"history_id", "id", "ticket_id"}
    return {
        "case": [{field.attname: getattr(case, field.attname)
                  for field in Case._meta.concrete_fields
                  if field.attname not in {"id", "ticket_id"}}],
        "history": [
            {name: value for name, value in row.items() if name not in history_skip}
            for row in Case.history.filter(id=case_id).order_by("history_date", "version")
            .values()],
        "stays": list(TierStay.objects.filter(case_id=case_id).order_by("entered_at", "id")
                      .values("level", "tier_name", "entered_at", "acknowledged_at", "left_at",
                              "left_by", "due_at", "warned_at", "breached_at", "ack_overdue_at",
                              "entered_by_id", "clock_from", "clock_basis")),
        "events": list(CaseEvent.objects.filter(case_id=case_id).order_by("occurred_at", "id")
                       .values("kind", "level", "occurred_at", "actor_id", "detail")),
        "outbox": list(Notification.objects.filter(case_id=case_id).order_by(
            "created_at", "event", "channel", "recipient").values(
            "event", "channel", "recipient", "recipient_user_id", "recipient_label",
            "created_at", "next_attempt_at", "status")),
    }


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_clock_run_on_one_case_and_the_sweep_write_the_same_rows(
        name, make_case, admin_user, people, now):
    make, moments = SCENARIOS[name]
    # Given a case, the clock run on it alone at each moment, through the service
    by_hand = make(make_case, admin_user, now)
    for moment in moments:
        case_sla_check(case=Case.objects.get(pk=by_hand.pk), now=now + moment)
    expected = _rows(by_hand.pk)
    Case.objects.filter(pk=by_hand.pk).delete()
    # When the same case is made again and the sweep runs at the same moments
    by_sweep = make(make_case, admin_user, now)
    for moment in moments:
        sla_sweep(now=now + moment)
    # Then every row is the same, and the scenario did what it is named for
    assert _rows(by_sweep.pk) == expected
    assert len(expected["history"]) > 1 and expected["events"] and expected["outbox"]


def test_promotion_by_the_sweep_is_the_manual_escalation_plus_the_breach(make_case, now):
    case = make_case(category="unresolved-issue")
    sla_sweep(now=case.due_at)
    row = Case.objects.get(pk=case.pk).history.latest()
    assert (row.history_transition, row.tier, row.sla_breached, row.history_date) == (
        "escalate", 2, True, case.due_at)
    assert TierStay.objects.get(case=case, level=1).breached_at == case.due_at


def test_the_sweep_records_activity_on_the_cases_it_changes(make_case, now):
    case = make_case(category="out-of-stock")
    sla_sweep(now=now + 25 * HOUR)
    # its last activity: the promotion, dated at the deadline it missed
    assert Case.objects.get(pk=case.pk).updated_at == case.due_at == now + 24 * HOUR


def test_assigning_takes_the_clock_it_is_given(make_case, make_user, admin_user, now):
    lead = make_user(role="team-lead")
    case = case_assign(case=make_case(), actor=admin_user, assignee=lead, now=now + HOUR)
    assert case.history.latest().history_date == now + HOUR
    assert CaseEvent.objects.get(case=case, kind="assigned").occurred_at == now + HOUR


# --- imported cases: the clock starts at the import, and stays there -----------------------

IMPORT_HEADER = "Ticket #,Date Escalated,Customer,Issue Type,Risk,Team,Status,Summary"


def _import(rows: list[str], now: datetime) -> dict:
    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        username="importer", password="pw")
    data = ("\n".join([IMPORT_HEADER, *rows]) + "\n").encode()
    return tracker_import(file_name="tracker.csv", actor=admin, data=data, now=now).as_json()


def _legacy_case(now: datetime, risk: int = 3, category: str = "Out of stock") -> str:
    return f"LEG-1,2026-10-01,Old Customer,{category},{risk},Customer Service,Open,Old case"


def test_an_imported_case_counts_its_clock_from_the_import(now):
    _import([_legacy_case(now)], now)
    case = Case.objects.get(ticket_id="LEG-1")
    stay = TierStay.objects.get(case=case)
    assert (stay.clock_from, stay.clock_basis) == (now, ClockBasis.IMPORT)
    assert case.due_at == now + 24 * HOUR
    assert "from the import" in case.due_explanation


def test_editing_an_imported_case_keeps_its_clock_at_the_import(admin_user, now):
    _import([_legacy_case(now)], now)
    case = Case.objects.get(ticket_id="LEG-1")
    # When its risk rating changes, and it is put on hold and resumed
    case = case_update(case=case, actor=admin_user, changes={"risk_rating": 4}, now=now + HOUR)
    case = case_hold(case=case, actor=admin_user, reason="Customer away", now=now + 2 * HOUR)
    case = case_resume(case=case, actor=admin_user, now=now + 3 * HOUR)
    # Then its deadline still counts from the import, and the next sweep promotes nothing
    assert now < case.due_at <= now + 25 * HOUR
    assert sla_sweep(now=now + 5 * HOUR)["promoted"] == 0
    assert Case.objects.get(pk=case.pk).tier == 1
    assert not Notification.objects.filter(case=case).exists()


def test_a_reimport_with_a_new_risk_rating_moves_the_deadline(now):
    _import([_legacy_case(now, risk=3, category="unresolved-issue")], now)
    before = Case.objects.get(ticket_id="LEG-1").due_at
    result = _import([_legacy_case(now, risk=5, category="unresolved-issue")], now + HOUR)
    case = Case.objects.get(ticket_id="LEG-1")
    assert result["updated"] == 1 and case.risk_rating == 5
    assert case.due_at < before  # risk 5 tightens the clock counted from the first import
    assert "from the import" in case.due_explanation
    assert sla_sweep(now=now + 2 * HOUR)["promoted"] == 0


# --- reopening: the time spent resolved does not count ----------------------------------------

def test_a_reopened_case_gets_a_fresh_clock_and_is_not_promoted_for_the_time_resolved(
        make_case, admin_user, now):
    case = make_case(category="out-of-stock")
    case = case_resolve(case=case, actor=admin_user, resolution_plan="Refunded",
                        outcome="issue_resolved", now=now + HOUR)
    reopened_at = now + timedelta(days=5)
    case = case_reopen(case=case, actor=admin_user, reason="Refund bounced", now=reopened_at)
    assert (case.state, case.tier, case.due_at) == (CaseState.OPEN, 1, reopened_at + 24 * HOUR)
    stay = TierStay.objects.filter(case=case).latest("entered_at")
    assert (stay.clock_from, stay.clock_basis) == (reopened_at, ClockBasis.REOPEN)
    assert sla_sweep(now=reopened_at + HOUR)["promoted"] == 0
    # a day after the reopening, one tier, dated at the new deadline
    sla_sweep(now=reopened_at + 25 * HOUR)
    case = Case.objects.get(pk=case.pk)
    assert case.tier == 2
    assert case.due_at == reopened_at + 48 * HOUR  # the later tiers count from the reopening
    assert not case.history.filter(history_date__gt=now + HOUR,
                                   history_date__lt=reopened_at).exists()


def test_a_fresh_clock_carries_across_a_tier_counted_from_its_own_entry(admin_user, now):
    # Given a policy whose second tier counts from its own entry, the others from the opening
    Tier.objects.filter(policy__slug="eezee-operations", level=2).update(
        limit_value=Decimal(24), limit_anchor="tier_entered")
    _import([_legacy_case(now)], now)  # opened weeks before the import
    # When the sweep runs past the first two deadlines
    sla_sweep(now=now + 49 * HOUR)
    case = Case.objects.get(ticket_id="LEG-1")
    # Then the third tier still counts from the import (72 h), not from the legacy opening
    assert (case.tier, case.due_at) == (3, now + 72 * HOUR)
    stay = TierStay.objects.get(case=case, level=3)
    assert (stay.clock_from, stay.clock_basis) == (now, ClockBasis.IMPORT)


def test_a_promotion_is_never_dated_before_the_stay_it_leaves(make_case, admin_user, now):
    from escalations.models import Policy, RiskAdjustment
    from escalations.services import case_escalate

    # Given a case escalated by hand at tier 2 of limits counted from the opening (48 h)
    RiskAdjustment.objects.create(policy=Policy.objects.get(slug="eezee-operations"),
                                  risk_rating=5, percent=50)
    case = make_case(category="out-of-stock", risk=3)
    case = case_escalate(case=case, actor=admin_user, reason="Supplier silent",
                         now=now + 30 * HOUR)
    # When its risk rises so that tier 2's deadline (24 h from the opening) lies before its
    # entry, and the sweep runs
    case = case_update(case=case, actor=admin_user, changes={"risk_rating": 5},
                       now=now + 31 * HOUR)
    assert case.due_at == now + 24 * HOUR
    sla_sweep(now=now + 32 * HOUR)
    # Then the promotion is dated at the edit that moved the deadline into the past, not
    # before the stay began or before the edit
    stay = TierStay.objects.get(case=case, level=2)
    assert (stay.entered_at, stay.left_at) == (now + 30 * HOUR, now + 31 * HOUR)
    assert Case.objects.get(pk=case.pk).tier == 3
    dates = list(Case.history.filter(id=case.pk).order_by("version")
                 .values_list("history_date", flat=True))
    assert dates == sorted(dates)

"""Deadlines of cases: anchors, ranges, holds, risk, acknowledgement, explanations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from escalations.models import Case, PolicyHoliday, RiskAdjustment, Tier
from escalations.services import (
    case_acknowledge,
    case_escalate,
    case_hold,
    case_resume,
    case_update,
)

pytestmark = pytest.mark.django_db
SGT = ZoneInfo("Asia/Singapore")


def sg(*args) -> datetime:
    return datetime(*args, tzinfo=SGT)


def test_cumulative_anchor_counts_from_opening(make_case, admin_user, now):
    # Eezee: 24 h → AM, 48 h → Manager, 72 h → HoO, all from the initial notification
    case = make_case(category="out-of-stock")
    case = case_escalate(case=case, actor=admin_user, reason="r", now=now + timedelta(hours=30))
    assert case.due_at == now + timedelta(hours=48)
    case = case_escalate(case=case, actor=admin_user, reason="r", now=now + timedelta(hours=50))
    assert case.due_at == now + timedelta(hours=72)
    assert "72 calendar hours from case opening" in case.due_explanation


def test_tier_entry_anchor_counts_business_days_from_entering(make_case, admin_user):
    # Complex inquiries level 2: 2-3 business days from entering Supervisor
    entered = sg(2026, 11, 24, 14)  # Tue
    case = make_case(category="fraud-scam-accusation", now=entered, risk=3)
    assert case.tier == 2
    assert case.due_at == sg(2026, 11, 27, 14)  # Fri: 3 business days
    assert case.warn_at == sg(2026, 11, 26, 14)  # target of the range: 2 business days
    assert case.due_explanation == (
        "3 business days from entering Supervisor Intervention on Tue 24 Nov 14:00. "
        "Due Fri 27 Nov 14:00 (Asia/Singapore)."
    )


def test_explanation_names_skipped_weekend_holiday_hold_and_risk(make_case, admin_user):
    policy_case = make_case(category="fraud-scam-accusation", now=sg(2026, 12, 23, 14), risk=5)
    # risk 5 halves the limit: 1.5 business days
    assert "risk 5 at 50%" in policy_case.due_explanation
    case = make_case(category="fraud-scam-accusation", now=sg(2026, 12, 23, 14), risk=3)
    case = case_hold(case=case, actor=admin_user, reason="customer", now=sg(2026, 12, 23, 15))
    case = case_resume(case=case, actor=admin_user, now=sg(2026, 12, 23, 18, 10))
    # Wed 23 Dec 14:00 + 3 bd skips Fri 25 Dec (Christmas) and Sat-Sun → Tue 29 Dec 14:00,
    # then +3 h on hold (15:00-18:00 working time) → Tue 29 Dec 17:00
    assert case.due_at == sg(2026, 12, 29, 17)
    text = case.due_explanation
    assert "skipped Sat-Sun and the 25 Dec holiday (Christmas Day)" in text
    assert "+3 h on hold" in text


def test_business_hours_limit_and_custom_holiday(make_case, admin_user):
    tier = Tier.objects.get(policy__slug="eezee-operations", level=1)
    tier.limit_value, tier.limit_kind, tier.limit_anchor = Decimal(10), "business_hours", (
        "tier_entered"
    )
    tier.save()
    PolicyHoliday.objects.create(policy=tier.policy, date=datetime(2026, 11, 25).date(),
                                 name="Company day")
    # Tue 16:00 + 10 working hours: 2 h Tue, Wed is a company holiday, 8 h Thu → Thu 17:00
    case = make_case(category="out-of-stock", now=sg(2026, 11, 24, 16))
    assert case.due_at == sg(2026, 11, 26, 17)
    assert "the 25 Nov holiday (company holiday)" in case.due_explanation


def test_hold_stops_the_clock_and_resume_moves_deadline(make_case, admin_user, now):
    case = make_case(category="out-of-stock")  # due now + 24 h
    case = case_hold(case=case, actor=admin_user, reason="waiting", now=now + timedelta(hours=2))
    assert (case.sla_next_at, case.held_since) == (None, now + timedelta(hours=2))
    case = case_resume(case=case, actor=admin_user, now=now + timedelta(hours=5, minutes=10))
    assert case.due_at == now + timedelta(hours=27, minutes=10)
    assert "+3 h 10 min on hold" in case.due_explanation
    assert case.holds.get().ended_at == now + timedelta(hours=5, minutes=10)


def test_pause_before_escalation_still_counts_for_cumulative_anchor(make_case, admin_user, now):
    case = make_case(category="out-of-stock")
    case = case_hold(case=case, actor=admin_user, reason="w", now=now + timedelta(hours=1))
    case = case_resume(case=case, actor=admin_user, now=now + timedelta(hours=3))
    case = case_escalate(case=case, actor=admin_user, reason="r", now=now + timedelta(hours=10))
    assert case.due_at == now + timedelta(hours=50)  # 48 h from opening + 2 h paused


def test_changing_risk_recomputes_deadline(make_case, admin_user):
    case = make_case(category="fraud-scam-accusation", now=sg(2026, 11, 24, 14), risk=3)
    assert case.due_at == sg(2026, 11, 27, 14)
    case = case_update(case=case, actor=admin_user, changes={"risk_rating": 4},
                       now=sg(2026, 11, 24, 15))
    # 75% of 3 business days = 2.25 business days: Thu 14:00 + 2.25 h of working time
    assert case.due_at == sg(2026, 11, 26, 16, 15)
    RiskAdjustment.objects.filter(policy=case.policy, risk_rating=4).update(percent=100)
    case = case_update(case=Case.objects.get(pk=case.pk), actor=admin_user,
                       changes={"risk_rating": 3})
    assert case.due_at == sg(2026, 11, 27, 14)


def test_single_limit_warns_at_configured_share(make_case):
    case = make_case(category="out-of-stock")  # 24 h, policy warning share 0.75
    assert case.warn_at - case.opened_at == timedelta(hours=18)


def test_tier_without_limit_has_no_deadline(make_case):
    case = make_case(category="compliance-legal")
    assert (case.due_at, case.warn_at, case.sla_next_at) == (None, None, None)
    assert "case-specific" in case.due_explanation


def test_acknowledgement_deadline_and_acknowledging_clears_it(make_case, admin_user, now):
    tier = Tier.objects.get(policy__slug="eezee-operations", level=1)
    tier.ack_value, tier.ack_kind = Decimal(2), "calendar_hours"
    tier.save()
    case = make_case(category="out-of-stock")
    assert case.ack_due_at == now + timedelta(hours=2)
    assert case.sla_next_at == now + timedelta(hours=2)
    case = case_acknowledge(case=case, actor=admin_user, now=now + timedelta(hours=1))
    assert case.sla_next_at == case.warn_at  # acknowledgement no longer watched


def test_deadlines_are_stored_in_utc(make_case):
    case = Case.objects.get(pk=make_case(category="out-of-stock").pk)
    assert case.due_at.utcoffset() == timedelta(0)
    assert case.due_at == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)

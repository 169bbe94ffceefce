"""The customer briefing draft says what is true of the case now: handled, paused or resolved."""

from __future__ import annotations

from datetime import timedelta

import pytest

from escalations.choices import Outcome
from escalations.services import (
    case_acknowledge,
    case_close,
    case_hold,
    case_resolve,
)
from escalations.services.briefings import briefing_draft

pytestmark = pytest.mark.django_db

EXPECTED_TIME = "We expect to have a resolution for you by Wed 25 Nov 2026 14:00 (Asia/Singapore)"


@pytest.fixture
def agent(make_user):
    return make_user("agent", first_name="Ann", last_name="Lee")


def _resolved(make_case, admin_user, now):
    case = make_case(category="unresolved-issue", customer_email="cust@x.test", now=now)
    return case_resolve(case=case, actor=admin_user, resolution_plan="Refund of $40 issued",
                        outcome=Outcome.POLICY_ADJUSTMENT, now=now + timedelta(hours=3))


def test_open_case_draft_gives_the_expected_resolution_time(make_case, agent, now):
    case = make_case(category="unresolved-issue", customer_email="cust@x.test", now=now)
    subject, body = briefing_draft(case=case, actor=agent)
    assert subject == f"Update on your case {case.ticket_id}"
    assert body.startswith("Dear Customer,")
    assert f"is being handled by our {case.current_tier.name} team" in body
    assert EXPECTED_TIME in body
    assert body.rstrip().endswith("Ann Lee")


def test_in_progress_case_draft_gives_the_expected_resolution_time(make_case, agent,
                                                                   admin_user, now):
    case = make_case(category="unresolved-issue", customer_email="cust@x.test", now=now)
    case = case_acknowledge(case=case, actor=admin_user, now=now + timedelta(minutes=5))
    _, body = briefing_draft(case=case, actor=agent)
    assert "is being handled" in body and EXPECTED_TIME in body


def test_on_hold_case_draft_says_it_is_paused_and_why(make_case, agent, admin_user, now):
    case = make_case(category="unresolved-issue", customer_email="cust@x.test", now=now)
    case = case_hold(case=case, actor=admin_user, reason="Waiting for the courier's report",
                     now=now + timedelta(hours=1))
    _, body = briefing_draft(case=case, actor=agent)
    assert "is paused for now: Waiting for the courier's report." in body
    assert "being handled" not in body and "We expect to have a resolution" not in body


def test_on_hold_case_without_a_recorded_reason_is_still_paused(make_case, agent, admin_user,
                                                                now):
    case = make_case(category="unresolved-issue", customer_email="cust@x.test", now=now)
    case = case_hold(case=case, actor=admin_user, reason="r", now=now + timedelta(hours=1))
    case.holds.all().delete()  # as a case imported on hold from a tracker, with no hold record
    _, body = briefing_draft(case=case, actor=agent)
    assert f"Your case {case.ticket_id} is paused for now." in body
    assert "being handled" not in body


def test_resolved_case_draft_is_about_the_resolution(make_case, agent, admin_user, now):
    case = _resolved(make_case, admin_user, now)
    subject, body = briefing_draft(case=case, actor=agent)
    assert subject == f"Update on your case {case.ticket_id}"
    assert f"Your case {case.ticket_id} was resolved on Tue 24 Nov 2026 17:00" in body
    assert "Outcome: Policy adjustment." in body
    assert "What we did: Refund of $40 issued" in body
    assert "being handled" not in body and "We expect to have a resolution" not in body


def test_closed_case_draft_is_about_the_resolution(make_case, agent, admin_user, now):
    case = _resolved(make_case, admin_user, now)
    case = case_close(case=case, actor=admin_user, feedback_score=4,
                      now=now + timedelta(days=1))
    _, body = briefing_draft(case=case, actor=agent)
    assert "was resolved on Tue 24 Nov 2026 17:00" in body
    assert "Outcome: Policy adjustment." in body
    assert "being handled" not in body and "We expect to have a resolution" not in body


def test_briefing_page_of_a_resolved_case_drafts_the_resolution(client, make_case, agent,
                                                                admin_user, now):
    case = _resolved(make_case, admin_user, now)
    client.force_login(agent)
    page = client.get(f"/admin/escalations/case/{case.pk}/brief-customer/").content.decode()
    assert "Outcome: Policy adjustment." in page and "being handled" not in page

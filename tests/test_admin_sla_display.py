"""The admin shows deadlines with time left, at-risk and overdue markers, and why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from escalations.services import case_hold
from escalations.sla.sweep import sla_sweep

pytestmark = pytest.mark.django_db


def test_case_page_explains_the_deadline(client, make_case, make_user):
    lead = make_user("team-lead")
    case = make_case(category="out-of-stock", now=timezone.now())
    client.force_login(lead)
    page = client.get(f"/admin/escalations/case/{case.pk}/change/").content.decode()
    assert "24 calendar hours from case opening on" in page
    assert "left)" in page  # time left is shown
    assert 'id="timeline"' in page  # the log and SLA events read as one timeline


def test_changelist_marks_overdue_and_at_risk_cases(client, make_case, admin_user):
    now = timezone.now()
    overdue = make_case(category="out-of-stock", now=now - timedelta(hours=23, minutes=59))
    at_risk = make_case(category="out-of-stock", now=now - timedelta(hours=19))
    sla_sweep(now=now)  # flags the second one at risk (75% of 24 h passed)
    client.force_login(admin_user)
    page = client.get("/admin/escalations/case/?due=at_risk").content.decode()
    assert at_risk.ticket_id in page and 'class="case-at-risk"' in page
    assert "due in 4 h" in page  # 19 h (and the test's seconds) of 24 h passed
    assert overdue.ticket_id in page  # also at risk: 23 h 59 min of 24 h passed
    later = client.get("/admin/escalations/case/").content.decode()
    assert "case-overdue" not in later  # nothing is past due yet
    late = client.get("/admin/escalations/case/", {"due": "overdue"})
    assert late.context["cl"].result_count == 0


def test_on_hold_case_shows_paused_clock(client, make_case, admin_user):
    case = case_hold(case=make_case(now=timezone.now()), actor=admin_user, reason="waiting",
                     now=timezone.now())
    client.force_login(admin_user)
    page = client.get(f"/admin/escalations/case/{case.pk}/change/").content.decode()
    assert "Clock stopped: on hold since" in page
    listing = client.get("/admin/escalations/case/").content.decode()
    assert ">paused<" in listing


def test_changelist_says_how_long_ago_a_case_went_overdue_and_its_last_activity(
        client, make_case, admin_user):
    now = timezone.now()
    late = make_case(category="out-of-stock", now=now - timedelta(days=3))
    client.force_login(admin_user)

    page = client.get("/admin/escalations/case/").content.decode()

    assert late.ticket_id in page
    assert "overdue 2 d" in page  # due 24 h after opening, 3 days ago
    assert "3 d ago" in page  # its last activity: the opening, 3 days ago


def test_changelist_opens_on_active_cases_with_closed_ones_a_click_away(
        client, make_case, admin_user):
    from escalations.choices import Outcome
    from escalations.services import case_resolve

    active = make_case()
    done = case_resolve(case=make_case(), actor=admin_user, resolution_plan="Refund",
                        outcome=Outcome.ISSUE_RESOLVED)
    client.force_login(admin_user)

    default = client.get("/admin/escalations/case/")
    resolved = client.get("/admin/escalations/case/", {"state": "resolved"})

    assert [c.pk for c in default.context["cl"].result_list] == [active.pk]
    assert [c.pk for c in resolved.context["cl"].result_list] == [done.pk]
    assert "My open cases" in default.content.decode()
    found = client.get("/admin/escalations/case/", {"q": done.ticket_id})
    assert [c.pk for c in found.context["cl"].result_list] == [done.pk]  # any state

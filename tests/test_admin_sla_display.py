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
    assert "Events (escalations, SLA warnings, breaches)" in page


def test_changelist_marks_overdue_and_at_risk_cases(client, make_case, admin_user):
    now = timezone.now()
    overdue = make_case(category="out-of-stock", now=now - timedelta(hours=23, minutes=59))
    at_risk = make_case(category="out-of-stock", now=now - timedelta(hours=19))
    sla_sweep(now=now)  # flags the second one at risk (75% of 24 h passed)
    client.force_login(admin_user)
    page = client.get("/admin/escalations/case/?due=at_risk").content.decode()
    assert at_risk.ticket_id in page and "⏰" in page
    assert overdue.ticket_id in page  # also at risk: 23 h 59 min of 24 h passed
    later = client.get("/admin/escalations/case/").content.decode()
    assert "⚠" not in later  # nothing is past due yet


def test_on_hold_case_shows_paused_clock(client, make_case, admin_user):
    case = case_hold(case=make_case(now=timezone.now()), actor=admin_user, reason="waiting",
                     now=timezone.now())
    client.force_login(admin_user)
    page = client.get(f"/admin/escalations/case/{case.pk}/change/").content.decode()
    assert "Clock stopped: on hold since" in page
    listing = client.get("/admin/escalations/case/").content.decode()
    assert "paused (on hold)" in listing

"""The history pages show the audit trail and cannot revert anything around the FSM."""

from __future__ import annotations

import pytest

from escalations.models import Case, Policy
from escalations.services import case_escalate

pytestmark = pytest.mark.django_db


def test_history_page_lists_transitions_and_reasons(client, make_case, admin_user, now):
    case = case_escalate(case=make_case(), actor=admin_user, reason="Supplier silent", now=now)
    client.force_login(admin_user)
    page = client.get(f"/admin/escalations/case/{case.pk}/history/").content.decode()
    assert "Supplier silent" in page and "Escalated" in page


def test_posting_to_a_case_history_form_is_refused(client, make_case, admin_user, now):
    case = make_case()
    opened = case.history.get()
    case = case_escalate(case=case, actor=admin_user, reason="r", now=now)
    client.force_login(admin_user)
    url = f"/admin/escalations/case/{case.pk}/history/{opened.history_id}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"ticket_id": case.ticket_id, "tier": 1})
    assert response.status_code == 405
    assert Case.objects.get(pk=case.pk).tier == 2


def test_posting_to_a_policy_history_form_is_refused(client, admin_user):
    policy = Policy.objects.get(slug="eezee-operations")
    record = policy.history.first()
    client.force_login(admin_user)
    response = client.post(
        f"/admin/escalations/policy/{policy.pk}/history/{record.history_id}/", {"name": "x"}
    )
    assert response.status_code == 405
    assert Policy.objects.get(pk=policy.pk).name == policy.name


def test_history_of_an_invisible_case_is_refused(client, make_case, make_user):
    case = make_case(team="sales-bd")
    client.force_login(make_user("agent"))
    assert client.get(f"/admin/escalations/case/{case.pk}/history/").status_code == 403

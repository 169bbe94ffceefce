"""Who sees and acts on which case: every role × own team, other teams, confidential cases."""

from __future__ import annotations

import pytest

from accounts.models import Department, Team
from escalations.models import Case
from escalations.permissions import can_see_case
from escalations.selectors import cases_visible_to

pytestmark = pytest.mark.django_db

KINDS = ["own_team", "same_department", "other_department", "confidential", "confidential_mine"]
# Every user below holds their role in Customer Service. Written out, not computed:
# team roles see their team; department roles their department; organisation roles all;
# confidential cases only their assignee, Legal, Executive (and admins).
SEES = {
    "agent":              (True, False, False, False, True),
    "team-lead":          (True, False, False, False, True),
    "supervisor":         (True, False, False, False, True),
    "assistant-manager":  (True, True, False, False, True),
    "manager":            (True, True, False, False, True),
    "department-manager": (True, True, False, False, True),
    "senior-management":  (True, True, True, False, True),
    "head-of-operations": (True, True, True, False, True),
    "executive":          (True, True, True, True, True),
    "legal":              (True, False, False, True, True),
}


@pytest.fixture
def cases_by_kind(make_case, make_user):
    def build(user):
        Team.objects.get_or_create(
            slug="cs-escalations", defaults={
                "name": "CS Escalations",
                "department": Department.objects.get(slug="customer-experience")})
        return {
            "own_team": make_case(team="customer-service"),
            "same_department": make_case(team="cs-escalations"),
            "other_department": make_case(team="sales-bd"),
            "confidential": make_case(team="customer-service", confidential=True),
            "confidential_mine": make_case(team="sales-bd", confidential=True, assignee=user),
        }
    return build


@pytest.mark.parametrize("role", list(SEES))
def test_visibility_matrix(role, make_user, cases_by_kind, client):
    user = make_user(role, team="customer-service")
    cases = cases_by_kind(user)
    visible = set(cases_visible_to(user).values_list("pk", flat=True))
    client.force_login(user)
    for kind, expected in zip(KINDS, SEES[role], strict=True):
        case = cases[kind]
        assert (case.pk in visible) is expected, (role, kind, "selector")
        assert can_see_case(user, case) is expected, (role, kind, "object permission")
        page = client.get(f"/admin/escalations/case/{case.pk}/change/")
        assert (page.status_code == 200) is expected, (role, kind, page.status_code)


@pytest.mark.parametrize("role", list(SEES))
def test_escalate_through_the_admin_matrix(role, make_user, cases_by_kind, client):
    user = make_user(role, team="customer-service")
    cases = cases_by_kind(user)
    client.force_login(user)
    for kind, expected in zip(KINDS, SEES[role], strict=True):
        case = cases[kind]
        if case.current_tier.level == case.policy.top_level:
            continue
        response = client.post(
            f"/admin/escalations/case/{case.pk}/transition/escalate/",
            {"version": case.version, "reason": "matrix"},
        )
        moved = Case.objects.get(pk=case.pk).tier == case.tier + 1
        assert moved is expected, (role, kind, response.status_code)
        if not expected:
            assert response.status_code in (302, 403, 404)


# Who may resolve a case at each Eezee tier (owner role or higher rank, or the assignee).
RESOLVE_AT_TIER = {
    "agent": (False, False, False, False),
    "team-lead": (True, False, False, False),
    "assistant-manager": (True, True, False, False),
    "manager": (True, True, True, False),
    "head-of-operations": (True, True, True, True),
}


@pytest.mark.parametrize("role", list(RESOLVE_AT_TIER))
def test_resolve_needs_the_tier_owners_rank(role, make_user, make_case, admin_user):
    from django.core.exceptions import PermissionDenied

    from escalations.choices import Outcome
    from escalations.services import case_escalate, case_resolve

    user = make_user(role, team="customer-service")
    for level, expected in enumerate(RESOLVE_AT_TIER[role], start=1):
        case = make_case(category="out-of-stock")
        for _ in range(level - 1):
            case = case_escalate(case=case, actor=admin_user, reason="up")
        try:
            case_resolve(case=case, actor=user, resolution_plan="p",
                         outcome=Outcome.ISSUE_RESOLVED)
            resolved = True
        except PermissionDenied:
            resolved = False
        assert resolved is expected, (role, level)


CLOSERS = {"agent": False, "team-lead": False, "supervisor": False, "assistant-manager": False,
           "manager": True, "department-manager": True, "head-of-operations": True}


@pytest.mark.parametrize(("role", "expected"), list(CLOSERS.items()))
def test_only_managers_and_above_close(role, expected, make_user, make_case, admin_user):
    from django.core.exceptions import PermissionDenied

    from escalations.choices import Outcome
    from escalations.services import case_close, case_resolve

    user = make_user(role, team="customer-service")
    case = case_resolve(case=make_case(), actor=admin_user, resolution_plan="p",
                        outcome=Outcome.ISSUE_RESOLVED)
    if expected:
        assert case_close(case=case, actor=user).state == "closed"
    else:
        with pytest.raises(PermissionDenied):
            case_close(case=case, actor=user)


@pytest.mark.parametrize(("role", "models_seen", "edits_set_up"), [
    ("agent", {"case", "policy", "category"}, False),
    ("team-lead", {"case", "policy", "category", "monthlyreport"}, False),
    ("head-of-operations", {"case", "policy", "category", "monthlyreport"}, True),
])
def test_admin_models_per_role(role, models_seen, edits_set_up, make_user, client):
    from escalations.models import Category, Policy

    client.force_login(make_user(role, team="customer-service"))
    index = client.get("/admin/").content.decode()
    for model in ("case", "policy", "category", "monthlyreport"):
        assert (f"/{model}/" in index) is (model in models_seen), (role, model)
    # everyone may view the policies and categories; only head of operations may change them
    for model, row in (("policy", Policy.objects.first()), ("category", Category.objects.first())):
        save = client.post(f"/admin/escalations/{model}/{row.pk}/change/", {})
        assert (save.status_code != 403) is edits_set_up, (role, model, save.status_code)
    # team leads and above may look people up; agents may not
    assert ('href="/admin/accounts/user/"' in index) is (role != "agent")
    assert "/admin/escalations/notification/" not in index

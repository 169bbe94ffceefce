"""Reads of cases: what a user may see, queues, the admin changelist's queryset."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from accounts.choices import RoleScope
from accounts.selectors import sees_all_teams, sees_confidential, visible_team_ids
from escalations.models import Case, Tier

if TYPE_CHECKING:
    from accounts.models import User


def cases_visible_to(user: User, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Return the cases the user may see: their scope's teams, confidential ones if allowed.

    A user always sees the cases assigned to them.
    """
    queryset = Case.objects.all() if queryset is None else queryset
    if not user.is_active:
        return queryset.none()
    teams = visible_team_ids(user)
    confidential = sees_confidential(user)
    if teams is None and confidential:
        return queryset
    if teams is None:
        scope = Q(confidential=False)
    elif confidential:  # Legal: their team's cases and every confidential case
        scope = Q(team_id__in=teams) | Q(confidential=True)
    else:
        scope = Q(team_id__in=teams, confidential=False)
    return queryset.filter(scope | Q(assignee_id=user.pk))


def with_tier_name(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate each case with its current tier's name (one correlated lookup, no extra query)."""
    tier_name = Tier.objects.filter(policy_id=OuterRef("policy_id"), level=OuterRef("tier"))
    return queryset.annotate(tier_name=Subquery(tier_name.values("name")[:1]))


def team_queue(user: User, queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Return the cases of the teams the user is a member of."""
    return queryset.filter(team_id__in=[m.team_id for m in user.memberships_cached])


def next_tier_candidates(case: Case) -> list[User]:
    """Return who may own the case at its next tier: active staff of the next tier's owner rank
    or higher who work for the case's team (and may see it), most senior last."""
    from accounts.models import Membership, User

    tier = case.policy.tier_map.get(case.tier + 1)
    if tier is None:
        return []
    # The people who hold a high enough role, with every membership of theirs (as
    # User.memberships_cached), so that their rank and scope are read from memory.
    people = User.objects.filter(  # type: ignore[no-redef]  # to_attr fills the cached property
        is_active=True, is_system=False, memberships__role__rank__gte=tier.owner_role.rank,
    ).distinct().order_by("pk").prefetch_related(Prefetch(
        "memberships", to_attr="memberships_cached",
        queryset=Membership.objects.select_related("role", "team").order_by("role__rank"),
    ))
    return sorted((user for user in people if _works_on(user, case)),
                  key=lambda user: (user.rank, user.get_full_name() or user.username))


def _works_on(user: User, case: Case) -> bool:
    """Return True if the user's roles cover the case's team and confidentiality.

    The rules of can_see_case and visible_team_ids, read from the memberships in memory (their
    team's department included) instead of a query per department-wide person.
    """
    if case.confidential and not (sees_confidential(user) or case.assignee_id == user.pk):
        return False
    return sees_all_teams(user) or any(
        membership.team_id == case.team_id or (
            membership.role.scope == RoleScope.DEPARTMENT
            and membership.team.department_id == case.team.department_id
        )
        for membership in user.memberships_cached
    )

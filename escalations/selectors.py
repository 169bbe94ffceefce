"""Reads of cases: what a user may see, queues, the admin changelist's queryset."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery

from accounts.selectors import sees_confidential, visible_team_ids
from escalations.models import Case, Tier


def cases_visible_to(user, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
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


def team_queue(user, queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Return the cases of the teams the user is a member of."""
    return queryset.filter(team_id__in=[m.team_id for m in user.memberships_cached])


def next_tier_candidates(case: Case) -> list:
    """Return who may own the case at its next tier: active staff of the next tier's owner rank
    or higher who work for the case's team (and may see it), most senior last."""
    from accounts.models import User
    from escalations.permissions import can_see_case

    tier = case.policy.tier_map.get(case.tier + 1)
    if tier is None:
        return []
    staff = User.objects.filter(
        is_active=True, is_system=False, memberships__role__rank__gte=tier.owner_role.rank,
    ).distinct().prefetch_related("memberships__role", "memberships__team")
    return sorted((user for user in staff if can_see_case(user, case)
                   and (visible_team_ids(user) is None or case.team_id in visible_team_ids(user))),
                  key=lambda user: (user.rank, user.get_full_name() or user.username))

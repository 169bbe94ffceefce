"""Reads about the organisation: which teams a user's roles let them see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.choices import RoleScope

if TYPE_CHECKING:
    from accounts.models import User


def sees_all_teams(user: User) -> bool:
    """Return True if the user sees the cases of every team (admins, organisation-wide roles)."""
    if user.is_superuser or user.is_system:
        return True
    return any(m.role.scope == RoleScope.ALL for m in user.memberships_cached)


def visible_team_ids(user: User) -> set[int] | None:
    """Return the ids of the teams whose cases the user sees, or None for every team.

    Team-scoped roles see their own team; department-scoped roles see every team of the
    departments they hold that role in.
    """
    if sees_all_teams(user):
        return None
    return user.team_ids_seen


def team_ids_seen(user: User) -> set[int]:
    """Return the ids of the teams the user's memberships cover (User.team_ids_seen caches it
    for the user's request)."""
    from accounts.models import Team

    team_ids: set[int] = set()
    department_ids: set[int] = set()
    for membership in user.memberships_cached:
        team_ids.add(membership.team_id)
        if membership.role.scope == RoleScope.DEPARTMENT:
            department_ids.add(membership.team.department_id)
    if department_ids:
        team_ids.update(
            Team.objects.filter(department_id__in=department_ids).values_list("id", flat=True)
        )
    return team_ids


def sees_confidential(user: User) -> bool:
    """Return True if the user may see every confidential case (Legal, Executive, admins)."""
    if user.is_superuser or user.is_system:
        return True
    return any(m.role.sees_confidential for m in user.memberships_cached)

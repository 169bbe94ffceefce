"""Writes about the organisation: memberships keep users in their roles' permission groups."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Membership, Role, Team, User


def user_sync_groups(*, user: User) -> None:
    """Put the user in exactly the permission groups of the roles they hold."""
    role_groups = set(Role.objects.values_list("group_id", flat=True))
    held = set(user.memberships.values_list("role__group_id", flat=True))
    current = set(user.groups.values_list("id", flat=True))
    user.groups.remove(*((current & role_groups) - held))
    user.groups.add(*(held - current))
    # The user's cached memberships and teams are out of date now.
    for name in ("memberships_cached", "team_ids_seen"):
        if name in user.__dict__:
            delattr(user, name)


@transaction.atomic
def membership_set(*, user: User, team: Team, role: Role) -> Membership:
    """Give the user the role in the team (replacing any role they held there) and sync groups."""
    membership, _ = Membership.objects.update_or_create(
        user=user, team=team, defaults={"role": role}
    )
    user_sync_groups(user=user)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove a membership and take the user out of groups they no longer hold a role for."""
    user = membership.user
    membership.delete()
    user_sync_groups(user=user)

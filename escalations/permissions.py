"""Who may see a case and who may run which transition on it.

These rules are used by the admin querysets, by the FSM transitions' ``permission=`` and by
every service, so the admin, bulk actions, imports and commands enforce the same thing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.selectors import sees_confidential, visible_team_ids

if TYPE_CHECKING:
    from accounts.models import User
    from escalations.models import Case

# The Django permission each transition needs (carried by the roles' groups).
TRANSITION_PERMISSIONS = {
    "acknowledge": "escalations.acknowledge_case",
    "escalate": "escalations.escalate_case",
    "hold": "escalations.hold_case",
    "resume": "escalations.hold_case",
    "resolve": "escalations.resolve_case",
    "reopen": "escalations.reopen_case",
    "close": "escalations.close_case",
}

# Transitions only the tier's owner role (or a higher rank, or the assignee) may run.
OWNER_TRANSITIONS = {"acknowledge", "hold", "resume", "resolve"}


def can_see_case(user: User, case: Case) -> bool:
    """Return True if the case is in the user's scope and, if confidential, they may see it."""
    if not user.is_active:
        return False
    if case.assignee_id == user.pk:
        return True
    if case.confidential:
        # Legal and Executive see every confidential case, whatever its team.
        return sees_confidential(user)
    teams = visible_team_ids(user)
    return teams is None or case.team_id in teams


def can_run_transition(user: User, case: Case, name: str) -> bool:
    """Return True if the user may run the named transition on the case (state aside)."""
    if user.is_system:
        return name == "escalate"
    if not can_see_case(user, case) or not user.has_perm(TRANSITION_PERMISSIONS[name]):
        return False
    if name in OWNER_TRANSITIONS and not user.is_superuser and case.assignee_id != user.pk:
        return user.rank >= case.owner_rank
    return True


def can_edit_case(user: User, case: Case) -> bool:
    """Return True if the user may edit the case's details or assign it."""
    return can_see_case(user, case) and user.has_perm("escalations.change_case")


def transition_permission(name: str):
    """Return a django-fsm ``permission=`` callable for the named transition."""

    def check(instance: Case, user: User) -> bool:
        return can_run_transition(user, instance, name)

    check.__name__ = f"can_{name}"
    return check

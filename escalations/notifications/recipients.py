"""Who is told about an event on a case: roles in the case's team, else their organisation-wide
holders; never anyone who may not see the case."""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property

from django.db.models import Prefetch

from accounts.models import Membership, User
from escalations.models import Case, NotificationEvent
from escalations.models.notification import CRITICAL_EVENTS
from escalations.permissions import can_see_case


class RecipientDirectory:
    """Holders of each role by team, loaded once (memberships are a small table), and the
    people chosen for each kind of case, worked out once per directory (a sweep's thousands
    of events share a few dozen kinds)."""

    def __init__(self) -> None:
        self.chosen: dict[tuple, list[User]] = {}

    @cached_property
    def _holders(self) -> tuple[dict, dict]:
        by_team: dict[tuple[int, int], list[User]] = defaultdict(list)
        anywhere: dict[int, list[User]] = defaultdict(list)
        # Each user's memberships come with the user (as User.memberships_cached, which the
        # visibility rules read), so that checking thousands of recipients costs no query.
        users = User.objects.filter(  # type: ignore[no-redef]  # to_attr fills the cached property
            is_active=True, is_system=False, memberships__isnull=False,
        ).distinct().order_by("pk").prefetch_related(Prefetch(
            "memberships", to_attr="memberships_cached",
            queryset=Membership.objects.select_related("role", "team", "team__department"),
        ))
        for user in users:
            for membership in user.memberships_cached:
                by_team[(membership.role_id, membership.team_id)].append(user)
                if user not in anywhere[membership.role_id]:
                    anywhere[membership.role_id].append(user)
        return by_team, anywhere

    def holders(self, role_id: int, team_id: int) -> list[User]:
        """Return the holders of the role in the team, or anywhere if the team has none."""
        by_team, anywhere = self._holders
        return by_team.get((role_id, team_id)) or anywhere.get(role_id, [])


def _roles_for(event: str, case: Case, level: int) -> list[int]:
    policy = case.policy
    tier = policy.tier_map.get(level)
    if tier is None:
        return []
    if event == NotificationEvent.ESCALATED:
        return [tier.owner_role_id, *[role.pk for role in tier.informed_roles.all()]]
    if event == NotificationEvent.SLA_WARNING:
        return [tier.owner_role_id]
    if event == NotificationEvent.ACK_OVERDUE:
        superior = policy.tier_map.get(level + 1, tier)
        return [superior.owner_role_id]
    if event in (NotificationEvent.BREACHED_TOP, NotificationEvent.BREACH_REMINDER):
        return [policy.tier_map[policy.top_level].owner_role_id]
    if event in (NotificationEvent.RESOLVED, NotificationEvent.CLOSED):
        return [tier.owner_role_id, *[role.pk for role in tier.informed_roles.all()]]
    return []


def may_mute(event: str, case: Case | None) -> bool:
    """Return True if a person may choose not to receive this event about this case."""
    return event not in CRITICAL_EVENTS and not (case is not None and case.risk_rating == 5)


def recipients_for(event: str, case: Case, *, level: int, directory: RecipientDirectory,
                   assignee: User | None = None) -> list[User]:
    """Return the people to tell about event on case at tier level, each once (a list shared
    with other cases alike in everything the choice reads: do not change it)."""
    key = (event, case.policy_id, level, case.team_id, case.assignee_id, case.confidential,
           may_mute(event, case))
    chosen = directory.chosen.get(key)
    if chosen is None:
        chosen = directory.chosen[key] = _choose(event, case, level=level, directory=directory,
                                                 assignee=assignee)
    return chosen


def _choose(event: str, case: Case, *, level: int, directory: RecipientDirectory,
            assignee: User | None) -> list[User]:
    people: list[User] = []
    for role_id in _roles_for(event, case, level):
        people.extend(directory.holders(role_id, case.team_id))
    if event == NotificationEvent.ASSIGNED or event in (
        NotificationEvent.RESOLVED, NotificationEvent.CLOSED, NotificationEvent.ESCALATED
    ):
        if assignee is not None:
            people.append(assignee)
    chosen, seen = [], set()
    for person in people:
        if person.pk in seen or not person.is_active or person.is_system:
            continue
        seen.add(person.pk)
        if not can_see_case(person, case):
            continue
        if event in (person.muted_events or []) and may_mute(event, case):
            continue
        chosen.append(person)
    return chosen

"""Name and slug lookups for the importer, loaded once per import."""

from __future__ import annotations

import re
from functools import cached_property
from zoneinfo import ZoneInfo

from accounts.models import Team, User
from escalations.choices import CaseState
from escalations.models import Case, Category, Policy

STATE_WORDS = {
    CaseState.OPEN: ["open", "new", "escalated", "pending review", "awaiting"],
    CaseState.IN_PROGRESS: ["in progress", "inprogress", "in_progress", "working", "wip",
                            "ongoing", "investigating", "acknowledged"],
    CaseState.ON_HOLD: ["on hold", "on_hold", "onhold", "hold", "waiting", "pending customer",
                        "pending"],
    CaseState.RESOLVED: ["resolved", "done", "solved", "fixed", "completed", "complete"],
    CaseState.CLOSED: ["closed", "close"],
}


def _key(value: object) -> str:
    return " ".join(str(value or "").split()).casefold()


class Lookups:
    """Categories, policies, tiers, teams and users by name or slug (case-insensitive)."""

    @cached_property
    def categories(self) -> dict[str, Category]:
        found = {}
        for category in Category.objects.select_related("default_policy"):
            found[_key(category.name)] = found[_key(category.slug)] = category
        return found

    @cached_property
    def policies(self) -> dict[str, Policy]:
        found = {}
        for policy in Policy.objects.all():
            found[_key(policy.name)] = found[_key(policy.slug)] = policy
        return found

    def policy_by_id(self, pk: int) -> Policy:
        return next(p for p in self.policies.values() if p.pk == pk)

    @cached_property
    def teams(self) -> dict[str, Team]:
        found = {}
        for team in Team.objects.all():
            found[_key(team.name)] = found[_key(team.slug)] = team
        return found

    @cached_property
    def users(self) -> dict[str, User]:
        found = {}
        for user in User.objects.filter(is_system=False):
            for name in (user.username, user.email, user.get_full_name()):
                if name:
                    found.setdefault(_key(name), user)
        return found

    @cached_property
    def states(self) -> dict[str, str]:
        found = {}
        for state, words in STATE_WORDS.items():
            found[_key(state)] = found[_key(CaseState(state).label)] = state
            for word in words:
                found[_key(word)] = state
        return found

    def _named(self, row, name: str, table: dict, noun: str, *, required: bool,
               by: str = "name or slug"):
        raw = row.raw(name)
        if raw is None or str(raw).strip() == "":
            if required:
                row.fail(name, raw, f"{name} is required but blank.")
            return None
        found = table.get(_key(raw))
        if found is None:
            row.fail(name, raw, f"Unknown {noun} '{raw}': use the {by} of an existing {noun}.")
        return found

    def category(self, row) -> Category | None:
        return self._named(row, "category", self.categories, "category", required=True)

    def policy(self, row, category: Category | None) -> Policy | None:
        policy = self._named(row, "policy", self.policies, "policy", required=False)
        if policy is None and row.raw("policy") in (None, "") and category is not None:
            policy = category.default_policy
        return policy

    def zone(self, policy: Policy | None) -> ZoneInfo:
        return ZoneInfo(policy.time_zone if policy else "Asia/Singapore")

    def team(self, row) -> Team | None:
        return self._named(row, "team", self.teams, "team", required=True)

    def user(self, row) -> User | None:
        return self._named(row, "assignee", self.users, "user", required=False,
                           by="username, email or full name")

    def state(self, row) -> str:
        raw = row.raw("state")
        if raw is None or str(raw).strip() == "":
            return CaseState.OPEN
        state = self.states.get(_key(raw))
        if state is None:
            row.fail("state", raw, f"Unknown state '{raw}': use open, in progress, on hold, "
                     "resolved or closed.")
            return CaseState.OPEN
        return state

    def tier(self, row, policy: Policy | None, category: Category | None) -> int:
        if policy is None:
            return 1
        tiers = policy.tier_map
        raw = row.raw("tier")
        if raw is None or str(raw).strip() == "":
            if category is not None and category.default_policy_id == policy.pk:
                return category.default_tier
            return 1
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        match = re.fullmatch(r"(?:tier|level|l)?\s*(\d+)", _key(raw))
        if match:
            level = int(match.group(1))
            if level in tiers:
                return level
            row.fail("tier", raw, f"Policy '{policy}' has no tier {level} (it has "
                     f"{min(tiers)}-{max(tiers)}).")
            return 1
        wanted = _key(raw)
        for level, tier in tiers.items():
            if wanted in (_key(tier.name), _key(tier.owner_role.name), _key(tier.owner_role.slug)):
                return level
        row.fail("tier", raw, f"Policy '{policy}' has no tier called '{raw}'.")
        return 1

    def existing_cases(self, ticket_ids: list[str]) -> dict[str, dict]:
        """Return the stored values of the cases with these ticket ids, by ticket id."""
        from escalations.imports.engine import COMPARED

        found: dict[str, dict] = {}
        for start in range(0, len(ticket_ids), 500):
            chunk = ticket_ids[start:start + 500]
            for values in Case.objects.filter(ticket_id__in=chunk).values(
                "ticket_id", "version", *COMPARED
            ):
                found[values["ticket_id"]] = values
        return found

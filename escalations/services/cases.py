"""Services that open, edit and assign cases and add notes to their log.

Each builds its change in memory (the `*_build` steps, shared with the importer) and writes it
through services.writer.changes_write, the one write path of a case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.selectors import sees_confidential, visible_team_ids
from escalations.choices import ACTIVE_STATES, CaseState, NoteKind, Transition
from escalations.models import Case, CaseEvent, CaseNote, Category
from escalations.permissions import can_edit_case, can_see_case
from escalations.services.changes import CaseChange, change_locked, change_new
from escalations.services.errors import CasePermissionDenied
from escalations.services.writer import changes_write

# Fields only transitions (or the system) may set; edits never touch them.
PROTECTED_FIELDS = frozenset(
    {"state", "tier", "policy", "version", "due_at", "opened_at", "resolved_at", "closed_at",
     "created_by", "updated_at", "id", "outcome", "resolution_plan"}
)


_LABELS = {key: str(field.verbose_name) for field in Case._meta.concrete_fields
           for key in (field.name, field.attname)}


def _may_work_for_team(user, team_id: int) -> bool:
    teams = visible_team_ids(user)
    return teams is None or team_id in teams


@transaction.atomic
def case_open(
    *, actor, ticket_id: str, customer_name: str, category: Category, risk_rating: int,
    team, summary: str, policy=None, tier: int | None = None, assignee=None,
    confidential: bool | None = None, now: datetime | None = None, reason: str = "",
    **details: Any,
) -> Case:
    """Open an escalated case at its category's default tier (or the tier given).

    The policy defaults to the category's, the starting tier to the category's default, and
    confidentiality to the category's default.
    """
    now = now or timezone.now()
    if not actor.has_perm("escalations.add_case") or not _may_work_for_team(actor, team.pk):
        raise CasePermissionDenied(f"{actor} may not open cases for team {team}.")
    case = Case(
        ticket_id=ticket_id.strip(), customer_name=customer_name, category=category,
        policy=policy or category.default_policy, risk_rating=risk_rating, team=team,
        summary=summary, tier=tier or category.default_tier, assignee=assignee,
        confidential=category.confidential_by_default if confidential is None else confidential,
        opened_at=details.pop("opened_at", None) or now, created_by=actor, **details,
    )
    if category.confidential_by_default and not case.confidential and not sees_confidential(actor):
        raise CasePermissionDenied(
            f"Cases of {category} are confidential; only Legal, Executive or an administrator "
            "may open one that is not."
        )
    case.full_clean(exclude=["state"])
    change = open_build(case, actor=actor, at=now,
                        reason=reason or f"Opened at tier {case.tier} ({category})")
    changes_write([change])
    return case


def open_build(case: Case, *, actor, at: datetime, reason: str) -> CaseChange:
    """Return the change that opens case (not yet saved) at its tier, entered at at."""
    change = change_new(case)
    change.enter_tier(at=at, actor=actor)
    change.record(at=at, actor=actor, transition=Transition.OPEN, reason=reason,
                  history_type="+")
    return change


@transaction.atomic
def case_update(
    *, case: Case, actor, changes: dict[str, Any], reason: str = "",
    expected_version: int | None = None, now: datetime | None = None,
) -> Case:
    """Edit a case's details (never its state, tier or timestamps); return the saved case."""
    now = now or timezone.now()
    change = change_locked(case, expected_version=expected_version)
    locked = change.case
    if not can_edit_case(actor, locked):
        raise CasePermissionDenied(f"{actor} may not edit case {locked.ticket_id}.")
    forbidden = sorted(set(changes) & PROTECTED_FIELDS)
    if forbidden:
        raise ValidationError(
            f"{', '.join(forbidden)} can only change through a transition, not an edit."
        )
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    if locked.state not in ACTIVE_STATES:
        raise ValidationError(
            f"Case {locked.ticket_id} is {locked.get_state_display().lower()}: its details are "
            "the record of how it ended. Reopen it to change them, or add a note."
        )
    if "team" in changes and not _may_work_for_team(actor, changes["team"].pk):
        raise CasePermissionDenied(f"{actor} may not move cases to team {changes['team']}.")
    if "confidential" in changed and not changes["confidential"] and not sees_confidential(actor):
        raise CasePermissionDenied(
            f"Only Legal, Executive or an administrator may lift the confidentiality of case "
            f"{locked.ticket_id}."
        )
    values = {name: changes[name] for name in changed}
    for name, value in values.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["state"])  # the history row records the cleaned values
    update_build(change, actor=actor, at=now, values=values, transition=Transition.EDIT,
                 reason=reason or "Edited " + ", ".join(_LABELS[name] for name in changed))
    changes_write([change])
    return locked


def update_build(change: CaseChange, *, actor, at: datetime, values: dict[str, Any],
                 transition: str, reason: str) -> None:
    """Set the case's new details; a new risk rating moves the deadline of an active case
    (its stay's clock start is kept: a tighter rating shortens the same clock)."""
    case = change.case
    for name, value in values.items():
        setattr(case, name, value)
    if (case.risk_rating != change.loaded["risk_rating"]
            and case.state in (CaseState.OPEN, CaseState.IN_PROGRESS)):
        change.refresh_clock()
    change.record(at=at, actor=actor, transition=transition, reason=reason)


@transaction.atomic
def case_assign(
    *, case: Case, actor, assignee, reason: str = "", expected_version: int | None = None,
    now: datetime | None = None,
) -> Case:
    """Assign the case to a member of staff who works in its scope (or unassign it)."""
    now = now or timezone.now()
    change = change_locked(case, expected_version=expected_version)
    locked = change.case
    if not (can_see_case(actor, locked) and actor.has_perm("escalations.assign_case")):
        raise CasePermissionDenied(f"{actor} may not assign case {locked.ticket_id}.")
    if assignee is not None and (
        not assignee.is_active or assignee.is_system
        or not _may_work_for_team(assignee, locked.team_id)
    ):
        raise ValidationError(
            f"{assignee} does not work for team {locked.team}; they cannot be assigned "
            f"case {locked.ticket_id}."
        )
    if locked.assignee_id == (assignee.pk if assignee else None):
        return locked
    locked.assignee = assignee
    change.record(at=now, actor=actor, transition=Transition.ASSIGN,
                  reason=reason or (f"Assigned to {assignee}" if assignee else "Unassigned"))
    if assignee is not None and assignee.pk != actor.pk:
        change.event(kind=CaseEvent.Kind.ASSIGNED, at=now, actor=actor, detail=reason)
    changes_write([change])
    return locked


@transaction.atomic
def case_add_note(
    *, case: Case, actor, body: str, kind: str = NoteKind.INTERNAL_NOTE, parent=None,
    now: datetime | None = None,
) -> CaseNote:
    """Add an entry to the case's log, as the actor.

    A log entry is activity on the case (the list's "last activity", updated_at) but not a
    change of its record: no history row, no new version.
    """
    if not can_see_case(actor, case):
        raise CasePermissionDenied(f"{actor} may not add notes to case {case.ticket_id}.")
    if not body or not body.strip():
        raise ValidationError("A note needs some text.")
    if parent is not None and parent.case_id != case.pk:
        raise ValidationError("A reply must belong to the same case as the note it answers.")
    now = now or timezone.now()
    # Locked, so that a note and a change of the case at the same time keep the later activity.
    current = Case.objects.select_for_update().only("updated_at").get(pk=case.pk)
    change = CaseChange.of(current, fields=["updated_at"])
    note = change.note(actor=actor, body=body, kind=kind, at=now, parent=parent)
    note.case = case
    changes_write([change])
    case.updated_at = current.updated_at
    return note

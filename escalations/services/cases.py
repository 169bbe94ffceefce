"""Services that open, edit and assign cases and add notes to their log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.selectors import sees_confidential, visible_team_ids
from escalations.choices import ACTIVE_STATES, CaseState, NoteKind, Transition
from escalations.models import Case, CaseConflict, CaseEvent, CaseNote, Category
from escalations.permissions import can_edit_case, can_see_case
from escalations.services import stays
from escalations.services.errors import CasePermissionDenied
from escalations.services.events import event_record
from escalations.services.recording import case_save_with_history
from escalations.sla.deadlines import case_holds, refresh_case_clock

# Fields only transitions (or the system) may set; edits never touch them.
PROTECTED_FIELDS = frozenset(
    {"state", "tier", "policy", "version", "due_at", "opened_at", "resolved_at", "closed_at",
     "created_by", "updated_at", "id", "outcome", "resolution_plan"}
)


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
    refresh_case_clock(case, entered_at=now, holds=(), new_stay=True)
    case_save_with_history(
        case=case, actor=actor, transition=Transition.OPEN,
        reason=reason or f"Opened at tier {case.tier} ({category})", at=now,
    )
    stays.stay_open(case=case, now=now, actor=actor)
    return case


def _lock(case: Case, expected_version: int | None) -> Case:
    expected = case._loaded_version if expected_version is None else expected_version
    locked = Case.objects.select_for_update().select_related("policy").get(pk=case.pk)
    if locked.version != expected:
        raise CaseConflict(
            f"Case {locked.ticket_id} was changed by someone else; reload it and try again."
        )
    return locked


@transaction.atomic
def case_update(
    *, case: Case, actor, changes: dict[str, Any], reason: str = "",
    expected_version: int | None = None, now: datetime | None = None,
) -> Case:
    """Edit a case's details (never its state, tier or timestamps); return the saved case."""
    locked = _lock(case, expected_version)
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
    for name in changed:
        setattr(locked, name, changes[name])
    locked.full_clean(exclude=["state"])
    if "risk_rating" in changed and locked.state in (CaseState.OPEN, CaseState.IN_PROGRESS):
        # Risk tightens (or relaxes) the clock of the current tier.
        stay = stays.current_stay(locked)
        now = now or timezone.now()
        refresh_case_clock(
            locked, entered_at=stay.entered_at if stay else now, holds=case_holds(locked),
            new_stay=False,
        )
        stays.stay_sync_due(case=locked)
    case_save_with_history(
        case=locked, actor=actor, transition=Transition.EDIT,
        reason=reason or "Edited " + ", ".join(
            str(Case._meta.get_field(name).verbose_name) for name in changed
        ), at=now,
    )
    return locked


@transaction.atomic
def case_assign(
    *, case: Case, actor, assignee, reason: str = "", expected_version: int | None = None,
) -> Case:
    """Assign the case to a member of staff who works in its scope (or unassign it)."""
    locked = _lock(case, expected_version)
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
    case_save_with_history(
        case=locked, actor=actor, transition=Transition.ASSIGN,
        reason=reason or (f"Assigned to {assignee}" if assignee else "Unassigned"),
    )
    if assignee is not None and assignee.pk != actor.pk:
        event_record(case=locked, kind=CaseEvent.Kind.ASSIGNED, at=timezone.now(), actor=actor,
                     detail=reason)
    return locked


@transaction.atomic
def case_add_note(
    *, case: Case, actor, body: str, kind: str = NoteKind.INTERNAL_NOTE, parent=None,
    now: datetime | None = None,
) -> CaseNote:
    """Add an entry to the case's log, as the actor."""
    if not can_see_case(actor, case):
        raise CasePermissionDenied(f"{actor} may not add notes to case {case.ticket_id}.")
    if not body or not body.strip():
        raise ValidationError("A note needs some text.")
    if parent is not None and parent.case_id != case.pk:
        raise ValidationError("A reply must belong to the same case as the note it answers.")
    now = now or timezone.now()
    note = CaseNote.objects.create(
        case=case, author=actor, body=body, kind=kind, parent=parent, created_at=now,
    )
    # A log entry is activity on the case (the list's "last activity"); updated_at is not part
    # of the audit trail or the version, so this touches neither.
    Case.objects.filter(pk=case.pk, updated_at__lt=now).update(updated_at=now)
    return note

"""One service per case transition: lock, check, transition, save with history, record stays.

Every caller (admin buttons, bulk actions, importer, commands, the SLA sweep) goes through
these functions, so the rules, the audit trail and the stays are the same whatever the path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from escalations.choices import CaseState, Transition
from escalations.models import Case, CaseConflict, CaseEvent, HoldPeriod
from escalations.permissions import can_run_transition
from escalations.services import stays
from escalations.services.errors import CasePermissionDenied, TransitionRefused
from escalations.services.events import event_record
from escalations.services.recording import case_save_with_history
from escalations.sla.deadlines import (
    case_holds,
    clear_case_clock,
    refresh_case_clock,
    schedule_next_check,
)


def _refusal(case: Case, name: str) -> str:
    label = Transition(name).label.lower()
    if name == "escalate" and case.state != CaseState.RESOLVED and case.state != CaseState.CLOSED:
        return (
            f"Case {case.ticket_id} is already at the top tier ({case.tier}) of "
            f"'{case.policy}'; it cannot be escalated further."
        )
    if name == "resolve" and case.state in (CaseState.OPEN, CaseState.IN_PROGRESS):
        return f"Case {case.ticket_id} needs a resolution plan and an outcome to be resolved."
    return (
        f"Case {case.ticket_id} cannot be {label}: it is {CaseState(case.state).label.lower()}."
    )


def _run(
    *,
    case: Case,
    actor,
    name: str,
    reason: str,
    now: datetime | None,
    expected_version: int | None,
    prepare: Callable[[Case], None] | None = None,
    after: Callable[[Case, datetime], None] | None = None,
    transition_kwargs: dict | None = None,
) -> Case:
    """Run transition name on a locked, version-checked copy of case and return it."""
    now = now or timezone.now()
    expected = case._loaded_version if expected_version is None else expected_version
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("policy").get(pk=case.pk)
        if locked.version != expected:
            raise CaseConflict(
                f"Case {locked.ticket_id} was changed by someone else; reload it and try again."
            )
        if not can_run_transition(actor, locked, name):
            raise CasePermissionDenied(
                f"{actor} may not {name} case {locked.ticket_id} "
                f"(tier {locked.tier}, team {locked.team})."
            )
        if prepare:
            prepare(locked)
        method = getattr(locked, name)
        if not can_proceed(method):
            raise TransitionRefused(_refusal(locked, name))
        method(**(transition_kwargs or {}))
        try:
            locked.full_clean(exclude=["state"])
        except ValidationError as error:
            raise TransitionRefused(f"Case {locked.ticket_id}: {error.messages[0]}") from error
        if after:
            after(locked, now)
        schedule_next_check(locked)
        case_save_with_history(
            case=locked, actor=actor, transition=name,
            reason=reason or Transition(name).label, at=now,
        )
        return locked


def case_acknowledge(*, case: Case, actor, reason: str = "", now=None, expected_version=None):
    """Acknowledge an open case: the tier owner has taken it up."""

    def after(locked: Case, at: datetime) -> None:
        stays.stay_acknowledge(case=locked, now=at)
        if locked.assignee_id is None:
            locked.assignee = actor

    return _run(case=case, actor=actor, name="acknowledge", reason=reason, now=now,
                expected_version=expected_version, after=after)


def _require_reason(reason: str, name: str) -> None:
    if not reason or not reason.strip():
        raise TransitionRefused(f"A reason is required to {name} a case.")


def case_escalate(*, case: Case, actor, reason: str, now=None, expected_version=None):
    """Escalate a case to the next tier of its policy; refused at the top tier."""
    _require_reason(reason, "escalate")

    def after(locked: Case, at: datetime) -> None:
        hold_end(case=locked, at=at)
        stays.stay_close(case=locked, now=at, left_by="escalate")
        refresh_case_clock(locked, entered_at=at, holds=case_holds(locked), new_stay=True)
        stays.stay_open(case=locked, now=at, actor=actor)
        event_record(case=locked, kind=CaseEvent.Kind.ESCALATED, at=at, actor=actor,
                     detail=reason)

    return _run(case=case, actor=actor, name="escalate", reason=reason, now=now,
                expected_version=expected_version, after=after)


def case_hold(*, case: Case, actor, reason: str, now=None, expected_version=None):
    """Put a case on hold while waiting for the customer or a third party."""
    _require_reason(reason, "hold")

    def after(locked: Case, at: datetime) -> None:
        HoldPeriod.objects.create(case=locked, started_at=at, reason=reason)
        locked.held_since = at

    return _run(case=case, actor=actor, name="hold", reason=reason, now=now,
                expected_version=expected_version, after=after)


def hold_end(*, case: Case, at: datetime) -> None:
    """End the case's running hold period, if any: its clock runs again from at."""
    if case.held_since is not None:
        case.holds.filter(ended_at__isnull=True).update(ended_at=at)
        case.held_since = None


def case_resume(*, case: Case, actor, reason: str = "", now=None, expected_version=None):
    """Resume work on a case that was on hold; its deadline moves by the time paused."""

    def after(locked: Case, at: datetime) -> None:
        hold_end(case=locked, at=at)
        stay = stays.current_stay(locked)
        refresh_case_clock(
            locked, entered_at=stay.entered_at if stay else at, holds=case_holds(locked),
            new_stay=False,
        )
        stays.stay_sync_due(case=locked)

    return _run(case=case, actor=actor, name="resume", reason=reason, now=now,
                expected_version=expected_version, after=after)


def case_resolve(
    *, case: Case, actor, resolution_plan: str, outcome: str, corrective_actions: str = "",
    reason: str = "", now=None, expected_version=None,
):
    """Resolve a case with its resolution plan, corrective actions and outcome."""

    def prepare(locked: Case) -> None:
        locked.resolution_plan = resolution_plan or ""
        locked.outcome = outcome or ""
        locked.corrective_actions = corrective_actions or ""

    def after(locked: Case, at: datetime) -> None:
        stays.stay_close(case=locked, now=at, left_by="resolve")
        clear_case_clock(locked)
        event_record(case=locked, kind=CaseEvent.Kind.RESOLVED, at=at, actor=actor,
                     detail=reason)

    now = now or timezone.now()
    return _run(case=case, actor=actor, name="resolve", reason=reason, now=now,
                expected_version=expected_version, prepare=prepare, after=after,
                transition_kwargs={"now": now})


def case_reopen(*, case: Case, actor, reason: str, now=None, expected_version=None):
    """Reopen a resolved case at the tier it was resolved at."""
    _require_reason(reason, "reopen")

    def after(locked: Case, at: datetime) -> None:
        refresh_case_clock(locked, entered_at=at, holds=case_holds(locked), new_stay=True)
        stays.stay_open(case=locked, now=at, actor=actor)

    return _run(case=case, actor=actor, name="reopen", reason=reason, now=now,
                expected_version=expected_version, after=after)


def case_close(
    *, case: Case, actor, feedback_score: int | None = None, feedback_comment: str = "",
    reason: str = "", now=None, expected_version=None,
):
    """Close a resolved case after follow-up, recording the customer's feedback if given."""

    def prepare(locked: Case) -> None:
        if feedback_score is not None:
            locked.feedback_score = feedback_score
        if feedback_comment:
            locked.feedback_comment = feedback_comment

    def after(locked: Case, at: datetime) -> None:
        event_record(case=locked, kind=CaseEvent.Kind.CLOSED, at=at, actor=actor,
                     detail=reason)

    now = now or timezone.now()
    return _run(case=case, actor=actor, name="close", reason=reason, now=now,
                expected_version=expected_version, prepare=prepare, after=after,
                transition_kwargs={"now": now})


TRANSITION_SERVICES = {
    "acknowledge": case_acknowledge,
    "escalate": case_escalate,
    "hold": case_hold,
    "resume": case_resume,
    "resolve": case_resolve,
    "reopen": case_reopen,
    "close": case_close,
}

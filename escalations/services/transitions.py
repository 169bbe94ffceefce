"""One service per case transition: lock, check, build the change, write it.

Every caller (admin buttons, bulk actions, importer, commands, the SLA sweep) goes through
the `*_build` steps below, so the rules, the audit trail and the stays are the same whatever
the path; the services add the lock, the permission check and the refusal messages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from escalations.choices import CaseState, ClockBasis, Transition
from escalations.models import Case, CaseEvent
from escalations.permissions import can_run_transition
from escalations.services.changes import CaseChange, change_locked
from escalations.services.errors import CasePermissionDenied, TransitionRefused
from escalations.services.writer import changes_write
from escalations.sla.deadlines import clear_case_clock


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
    now: datetime | None,
    expected_version: int | None,
    build: Callable[[CaseChange, datetime], None],
    prepare: Callable[[Case], None] | None = None,
) -> Case:
    """Lock case, check that actor may run transition name, build it and write it."""
    now = now or timezone.now()
    with transaction.atomic():
        change = change_locked(case, expected_version=expected_version)
        locked = change.case
        if not can_run_transition(actor, locked, name):
            raise CasePermissionDenied(
                f"{actor} may not {name} case {locked.ticket_id} "
                f"(tier {locked.tier}, team {locked.team})."
            )
        if prepare:
            prepare(locked)
        if not can_proceed(getattr(locked, name)):
            raise TransitionRefused(_refusal(locked, name))
        build(change, now)
        try:
            locked.full_clean(exclude=["state"])
        except ValidationError as error:
            raise TransitionRefused(f"Case {locked.ticket_id}: {error.messages[0]}") from error
        changes_write([change])
        return locked


def _require_reason(reason: str, name: str) -> None:
    if not reason or not reason.strip():
        raise TransitionRefused(f"A reason is required to {name} a case.")


# --- the building steps: in memory, shared by every path ---------------------------------

def acknowledge_build(change: CaseChange, *, actor, at: datetime, reason: str) -> None:
    """Open → in progress: the first acknowledgement of the stay; the case is the actor's if
    nobody had it."""
    case = change.case
    case.acknowledge()
    if change.stay is not None and change.stay.acknowledged_at is None:
        change.stay.acknowledged_at = at
        change.stay_changed()
    if case.assignee_id is None:
        case.assignee = actor
    change.record(at=at, actor=actor, transition=Transition.ACKNOWLEDGE,
                  reason=reason or Transition.ACKNOWLEDGE.label)


def escalate_build(change: CaseChange, *, actor, at: datetime, reason: str) -> None:
    """Move the case to the next tier at at: the stay left, a new stay and clock, the event.

    A manual escalation and the sweep's promotion at a missed deadline are this same step.
    """
    change.end_hold(at=at)
    change.leave_tier(at=at, left_by=Transition.ESCALATE)
    change.case.escalate()
    change.enter_tier(at=at, actor=actor)
    change.event(kind=CaseEvent.Kind.ESCALATED, at=at, actor=actor, detail=reason)
    change.record(at=at, actor=actor, transition=Transition.ESCALATE, reason=reason)


def hold_build(change: CaseChange, *, actor, at: datetime, reason: str) -> None:
    """Open / in progress → on hold: the clock stops from at."""
    change.case.hold()
    change.start_hold(at=at, reason=reason)
    change.record(at=at, actor=actor, transition=Transition.HOLD, reason=reason)


def resume_build(change: CaseChange, *, actor, at: datetime, reason: str) -> None:
    """On hold → in progress: the deadline moves later by the time paused."""
    change.end_hold(at=at)
    change.case.resume()
    change.refresh_clock()
    change.record(at=at, actor=actor, transition=Transition.RESUME,
                  reason=reason or Transition.RESUME.label)


def resolve_build(change: CaseChange, *, actor, at: datetime, reason: str) -> None:
    """Open / in progress → resolved: the stay ends and the clock stops."""
    change.case.resolve(now=at)
    change.leave_tier(at=at, left_by=Transition.RESOLVE)
    clear_case_clock(change.case)
    change.event(kind=CaseEvent.Kind.RESOLVED, at=at, actor=actor, detail=reason)
    change.record(at=at, actor=actor, transition=Transition.RESOLVE,
                  reason=reason or Transition.RESOLVE.label)


def reopen_build(change: CaseChange, *, actor, at: datetime, reason: str) -> None:
    """Resolved → open at the same tier, with a fresh clock from the reopening: the time the
    case spent resolved does not count against the tier."""
    change.case.reopen()
    change.enter_tier(at=at, actor=actor, basis=ClockBasis.REOPEN)
    change.record(at=at, actor=actor, transition=Transition.REOPEN, reason=reason)


def close_build(change: CaseChange, *, actor, at: datetime, reason: str) -> None:
    """Resolved → closed after follow-up."""
    change.case.close(now=at)
    change.event(kind=CaseEvent.Kind.CLOSED, at=at, actor=actor, detail=reason)
    change.record(at=at, actor=actor, transition=Transition.CLOSE,
                  reason=reason or Transition.CLOSE.label)


# --- the services -------------------------------------------------------------------------

def case_acknowledge(*, case: Case, actor, reason: str = "", now=None, expected_version=None):
    """Acknowledge an open case: the tier owner has taken it up."""
    return _run(case=case, actor=actor, name="acknowledge", now=now,
                expected_version=expected_version,
                build=lambda change, at: acknowledge_build(change, actor=actor, at=at,
                                                           reason=reason))


def case_escalate(*, case: Case, actor, reason: str, now=None, expected_version=None):
    """Escalate a case to the next tier of its policy; refused at the top tier."""
    _require_reason(reason, "escalate")
    return _run(case=case, actor=actor, name="escalate", now=now,
                expected_version=expected_version,
                build=lambda change, at: escalate_build(change, actor=actor, at=at,
                                                        reason=reason))


def case_hold(*, case: Case, actor, reason: str, now=None, expected_version=None):
    """Put a case on hold while waiting for the customer or a third party."""
    _require_reason(reason, "hold")
    return _run(case=case, actor=actor, name="hold", now=now,
                expected_version=expected_version,
                build=lambda change, at: hold_build(change, actor=actor, at=at, reason=reason))


def case_resume(*, case: Case, actor, reason: str = "", now=None, expected_version=None):
    """Resume work on a case that was on hold; its deadline moves by the time paused."""
    return _run(case=case, actor=actor, name="resume", now=now,
                expected_version=expected_version,
                build=lambda change, at: resume_build(change, actor=actor, at=at,
                                                      reason=reason))


def case_resolve(
    *, case: Case, actor, resolution_plan: str, outcome: str, corrective_actions: str = "",
    reason: str = "", now=None, expected_version=None,
):
    """Resolve a case with its resolution plan, corrective actions and outcome."""

    def prepare(locked: Case) -> None:
        locked.resolution_plan = resolution_plan or ""
        locked.outcome = outcome or ""
        locked.corrective_actions = corrective_actions or ""

    return _run(case=case, actor=actor, name="resolve", now=now,
                expected_version=expected_version, prepare=prepare,
                build=lambda change, at: resolve_build(change, actor=actor, at=at,
                                                       reason=reason))


def case_reopen(*, case: Case, actor, reason: str, now=None, expected_version=None):
    """Reopen a resolved case at the tier it was resolved at, with a fresh clock."""
    _require_reason(reason, "reopen")
    return _run(case=case, actor=actor, name="reopen", now=now,
                expected_version=expected_version,
                build=lambda change, at: reopen_build(change, actor=actor, at=at,
                                                      reason=reason))


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

    return _run(case=case, actor=actor, name="close", now=now,
                expected_version=expected_version, prepare=prepare,
                build=lambda change, at: close_build(change, actor=actor, at=at, reason=reason))


TRANSITION_SERVICES: dict[str, Callable[..., Case]] = {
    "acknowledge": case_acknowledge,
    "escalate": case_escalate,
    "hold": case_hold,
    "resume": case_resume,
    "resolve": case_resolve,
    "reopen": case_reopen,
    "close": case_close,
}

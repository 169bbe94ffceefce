"""The SLA clock of a case: its deadlines, warning, acknowledgement and next check.

Glue between the stored policy, tier and stay rows and the pure functions of `clock` and
`calendar`. A stay's clock start (``clock_from``) and what it counts from (``clock_basis``) are
stored with the stay when it is entered (see ``stay_clock``); every recomputation reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from escalations.choices import CaseState, ClockAnchor, ClockBasis, ClockKind
from escalations.sla.clock import Deadline, add_on_clock, compute_deadline

REMINDER_INTERVAL = timedelta(days=1)
Holds = Sequence[tuple[datetime, datetime]]


class StayClock(NamedTuple):
    """Where a stay's clock counts from, and where limits counted from the opening count from."""

    clock_from: datetime
    clock_basis: str
    origin_at: datetime
    origin_basis: str


def stay_clock(case, *, tier, entered_at: datetime, previous=None,
               basis: str | None = None) -> StayClock:
    """Return the clock of a stay entered at entered_at.

    An import or a reopening (basis given) starts the clock afresh at entered_at, for every
    kind of limit, and becomes the start that later tiers counted from the opening count from.
    Otherwise the stay carries on the previous stay's start (the case's opening for its first
    stay): a tier counted from the opening counts from it, any other tier from its own entry.
    """
    if basis is not None:
        return StayClock(entered_at, basis, entered_at, basis)
    if previous is not None:
        origin_at, origin_basis = previous.origin_at, previous.origin_basis
    else:
        origin_at, origin_basis = case.opened_at, ClockBasis.OPENING
    if tier is not None and tier.limit_anchor == ClockAnchor.CASE_OPENED:
        return StayClock(origin_at, origin_basis, origin_at, origin_basis)
    return StayClock(entered_at, ClockBasis.TIER_ENTRY, origin_at, origin_basis)


def _anchor_label(basis: str, tier) -> str:
    if basis == ClockBasis.TIER_ENTRY:
        return f"entering {tier.name}"
    return ClockBasis(basis).label


def tier_deadline(case, *, tier, stay, holds: Holds) -> Deadline | None:
    """Return the deadline of the stay at tier, or None for a tier without a limit."""
    if tier is None or tier.limit is None:
        return None
    policy = case.policy
    return compute_deadline(
        calendar=policy.calendar, limit=tier.limit, anchor_at=stay.clock_from,
        anchor_label=_anchor_label(stay.clock_basis, tier), holds=holds,
        risk_rating=case.risk_rating,
        risk_percent=policy.risk_percentages.get(case.risk_rating, 100),
        warning_share=policy.warning_share,
    )


def refresh_case_clock(case, *, stay, holds: Holds, new_stay: bool) -> None:
    """Recompute the case's due, warning and acknowledgement moments from its stay's clock.

    new_stay clears the per-stay flags (at risk, not acknowledged) when the case enters a tier.
    The next check is set by the caller (schedule_next_check) once the change is complete.
    """
    tier = case.current_tier
    deadline = tier_deadline(case, tier=tier, stay=stay, holds=holds)
    if deadline is None:
        case.due_at = case.warn_at = None
        case.due_explanation = (
            f"No automatic deadline: {tier.name} is case-specific." if tier else ""
        )
    else:
        case.due_at, case.warn_at = deadline.due_at, deadline.warn_at
        case.due_explanation = deadline.explanation
    if new_stay:
        case.at_risk = case.ack_overdue = False
        case.breach_reminded_at = None
        case.ack_due_at = None
        if tier is not None and tier.ack_value is not None:
            # Acknowledgement counts from the entry, or from a fresh clock's start (an import).
            case.ack_due_at = add_on_clock(
                case.policy.calendar, max(stay.entered_at, stay.clock_from),
                tier.ack_kind or ClockKind.BUSINESS_HOURS, tier.ack_value,
            )


def clear_case_clock(case) -> None:
    """Stop the clock of a case that left the tiers (resolved)."""
    case.due_at = case.warn_at = case.ack_due_at = case.sla_next_at = None
    case.breach_reminded_at = None
    case.at_risk = case.ack_overdue = False
    case.due_explanation = ""


def schedule_next_check(case) -> None:
    """Set sla_next_at to the earliest moment the sweep has something to do for the case."""
    if case.state not in (CaseState.OPEN, CaseState.IN_PROGRESS):
        case.sla_next_at = None
        return
    moments = []
    if case.due_at is not None:
        if case.breach_reminded_at is not None:
            moments.append(case.breach_reminded_at + REMINDER_INTERVAL)
        else:
            moments.append(case.due_at)
        if not case.at_risk and case.warn_at is not None:
            moments.append(case.warn_at)
    if case.state == CaseState.OPEN and not case.ack_overdue and case.ack_due_at is not None:
        moments.append(case.ack_due_at)
    case.sla_next_at = min(moments) if moments else None

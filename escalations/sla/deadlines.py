"""The SLA clock of a case: its calendar, deadlines, warning, acknowledgement, next check.

Glue between the stored policy/tier rows and the pure functions of `clock` and `calendar`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from escalations.choices import CaseState, ClockAnchor, ClockKind
from escalations.instance_cache import kept_on
from escalations.sla.calendar import BusinessCalendar, calendar_from_rows
from escalations.sla.clock import Deadline, Limit, add_on_clock, compute_deadline

REMINDER_INTERVAL = timedelta(days=1)
Holds = Sequence[tuple[datetime, datetime]]


def policy_calendar(policy) -> BusinessCalendar:
    """Return the business calendar of a policy, kept on the policy instance."""

    def make() -> BusinessCalendar:
        hours = {row.weekday: (row.opens, row.closes) for row in policy.working_hours.all()}
        return calendar_from_rows(
            time_zone=policy.time_zone, country=policy.holiday_country,
            subdivision=policy.holiday_subdivision,
            custom=policy.custom_holidays.values_list("date", flat=True),
            working_hours=hours or None,
        )

    return kept_on(policy, "_calendar", make)


def tier_limit(tier) -> Limit:
    """Return the tier's limit, kept on the tier instance like the policy's calendar."""
    return kept_on(tier, "_limit", lambda: Limit(amount=tier.limit_value, kind=tier.limit_kind,
                                                 target=tier.limit_target))


def case_holds(case) -> list[tuple[datetime, datetime]]:
    """Return the case's finished hold periods."""
    return list(case.holds.filter(ended_at__isnull=False).values_list("started_at", "ended_at"))


def tier_deadline(case, *, tier, entered_at: datetime, holds: Holds,
                  anchor_label: str = "") -> Deadline | None:
    """Return the deadline of tier for the case, or None for a tier without a limit.

    anchor_label, when given, counts every limit from entered_at under that label (imported
    cases: their clocks start at the import, not in the past).
    """
    if tier is None or tier.limit_value is None:
        return None
    policy = case.policy
    if anchor_label:
        anchor, label = entered_at, anchor_label
    elif tier.limit_anchor == ClockAnchor.CASE_OPENED:
        anchor, label = case.opened_at, "case opening"
    else:
        anchor, label = entered_at, f"entering {tier.name}"
    return compute_deadline(
        calendar=policy_calendar(policy),
        limit=tier_limit(tier),
        anchor_at=anchor, anchor_label=label, holds=holds, risk_rating=case.risk_rating,
        risk_percent=policy.risk_percentages.get(case.risk_rating, 100),
        warning_share=policy.warning_share,
    )


def refresh_case_clock(case, *, entered_at: datetime, holds: Holds, new_stay: bool,
                       anchor_label: str = "", schedule: bool = True) -> None:
    """Recompute the case's due, warning and acknowledgement moments and its next check.

    new_stay clears the per-stay flags (at risk, not acknowledged) when the case enters a tier;
    schedule=False leaves the next check to the caller (the sweep sets it once per case).
    """
    tier = case.current_tier
    deadline = tier_deadline(case, tier=tier, entered_at=entered_at, holds=holds,
                             anchor_label=anchor_label)
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
            case.ack_due_at = add_on_clock(
                policy_calendar(case.policy), entered_at, tier.ack_kind or ClockKind.BUSINESS_HOURS,
                tier.ack_value,
            )
    if schedule:
        schedule_next_check(case)


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


def case_due_at(*, case, entered_at: datetime) -> datetime | None:
    """Return the deadline of the case's current tier entered at entered_at (no holds)."""
    deadline = tier_deadline(case, tier=case.current_tier, entered_at=entered_at, holds=())
    return deadline.due_at if deadline else None

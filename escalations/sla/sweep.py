"""The SLA sweep: promote overdue cases, warn those at risk, flag unacknowledged ones.

Exactly once across workers and machines: each batch of due cases is read and written in one
transaction. On PostgreSQL the batch is locked with ``FOR UPDATE SKIP LOCKED`` so concurrent
sweeps share the work and never take the same case; on SQLite the transaction is IMMEDIATE
(see config.settings.base), so it holds the database's write lock from its first statement and
a second sweep only reads the batch after the first has committed its new deadlines. A case is
promoted by the same building step as a manual escalation (``escalate_build``), and the batch's
changes are written by the one writer in the same transaction, so a crash leaves every case of
the batch either fully promoted or untouched, and the next sweep finishes the job.
``case_sla_check`` runs the same use case on one case.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from escalations.choices import CaseState, Transition
from escalations.models import Case, CaseEvent, Policy
from escalations.notifications.outbox import delivery_after_commit
from escalations.services.changes import CaseChange, changes_for
from escalations.services.reference_loading import system_user
from escalations.services.transitions import escalate_build
from escalations.services.writer import changes_write
from escalations.sla.deadlines import REMINDER_INTERVAL, schedule_next_check

logger = logging.getLogger(__name__)
# Cases per transaction. Each batch holds its rows' locks (on SQLite the database's write lock)
# for a fraction of a second at 1,000; smaller batches rewrite the same index pages in more
# transactions.
BATCH_SIZE = 1000


def _promote_or_breach(change: CaseChange, *, now: datetime, actor, counts: Counter) -> None:
    """Promote the case for each deadline it missed by now; at the top tier, mark it breached."""
    case = change.case
    while case.due_at is not None and case.due_at <= now and case.breach_reminded_at is None:
        tier = case.current_tier
        if tier is None:  # a level the policy no longer has: nothing to promote from
            break
        # Missed at its deadline; or, when a change (a new risk rating) moved the deadline
        # before that change or before the stay began, at the later of the two: a promotion
        # never predates the stay it leaves or the case's last recorded activity.
        at = max(case.due_at, case.updated_at,
                 change.stay.entered_at if change.stay else case.due_at)
        if change.stay is not None:
            change.stay.breached_at = at
            change.stay_changed()
        case.sla_breached = True
        if not case.has_next_tier():
            # Top tier (or no tier above): marked breached, not promoted; reminded daily.
            case.breach_reminded_at = now
            change.event(kind=CaseEvent.Kind.BREACHED_TOP, at=at, actor=actor,
                         detail=tier.breach_reason)
            change.record(at=now, actor=actor, transition=Transition.SLA,
                          reason=f"{tier.breach_reason} (top tier: owner reminded daily until "
                                 "resolved)")
            counts["breached"] += 1
            return
        escalate_build(change, actor=actor, at=at, reason=tier.breach_reason)
        counts["promoted"] += 1


def _flag(change: CaseChange, *, now: datetime, actor, counts: Counter) -> None:
    """Remind of a breach daily, warn a case at risk, flag one not acknowledged in time."""
    case = change.case
    notes = []
    if case.breach_reminded_at is not None and case.breach_reminded_at + REMINDER_INTERVAL <= now:
        case.breach_reminded_at = now
        change.event(kind=CaseEvent.Kind.BREACH_REMINDER, at=now, actor=actor,
                     detail="Still breached at the top tier.")
        counts["reminded"] += 1
    if not case.at_risk and case.warn_at is not None and case.warn_at <= now:
        case.at_risk = True
        notes.append(f"at risk since {timezone.localtime(case.warn_at):%d %b %H:%M}")
        change.event(kind=CaseEvent.Kind.SLA_WARNING, at=case.warn_at, actor=actor,
                     detail=case.due_explanation)
        if change.stay is not None:
            change.stay.warned_at = case.warn_at
            change.stay_changed()
        counts["warned"] += 1
    if (case.state == CaseState.OPEN and not case.ack_overdue and case.ack_due_at is not None
            and case.ack_due_at <= now):
        case.ack_overdue = True
        notes.append("not acknowledged in time")
        change.event(kind=CaseEvent.Kind.ACK_OVERDUE, at=case.ack_due_at, actor=actor)
        if change.stay is not None:
            change.stay.ack_overdue_at = case.ack_due_at
            change.stay_changed()
        counts["ack_overdue"] += 1
    if notes:
        tier = case.current_tier
        change.record(at=now, actor=actor, transition=Transition.SLA,
                      reason=f"SLA: {', '.join(notes)} at tier {tier.name if tier else case.tier}")


def sla_check_build(change: CaseChange, *, now: datetime, actor, counts: Counter) -> None:
    """Work out in memory what the SLA clock does to one case at now (nothing is written);
    add what it did to counts."""
    _promote_or_breach(change, now=now, actor=actor, counts=counts)
    _flag(change, now=now, actor=actor, counts=counts)
    case = change.case
    schedule_next_check(case)
    if case.sla_next_at is not None and case.sla_next_at <= now:
        logger.warning("Case %s would be swept again at once; retrying in a minute.", case.pk)
        case.sla_next_at = now + timedelta(minutes=1)


def _due_batch(now: datetime, size: int) -> list[Case]:
    queryset = Case.objects.filter(
        sla_next_at__lte=now, state__in=[CaseState.OPEN, CaseState.IN_PROGRESS]
    ).order_by("sla_next_at", "pk")
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    return list(queryset[:size])


def sweep_batch(*, now: datetime, actor, policies: dict[int, Policy],
                size: int) -> Counter | None:
    """Lock, work out and write one batch of due cases in one transaction; None when none."""
    with transaction.atomic():
        batch = _due_batch(now, size)
        if not batch:
            return None
        counts = Counter(checked=len(batch))
        changes = changes_for(batch)
        for change in changes:
            change.case.policy = policies[change.case.policy_id]
            sla_check_build(change, now=now, actor=actor, counts=counts)
        changes_write(changes, queue_notifications=False)
        counts["events"] = sum(len(change.events) for change in changes)
        return counts


@transaction.atomic
def case_sla_check(*, case: Case, now: datetime | None = None) -> Counter:
    """Run the SLA clock on one case at now, as the sweep does; return what it did."""
    now = now or timezone.now()
    change = changes_for([Case.objects.select_for_update(of=("self",)).select_related(
        "policy").get(pk=case.pk)])[0]
    counts: Counter = Counter(checked=1)
    if change.case.state in (CaseState.OPEN, CaseState.IN_PROGRESS):
        sla_check_build(change, now=now, actor=system_user(), counts=counts)
        changes_write([change], queue_notifications=False)
        if change.events:
            delivery_after_commit()
    return counts


def sla_sweep(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> dict:
    """Run one sweep over every case due for a check at now; return what it did."""
    now = now or timezone.now()
    actor = system_user()
    policies = {policy.pk: policy for policy in Policy.objects.all()}
    totals: Counter = Counter()
    try:
        while (counts := sweep_batch(now=now, actor=actor, policies=policies,
                                     size=batch_size)) is not None:
            totals.update(counts)
    finally:
        # The events' notifications are queued and delivered by one delivery run once the last
        # batch has committed (also when a later batch failed, for the batches committed), so
        # that no batch holds its cases' locks while recipients are worked out.
        if totals["events"]:
            delivery_after_commit()
    return {
        "promoted": totals["promoted"], "warned": totals["warned"], "checked": totals["checked"],
        "breached": totals["breached"], "ack_overdue": totals["ack_overdue"],
        "reminded": totals["reminded"], "now": now.isoformat(),
    }

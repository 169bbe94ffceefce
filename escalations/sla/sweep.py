"""The SLA sweep: promote overdue cases, warn those at risk, flag unacknowledged ones.

Exactly once across workers and machines: each batch of due cases is read and written in one
transaction. On PostgreSQL the batch is locked with ``FOR UPDATE SKIP LOCKED`` so concurrent
sweeps share the work and never take the same case; on SQLite the transaction is IMMEDIATE
(see config.settings.base), so it holds the database's write lock from its first statement and
a second sweep only reads the batch after the first has committed its new deadlines. A case is
promoted through the same FSM ``escalate`` transition as a manual escalation; its history rows,
stays and events are written in bulk in the same transaction, so a crash leaves every case of
the batch either fully promoted or untouched, and the next sweep finishes the job.
"""

from __future__ import annotations

import gc
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from escalations.bulk import bulk_insert_values, bulk_update_rows, bulk_update_values
from escalations.choices import CaseState, Transition
from escalations.fast_reads import load_instances, load_values
from escalations.instance_cache import kept_on
from escalations.models import Case, CaseEvent, HoldPeriod, Policy, TierStay
from escalations.notifications.outbox import delivery_after_commit, outbox_enqueue_case_events
from escalations.notifications.recipients import RecipientDirectory
from escalations.services.events import NewEvent, event_build, events_insert
from escalations.services.recording import PartialSnapshots
from escalations.services.reference_loading import system_user
from escalations.sla.deadlines import REMINDER_INTERVAL, refresh_case_clock, schedule_next_check

logger = logging.getLogger(__name__)
CASE_FIELDS = [
    "tier", "state", "due_at", "warn_at", "ack_due_at", "sla_next_at", "at_risk", "ack_overdue",
    "sla_breached", "breach_reminded_at", "held_since", "due_explanation", "version",
]
# What the sweep reads of a due case: what it writes and what deadlines and recipients need.
# The rest of each history snapshot is copied by the database (SNAPSHOTS).
CASE_READS = [*CASE_FIELDS, "policy", "opened_at", "risk_rating", "team", "assignee",
              "confidential"]
SNAPSHOTS = PartialSnapshots(CASE_FIELDS)
# Cases per transaction. Each batch holds its rows' locks (on SQLite the database's write lock)
# for about a third of a second at 1,000; smaller batches rewrite the same index pages in more
# transactions (on SQLite 500 per batch made the benchmark's sweep about 20% slower).
BATCH_SIZE = 1000
STAY_FLAGS = ["left_at", "left_by", "breached_at", "warned_at", "ack_overdue_at"]


@dataclass(slots=True, eq=False)
class Stay:
    """A case's stay at a tier as the sweep sees it: the open one it loaded (with pk), or one
    a promotion opens (pk None until written)."""

    pk: int | None
    case_id: int
    level: int = 0
    tier_name: str = ""
    entered_at: datetime | None = None
    due_at: datetime | None = None
    entered_by_id: int | None = None
    left_at: datetime | None = None
    left_by: str = ""
    breached_at: datetime | None = None
    warned_at: datetime | None = None
    ack_overdue_at: datetime | None = None

    def new_row(self) -> dict[str, object]:
        return {"case_id": self.case_id, "level": self.level, "tier_name": self.tier_name,
                "entered_at": self.entered_at, "due_at": self.due_at,
                "entered_by_id": self.entered_by_id,
                **{name: getattr(self, name) for name in STAY_FLAGS}}


@dataclass(slots=True)
class CaseWork:
    """What one sweep does to one case, to be written in bulk; counts are the batch's."""

    case: Case
    stay: Stay | None
    counts: Counter
    history: list[dict] = field(default_factory=list)
    events: list[NewEvent] = field(default_factory=list)
    new_stays: list[Stay] = field(default_factory=list)
    changed_stays: list[Stay] = field(default_factory=list)


def _snapshot(work: CaseWork, *, at: datetime, actor, transition: str, reason: str) -> None:
    work.case.version += 1
    work.history.append(
        SNAPSHOTS.row(work.case, at=at, actor=actor, transition=transition, reason=reason)
    )


def _breach_reason(tier) -> str:
    """'SLA breached: <limit> at tier <name>', kept on the tier instance (loaded per sweep)."""
    return kept_on(tier, "_breach_reason",
                   lambda: f"SLA breached: {tier.limit_display} at tier {tier.name}")


def _promote_or_breach(work: CaseWork, *, now: datetime, actor, holds) -> None:
    case = work.case
    while case.due_at is not None and case.due_at <= now and case.breach_reminded_at is None:
        at, tier = case.due_at, case.current_tier
        reason = _breach_reason(tier)
        if work.stay is not None:
            work.stay.breached_at = at
        if not case.has_next_tier():  # escalate's condition; escalate() checks it again
            # Top tier (or no tier above): marked breached, not promoted; reminded daily.
            case.sla_breached = True
            case.breach_reminded_at = now
            work.events.append(event_build(case=case, kind=CaseEvent.Kind.BREACHED_TOP, at=at,
                                           actor=actor, detail=reason))
            _snapshot(work, at=now, actor=actor, transition=Transition.SLA,
                      reason=f"{reason} (top tier: owner reminded daily until resolved)")
            work.counts["breached"] += 1
            return
        if work.stay is not None:
            work.stay.left_at, work.stay.left_by = at, "escalate"
            if work.stay.pk and work.stay not in work.changed_stays:
                work.changed_stays.append(work.stay)
        if case.held_since is not None:  # escalate is allowed from on hold; not swept, but safe
            case.held_since = None
        case.escalate()
        case.sla_breached = True
        refresh_case_clock(case, entered_at=at, holds=holds, new_stay=True, schedule=False)
        work.stay = Stay(
            pk=None, case_id=case.pk, level=case.tier, tier_name=case.current_tier.name,
            entered_at=at, due_at=case.due_at, entered_by_id=actor.pk if actor else None,
        )
        work.new_stays.append(work.stay)
        _snapshot(work, at=at, actor=actor, transition=Transition.ESCALATE, reason=reason)
        work.events.append(event_build(case=case, kind=CaseEvent.Kind.ESCALATED, at=at,
                                       actor=actor, detail=reason))
        work.counts["promoted"] += 1


def _flag(work: CaseWork, *, now: datetime, actor) -> None:
    case = work.case
    notes = []
    if case.breach_reminded_at is not None and case.breach_reminded_at + REMINDER_INTERVAL <= now:
        case.breach_reminded_at = now
        work.events.append(event_build(case=case, kind=CaseEvent.Kind.BREACH_REMINDER, at=now,
                                       actor=actor, detail="Still breached at the top tier."))
        work.counts["reminded"] += 1
    if not case.at_risk and case.warn_at is not None and case.warn_at <= now:
        case.at_risk = True
        notes.append(f"at risk since {timezone.localtime(case.warn_at):%d %b %H:%M}")
        work.events.append(event_build(case=case, kind=CaseEvent.Kind.SLA_WARNING,
                                       at=case.warn_at, actor=actor, detail=case.due_explanation))
        if work.stay is not None:
            work.stay.warned_at = case.warn_at
        work.counts["warned"] += 1
    if (case.state == CaseState.OPEN and not case.ack_overdue and case.ack_due_at is not None
            and case.ack_due_at <= now):
        case.ack_overdue = True
        notes.append("not acknowledged in time")
        work.events.append(event_build(case=case, kind=CaseEvent.Kind.ACK_OVERDUE,
                                       at=case.ack_due_at, actor=actor))
        if work.stay is not None:
            work.stay.ack_overdue_at = case.ack_due_at
        work.counts["ack_overdue"] += 1
    if notes:
        _snapshot(work, at=now, actor=actor, transition=Transition.SLA,
                  reason=f"SLA: {', '.join(notes)} at tier {case.current_tier.name}")


def sweep_case(case: Case, *, stay: Stay | None, holds, now: datetime, actor,
               counts: Counter) -> CaseWork:
    """Work out in memory what the sweep does to one case (nothing is written here); add what
    it did to counts."""
    work = CaseWork(case=case, stay=stay, counts=counts)
    _promote_or_breach(work, now=now, actor=actor, holds=holds)
    _flag(work, now=now, actor=actor)
    schedule_next_check(case)
    if case.sla_next_at is not None and case.sla_next_at <= now:
        logger.warning("Case %s would be swept again at once; retrying in a minute.", case.pk)
        case.sla_next_at = now + timedelta(minutes=1)
    if work.stay is not None and work.stay.pk and work.stay not in work.changed_stays:
        work.changed_stays.append(work.stay)  # warned / breached / ack flags on the stay
    return work


def _due_batch(now: datetime, size: int) -> list[Case]:
    queryset = Case.objects.filter(
        sla_next_at__lte=now, state__in=[CaseState.OPEN, CaseState.IN_PROGRESS]
    ).only(*CASE_READS).order_by("sla_next_at", "pk")
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    return load_instances(queryset[:size])


def _write(works: list[CaseWork], directory: RecipientDirectory) -> int:
    bulk_update_rows([w.case for w in works], CASE_FIELDS)
    SNAPSHOTS.insert([row for w in works for row in w.history])
    bulk_update_values(TierStay, [s for w in works for s in w.changed_stays], STAY_FLAGS)
    bulk_insert_values(TierStay, [s.new_row() for w in works for s in w.new_stays])
    events = events_insert([e for w in works for e in w.events])
    return outbox_enqueue_case_events(events, directory, deliver=False)


def sweep_batch(*, now: datetime, actor, policies: dict[int, Policy], size: int,
                directory: RecipientDirectory) -> Counter | None:
    """Lock, work out and write one batch of due cases in one transaction; None when none."""
    with transaction.atomic():
        batch = _due_batch(now, size)
        if not batch:
            return None
        ids = [case.pk for case in batch]
        stays = {
            case_id: Stay(pk=pk, case_id=case_id, warned_at=warned, breached_at=breached,
                          ack_overdue_at=ack_overdue)
            for pk, case_id, warned, breached, ack_overdue in load_values(TierStay.objects.filter(
                case_id__in=ids, left_at__isnull=True
            ).order_by("entered_at", "id").values_list(
                "pk", "case_id", "warned_at", "breached_at", "ack_overdue_at"))
        }
        holds: dict[int, list[tuple[datetime, datetime]]] = {}
        for case_id, start, end in HoldPeriod.objects.filter(
            case_id__in=ids, ended_at__isnull=False
        ).values_list("case_id", "started_at", "ended_at"):
            holds.setdefault(case_id, []).append((start, end))
        works, counts = [], Counter(checked=len(batch))
        for case in batch:
            case.policy = policies[case.policy_id]
            works.append(sweep_case(case, stay=stays.get(case.pk), holds=holds.get(case.pk, ()),
                                    now=now, actor=actor, counts=counts))
        counts["queued"] = _write(works, directory)
        return counts


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (reference counting still frees every batch).

    A batch allocates tens of thousands of small objects (instances, rows, events); each
    allocation threshold would otherwise scan them, and now and then every object of the
    process: about a tenth of the sweep's time. A sweep of 10,000 cases leaves a few hundred
    objects in reference cycles, collected once the collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def sla_sweep(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> dict:
    """Run one sweep over every case due for a check at now; return what it did."""
    now = now or timezone.now()
    actor = system_user()
    policies = {policy.pk: policy for policy in Policy.objects.all()}
    directory = RecipientDirectory()
    totals: Counter = Counter()
    try:
        with _collector_paused():
            while (counts := sweep_batch(now=now, actor=actor, policies=policies,
                                         size=batch_size, directory=directory)) is not None:
                totals.update(counts)
    finally:
        # One delivery request for the whole sweep, not one per batch; also when a later batch
        # failed, for the notifications of the batches already committed.
        if totals["queued"]:
            delivery_after_commit()
    return {
        "promoted": totals["promoted"], "warned": totals["warned"], "checked": totals["checked"],
        "breached": totals["breached"], "ack_overdue": totals["ack_overdue"],
        "reminded": totals["reminded"], "now": now.isoformat(),
    }

"""What one use case does to one case, worked out in memory before anything is written.

Every change of a case (opening, an edit, an assignment, a note, each transition, the SLA
sweep's promotions, warnings and breaches, an import's creates and updates) is built as a
`CaseChange`: the case's new field values, its history rows, its tier stays entered and
changed, its hold periods, its events and its log entries. `changes_write` (services.writer)
persists any number of them in one transaction. A manual transition locks one case, builds
and writes; the sweep locks a batch, builds each and writes once; the importer builds its
opens and updates and writes once. The building steps below are shared by all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from escalations.models import Case, CaseEvent, CaseNote, HoldPeriod, TierStay
from escalations.services.errors import CaseConflict
from escalations.sla.deadlines import refresh_case_clock, schedule_next_check, stay_clock

HistoricalCase = Case.history.model
TRACKED = [field.attname for field in HistoricalCase.tracked_fields]
CASE_FIELDS = [field.attname for field in Case._meta.concrete_fields if not field.primary_key]


@dataclass(eq=False)
class CaseChange:
    """A case and what is to be written about it; built by the steps below, written by
    services.writer.changes_write."""

    case: Case
    stay: TierStay | None = None  # the stay the case is in (None once it has left the tiers)
    holds: list[tuple[datetime, datetime]] = field(default_factory=list)  # finished holds
    running_hold: HoldPeriod | None = None
    adding: bool = False
    loaded: dict[str, object] = field(default_factory=dict)  # field values as read
    history: list[dict[str, object]] = field(default_factory=list)
    new_stays: list[TierStay] = field(default_factory=list)
    changed_stays: list[TierStay] = field(default_factory=list)
    new_holds: list[HoldPeriod] = field(default_factory=list)
    ended_holds: list[HoldPeriod] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)
    notes: list[CaseNote] = field(default_factory=list)
    active_at: datetime | None = None  # the last activity this change records

    @classmethod
    def of(cls, case: Case, fields: list[str] = CASE_FIELDS) -> CaseChange:
        """Return an empty change of a case read from the database, keeping the values of
        fields as read (the writer writes those of them that change; fields not kept are not
        written)."""
        return cls(case=case, loaded={name: getattr(case, name) for name in fields})

    # --- building steps ------------------------------------------------------------------

    def record(self, *, at: datetime, actor, transition: str, reason: str,
               history_type: str = "~") -> None:
        """Add a history row of the case as it is now (a new version, except the first row of
        a new case); the case's next SLA check follows its new state."""
        if self.history or not self.adding:
            self.case.version += 1
        schedule_next_check(self.case)
        row = {name: getattr(self.case, name) for name in TRACKED}
        row.update(history_date=at, history_user_id=actor.pk if actor else None,
                   history_change_reason=reason, history_type=history_type,
                   history_transition=transition)
        self.history.append(row)
        self.touch(at)

    def touch(self, at: datetime) -> None:
        """Record activity on the case at at (its "last activity")."""
        if self.active_at is None or at > self.active_at:
            self.active_at = at

    def event(self, *, kind: str, at: datetime, actor, detail: str = "") -> None:
        """Add an event about the case at its current tier (notifications follow from it)."""
        self.events.append(CaseEvent(case=self.case, kind=kind, level=self.case.tier,
                                     occurred_at=at, actor=actor,
                                     detail=detail))

    def note(self, *, actor, body: str, kind: str, at: datetime, parent=None) -> CaseNote:
        """Add an entry to the case's log."""
        note = CaseNote(case=self.case, author=actor, body=body, kind=kind, parent=parent,
                        created_at=at)
        self.notes.append(note)
        self.touch(at)
        return note

    def stay_changed(self) -> None:
        """Mark the current stay as changed (written by its primary key)."""
        stay = self.stay
        if stay is not None and stay.pk is not None and stay not in self.changed_stays:
            self.changed_stays.append(stay)

    def enter_tier(self, *, at: datetime, actor, basis: str | None = None,
                   clock_from: datetime | None = None, running: bool = True) -> TierStay:
        """Open a stay at the case's current tier, entered at at, and set the case's clock
        from it. basis (an import, a reopening) starts a fresh clock at clock_from or at.
        running=False records a stay whose clock never runs (an imported resolved case)."""
        case = self.case
        tier = case.current_tier
        clock = stay_clock(case, tier=tier, entered_at=clock_from or at, previous=self.stay,
                           basis=basis)
        stay = TierStay(case=case, level=case.tier,
                        tier_name=tier.name if tier else f"Tier {case.tier}", entered_at=at,
                        entered_by=actor, **clock._asdict())
        self.stay = stay
        self.new_stays.append(stay)
        if running:
            refresh_case_clock(case, stay=stay, holds=self.holds, new_stay=True)
            stay.due_at = case.due_at
        return stay

    def leave_tier(self, *, at: datetime, left_by: str) -> None:
        """Close the current stay at at."""
        if self.stay is not None and self.stay.left_at is None:
            self.stay.left_at, self.stay.left_by = at, left_by
            self.stay_changed()

    def refresh_clock(self) -> None:
        """Recompute the deadline of the current stay (a hold ended, the risk changed)."""
        if self.stay is None:
            return
        refresh_case_clock(self.case, stay=self.stay, holds=self.holds, new_stay=False)
        if self.stay.due_at != self.case.due_at:
            self.stay.due_at = self.case.due_at
            self.stay_changed()

    def start_hold(self, *, at: datetime, reason: str) -> None:
        """Stop the case's clock from at."""
        hold = HoldPeriod(case=self.case, started_at=at, reason=reason)
        self.new_holds.append(hold)
        self.running_hold = hold
        self.case.held_since = at

    def end_hold(self, *, at: datetime) -> None:
        """End the running hold, if any: the clock runs again from at."""
        if self.case.held_since is None:
            return
        hold = self.running_hold
        if hold is not None:
            hold.ended_at = at
            if hold.pk is not None:
                self.ended_holds.append(hold)
            self.holds.append((hold.started_at, at))
        self.running_hold = None
        self.case.held_since = None


def changes_for(cases: list[Case]) -> list[CaseChange]:
    """Return a change for each (locked) case, with its current stay and holds: two queries."""
    by_id = {case.pk: CaseChange.of(case) for case in cases}
    for stay in TierStay.objects.filter(case_id__in=by_id, left_at__isnull=True).order_by(
            "entered_at", "id"):
        by_id[stay.case_id].stay = stay
    for hold in HoldPeriod.objects.filter(case_id__in=by_id).order_by("started_at", "id"):
        change = by_id[hold.case_id]
        if hold.ended_at is None:
            change.running_hold = hold
        else:
            change.holds.append((hold.started_at, hold.ended_at))
    return list(by_id.values())


def change_locked(case: Case, *, expected_version: int | None = None) -> CaseChange:
    """Lock the case's row and return its change; refuse (CaseConflict) if someone changed it
    since the caller read it (its version is not the one expected, by default the caller's)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("change_locked must run inside a transaction.")
    expected = case.version if expected_version is None else expected_version
    locked = Case.objects.select_for_update(of=("self",)).select_related("policy").get(
        pk=case.pk)
    if locked.version != expected:
        raise CaseConflict(
            f"Case {locked.ticket_id} was changed by someone else; reload it and try again."
        )
    return changes_for([locked])[0]


def change_new(case: Case) -> CaseChange:
    """Return the change that opens a new case."""
    return CaseChange(case=case, adding=True)


__all__ = ["CaseChange", "change_locked", "change_new", "changes_for"]

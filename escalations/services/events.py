"""Domain events (escalated, at risk, breached, …), written in the transaction of the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from escalations.bulk import bulk_insert_returning
from escalations.models import Case, CaseEvent


@dataclass(slots=True)
class NewEvent:
    """An event built by a bulk writer (the SLA sweep) and stored by events_insert, which sets
    pk; the notifications layer reads it as it reads a saved CaseEvent."""

    case: Case
    kind: str
    level: int
    occurred_at: datetime
    actor_id: int | None
    detail: str = ""
    pk: int | None = None


def event_build(*, case: Case, kind: str, at: datetime, actor=None, detail: str = "",
                level: int | None = None) -> NewEvent:
    """Return an unsaved event about case at its current tier unless level is given."""
    return NewEvent(case=case, kind=kind, level=level if level is not None else case.tier,
                    occurred_at=at, actor_id=actor.pk if actor else None, detail=detail)


def events_insert(events: list[NewEvent]) -> list[NewEvent]:
    """Store built events in bulk, setting their pk; return them."""
    keys = bulk_insert_returning(CaseEvent, [
        {"case_id": event.case.pk, "kind": event.kind, "level": event.level,
         "occurred_at": event.occurred_at, "actor_id": event.actor_id, "detail": event.detail}
        for event in events
    ])
    for event, key in zip(events, keys, strict=True):
        event.pk = key
    return events


def event_record(**kwargs) -> NewEvent:
    """Store an event about a case and queue its notifications; see event_build."""
    from escalations.notifications.outbox import outbox_enqueue_case_events

    events = events_insert([event_build(**kwargs)])
    outbox_enqueue_case_events(events)
    return events[0]

"""Domain events (escalated, at risk, breached, …), written in the transaction of the change."""

from __future__ import annotations

from datetime import datetime

from escalations.models import Case, CaseEvent


def event_build(*, case: Case, kind: str, at: datetime, actor=None, detail: str = "",
                level: int | None = None) -> CaseEvent:
    """Return an unsaved event about case (for bulk writers)."""
    return CaseEvent(
        case=case, kind=kind, level=level if level is not None else case.tier, occurred_at=at,
        actor=actor, detail=detail,
    )


def event_record(**kwargs) -> CaseEvent:
    """Store an event about a case and queue its notifications; see event_build."""
    from escalations.notifications.outbox import outbox_enqueue_case_events

    event = event_build(**kwargs)
    event.save()
    outbox_enqueue_case_events([event])
    return event

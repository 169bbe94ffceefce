"""A case's story as people read it: one timeline of its changes, log entries and SLA events.

The audit trail stores raw values (`in_progress`, ids, UTC instants with microseconds); this
module turns them into what the case page and the history page show: local times to the
minute, field and choice labels, names instead of ids, and each reason once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import Team, User
from escalations.choices import ACTIVE_STATES, CaseState, Transition
from escalations.models import Case, CaseEvent, Category, Policy

# Bookkeeping the clock and the version keep for themselves: not part of the story.
QUIET_FIELDS = frozenset({
    "version", "warn_at", "ack_due_at", "breach_reminded_at", "held_since", "history_transition",
})
# What each foreign key of a case names, read once per page for all the rows.
NAMED = {"category": Category, "policy": Policy, "team": Team, "assignee": User,
         "created_by": User}
# SLA events; escalations and resolutions are already in the timeline as changes.
SLA_EVENTS = (CaseEvent.Kind.SLA_WARNING, CaseEvent.Kind.ACK_OVERDUE,
              CaseEvent.Kind.BREACHED_TOP, CaseEvent.Kind.BREACH_REMINDER)
EMPTY = "—"
# The order the case page shows its fields in, for listing what a change changed.
FIELD_ORDER = {field.name: index for index, field in enumerate(Case._meta.fields)}


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # "change", "note" or "event"
    title: str
    who: str
    text: str = ""
    changes: list[Change] = field(default_factory=list)


def local_time(moment: datetime | None) -> str:
    """Return a moment in the project's zone, to the minute."""
    if moment is None:
        return EMPTY
    return f"{timezone.localtime(moment):%a %d %b %Y %H:%M}"


def _field_label(name: str) -> str:
    return str(Case._meta.get_field(name).verbose_name).capitalize()


class _ValueText:
    """Turn stored values of a case's fields into the words people read."""

    def __init__(self, case: Case, records: list) -> None:
        self.tiers = case.policy.tier_map
        self.names: dict[str, dict[Any, str]] = {}
        for name, model in NAMED.items():
            ids = {getattr(record, f"{name}_id") for record in records} - {None}
            self.names[name] = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=ids)}

    def __call__(self, name: str, value: Any) -> str:
        if value is None or value == "":
            return EMPTY
        if name in self.names:
            return self.names[name].get(value, f"#{value} (deleted)")
        if name == "tier":
            tier = self.tiers.get(value)
            return f"{value}. {tier.name}" if tier else str(value)
        model_field = Case._meta.get_field(name)
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, datetime):
            return local_time(value)
        return str(value)


def _title(record) -> str:
    if record.history_transition in Transition.values:
        return Transition(record.history_transition).label
    return {"+": "Created", "-": "Deleted"}.get(record.history_type, "Changed")


def change_entries(case: Case) -> list[Entry]:
    """Return the case's audit trail as entries, oldest first, each with what it changed."""
    records = list(case.history.order_by("history_date", "history_id").select_related(
        "history_user"))
    text = _ValueText(case, records)
    entries, previous = [], None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=QUIET_FIELDS)
            for change in sorted(delta.changes, key=lambda c: FIELD_ORDER[c.field]):
                old, new = text(change.field, change.old), text(change.field, change.new)
                if old != new:  # e.g. a deadline moved by seconds reads the same to the minute
                    changes.append(Change(_field_label(change.field), old, new))
        title = _title(record)
        reason = record.history_change_reason or ""
        entries.append(Entry(
            at=record.history_date, kind="change", title=title,
            who=str(record.history_user or "system"),
            text="" if reason.strip().lower() == title.lower() else reason, changes=changes,
        ))
        previous = record
    return entries


def case_timeline(case: Case) -> list[Entry]:
    """Return one timeline of the case, newest first: changes, log entries and SLA events."""
    entries = change_entries(case)
    for note in case.notes.select_related("author"):
        entries.append(Entry(at=note.created_at, kind="note", title=note.get_kind_display(),
                             who=str(note.author or "system"), text=note.body))
    for event in case.events.filter(kind__in=SLA_EVENTS).select_related("actor"):
        entries.append(Entry(
            at=event.occurred_at, kind="event",
            title=f"{event.get_kind_display()} at tier {event.level}",
            who=str(event.actor or "SLA clock"), text=event.detail,
        ))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries



def span_text(delta: timedelta) -> str:
    """Return a span as a person glances at it: "40 min", "5 h", "3 d"."""
    minutes = int(abs(delta).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


@dataclass(frozen=True)
class TimeLeft:
    """How a case stands against its deadline, as the list and the case page say it."""

    text: str  # "due in 3 h", "overdue 2 d", "paused", "no deadline", "—"
    mark: str  # "case-overdue", "case-at-risk", "case-on-time" or ""
    due: str  # the deadline in local time, or ""


def time_left(case: Case, now: datetime) -> TimeLeft:
    """Return how long the case has left at its tier (or how long it is overdue)."""
    if case.state == CaseState.ON_HOLD:
        return TimeLeft("paused", "", "")
    if case.state not in ACTIVE_STATES:
        return TimeLeft(EMPTY, "", "")
    if case.due_at is None:
        return TimeLeft("no deadline", "", "")
    due = local_time(case.due_at)
    if case.is_overdue(now):
        return TimeLeft(f"overdue {span_text(now - case.due_at)}", "case-overdue", due)
    return TimeLeft(f"due in {span_text(case.due_at - now)}",
                    "case-at-risk" if case.at_risk else "case-on-time", due)

"""The one writer of case changes: any number of change sets, one transaction.

New rows go in with Django's ``bulk_create`` (which returns their keys on PostgreSQL and
SQLite); changed rows of cases, stays and holds are written by primary key with
``rows_update``, the one thing Django lacks (its ``bulk_update`` builds a CASE expression per
field per row). Notifications are queued from the events in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router, transaction

from escalations.models import Case, CaseEvent, CaseNote, HoldPeriod, TierStay
from escalations.notifications.outbox import outbox_enqueue_case_events
from escalations.services.changes import CASE_FIELDS, CaseChange, HistoricalCase

STAY_FIELDS = ["left_at", "left_by", "due_at", "acknowledged_at", "warned_at", "breached_at",
               "ack_overdue_at"]


def rows_update(model: type[models.Model], objects: Sequence[models.Model],
                field_names: Sequence[str]) -> int:
    """Write field_names of each object to its row, by primary key, in one statement per
    call on PostgreSQL (UPDATE … FROM unnest of arrays) and one prepared statement run over
    the rows on SQLite; return the number of rows. The caller holds the rows locked."""
    if not objects or not field_names:
        return 0
    connection = connections[router.db_for_write(model)]
    by_name = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_name[name] for name in field_names]
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(by_name[model._meta.pk.attname].column)
    rows = [[field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields]
            for obj in objects]
    keys = [obj.pk for obj in objects]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
            names = ", ".join(f"c{index}" for index in range(len(fields)))
            assignments = ", ".join(f"{quote(field.column)} = v.c{index}"
                                    for index, field in enumerate(fields))
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM unnest(%s::bigint[], {arrays}) "
                f"AS v(pk, {names}) WHERE {table}.{pk} = v.pk",
                [keys, *(list(column) for column in zip(*rows, strict=True))],
            )
        else:
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s",
                               [row + [key] for row, key in zip(rows, keys, strict=True)])
    return len(objects)


def _case_updates(changes: Sequence[CaseChange]) -> tuple[list[Case], list[str]]:
    """Return the existing cases that changed and the fields any of them changed."""
    cases, names = [], set()
    for change in changes:
        if change.adding:
            continue
        case = change.case
        if change.active_at is not None:
            case.updated_at = max(case.updated_at, change.active_at)
        changed = [name for name, value in change.loaded.items() if getattr(case, name) != value]
        if changed:
            names.update(changed)
            cases.append(case)
    return cases, [name for name in CASE_FIELDS if name in names]


@transaction.atomic
def changes_write(changes: Sequence[CaseChange], *, queue_notifications: bool = True) -> int:
    """Persist the change sets in one transaction; return how many notifications were queued
    (their delivery is asked for once the transaction commits).

    queue_notifications=False (the SLA sweep) stores the events as pending: the delivery run
    queues their notifications (outbox_queue_pending_events), outside the transaction that
    holds the cases' locks; the caller asks for that run.
    """
    new_cases = []
    for change in changes:
        if change.adding:
            change.case.updated_at = change.active_at or change.case.updated_at
            new_cases.append(change.case)
    Case.objects.bulk_create(new_cases)
    cases, names = _case_updates(changes)
    rows_update(Case, cases, names)
    history = []
    for change in changes:
        for row in change.history:
            history.append(HistoricalCase(**{**row, "id": change.case.pk}))
    HistoricalCase.objects.bulk_create(history)
    TierStay.objects.bulk_create([stay for change in changes for stay in change.new_stays])
    rows_update(TierStay, [stay for change in changes for stay in change.changed_stays],
                STAY_FIELDS)
    HoldPeriod.objects.bulk_create([hold for change in changes for hold in change.new_holds])
    rows_update(HoldPeriod, [hold for change in changes for hold in change.ended_holds],
                ["ended_at"])
    CaseNote.objects.bulk_create([note for change in changes for note in change.notes])
    events = [event for change in changes for event in change.events]
    if not queue_notifications:
        for event in events:
            event.notifications_queued = False
    CaseEvent.objects.bulk_create(events)
    if not queue_notifications:
        return 0
    return outbox_enqueue_case_events(events)

"""The bulk write paths store exactly what the ORM stores, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalations.bulk import bulk_insert_rows, bulk_update_rows
from escalations.models import CaseEvent

SINGAPORE = ZoneInfo("Asia/Singapore")


def _raw(connection, event_id: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT occurred_at, recorded_at, detail FROM escalations_caseevent "
                       "WHERE id = %s", [event_id])
        return cursor.fetchone()


@pytest.mark.django_db
def test_bulk_insert_and_update_store_what_the_orm_stores(make_case):
    from django.db import connection

    case = make_case()
    at = datetime(2026, 11, 24, 23, 30, 15, 250, tzinfo=SINGAPORE)  # 15:30:15 UTC
    orm = CaseEvent.objects.create(case=case, kind="escalated", level=1, occurred_at=at,
                                   recorded_at=at, detail="orm")
    bulk_insert_rows([CaseEvent(case=case, kind="escalated", level=1, occurred_at=at,
                                recorded_at=at, detail="bulk")])
    bulk = CaseEvent.objects.get(detail="bulk")
    assert _raw(connection, bulk.pk)[:2] == _raw(connection, orm.pk)[:2]
    assert bulk.occurred_at == at and bulk.recorded_at == at

    later = at + timedelta(days=1, hours=3)
    bulk.occurred_at, bulk.recorded_at, bulk.detail = later, None, "updated's detail"
    orm.occurred_at = later
    orm.save(update_fields=["occurred_at"])
    assert bulk_update_rows([bulk], ["occurred_at", "detail"]) == 1
    assert _raw(connection, bulk.pk)[0] == _raw(connection, orm.pk)[0]
    bulk.refresh_from_db()
    assert (bulk.occurred_at, bulk.detail) == (later, "updated's detail")
    assert bulk.recorded_at == at  # fields not named are left alone


@pytest.mark.django_db
def test_bulk_insert_values_fills_defaults_and_named_fields(make_case):
    from escalations.bulk import bulk_insert_values
    from escalations.models import Notification

    case = make_case()
    at = datetime(2026, 11, 24, 9, 0, tzinfo=SINGAPORE)
    count = bulk_insert_values(Notification, [
        {"event": "escalated", "case_id": case.pk, "channel": "email",
         "recipient": "lead@example.com", "created_at": at, "next_attempt_at": at},
        {"event": "sla_warning", "case_id": case.pk, "channel": "chat",
         "recipient": "https://chat.example.com/hook", "created_at": at,
         "next_attempt_at": at, "attempts": 2},
    ])
    assert count == 2
    email, chat = Notification.objects.filter(case=case).order_by("event")
    assert (email.event, email.recipient, email.created_at) == ("escalated", "lead@example.com", at)
    assert (email.status, email.attempts, email.rendered) == ("queued", 0, False)
    assert email.sent_at is None
    assert (chat.channel, chat.attempts) == ("chat", 2)
    assert bulk_insert_values(Notification, []) == 0

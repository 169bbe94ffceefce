"""The sweep's fast reads and writes give what the ORM gives, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from escalations.bulk import bulk_insert_returning
from escalations.fast_reads import load_instances, load_values
from escalations.models import Case, CaseEvent, TierStay

pytestmark = pytest.mark.django_db
SINGAPORE = ZoneInfo("Asia/Singapore")


def _fields(case: Case) -> dict:
    return {field.attname: getattr(case, field.attname) for field in Case._meta.concrete_fields}


def test_load_instances_gives_the_querysets_objects(make_case):
    first = make_case(confidential=True, order_value=Decimal("12.50"))
    second = make_case(risk=5)
    Case.objects.filter(pk=second.pk).update(held_since=datetime(2026, 11, 24, 1, tzinfo=SINGAPORE))
    queryset = Case.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk")

    fast, orm = load_instances(queryset), list(queryset)

    assert [_fields(case) for case in fast] == [_fields(case) for case in orm]
    assert fast[1].held_since.utcoffset() == timedelta(0)  # aware, in UTC
    assert fast[0]._state.adding is False and fast[0]._loaded_version == fast[0].version
    assert fast[0].confidential is True and fast[0].order_value == Decimal("12.50")
    assert load_instances(Case.objects.filter(pk__in=[])) == []


def test_load_instances_loads_only_the_fields_asked_for(make_case, django_assert_num_queries):
    case = make_case(risk=4)
    queryset = Case.objects.filter(pk=case.pk).only("tier", "risk_rating", "due_at")
    [fast], [orm] = load_instances(queryset), list(queryset)
    assert fast.get_deferred_fields() == orm.get_deferred_fields()
    assert "customer_name" in fast.get_deferred_fields()
    with django_assert_num_queries(0):
        assert (fast.pk, fast.tier, fast.risk_rating, fast.due_at) == (
            orm.pk, orm.tier, orm.risk_rating, orm.due_at)


def test_load_values_gives_the_querysets_rows(make_case):
    case = make_case()
    queryset = TierStay.objects.filter(case=case).values_list("pk", "entered_at", "left_at")
    assert load_values(queryset) == [list(row) for row in queryset]


def test_fast_reads_refuse_what_they_cannot_read(make_case):
    with pytest.raises(ValueError, match="plain querysets"):
        load_instances(Case.objects.select_related("policy"))
    with pytest.raises(ValueError, match="values_list"):
        load_instances(Case.objects.values_list("pk"))
    with pytest.raises(ValueError, match="values_list"):
        load_values(Case.objects.all())


def test_bulk_insert_returning_gives_the_keys_in_order(make_case):
    case = make_case()
    at = datetime(2026, 11, 24, 9, tzinfo=SINGAPORE)
    rows = [{"case_id": case.pk, "kind": "escalated", "level": 1, "occurred_at": at,
             "detail": f"event {number}"} for number in range(2500)]
    keys = bulk_insert_returning(CaseEvent, rows)
    assert len(set(keys)) == 2500
    stored = dict(CaseEvent.objects.filter(pk__in=keys).values_list("pk", "detail"))
    assert [stored[key] for key in keys] == [row["detail"] for row in rows]
    event = CaseEvent.objects.get(pk=keys[0])
    assert event.occurred_at == at and event.recorded_at is not None
    assert bulk_insert_returning(CaseEvent, []) == []


def test_bulk_inserts_raise_djangos_errors_and_are_logged(make_case):
    from escalations.bulk import bulk_insert_values

    case = make_case()
    at = datetime(2026, 11, 24, 9, tzinfo=SINGAPORE)
    rows = [{"case_id": case.pk, "kind": "escalated", "level": 1, "occurred_at": at}] * 1200
    with CaptureQueriesContext(connection) as captured:
        assert bulk_insert_values(CaseEvent, rows) == 1200
    if connection.vendor == "sqlite":  # statements run on SQLite's own cursor are still logged
        assert [query["sql"].startswith("INSERT INTO") for query in captured] == [True] * 3
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert_values(CaseEvent, [{"case_id": None, "kind": "escalated", "level": 1,
                                        "occurred_at": at}])
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert_returning(CaseEvent, [{"case_id": None, "kind": "escalated", "level": 1,
                                           "occurred_at": at}])

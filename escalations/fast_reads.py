"""Loading thousands of rows as model instances for the SLA sweep, faster than a queryset.

A queryset passes every SQLite datetime through Django's generic per-value converter (check,
make aware); a sweep batch reads a dozen datetimes per case. Here the queryset's own SQL runs
(row locks included), SQLite's datetimes are made aware in the connection's zone directly (what
Django's converter does), every other column keeps Django's converters, and rows become
instances through Model.from_db, as a queryset would make them.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connections, models
from django.db.models.sql.constants import MULTI


def _sqlite_datetime(zone):
    def convert(value):
        if value is None:
            return None
        if not isinstance(value, datetime):
            value = datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=zone)

    return convert


def _chain(convs, expression, connection):
    def convert(value):
        for converter in convs:
            value = converter(value, expression, connection)
        return value

    return convert


def _rows(queryset: models.QuerySet):
    """Yield the queryset's rows as lists of converted values, in its select order."""
    query = queryset.query
    if query.select_related or query.annotations or query.deferred_loading != (frozenset(), True):
        raise ValueError("fast reads take plain querysets (whole rows or values_list)")
    connection = connections[queryset.db]
    compiler = query.get_compiler(using=queryset.db)
    chunks = list(compiler.execute_sql(MULTI))
    if not chunks:
        return
    expressions = [select[0] for select in compiler.select[: compiler.col_count]]
    converters = []
    for index, (convs, expression) in compiler.get_converters(expressions).items():
        kind = expression.output_field.get_internal_type()
        if connection.vendor == "sqlite" and kind == "DateTimeField":
            converters.append((index, _sqlite_datetime(connection.timezone)))
        else:
            converters.append((index, _chain(convs, expression, connection)))
    for chunk in chunks:
        for row in chunk:
            row = list(row)
            for index, convert in converters:
                row[index] = convert(row[index])
            yield row


def load_instances(queryset: models.QuerySet) -> list[models.Model]:
    """Return the objects of a plain queryset (no select_related, annotations, only/defer)."""
    model, db = queryset.model, queryset.db
    return [model.from_db(db, None, row) for row in _rows(queryset)]


def load_values(queryset: models.QuerySet) -> list[list[object]]:
    """Return the rows of a values_list queryset as lists (no select_related, annotations)."""
    if not queryset.query.values_select:
        raise ValueError("load_values reads values_list querysets")
    return list(_rows(queryset))

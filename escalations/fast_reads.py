"""Loading thousands of rows as model instances for the SLA sweep, faster than a queryset.

A queryset passes every SQLite datetime through Django's generic per-value converter (check,
make aware); a sweep batch reads a dozen datetimes per case. Here the queryset's own SQL runs
(row locks included), SQLite's datetimes are made aware in the connection's zone directly (what
Django's converter does), every other column keeps Django's converters, and rows become
instances through Model.from_db, as a queryset would make them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db import connections, models
from django.db.models import DEFERRED
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


def _rows(queryset: models.QuerySet) -> tuple[list[str], Iterator[list[object]]]:
    """Return the attnames the queryset selects and its rows as lists of converted values."""
    query = queryset.query
    if query.select_related or query.annotations:
        raise ValueError("fast reads take plain querysets (whole rows, only() or values_list)")
    connection = connections[queryset.db]
    compiler = query.get_compiler(using=queryset.db)
    chunks = list(compiler.execute_sql(MULTI))
    if not chunks:
        return [], iter(())
    expressions = [select[0] for select in compiler.select[: compiler.col_count]]
    converters = []
    for index, (convs, expression) in compiler.get_converters(expressions).items():
        kind = expression.output_field.get_internal_type()
        if connection.vendor == "sqlite" and kind == "DateTimeField":
            converters.append((index, _sqlite_datetime(connection.timezone)))
        else:
            converters.append((index, _chain(convs, expression, connection)))

    def rows() -> Iterator[list[object]]:
        for chunk in chunks:
            for row in chunk:
                row = list(row)
                for index, convert in converters:
                    row[index] = convert(row[index])
                yield row

    names = [getattr(getattr(expression, "target", None), "attname", "") for expression in
             expressions]
    return names, rows()


def load_instances(queryset: models.QuerySet) -> list[models.Model]:
    """Return the objects of a plain queryset (no select_related or annotations; only() and
    defer() load the fields they name, as a queryset would)."""
    if queryset.query.values_select:
        raise ValueError("load_instances reads querysets of objects, not values_list")
    model, db = queryset.model, queryset.db
    names, rows = _rows(queryset)
    fields = [field.attname for field in model._meta.concrete_fields]
    if names == fields:
        return [model.from_db(db, None, row) for row in rows]
    # Deferred fields: whole-length rows with DEFERRED where a field was not read (what
    # from_db builds from field names, without its search of the names for every field).
    places = [fields.index(name) for name in names]
    objects = []
    for row in rows:
        whole = [DEFERRED] * len(fields)
        for place, value in zip(places, row, strict=True):
            whole[place] = value
        objects.append(model.from_db(db, None, whole))
    return objects


def load_values(queryset: models.QuerySet) -> list[list[object]]:
    """Return the rows of a values_list queryset as lists (no select_related, annotations)."""
    if not queryset.query.values_select:
        raise ValueError("load_values reads values_list querysets")
    return list(_rows(queryset)[1])

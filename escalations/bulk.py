"""Fast bulk writes of rows the caller has locked, for the SLA sweep and the importer.

Django's bulk_update builds a CASE WHEN expression per field per row and bulk_create compiles
every value into one statement; at thousands of rows that costs more than the database work.
Here SQLite runs one prepared statement over many parameter sets (executemany), and PostgreSQL
gets its own bulk paths: COPY for inserts and one UPDATE … FROM unnest(arrays) per call for
updates. Both paths are exercised by the test suite on its database (CI runs both). Callers
lock the rows first and write the history rows themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

from django.db import connections, models, router

# Field types whose Python values the database drivers take as they are.
_PLAIN = {"CharField", "TextField", "SlugField", "IntegerField", "SmallIntegerField",
          "BigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
          "PositiveBigIntegerField", "BooleanField", "ForeignKey", "AutoField", "BigAutoField"}


def _connection(model: type[models.Model]):
    return connections[router.db_for_write(model)]


def _reader(field: models.Field, connection, *, adding: bool):
    """Return a function giving the database value of field for an object."""
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, adding), connection)
    kind = field.get_internal_type()
    if kind in _PLAIN or (connection.vendor == "postgresql" and kind == "DateTimeField"):
        return lambda obj: getattr(obj, attname)
    if connection.vendor == "sqlite" and kind == "DateTimeField":
        return _sqlite_datetime_reader(field, connection)
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)


def _sqlite_datetime_reader(field: models.Field, connection):
    """Aware datetimes as SQLite's backend stores them (naive text in the connection's zone)."""
    attname, zone = field.attname, connection.timezone

    def read(obj):
        value = getattr(obj, attname)
        if value is None:
            return None
        if value.tzinfo is None:  # Django's own path (and its warning about naive datetimes)
            return field.get_db_prep_save(value, connection)
        return str(value.astimezone(zone).replace(tzinfo=None))

    return read


def _rows(objects, fields, connection, *, adding: bool) -> list[list[object]]:
    readers = [_reader(field, connection, adding=adding) for field in fields]
    return [[read(obj) for read in readers] for obj in objects]


def bulk_update_rows(objects: Sequence[models.Model], field_names: Sequence[str]) -> int:
    """Write field_names of every object to its row by primary key; return the row count."""
    if not objects:
        return 0
    model = type(objects[0])
    connection = _connection(model)
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    values = _rows(objects, fields, connection, adding=False)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
            names = ", ".join(f"c{index}" for index in range(len(fields)))
            assignments = ", ".join(f"{quote(field.column)} = v.c{index}"
                                    for index, field in enumerate(fields))
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM unnest(%s::bigint[], {columns}) "
                f"AS v(pk, {names}) WHERE {table}.{pk} = v.pk",
                [[obj.pk for obj in objects], *map(list, zip(*values, strict=True))],
            )
        else:
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s",
                               [row + [obj.pk] for row, obj in zip(values, objects, strict=True)])
    return len(objects)


def _insert_fields(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields
            if not (field.primary_key and isinstance(field, models.AutoField))]


def _insert(model: type[models.Model], objects: Sequence[object]) -> int:
    connection = _connection(model)
    fields = _insert_fields(model)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    rows = _rows(objects, fields, connection, adding=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
    return len(rows)


def bulk_insert_rows(objects: Sequence[models.Model]) -> int:
    """Insert new objects (their ids are not read back); return the row count."""
    if not objects:
        return 0
    return _insert(type(objects[0]), objects)


def bulk_insert_values(model: type[models.Model], rows: Sequence[dict[str, object]]) -> int:
    """Insert rows given as {attname: value} without building model instances (thousands of
    outbox rows per sweep batch); a field a row does not name takes its default, worked out
    once per call (a callable default such as timezone.now gives every row the same value)."""
    if not rows:
        return 0
    defaults = {field.attname: field.get_default() for field in _insert_fields(model)}
    return _insert(model, [SimpleNamespace(**{**defaults, **row}) for row in rows])

"""Fast bulk writes of rows the caller has locked, for the SLA sweep and the importer.

Django's bulk_update builds a CASE WHEN expression per field per row and bulk_create compiles
each value through the ORM; at thousands of rows that costs more than the database work. Here
SQLite gets multi-row INSERTs of a few hundred rows each (about half the time of executemany's
row-by-row statements) and one prepared UPDATE over many parameter sets (executemany), and
PostgreSQL its own bulk paths: COPY for inserts and one UPDATE … FROM unnest(arrays) per call
for updates. Rows whose ids are needed are inserted with … RETURNING (multi-row VALUES on
SQLite, unnest of typed arrays on PostgreSQL, as Django's bulk_create does). Values are read
with attrgetter/itemgetter and only the columns that need it are converted. Both paths are
exercised by the test suite on its database (CI runs both). Callers lock the rows first and
write the history rows themselves.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from operator import attrgetter, itemgetter

from django.db import connections, models, router
from django.utils import timezone

# Field types whose Python values the database drivers take as they are.
_PLAIN = {"CharField", "TextField", "SlugField", "IntegerField", "SmallIntegerField",
          "BigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
          "PositiveBigIntegerField", "BooleanField", "ForeignKey", "AutoField", "BigAutoField"}
ROWS_PER_STATEMENT = 500


def _connection(model: type[models.Model]):
    return connections[router.db_for_write(model)]


def _auto_now(field: models.Field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _converter(field: models.Field, connection) -> Callable[[object], object] | None:
    """Return the function turning a field's Python value into its database value, or None
    when the driver takes the value as it is."""
    kind = field.get_internal_type()
    if kind in _PLAIN or (connection.vendor == "postgresql" and kind == "DateTimeField"):
        return None
    if connection.vendor == "sqlite" and kind == "DateTimeField":
        return _sqlite_datetime(field, connection)
    return lambda value: field.get_db_prep_save(value, connection)


def _sqlite_datetime(field: models.Field, connection) -> Callable[[object], object]:
    """Aware datetimes as SQLite's backend stores them (naive text in the connection's zone).

    Texts are kept for the call (rows of one call share many moments: an event's time in each
    of its outbox rows); an aware datetime hashes by its instant, as its text is of the instant.
    """
    zone, texts = connection.timezone, {}

    def convert(value):
        if value is None:
            return None
        text = texts.get(value)
        if text is not None:
            return text
        if value.tzinfo is None:  # Django's own path (and its warning about naive datetimes)
            return field.get_db_prep_save(value, connection)
        text = texts[value] = str(value.astimezone(zone).replace(tzinfo=None))
        return text

    return convert


def _plan(fields: Sequence[models.Field], connection) -> list[tuple[int, Callable]]:
    return [(index, convert) for index, field in enumerate(fields)
            if (convert := _converter(field, connection)) is not None]


def _getter(names: Sequence[str], kind=attrgetter) -> Callable[[object], tuple]:
    get = kind(*names)
    return get if len(names) > 1 else (lambda obj: (get(obj),))


def _convert(rows: list[list[object]], plan: list[tuple[int, Callable]]) -> list[list[object]]:
    for row in rows:
        for index, convert in plan:
            row[index] = convert(row[index])
    return rows


def _object_rows(objects, fields, connection, *, adding: bool) -> list[list[object]]:
    """Database values of fields for each object (auto_now fields stamped as save() would)."""
    stamped = [field for field in fields if _auto_now(field) and (adding or field.auto_now)]
    for obj in objects if stamped else ():
        for field in stamped:
            field.pre_save(obj, adding)
    get = _getter([field.attname for field in fields])
    return _convert([list(get(obj)) for obj in objects], _plan(fields, connection))


def _dict_rows(rows, fields, connection) -> list[list[object]]:
    """Database values of rows given as {attname: value}; a field a row does not name takes
    its default, worked out once per call (auto_now fields: the time of the call)."""
    now = timezone.now()
    defaults = {field.attname: now if _auto_now(field) else field.get_default()
                for field in fields}
    get = _getter([field.attname for field in fields], itemgetter)
    return _convert([list(get({**defaults, **row})) for row in rows], _plan(fields, connection))


def bulk_update_rows(objects: Sequence[models.Model], field_names: Sequence[str]) -> int:
    """Write field_names of every object to its row by primary key; return the row count."""
    if not objects:
        return 0
    return bulk_update_values(type(objects[0]), objects, field_names)


def bulk_update_values(model: type[models.Model], objects: Sequence[object],
                       field_names: Sequence[str]) -> int:
    """Write field_names of objects (instances of model, or records with the same attnames
    and a pk) to model's rows by primary key; return the row count."""
    if not objects:
        return 0
    connection = _connection(model)
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    values = _object_rows(objects, fields, connection, adding=False)
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


def _insert(model: type[models.Model], fields, rows: list[list[object]], connection) -> int:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg's own COPY: its errors are turned into Django's like a query's.
            with connection.wrap_database_errors, cursor.cursor.copy(
                f"COPY {table} ({columns}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            _multi_row(connection, cursor, f"INSERT INTO {table} ({columns}) VALUES ",
                       len(fields), rows)
    return len(rows)


def _multi_row(connection, cursor, head: str, width: int, rows: list[list[object]], *,
               tail: str = "", returning: bool = False) -> tuple[int, list[tuple]]:
    """Run `head (…), (…), … tail` on SQLite over rows, a few hundred rows per statement;
    return the number of rows changed and, if returning, the rows the statements return.

    Runs on SQLite's own cursor with ? marks: Django's would rewrite thousands of %s marks by
    regular expression on every statement (2.5 ms for 500 rows of 19 columns).
    """
    mark, size = f"({', '.join(['?'] * width)})", _rows_per_statement(connection, width)
    changed, returned = 0, []
    for first in range(0, len(rows), size):
        chunk = rows[first:first + size]
        sql = head + ", ".join([mark] * len(chunk)) + tail
        params = [value for row in chunk for value in row]
        started = time.monotonic()
        with connection.wrap_database_errors:
            sqlite3.Cursor.execute(cursor.cursor, sql, params)
            changed += cursor.cursor.rowcount
            returned.extend(cursor.cursor.fetchall() if returning else ())
        if connection.queries_logged:
            connection.queries_log.append({
                "sql": f"{head}… ({len(chunk)} rows){tail}",
                "time": f"{time.monotonic() - started:.3f}",
            })
    return changed, returned


def bulk_insert_rows(objects: Sequence[models.Model]) -> int:
    """Insert new objects (their ids are not read back); return the row count."""
    if not objects:
        return 0
    model = type(objects[0])
    connection = _connection(model)
    fields = _insert_fields(model)
    return _insert(model, fields, _object_rows(objects, fields, connection, adding=True),
                   connection)


def bulk_insert_values(model: type[models.Model], rows: Sequence[dict[str, object]]) -> int:
    """Insert rows given as {attname: value} without building model instances (thousands of
    outbox rows per sweep batch); a field a row does not name takes its default, worked out
    once per call (a callable default such as timezone.now gives every row the same value)."""
    if not rows:
        return 0
    connection = _connection(model)
    fields = _insert_fields(model)
    return _insert(model, fields, _dict_rows(rows, fields, connection), connection)


def _rows_per_statement(connection, columns: int) -> int:
    """Rows per multi-row statement on SQLite: a few hundred (fastest measured), within its
    limit on parameters."""
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(ROWS_PER_STATEMENT, limit // columns))


def bulk_insert_returning(model: type[models.Model], rows: Sequence[dict[str, object]]) -> list:
    """Insert rows given as {attname: value} (defaults as in bulk_insert_values) and return
    their new primary keys in the order of rows.

    Multi-row INSERT … RETURNING on SQLite, INSERT … SELECT FROM unnest(arrays) … RETURNING on
    PostgreSQL, as Django's bulk_create does (both give the keys in the order of the rows),
    without building model instances.
    """
    if not rows:
        return []
    connection = _connection(model)
    fields = _insert_fields(model)
    values = _dict_rows(rows, fields, connection)
    quote = connection.ops.quote_name
    head = (f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(field.column) for field in fields)})")
    tail = f" RETURNING {quote(model._meta.pk.column)}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement over typed arrays (as Django 5.2's bulk_create): psycopg would
            # otherwise parse thousands of %s marks per statement.
            arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
            names = ", ".join(f"c{index}" for index in range(len(fields)))
            cursor.execute(f"{head} SELECT {names} FROM unnest({arrays}) "
                           f"WITH ORDINALITY AS v({names}, seq) ORDER BY seq{tail}",
                           list(map(list, zip(*values, strict=True))))
            returned = cursor.fetchall()
        else:
            _, returned = _multi_row(connection, cursor, f"{head} VALUES ", len(fields), values,
                                     tail=tail, returning=True)
    keys = [key for (key,) in returned]
    if len(keys) != len(values):
        raise RuntimeError(f"{model.__name__}: inserted {len(values)} rows, got {len(keys)} keys")
    return keys


def bulk_insert_copying(model: type[models.Model], rows: Sequence[dict[str, object]], *,
                        source: type[models.Model], key: str, copied: Sequence[str]) -> int:
    """Insert rows given as {attname: value} into model, taking the fields named in copied
    from the row of source whose primary key is the row's key field (same column names), in
    the order of rows; return the row count.

    The SLA sweep's history rows: only what the sweep changed travels from Python, the rest of
    the case's snapshot is copied by the database from the (locked) case row.
    """
    if not rows:
        return 0
    connection = _connection(model)
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    given = [field for field in fields if field.attname not in copied]
    position = {field.attname: index for index, field in enumerate(given)}
    values = _dict_rows(rows, given, connection)
    postgres = connection.vendor == "postgresql"
    names = [f"c{index}" for index in range(len(given))] if postgres else [
        f"column{index + 1}" for index in range(len(given) + 1)]
    selects = ", ".join(
        f"v.{names[position[field.attname]]}" if field.attname in position
        else f"c.{quote(field.column)}" for field in fields
    )
    head = (f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(field.column) for field in fields)}) SELECT {selects} FROM ")
    join = (f" JOIN {quote(source._meta.db_table)} AS c "
            f"ON c.{quote(source._meta.pk.column)} = v.{names[position[key]]}")
    with connection.cursor() as cursor:
        if postgres:
            arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in given)
            cursor.execute(
                f"{head}unnest({arrays}) WITH ORDINALITY AS v({', '.join(names)}, seq){join} "
                f"ORDER BY v.seq",
                list(map(list, zip(*values, strict=True))),
            )
            inserted = cursor.rowcount
        else:
            numbered = [row + [index] for index, row in enumerate(values)]
            inserted, _ = _multi_row(connection, cursor, f"{head}(VALUES ", len(given) + 1,
                                     numbered, tail=f") AS v{join} ORDER BY v.{names[-1]}")
    if inserted != len(values):
        raise RuntimeError(f"{model.__name__}: {len(values)} rows to insert, {inserted} inserted "
                           f"(a {source.__name__} row is missing)")
    return inserted

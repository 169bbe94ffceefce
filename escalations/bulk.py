"""Fast bulk UPDATE of rows the caller has locked: one prepared statement, many parameter sets.

Django's bulk_update builds a CASE WHEN expression per field per row, which costs more than
the database work at thousands of rows. Callers (the SLA sweep, the importer) lock the rows
first and write the history rows themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router


def bulk_update_rows(objects: Sequence[models.Model], field_names: Sequence[str]) -> int:
    """Write field_names of every object to its row by primary key; return the row count."""
    if not objects:
        return 0
    model = type(objects[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = (f"UPDATE {quote(model._meta.db_table)} SET {assignments} "
           f"WHERE {quote(model._meta.pk.column)} = %s")
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields]
        + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return len(rows)


def bulk_insert_rows(objects: Sequence[models.Model]) -> int:
    """Insert new objects with one prepared statement (their ids are not read back)."""
    if not objects:
        return 0
    model = type(objects[0])
    connection = connections[router.db_for_write(model)]
    fields = [field for field in model._meta.concrete_fields
              if not (field.primary_key and isinstance(field, models.AutoField))]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} "
           f"({', '.join(quote(field.column) for field in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    rows = [[field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
            for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return len(rows)

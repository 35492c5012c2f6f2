"""Many rows in one INSERT that skips the ones a unique constraint already
holds, and says which rows it wrote: what Django's bulk_create cannot tell
(with ignore_conflicts it sets no primary keys). PostgreSQL and SQLite ≥ 3.35."""
from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

from django.db import connection, models

# SQLite allows 32,766 bound values per statement; a row has at most ~20 columns.
ROWS_PER_STATEMENT = 500


def insert_new(objs: Sequence[models.Model], key: Callable[[models.Model], Hashable],
               key_columns: Sequence[str]) -> set[Hashable]:
    """INSERT `objs` (all of one model), skipping those a unique constraint
    refuses, set the primary key of each one written, and return the keys
    (`key(obj)`, read back from `key_columns`) of the rows written."""
    if not objs:
        return set()
    model = type(objs[0])
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    returning = ", ".join(quote(column) for column in (meta.pk.column, *key_columns))
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    by_key = {key(obj): obj for obj in objs}
    written: set[Hashable] = set()
    for start in range(0, len(objs), ROWS_PER_STATEMENT):
        chunk = objs[start:start + ROWS_PER_STATEMENT]
        params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in chunk for field in fields]
        sql = (f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([placeholders] * len(chunk))} "
               f"ON CONFLICT DO NOTHING RETURNING {returning}")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for pk, *values in cursor.fetchall():
                row_key = values[0] if len(values) == 1 else tuple(values)
                by_key[row_key].pk = pk
                by_key[row_key]._state.adding = False
                written.add(row_key)
    return written

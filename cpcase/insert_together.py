"""Rows of several models written in one statement: ``WITH a AS (INSERT ...), b AS
(INSERT ...) INSERT ...``. One round trip, and atomic on its own: no ``BEGIN`` and
``COMMIT`` around it, and nothing for the ORM to compile per model.

For a hot path that writes a record with its audit events at once (the register's
enquiry, at 3 a.m.): the objects are unsaved model instances, built as for
``bulk_create``; their values are made ready for the database by their own fields
(``pre_save`` and ``get_db_prep_save``), and a primary key the database gives (an
auto field) is left to it and not read back. Foreign keys between the rows are checked
at the end of the statement (Django's are deferrable), so an enquiry and the rows that
point at it go together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.local_concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
        and not getattr(f, "generated", False)
    ]


def _insert(objs: Sequence[models.Model]) -> tuple[str, list[Any]]:
    model = type(objs[0])
    if any(type(o) is not model for o in objs):
        raise TypeError("one model per group")
    fields = _fields(model)
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [
        f.get_db_prep_save(f.pre_save(obj, add=True), connection) for obj in objs for f in fields
    ]
    columns = ", ".join(quote(str(f.column)) for f in fields)
    values = ", ".join([row] * len(objs))
    # The models' own table and column names; every value is a parameter.
    table = quote(model._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES {values}", params  # noqa: S608


def insert_together(*groups: Sequence[models.Model]) -> None:
    """Insert every object of every (non-empty) group, in one statement."""
    filled = [g for g in groups if g]
    if not filled:
        return
    parts = [_insert(g) for g in filled]
    *first, (last_sql, last_params) = parts
    ctes = ", ".join(f"w{i} AS ({sql})" for i, (sql, _) in enumerate(first))
    sql = f"WITH {ctes} {last_sql}" if first else last_sql
    params = [p for _, ps in first for p in ps] + last_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)

"""``manage.py flush`` (and the test runner's flush between transactional tests).

The application's role may not TRUNCATE any table, least of all the audit
trail. Outside production the tables are emptied on a connection of the
owner's role to the same database; in production a flush is refused, as the
database itself refuses it to the application.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.conf import settings
from django.core.management.commands import flush
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with _as_owner(connections[options["database"]]):
            super().handle(**options)


@contextmanager
def _as_owner(connection: BaseDatabaseWrapper) -> Iterator[None]:
    owner = settings.DATABASES.get("owner")
    if settings.PRODUCTION or not owner or owner["USER"] == connection.settings_dict["USER"]:
        yield
        return
    name = connection.settings_dict["NAME"]  # in tests, the test database

    def execute_sql_flush(sql_list: Iterable[str]) -> None:
        # A connection of its own, outside Django's handler (the test runner allows only
        # the aliases a test names).
        with psycopg.connect(
            dbname=name,
            user=owner["USER"],
            password=owner["PASSWORD"] or None,
            host=owner["HOST"] or None,
            port=owner["PORT"] or None,
        ) as conn:
            for sql in sql_list:
                conn.execute(sql.encode())

    connection.ops.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
    try:
        yield
    finally:
        del connection.ops.execute_sql_flush

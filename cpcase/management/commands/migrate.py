"""``manage.py migrate`` as the database's owner role.

The application's role may not change the schema, so unless ``--database``
names another alias, the migrations run on the ``default`` connection switched
to the owner's credentials (``DATABASE_OWNER_URL``, or the embedded cluster's
owner): data migrations and Django's post-migrate handlers, which use the
default connection, then run as the owner too. ``--database owner`` does the same.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import migrate
from django.db import connections

from cpcase.db_roles import default_as_owner, grant_app_role


class Command(migrate.Command):
    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.set_defaults(database=None)

    # The key type is the stubs' (str | None), so the override matches it.
    def get_check_kwargs(self, options: dict[str, Any]) -> dict[str | None, Any]:
        return {"databases": [options.get("database") or "default"]}

    def handle(self, *args: Any, **options: Any) -> None:
        # call_command("migrate") names no database; the test runner names its own.
        if options.get("database") in (None, "owner"):
            with default_as_owner():
                super().handle(*args, **{**options, "database": "default"})
                if _audit_table_exists():
                    # Again each time: roles separated after the grants' migration ran.
                    grant_app_role(connections["default"])
        else:
            super().handle(*args, **options)


def _audit_table_exists() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT to_regclass('cpcase_auditevent') IS NOT NULL")
        return bool(cursor.fetchone()[0])

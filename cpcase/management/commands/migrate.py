"""``manage.py migrate`` as the database's owner role.

The application's role may not change the schema, so migrations run on the
``owner`` connection (``DATABASE_OWNER_URL``, or the embedded cluster's owner)
unless ``--database`` names another.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.commands import migrate


class Command(migrate.Command):
    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.set_defaults(database=None)

    def get_check_kwargs(self, options: dict[str, Any]) -> dict[str, Any]:
        options["database"] = options.get("database") or owner_alias()
        return super().get_check_kwargs(options)

    def handle(self, *args: Any, **options: Any) -> None:
        # call_command("migrate") passes no database; the test runner names its own.
        options["database"] = options.get("database") or owner_alias()
        super().handle(*args, **options)


def owner_alias() -> str:
    return "owner" if "owner" in settings.DATABASES else "default"

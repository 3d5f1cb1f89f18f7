"""The two database roles: the application's (``default``) and the owner's (``owner``).

``migrate`` (and the test session while it creates its database) switches the
``default`` connection to the owner's credentials, so that everything a
migration does, its data migrations and Django's post-migrate handlers too,
runs as the owner in one connection; then back to the application's role.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

# Tables the application may only add to and read: the audit trail and plan versions.
APPEND_ONLY_TABLES = ("cpcase_auditevent", "plans_planversion")

GRANTS = """
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role};
REVOKE ALL ON {append_only} FROM PUBLIC, {role};
GRANT SELECT, INSERT ON {append_only} TO {role};
REVOKE ALL ON django_migrations FROM PUBLIC, {role};
GRANT SELECT ON django_migrations TO {role};
"""

_KEYS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
_credentials: dict[str, dict[str, object]] = {}


def separate() -> bool:
    """Whether the application and the owner are different roles."""
    return bool(getattr(settings, "CPCASE_DATABASE_APP_ROLE", ""))


def _remember() -> None:
    # Taken once, before any switch: settings.DATABASES["default"] is the very dict the
    # default connection uses, so a switch changes it.
    if not _credentials:
        configured = connections.settings  # Django's defaults filled in (OPTIONS...)
        for alias in ("default", "owner"):
            _credentials[alias] = {k: configured[alias][k] for k in _KEYS if k in configured[alias]}


def connect_default_as(alias: str) -> None:
    """Point the ``default`` connection at ``alias``'s role (the same database)."""
    _remember()
    connections["default"].close()
    connections["default"].settings_dict.update(_credentials[alias])


@contextmanager
def default_as_owner() -> Iterator[None]:
    if not separate():
        yield
        return
    connect_default_as("owner")
    try:
        yield
    finally:
        connect_default_as("default")


def grant_app_role(connection: BaseDatabaseWrapper) -> None:
    """As the owner: the application's role may read and write rows (no TRUNCATE, no DDL),
    in tables made later too (default privileges), and only add to and read the
    append-only tables. Idempotent; nothing when one role does everything."""
    role = getattr(settings, "CPCASE_DATABASE_APP_ROLE", "")
    if not role:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            GRANTS.format(role=quote(role), append_only=", ".join(map(quote, APPEND_ONLY_TABLES)))
        )

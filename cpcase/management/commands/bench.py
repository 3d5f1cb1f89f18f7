"""Benchmarks on a synthetic authority: ``manage.py bench [--children 50000]``.

Runs in a database of its own (``cpcase_bench``: on the embedded cluster, or on
the server of ``DATABASE_URL``), never the development database: the command
starts itself again pointed there. The data is built once with bulk inserts and
kept for the next run with the same ``--children``. Sections come from
:mod:`cpcase.bench` and each app's ``bench.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from cpcase import bench
from cpcase.reference_data import ensure_reference_data

CHILD_ENV = "CPCASE_BENCH_DATABASE"


class Command(BaseCommand):
    help = "Build a synthetic authority in a separate database and time searches and lists."

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=50_000, help="default 50,000")
        parser.add_argument("--repeat", type=int, default=30, help="timed runs per measurement")
        parser.add_argument(
            "--database", default="cpcase_bench", help="the benchmark database (name has 'bench')"
        )
        parser.add_argument(
            "--section", action="append", default=[], help="run only these sections"
        )
        parser.add_argument("--rebuild", action="store_true", help="build the data again")
        parser.add_argument("--list", action="store_true", help="list the sections and stop")

    def handle(self, *args, **options):
        name = options["database"]
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or "bench" not in name:
            raise CommandError("The benchmark database's name must contain 'bench'.")
        if options["list"]:
            for s in bench.sections():
                self.stdout.write(f"{s.name:<16} {s.title}")
            return
        if options["children"] < 1 or options["repeat"] < 1:
            raise CommandError("--children and --repeat must be 1 or more.")
        if settings.DATABASES["default"]["NAME"] != name:
            self._run_in(name)
            return
        if os.environ.get(CHILD_ENV) != name:
            raise CommandError(
                f"The current database is already {name!r}: run bench from the normal settings."
            )
        self._bench(options)

    # --- the separate database ----------------------------------------------

    def _run_in(self, name: str) -> None:
        env = {**os.environ, CHILD_ENV: name}
        url = os.environ.get("DATABASE_URL")
        if url:
            # The owner's role creates it (and so owns it); the application's role cannot.
            with connections["owner"].cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{name}"')
            for variable in ("DATABASE_URL", "DATABASE_OWNER_URL"):
                if os.environ.get(variable):
                    parts = urlsplit(os.environ[variable])
                    env[variable] = urlunsplit(parts._replace(path=f"/{name}"))
        else:
            env["CPCASE_EMBEDDED_DATABASE"] = name
        args = [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench", *sys.argv[2:]]
        code = subprocess.call(args, env=env, cwd=settings.BASE_DIR)
        if code:
            raise CommandError(f"The benchmark stopped with status {code}.")

    # --- building and timing ------------------------------------------------

    def _bench(self, options) -> None:
        out = self.stdout
        children = options["children"]
        out.write(f"Benchmark database: {connection.settings_dict['NAME']}")
        call_command("migrate", interactive=False, verbosity=0)
        have = bench.bench_children_count()
        if options["rebuild"] or have != children:
            out.write(f"Building a synthetic authority with {children:,} children...")
            started = time.perf_counter()
            if have or bench.bench_authority() is not None:
                call_command("flush", interactive=False, verbosity=0)

            ensure_reference_data()
            bench.build(children, log=out.write)
            out.write(f"  built in {time.perf_counter() - started:.1f} s")
        else:
            out.write(f"Reusing the synthetic authority with {children:,} children.")
        ctx = bench.context(children, options["repeat"])
        chosen = set(options["section"])
        sections = [s for s in bench.sections() if not chosen or s.name in chosen]
        if chosen - {s.name for s in sections}:
            raise CommandError(f"Unknown sections: {', '.join(sorted(chosen))}")
        out.write(
            f"\n{children:,} children; {options['repeat']} timed runs each; "
            f"PostgreSQL {connection.cursor().connection.info.server_version // 10000}\n"
        )
        header = f"{'':<48} {'median ms':>10} {'p95 ms':>8} {'queries':>8}  note"
        for s in sections:
            out.write(s.title)
            out.write(header)
            for m in s.run(ctx):
                out.write(
                    f"  {m.label:<46} {m.median_ms:>10.1f} {m.p95_ms:>8.1f} {m.queries:>8}  {m.note}"
                )
            out.write("")

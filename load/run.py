"""``make load``: the load test, served as in production (gunicorn, 3 workers) from a
benchmark database, with Locust on the same machine.

Two profiles, one after the other:

- ``steady``: 50 enquirers and 20 social workers, 1 to 3 s between each one's requests;
- ``saturation``: 150 users (the same mix) with no pause, to find what the machine serves.

And a third on request (``--profile floor``): 150 users with no pause each asking for the
cheapest authenticated request the service has (``GET /api/v1/me/`` with a token: one
query, no case data), to find the ceiling of this machine, gunicorn and Django together.

Each reports requests per second, the 50th, 95th and 99th percentiles and the errors,
for the whole and per kind of request, from Locust's CSV files (kept in ``--out``).
``manage.py load_setup`` makes the users first. The benchmark database must exist
(``manage.py bench --children N --database NAME``).

    make load LOAD_ARGS="--database cpcase_bench_load --duration 60"
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# A Redis database of the load test's own for the queued follow-ups (nobody consumes them
# here); emptied after the run. Production queues them on Redis too.
DEFAULT_BROKER = "redis://127.0.0.1:6379/15"


@dataclass(frozen=True)
class Profile:
    name: str
    users: int
    pause: str
    title: str


@dataclass(frozen=True)
class Row:
    name: str
    requests: int
    failures: int
    per_second: float
    p50: float
    p95: float
    p99: float


def main(argv: list[str] | None = None) -> int:
    args = _arguments().parse_args(argv)
    profiles = [
        Profile("steady", args.steady_users, "1-3", "enquirers and social workers, 1-3 s apart"),
        Profile("saturation", args.saturation_users, "0", "no pause"),
        Profile("floor", args.saturation_users, "0", "no pause, GET /api/v1/me/ only"),
    ]
    wanted = ("steady", "saturation") if args.profile == "both" else (args.profile,)
    chosen = [p for p in profiles if p.name in wanted]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = _environment(args.database, args.broker)
    users_file = out / "users.json"
    _manage(
        env,
        "load_setup",
        "--out",
        str(users_file),
        "--social-workers",
        str(max(p.users for p in chosen)),
    )
    server = _serve(env, args.port, args.workers, out)
    reports = []
    try:
        _wait_until_up(args.port, server)
        host = f"http://127.0.0.1:{args.port}"
        # Every worker process imports and connects before anything is measured.
        warm_up = Profile("warm-up", 30, "0", "")
        _locust(host, users_file, warm_up, args.warmup, out / "warm-up", args.pages)
        for profile in chosen:
            before = _load_average()
            prefix = out / profile.name
            _locust(host, users_file, profile, args.duration, prefix, args.pages)
            reports.append((profile, _read(prefix), before, _load_average()))
    finally:
        server.terminate()
        server.wait(timeout=30)
        if args.broker == DEFAULT_BROKER:
            _empty_broker(args.broker)
    text = _report(reports, args)
    (out / "summary.txt").write_text(text)
    print(text)
    return 1 if any(rows[0].failures for _, rows, _, _ in reports) else 0


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="cpcase_bench", help="the benchmark database")
    parser.add_argument(
        "--profile", choices=("steady", "saturation", "both", "floor"), default="both"
    )
    parser.add_argument("--duration", type=int, default=60, help="seconds per profile")
    parser.add_argument("--warmup", type=int, default=10, help="seconds before measuring")
    parser.add_argument("--steady-users", type=int, default=70)
    parser.add_argument("--saturation-users", type=int, default=150)
    parser.add_argument(
        "--pages",
        default="home,children,child,plan",
        help="the social workers' pages, of home,children,child,plan",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--broker", default=os.environ.get("CPCASE_LOAD_BROKER", DEFAULT_BROKER))
    parser.add_argument("--out", default=str(BASE_DIR / ".build" / "load"))
    return parser


def _environment(database: str, broker: str) -> dict[str, str]:
    """The service's environment, pointed at the benchmark database (as ``bench`` does)."""
    if "bench" not in database:
        raise SystemExit("The load test runs on a benchmark database (its name has 'bench').")
    env = {**os.environ, "CELERY_BROKER_URL": broker, "DJANGO_DEBUG": "0"}
    if os.environ.get("DATABASE_URL"):
        for variable in ("DATABASE_URL", "DATABASE_OWNER_URL"):
            if os.environ.get(variable):
                parts = urlsplit(os.environ[variable])
                env[variable] = urlunsplit(parts._replace(path=f"/{database}"))
    else:
        env["CPCASE_EMBEDDED_DATABASE"] = database
    return env


def _manage(env: dict[str, str], *command: str) -> None:
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(BASE_DIR / "manage.py"), *command], env=env, cwd=BASE_DIR, check=True
    )


def _serve(env: dict[str, str], port: int, workers: int, out: Path) -> subprocess.Popen[bytes]:
    """gunicorn as the production image runs it (access log to a file here)."""
    command = [
        str(VENV_BIN / "gunicorn"),
        "cpcase.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--access-logfile={out / 'access.log'}",
        f"--error-logfile={out / 'gunicorn.log'}",
        "--no-control-socket",
    ]
    return subprocess.Popen(command, env=env, cwd=BASE_DIR)  # noqa: S603


def _wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped (status {server.returncode}): see gunicorn.log")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within two minutes")


def _locust(
    host: str, users_file: Path, profile: Profile, seconds: int, prefix: Path, pages: str
) -> None:
    env = {
        **os.environ,
        "CPCASE_LOAD_USERS": str(users_file),
        "CPCASE_LOAD_PAUSE": profile.pause,
        "CPCASE_LOAD_PAGES": pages,
        "CPCASE_LOAD_FLOOR": "1" if profile.name == "floor" else "",
    }
    subprocess.run(  # noqa: S603
        [
            str(VENV_BIN / "locust"),
            f"--locustfile={BASE_DIR / 'load' / 'locustfile.py'}",
            "--headless",
            f"--host={host}",
            f"--users={profile.users}",
            f"--spawn-rate={profile.users}",
            f"--run-time={seconds}s",
            f"--csv={prefix}",
            "--only-summary",
            "--loglevel=WARNING",
            "--stop-timeout=10",
            "--exit-code-on-error=0",
        ],
        env=env,
        cwd=BASE_DIR,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _read(prefix: Path) -> list[Row]:
    """Locust's statistics, the whole run first, then each kind of request."""
    with open(f"{prefix}_stats.csv", newline="") as f:
        rows = [
            Row(
                name=r["Name"],
                requests=int(r["Request Count"]),
                failures=int(r["Failure Count"]),
                per_second=float(r["Requests/s"]),
                p50=_ms(r["50%"]),
                p95=_ms(r["95%"]),
                p99=_ms(r["99%"]),
            )
            for r in csv.DictReader(f)
        ]
    whole = [r for r in rows if r.name == "Aggregated"]
    return whole + sorted((r for r in rows if r.name != "Aggregated"), key=lambda r: r.name)


def _ms(value: str) -> float:
    return float(value) if value not in ("", "N/A") else float("nan")


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _empty_broker(url: str) -> None:
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.RedisError as e:
        print(f"Could not empty the load test's broker ({url}): {e}", file=sys.stderr)


def _report(reports: list[tuple[Profile, list[Row], str, str]], args: argparse.Namespace) -> str:
    lines = [
        f"Load test: gunicorn with {args.workers} workers, database {args.database}, "
        f"{args.duration} s per profile, {os.cpu_count()} CPUs (Locust on the same machine); "
        f"social workers' pages: {args.pages}",
    ]
    for profile, rows, before, after in reports:
        lines += [
            "",
            f"{profile.name}: {profile.users} users, {profile.title} "
            f"(load average before {before}, after {after})",
            f"  {'':<34} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
            f"{'p99 ms':>7} {'errors':>7}",
        ]
        for r in rows:
            label = "all requests" if r.name == "Aggregated" else r.name
            lines.append(
                f"  {label:<34} {r.requests:>9} {r.per_second:>7.1f} {r.p50:>7.0f} "
                f"{r.p95:>7.0f} {r.p99:>7.0f} {r.failures:>7}"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())

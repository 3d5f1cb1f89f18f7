"""Benchmark: the daily check shared by real Celery worker processes, and a model of it
at the scale of 150 authorities.

``scan_workers`` starts one, then two, ``celery worker`` processes (solo pool) on a
Redis database of the bench's own (``CPCASE_BENCH_REDIS_DB``, 11 by default) and times
the whole run, from the dispatch of ``cpcase.check_timescales`` to the last chunk done;
after an untimed run, each run twice: storing, then storing nothing (exactly once). ``scan_model`` measures the
chunks inline (wall time, and the worker's own CPU time: the rest is the database's
share) and prints what 150 authorities with 1,000,000 open plans would take on N worker
machines sharing one PostgreSQL.
"""

from __future__ import annotations

import math
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from celery import Celery
from celery.result import GroupResult
from django.conf import settings
from django.utils import timezone

from cpcase.bench import BenchContext, Measurement, section
from cpcase.daily_scan import scan_chunks
from cpcase.models import Notification
from cpcase.services import stored_reminders
from plans.models import Plan

REDIS_DB = os.environ.get("CPCASE_BENCH_REDIS_DB", "11")


def _redis_url() -> str:
    base = settings.REDIS_URL.rsplit("/", 1)[0]
    return f"{base}/{REDIS_DB}"


class _Workers:
    """``processes`` worker processes on one queue of their own, stopped on exit."""

    def __init__(self, processes: int, queue: str) -> None:
        env = {
            **os.environ,
            "CELERY_BROKER_URL": _redis_url(),
            "CELERY_RESULT_BACKEND": _redis_url(),
            "PYTHONPATH": str(settings.BASE_DIR),
        }
        self.logs = [
            Path(tempfile.gettempdir()) / f"bench-worker-{uuid.uuid4().hex[:8]}.log"
            for _ in range(processes)
        ]
        self.processes = [
            subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "cpcase",
                    "worker",
                    "--pool=solo",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "-Q",
                    queue,
                    "-n",
                    f"bench-{uuid.uuid4().hex[:8]}@%h",
                    "--loglevel=INFO",
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            for log in self.logs
        ]

    def wait_ready(self, timeout: float = 120) -> None:
        """Until every process consumes from the queue (its log says ``ready.``)."""
        deadline = time.monotonic() + timeout
        while not all("ready." in log.read_text() for log in self.logs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                raise RuntimeError("The bench's Celery workers did not start.")
            time.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        for log in self.logs:
            log.unlink(missing_ok=True)


def _producer(queue: str):
    app = Celery("cpcase-bench", broker=_redis_url(), backend=_redis_url(), set_as_current=False)
    app.conf.task_default_queue = queue
    return app


def _timed_run(producer, queue: str, day: str) -> tuple[float, int, int]:
    """Seconds from dispatch to the last chunk done; notifications stored; chunks."""
    started = time.perf_counter()
    run = producer.send_task("cpcase.check_timescales", args=[day], queue=queue).get(timeout=600)
    created = GroupResult.restore(run["group"], app=producer).get(timeout=1800)
    return time.perf_counter() - started, sum(created), run["chunks"]


@section("scan_workers", "The daily check on one and on two worker processes", order=41)
def workers_section(ctx: BenchContext) -> list[Measurement]:
    # Imported here: conferences.bench imports this module at its end (a cycle).
    from conferences.bench import ensure_plans, ensure_running_deadlines

    plans = ensure_plans(ctx)
    # The check reads the stored running deadlines (the bench's bulk inserts wrote none).
    ensure_running_deadlines(ctx)
    day = timezone.localdate().isoformat()
    results = []
    stored: dict[int, int] = {}
    for processes in (1, 2):
        Notification.objects.filter(dedupe_key__startswith="deadline:").delete()
        queue = f"bench-scan-{uuid.uuid4().hex[:8]}"
        producer = _producer(queue)
        workers = _Workers(processes, queue)
        try:
            workers.wait_ready()
            # A run untimed first: each process's caches (calendars, imports) and the
            # database's are warm for both counts alike.
            _timed_run(producer, queue, day)
            Notification.objects.filter(dedupe_key__startswith="deadline:").delete()
            first, created, chunks = _timed_run(producer, queue, day)
            again, created_again, _ = _timed_run(producer, queue, day)
        finally:
            workers.stop()
        kept = Notification.objects.filter(dedupe_key__startswith="deadline:").count()
        stored[processes] = created
        if created_again or kept != created:
            raise RuntimeError(
                f"Exactly once broken: {created}, then {created_again}, {kept} kept."
            )
        name = "process" if processes == 1 else "processes"
        results.append(
            Measurement(
                f"check, {processes} worker {name}: store, then again",
                statistics.median([first * 1000, again * 1000]),
                max(first, again) * 1000,
                0,
                note=(
                    f"{plans:,} open plans, {chunks} chunks of {settings.CPCASE_SCAN_CHUNK:,}; "
                    f"dispatch to last chunk: {first:.1f} s storing {created:,}, "
                    f"{again:.1f} s storing none; {_load()}"
                ),
            )
        )
    if stored[1] != stored[2]:
        raise RuntimeError(f"One and two processes stored {stored[1]} and {stored[2]}.")
    return results


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} on {os.cpu_count()} cores"


# --- The model: 150 authorities, 1,000,000 open plans, N worker machines ---------------


@dataclass(frozen=True)
class ChunkCost:
    """One chunk of ``plans`` open plans: wall seconds, of which the worker's own CPU."""

    plans: int
    wall: float
    worker_cpu: float

    @property
    def database(self) -> float:
        return max(0.0, self.wall - self.worker_cpu)


def _measure_chunks(sample: int = 4) -> tuple[list[ChunkCost], float]:
    """A few chunks checked inline from the stored running deadlines (nothing stored); the
    seconds to plan the run."""
    today = timezone.localdate()
    started = time.perf_counter()
    chunks = scan_chunks()
    planning = time.perf_counter() - started
    busy = [c for c in chunks if c.first is not None or c.last is not None] or chunks
    step = max(1, len(busy) // sample)
    costs = []
    for chunk in busy[::step][:sample]:
        plans = Plan.objects.filter(status="active", child__in=chunk.children()).count()
        wall, cpu = time.perf_counter(), time.process_time()
        stored_reminders(today=today, children=chunk.children(), id_range=chunk.id_range())
        costs.append(ChunkCost(plans, time.perf_counter() - wall, time.process_time() - cpu))
    return costs, planning


def authority_sizes(total: int = 1_000_000, authorities: int = 150) -> list[int]:
    """Open plans per authority: a skewed (log-normal) spread, the largest about 30 times
    the smallest, as England's authorities are, summing to ``total``."""
    rng = random.Random(150)  # noqa: S311 - a model, not security
    weights = [rng.lognormvariate(0, 0.8) for _ in range(authorities)]
    scale = total / sum(weights)
    sizes = [max(1, round(w * scale)) for w in weights]
    sizes[0] += total - sum(sizes)
    return sizes


def model_seconds(
    sizes: list[int],
    chunk: int,
    cost: ChunkCost,
    *,
    workers: int,
    database_cores: int,
    fixed: float,
) -> tuple[float, str]:
    """Makespan of the run: each chunk needs ``cost`` per plan (worker CPU and database
    time in proportion), plus ``fixed`` seconds of its own; the workers pull chunks from one
    queue, and the database serves at most ``database_cores`` chunks' queries at once."""
    per_plan_cpu = cost.worker_cpu / cost.plans
    per_plan_db = cost.database / cost.plans
    chunks = [min(chunk, size - start) for size in sizes for start in range(0, size, chunk)]
    cpu = sum(fixed * 0.5 + n * per_plan_cpu for n in chunks)
    db = sum(fixed * 0.5 + n * per_plan_db for n in chunks)
    by_workers = (cpu + db) / workers
    by_database = db / database_cores
    longest = max(fixed + n * (per_plan_cpu + per_plan_db) for n in chunks)
    if by_workers >= by_database:
        return by_workers + longest, "workers"
    return by_database + longest, "database"


@section("scan_model", "The daily check at scale: a model from measured chunks", order=42)
def model_section(ctx: BenchContext) -> list[Measurement]:
    # Imported here: conferences.bench imports this module at its end (a cycle).
    from conferences.bench import ensure_plans, ensure_running_deadlines

    ensure_plans(ctx)
    ensure_running_deadlines(ctx)
    costs, planning = _measure_chunks()
    cost = ChunkCost(
        plans=sum(c.plans for c in costs),
        wall=sum(c.wall for c in costs),
        worker_cpu=sum(c.worker_cpu for c in costs),
    )
    fixed = 0.05  # a chunk's own queries and its task's round trip
    sizes = authority_sizes()
    chunk = int(settings.CPCASE_SCAN_CHUNK)
    print(
        f"  measured: {cost.plans / len(costs):,.0f} open plans per chunk, "
        f"{cost.wall / len(costs) * 1000:.0f} ms a chunk "
        f"({cost.database / cost.wall:.0%} of it waiting for the database); "
        f"planning the run {planning * 1000:.0f} ms; {_load()}"
    )
    print(
        f"  model: 150 authorities, {sum(sizes):,} open plans "
        f"(largest {max(sizes):,}, smallest {min(sizes):,}), "
        f"{sum(math.ceil(s / chunk) for s in sizes)} chunks of {chunk:,}"
    )
    print(f"  {'machines':>10} {'processes':>10} {'db cores':>9} {'run (s)':>9}  bound by")
    for machines in (1, 2, 4, 8, 16, 32):
        for database_cores in (8, 16):
            seconds, bound = model_seconds(
                sizes,
                chunk,
                cost,
                workers=machines * 2,
                database_cores=database_cores,
                fixed=fixed,
            )
            print(
                f"  {machines:>10} {machines * 2:>10} {database_cores:>9} {seconds:>9.0f}  {bound}"
            )
    return [
        Measurement(
            "one chunk, inline (median of the sample)",
            statistics.median(c.wall * 1000 for c in costs),
            max(c.wall for c in costs) * 1000,
            0,
            note=f"{len(costs)} chunks of about {cost.plans // len(costs):,} open plans",
        )
    ]

"""Real Celery workers for tests: subprocesses on the real Redis, on the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_url_for_tests() -> str:
    """A Redis database of its own for the test run, so tests don't see other traffic; with
    the suite in parallel (pytest-xdist), one for each test process (gw0, gw1...)."""
    base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL
    number = int(os.environ.get("CPCASE_TEST_REDIS_DB", "13"))
    process = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return f"{base}/{(number + int(process.removeprefix('gw'))) % 16}"


def database_env() -> dict[str, str]:
    """Environment that points a subprocess's settings at the database this test uses."""
    db = connection.settings_dict
    if os.environ.get("DATABASE_URL"):
        host = db["HOST"] or "127.0.0.1"
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        return {
            "DATABASE_URL": f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
        }
    return {"CPCASE_EMBEDDED_DATABASE": db["NAME"]}


class Worker:
    """``celery -A cpcase worker`` in a subprocess, stopped at the end of the test."""

    def __init__(self, queue: str, *, extra_env: dict[str, str] | None = None, include: str = ""):
        self.queue = queue
        env = {
            **os.environ,
            **database_env(),
            "CELERY_BROKER_URL": redis_url_for_tests(),
            "CELERY_RESULT_BACKEND": redis_url_for_tests(),
            "CELERY_VISIBILITY_TIMEOUT": "3",
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            "PYTHONPATH": str(ROOT),
            **(extra_env or {}),
        }
        args = [
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
            f"test-{uuid.uuid4().hex[:8]}@%h",
            "--loglevel=INFO",
        ]
        if include:
            args += ["-I", include]
        self.log = Path(tempfile.gettempdir()) / f"cpcase-worker-{uuid.uuid4().hex[:8]}.log"
        self._log = self.log.open("w")
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the worker consumes from its queue (its log says ``ready.``)."""
        wait_for(
            lambda: "ready." in self.output() or self.process.poll() is not None,
            timeout=timeout,
            message="the worker to be ready",
        )
        assert self.process.poll() is None, self.output()

    def wait_exit(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()

    def output(self) -> str:
        self._log.flush()
        return self.log.read_text()


def wait_for(predicate, *, timeout: float, interval: float = 0.2, message: str = ""):
    """Poll until ``predicate()`` is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message or predicate}")


def producer(queue: str):
    """A Celery app that only sends, to the test Redis and ``queue``.

    Not made the current app: ``shared_task`` proxies (``task.delay``) follow the current
    app, and would otherwise publish later tests' tasks to this queue, where no worker is.
    """
    from celery import Celery

    app = Celery(
        "cpcase-test-producer",
        broker=redis_url_for_tests(),
        backend=redis_url_for_tests(),
        set_as_current=False,
    )
    app.conf.task_default_queue = queue
    return app

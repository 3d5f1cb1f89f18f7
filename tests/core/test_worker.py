"""A real Celery worker: on the real Redis, and on the filesystem broker of a first run.

Each worker is a ``celery -A cpcase worker`` subprocess on the database this test uses,
so it sees the rows the test has committed (hence ``transactional_db``).
"""

from __future__ import annotations

import uuid

import pytest
from celery import Celery
from django.db import connection

from tests.factories import ChildFactory
from tests.support.worker import Worker, producer

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMEOUT = 60


@pytest.fixture
def workers():
    started: list[Worker] = []

    def start(queue: str, **kwargs) -> Worker:
        worker = Worker(queue, include="tests.support.probe_tasks", **kwargs)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def queue():
    return f"test-worker-{uuid.uuid4().hex[:8]}"


def test_ping_on_redis(workers, queue):
    worker = workers(queue)
    result = producer(queue).send_task("cpcase.ping", queue=queue)
    try:
        assert result.get(timeout=TIMEOUT) == {"ok": True}
    except Exception:
        print(worker.output())
        raise


def test_the_worker_sees_what_the_test_committed(workers, queue, authority):
    child = ChildFactory(responsible_authority=authority, last_name="Committedrow")
    workers(queue)
    result = producer(queue).send_task("tests.database_probe", args=[str(child.pk)], queue=queue)
    assert result.get(timeout=TIMEOUT) == {
        "database": connection.settings_dict["NAME"],
        "child": "Committedrow",
    }


def test_ping_on_the_filesystem_broker(workers, queue, tmp_path):
    """The broker a first run uses, with no Redis at all: results come back through files."""
    broker_dir = tmp_path / "broker"
    results = tmp_path / "results"
    for folder in (broker_dir / "queue", broker_dir / "processed", results):
        folder.mkdir(parents=True)
    worker = workers(
        queue,
        extra_env={
            "CELERY_BROKER_URL": "filesystem://",
            "CELERY_FILESYSTEM_BROKER_DIR": str(broker_dir),
            "CELERY_RESULT_BACKEND": f"file://{results}",
        },
    )
    app = Celery(
        "cpcase-test-filesystem",
        broker="filesystem://",
        backend=f"file://{results}",
        set_as_current=False,
    )
    app.conf.broker_transport_options = {
        "data_folder_in": str(broker_dir / "queue"),
        "data_folder_out": str(broker_dir / "queue"),
        "processed_folder": str(broker_dir / "processed"),
        "control_folder": str(broker_dir / "control"),
        "store_processed": False,
    }
    result = app.send_task("cpcase.ping", queue=queue)
    try:
        assert result.get(timeout=TIMEOUT) == {"ok": True}
    except Exception:
        print(worker.output())
        raise
    assert "filesystem://" in worker.output()


def test_a_worker_keeps_its_database_connection_between_tasks(workers, queue):
    """Each task is treated as Django treats a request: the connection is kept (no new
    PostgreSQL server process per task) until it fails or outlives CONN_MAX_AGE; a
    connection the server ended is replaced for the next task."""
    worker = workers(queue)
    worker.wait_ready()
    sender = producer(queue)

    def pid() -> int:
        return sender.send_task("tests.database_pid", queue=queue).get(timeout=TIMEOUT)

    first = pid()
    assert pid() == pid() == first
    failed = sender.send_task("tests.database_fails", queue=queue)
    with pytest.raises(Exception):  # noqa: B017 - whichever error the driver raises
        failed.get(timeout=TIMEOUT)
    after = pid()
    assert after != first
    assert pid() == after

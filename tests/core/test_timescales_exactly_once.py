"""Exactly once, against a real Celery worker on the real Redis broker.

Each (deadline, recipient, stage) is notified once: whether the daily check runs
twice, on two workers at once, or on two workers sharing a run (its chunks) when one of
them is killed half-way through a chunk.
"""

import datetime as dt
import uuid

import pytest

from cpcase.models import Notification
from cpcase.timescales import reminders_due
from tests.factories import (
    ChildFactory,
    CoreGroupMeetingFactory,
    PlanFactory,
    StrategyDiscussionFactory,
    VisitFactory,
)
from tests.support.worker import Worker, producer

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
TODAY = dt.date(2027, 2, 17)


@pytest.fixture
def caseload(authority, team, social_worker, team_manager, service_leader):
    """Forty plans, each with deadlines overdue on 17 February 2027."""
    for _ in range(40):
        child = ChildFactory(
            responsible_authority=authority, team=team, lead_social_worker=social_worker
        )
        StrategyDiscussionFactory(
            child=child, held_on=dt.date(2026, 12, 14), recorded_by=social_worker
        )
        plan = PlanFactory(child=child, started_on=dt.date(2027, 1, 6))
        CoreGroupMeetingFactory(plan=plan, held_on=dt.date(2027, 1, 19), recorded_by=social_worker)
        VisitFactory(
            child=child,
            visited_at=dt.datetime(2027, 1, 20, 11, tzinfo=dt.UTC),
            recorded_by=social_worker,
        )
    expected = {r.dedupe_key for r in reminders_due(TODAY)}
    assert len(expected) > 100
    return expected


def _stored_keys():
    return set(Notification.objects.values_list("dedupe_key", flat=True))


@pytest.fixture
def queue():
    return f"test-timescales-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def workers():
    started = []

    def start(queue, **kwargs):
        worker = Worker(queue, **kwargs)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


# Chunks of four children with plans, five notifications per transaction: each chunk
# commits in several batches, and the run is a group of a dozen tasks.
SHARED = {"CPCASE_SCAN_CHUNK": "4", "CPCASE_NOTIFY_BATCH_SIZE": "5"}


def _run_created(sender, dispatched) -> int:
    """Wait for a daily check's whole group; how many notifications its chunks stored."""
    from celery.result import GroupResult

    run = dispatched.get(timeout=120)
    assert run["chunks"] >= 10, run
    group = GroupResult.restore(run["group"], app=sender)
    return sum(group.get(timeout=180))


def test_a_worker_killed_half_way_loses_nothing_and_duplicates_nothing(
    caseload, queue, workers, tmp_path
):
    report = tmp_path / "stored-by-the-killed-task"
    doomed = workers(
        queue,
        include="tests.support.worker_faults",
        extra_env={
            **SHARED,
            "CPCASE_FAULT_KILL_AFTER_BATCHES": "2",
            "CPCASE_FAULT_REPORT": str(report),
        },
    )
    survivor = workers(queue, extra_env=SHARED)
    doomed.wait_ready()
    survivor.wait_ready()
    sender = producer(queue)
    dispatched = sender.send_task("cpcase.check_timescales", args=[TODAY.isoformat()], queue=queue)

    # The two share the run until one dies half-way through a chunk (SIGKILL, nothing
    # acknowledged); the other takes that chunk back once its visibility timeout lapses,
    # and stores only what the first had not.
    exit_code = doomed.wait_exit(timeout=120)
    assert exit_code != 0, doomed.output()
    stored_by_the_dead = int(report.read_text())
    assert stored_by_the_dead > 0, "the worker should have died part-way through a chunk"
    assert _run_created(sender, dispatched) + stored_by_the_dead == len(caseload)
    assert _stored_keys() == caseload
    assert Notification.objects.count() == len(caseload)
    assert "check_timescales_chunk" in survivor.output()


def test_twice_on_two_workers_at_once_stores_each_once(caseload, queue, workers):
    first, second = workers(queue, extra_env=SHARED), workers(queue, extra_env=SHARED)
    first.wait_ready()
    second.wait_ready()
    sender = producer(queue)
    runs = [
        sender.send_task("cpcase.check_timescales", args=[TODAY.isoformat()], queue=queue)
        for _ in range(4)
    ]
    created = [_run_created(sender, run) for run in runs]
    assert sum(created) == len(caseload)
    assert _stored_keys() == caseload
    assert Notification.objects.count() == len(caseload)
    # Both workers took part in the runs.
    assert "check_timescales_chunk" in first.output()
    assert "check_timescales_chunk" in second.output()

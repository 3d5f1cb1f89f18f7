"""Exactly once, against a real Celery worker on the real Redis broker.

Each (deadline, recipient, stage) is notified once: whether the daily check runs
twice, on two workers at once, or on a worker killed half-way and restarted.
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


def test_a_worker_killed_half_way_loses_nothing_and_duplicates_nothing(caseload, queue, workers):
    first = workers(
        queue,
        include="tests.support.worker_faults",
        extra_env={"CPCASE_FAULT_KILL_AFTER_BATCHES": "2", "CPCASE_NOTIFY_BATCH_SIZE": "25"},
    )
    result = producer(queue).send_task(
        "cpcase.check_timescales", args=[TODAY.isoformat()], queue=queue
    )
    exit_code = first.wait_exit(timeout=120)
    assert exit_code != 0, first.output()
    half = _stored_keys()
    assert 0 < len(half) < len(caseload), "the worker should have died part-way"

    # A new worker takes the unacknowledged task back once its visibility timeout lapses,
    # and stores only what the first one had not.
    workers(queue, extra_env={"CPCASE_NOTIFY_BATCH_SIZE": "25"})
    assert result.get(timeout=120) == len(caseload) - len(half)
    assert _stored_keys() == caseload
    assert Notification.objects.count() == len(caseload)


def test_twice_on_two_workers_at_once_stores_each_once(caseload, queue, workers):
    workers(queue)
    workers(queue)
    sender = producer(queue)
    results = [
        sender.send_task("cpcase.check_timescales", args=[TODAY.isoformat()], queue=queue)
        for _ in range(4)
    ]
    created = [r.get(timeout=120) for r in results]
    assert sum(created) == len(caseload)
    assert _stored_keys() == caseload
    assert Notification.objects.count() == len(caseload)

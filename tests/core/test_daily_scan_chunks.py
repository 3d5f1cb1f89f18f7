"""The daily check's chunks and tasks, on small made-up caseloads (the demo's rule checks
are in ``test_daily_scan``: its demo is seeded for the whole module)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from cpcase.daily_scan import ScanChunk
from cpcase.models import Authority, Notification
from cpcase.services import timescales_check_chunk
from cpcase.timescales import reminders_due
from tests.factories import (
    ChildFactory,
    CoreGroupMeetingFactory,
    PlanFactory,
    StrategyDiscussionFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_chunk_costs_the_same_queries_for_few_or_many_plans(
    authority, team, social_worker, team_manager
):
    def add_plans(n: int) -> None:
        for _ in range(n):
            child = ChildFactory(
                responsible_authority=authority, team=team, lead_social_worker=social_worker
            )
            StrategyDiscussionFactory(child=child, held_on=D(2026, 12, 14))
            plan = PlanFactory(child=child, started_on=D(2027, 1, 6))
            CoreGroupMeetingFactory(plan=plan, held_on=D(2027, 1, 19))
            VisitFactory(child=child, visited_at=dt.datetime(2027, 1, 20, 11, tzinfo=dt.UTC))

    everyone = ScanChunk(authority.pk).children()
    add_plans(2)
    with CaptureQueriesContext(connection) as few:
        first = timescales_check_chunk(today=D(2027, 2, 17), children=everyone)
    Notification.objects.all().delete()
    add_plans(20)
    with CaptureQueriesContext(connection) as many:
        more = timescales_check_chunk(today=D(2027, 2, 17), children=everyone)
    assert more == 11 * first > 0
    assert len(many) == len(few)


@pytest.mark.parametrize(
    "args",
    [
        ["not-an-id"],
        [None],
        [12],
        [str(uuid.uuid4()), "nope"],
        [str(uuid.uuid4()), None, ["a"]],
    ],
)
def test_a_chunk_that_names_no_ids_is_refused(args):
    with pytest.raises(ValueError, match="id"):
        ScanChunk.from_args(*args)


def test_a_chunk_round_trips_through_task_arguments(authority):
    chunk = ScanChunk(authority.pk, uuid.uuid4(), None)
    assert ScanChunk.from_args(*chunk.as_args()) == chunk


def test_the_task_runs_every_chunk_and_stores_each_once(authority, team, social_worker):
    from cpcase.tasks import check_timescales

    for _ in range(5):
        child = ChildFactory(
            responsible_authority=authority, team=team, lead_social_worker=social_worker
        )
        StrategyDiscussionFactory(child=child, held_on=D(2026, 12, 14))
        PlanFactory(child=child, started_on=D(2027, 1, 6))
    expected = {r.dedupe_key for r in reminders_due(D(2027, 2, 17))}
    assert expected
    with override_settings(CPCASE_SCAN_CHUNK=2):
        run = check_timescales.delay("2027-02-17").get()
    assert run["chunks"] == 3 + Authority.objects.count() - 1
    assert set(Notification.objects.values_list("dedupe_key", flat=True)) == expected
    assert Notification.objects.count() == len(expected)

"""One child's deadlines (their page, a conference's letters) are read in one round trip
per query; many children's (the weekly repair's ranges) are streamed through cursors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cpcase import running_deadlines
from cpcase.models import Child
from cpcase.timescales import ChildRange, deadlines_for
from tests.plans.test_views import start_plan

pytestmark = pytest.mark.django_db


@contextmanager
def _round_trips() -> Iterator[list[int]]:
    """How many times the connection waited for the server."""
    counted = [0]
    original = psycopg.Connection.wait

    def wait(self, *args, **kwargs):
        counted[0] += 1
        return original(self, *args, **kwargs)

    psycopg.Connection.wait = wait
    try:
        yield counted
    finally:
        psycopg.Connection.wait = original


def test_a_child_s_deadlines_take_one_round_trip_a_query(
    chair, child, social_worker, core_group_member
):
    start_plan(chair, child, social_worker, core_group_member)
    today = timezone.localdate()
    connection.ensure_connection()
    with CaptureQueriesContext(connection) as queries, _round_trips() as trips:
        found = deadlines_for(child, today)
    assert found  # a plan's deadlines: something was read
    assert trips[0] == len(queries), [q["sql"][:80] for q in queries.captured_queries]


def test_a_range_of_the_authority_is_streamed(chair, child, social_worker, core_group_member):
    start_plan(chair, child, social_worker, core_group_member)
    connection.ensure_connection()
    with CaptureQueriesContext(connection) as queries, _round_trips() as trips:
        running_deadlines.compute(Child.objects.all(), timezone.localdate(), id_range=ChildRange())
    assert trips[0] > len(queries)  # a server-side cursor: declared, fetched, closed

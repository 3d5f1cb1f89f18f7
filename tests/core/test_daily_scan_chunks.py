"""The daily check's chunks and tasks, on small made-up caseloads (the demo's rule checks
are in ``test_daily_scan``: its demo is seeded for the whole module)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from cpcase.daily_scan import ScanChunk
from cpcase.models import Authority, Notification, RunningDeadline
from cpcase.services import running_deadlines_repair_chunk, timescales_check_chunk
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


# Each provider's own table, read by a chunk through its child column.
PROVIDER_TABLES = (
    "plans_plan",
    "conferences_strategydiscussion",
    "conferences_transfernotice",
    "conferences_conferencechild",
    "conferences_lookedafterevent",
    "visits_visit",
    "cpcase_runningdeadline",
)


def _outer_from(sql: str) -> str | None:
    """The table of a query's outermost FROM (None if it is not a plain SELECT)."""
    depth, i, upper = 0, 0, sql.upper()
    while i < len(sql):
        if sql[i] == "(":
            depth += 1
        elif sql[i] == ")":
            depth -= 1
        elif depth == 0 and upper.startswith(" FROM ", i):
            rest = sql[i + 6 :].lstrip()
            return rest.split()[0].strip('"') if rest else None
        i += 1
    return None


def _tables_read_by_range(queries: CaptureQueriesContext, first: uuid.UUID, last: uuid.UUID):
    """The provider tables that ``queries`` read, each asserted to be read by the range."""
    seen: set[str] = set()
    for query in queries:
        # A provider read with .iterator() is a server-side cursor's SELECT.
        sql = query["sql"].split(" CURSOR FOR ", 1)[-1]
        table = _outer_from(sql)
        if table not in PROVIDER_TABLES or not sql.lstrip().upper().startswith("SELECT"):
            continue
        seen.add(table)
        assert f'"{table}"."child_id" >= \'{first.hex}\'' in sql.replace("-", ""), sql[:300]
        assert f'"{table}"."child_id" < \'{last.hex}\'' in sql.replace("-", ""), sql[:300]
    return seen


def _eight_children(authority, team, social_worker) -> list[uuid.UUID]:
    children = []
    for _ in range(8):
        child = ChildFactory(
            responsible_authority=authority, team=team, lead_social_worker=social_worker
        )
        StrategyDiscussionFactory(child=child, held_on=D(2026, 12, 14))
        plan = PlanFactory(child=child, started_on=D(2027, 1, 6))
        CoreGroupMeetingFactory(plan=plan, held_on=D(2027, 1, 19))
        VisitFactory(child=child, visited_at=dt.datetime(2027, 1, 20, 11, tzinfo=dt.UTC))
        children.append(child.pk)
    return sorted(children)


def test_a_chunk_reads_the_stored_rows_by_its_id_range_and_finds_the_same(
    authority, team, social_worker
):
    """The daily check's chunk reads only the stored running deadlines, by the chunk's id
    range (so PostgreSQL walks the rows' child index for the range, not the whole table),
    and finds exactly what the engine finds for the same children without the range."""
    ids = _eight_children(authority, team, social_worker)
    chunk = ScanChunk(authority.pk, ids[2], ids[6])  # two children left out at each end
    today = D(2027, 2, 17)
    expected = {r.dedupe_key for r in reminders_due(today, chunk.children())}
    assert {k.split(":")[1] for k in expected}  # something is due
    with CaptureQueriesContext(connection) as queries:
        created = timescales_check_chunk(
            today=today, children=chunk.children(), id_range=chunk.id_range()
        )
    assert created == len(expected)
    assert set(Notification.objects.values_list("dedupe_key", flat=True)) == expected
    assert Notification.objects.values("child_id").distinct().count() == 4
    assert _tables_read_by_range(queries, ids[2], ids[6]) == {"cpcase_runningdeadline"}


def test_a_repair_chunk_reads_each_providers_table_by_its_id_range(authority, team, social_worker):
    """The weekly repair's chunk recomputes with the engine, reading every provider's table
    by the chunk's id range, and rewrites (under their locks) only its own children whose
    rows drifted."""
    ids = _eight_children(authority, team, social_worker)
    chunk = ScanChunk(authority.pk, ids[2], ids[6])
    before = set(RunningDeadline.objects.values_list("child_id", "key", "due_on"))
    RunningDeadline.objects.filter(child_id__in=ids[1:4]).delete()
    with CaptureQueriesContext(connection) as queries:
        repaired = running_deadlines_repair_chunk(
            children=chunk.children(), id_range=chunk.id_range()
        )
    assert repaired == 2  # ids[2] and ids[3]; ids[1] is not the chunk's
    locked = next(i for i, q in enumerate(queries) if "FOR NO KEY UPDATE" in q["sql"])
    assert _tables_read_by_range(queries[:locked], ids[2], ids[6]) == set(PROVIDER_TABLES)
    after = set(RunningDeadline.objects.values_list("child_id", "key", "due_on"))
    assert after == {row for row in before if row[0] != ids[1]}


def test_a_chunk_raises_only_what_is_missing(authority, team, social_worker, team_manager):
    """Reminders raised on an earlier run are skipped before their notifications are built;
    the ones missing (here deleted) are raised again, and nothing is stored twice."""
    _eight_children(authority, team, social_worker)
    chunk = ScanChunk(authority.pk)
    today = D(2027, 2, 17)
    first = timescales_check_chunk(today=today, children=chunk.children())
    kept = set(Notification.objects.values_list("dedupe_key", flat=True))
    assert first == len(kept) > 3
    missing = list(Notification.objects.order_by("dedupe_key")[:3])
    Notification.objects.filter(pk__in=[n.pk for n in missing]).delete()
    assert timescales_check_chunk(today=today, children=chunk.children()) == 3
    assert set(Notification.objects.values_list("dedupe_key", flat=True)) == kept
    assert Notification.objects.count() == len(kept)
    assert timescales_check_chunk(today=today, children=chunk.children()) == 0

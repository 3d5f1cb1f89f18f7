"""The measures' stored deadlines are always what a rebuild from the records gives.

The measures read :class:`~registry.models.TimescaleFact` rows that the services keep
(through the running deadlines' refresh, for the children a change concerns). These tests
compare every stored row with a rebuild of every authority's rows from scratch (one
statement per measure over the whole authority, not the per-child path the services use):
for the demo, as seeded through the services, and after a random sequence of events (new
families' stories, visits, core groups, reallocations, looked-after events, a closure day
and a changed timescale), each through the service a worker would use.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpcase import running_deadlines
from cpcase.models import Authority, Child, Team
from cpcase.services import running_deadlines_repair
from registry import measure_facts
from registry.models import TimescaleFact
from tests.core.test_running_deadlines import _events
from tests.factories import (
    AuthorityFactory,
    ChildFactory,
    ConferenceFactory,
    PlanFactory,
    StrategyDiscussionFactory,
    TeamFactory,
    VisitFactory,
)
from tests.support.working_days import at

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(1200)]


def _rows() -> Counter[tuple[Any, ...]]:
    return Counter(TimescaleFact.objects.values_list(*measure_facts.COLUMNS))


def _assert_same_as_rebuilt() -> None:
    stored = _rows()
    measure_facts.rebuild()
    rebuilt = _rows()
    assert (stored - rebuilt, rebuilt - stored) == (Counter(), Counter())


def test_every_demo_deadline_a_measure_counts_is_stored(demo_seeded):
    stored = _rows()
    measures = Counter(row[3] for row in stored.elements())
    # The demo's stories hold every kind of deadline the measures count.
    assert set(measures) == set(TimescaleFact.Measure.values), measures
    _assert_same_as_rebuilt()


@pytest.mark.parametrize("seed", [1, 2])
def test_after_a_random_sequence_of_events_the_stored_rows_are_a_rebuild_s(
    demo_seeded,
    seed,
    django_capture_on_commit_callbacks,
):
    done = _events(random.Random(seed), demo_seeded, django_capture_on_commit_callbacks)
    assert len(done) >= 10, done
    _assert_same_as_rebuilt()


def test_a_child_s_rows_follow_their_team(demo_seeded):
    child = Child.objects.filter(pk__in=TimescaleFact.objects.values("child_id")).first()
    other = Team.objects.filter(authority=child.responsible_authority).exclude(pk=child.team_id)
    Child.objects.filter(pk=child.pk).update(team=other.first())
    running_deadlines.refresh([child.pk])
    teams = set(TimescaleFact.objects.filter(child=child).values_list("team_id", flat=True))
    assert teams == {other.first().pk}
    _assert_same_as_rebuilt()


@pytest.fixture
def own():
    """An authority and a team of its own (the demo's may be seeded in this module)."""
    authority = AuthorityFactory(code="981", name="Fenmoor District Council")
    return authority, TeamFactory(authority=authority, name="Fenmoor east team")


def test_an_authority_s_records_of_a_child_it_no_longer_holds_follow_its_timescales(own):
    """A child moved away: the plan the first authority held is still its own to measure,
    and a change of its timescales rewrites that plan's deadlines too."""
    authority, team = own
    elsewhere = AuthorityFactory()
    child = ChildFactory(responsible_authority=authority, team=team)
    StrategyDiscussionFactory(child=child, held_on=dt.date(2025, 6, 2))
    ConferenceFactory(kind="initial", held_on=dt.date(2025, 6, 23), children=[child])
    plan = PlanFactory(child=child, started_on=dt.date(2025, 6, 23), authority=authority)
    VisitFactory(child=child, visited_at=at(dt.date(2025, 7, 1), hour=15))
    Child.objects.filter(pk=child.pk).update(responsible_authority=elsewhere, team=None)
    running_deadlines.refresh([child.pk])
    plan_rows = TimescaleFact.objects.filter(child=child).exclude(
        measure=TimescaleFact.Measure.INITIAL_CONFERENCE
    )
    assert plan_rows.count() >= 3  # first core group, authorisation, visits
    assert set(plan_rows.values_list("authority_id", flat=True)) == {authority.pk}
    assert set(plan_rows.values_list("team_id", flat=True)) == {None}
    plan_rows.update(due_on=dt.date(2000, 1, 3))  # drifted
    running_deadlines.refresh_authority(authority)
    assert not plan_rows.filter(due_on=dt.date(2000, 1, 3)).exists()
    assert plan.authority_id == authority.pk
    _assert_same_as_rebuilt()


def test_a_refresh_takes_a_fixed_number_of_queries_however_many_records(own):
    authority, team = own

    def family(visits: int) -> Child:
        child = ChildFactory(responsible_authority=authority, team=team)
        StrategyDiscussionFactory(child=child, held_on=dt.date(2025, 6, 2))
        ConferenceFactory(kind="initial", held_on=dt.date(2025, 6, 23), children=[child])
        PlanFactory(child=child, started_on=dt.date(2025, 6, 23), authority=authority)
        for i in range(visits):
            VisitFactory(child=child, visited_at=at(dt.date(2025, 7, 1 + i), hour=15))
        return child

    few, many = family(1), family(8)
    counts = []
    for child in (few, many):
        with CaptureQueriesContext(connection) as queries:
            measure_facts.refresh([child.pk])
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert (
        TimescaleFact.objects.filter(child=many).count()
        > TimescaleFact.objects.filter(child=few).count()
    )


def test_an_authority_with_no_records_has_no_rows():
    # A code no authority has: the factory's sequence can come round to one that another
    # test's committed data left behind (with records), and get_or_create would return it.
    used = set(Authority.objects.values_list("code", flat=True))
    code = next(c for c in (f"{n:03d}" for n in range(100, 1000)) if c not in used)
    empty = AuthorityFactory(code=code, name="Emptyshire Council")
    assert measure_facts.rebuild(empty) == 0
    assert not TimescaleFact.objects.filter(authority=empty).exists()
    assert Authority.objects.filter(pk=empty.pk).exists()


def test_an_upgrade_writes_the_rows_of_records_made_before_them(own):
    """After ``migrate``, records with no stored rows yet (the upgrade that brought them)
    get them at once; and a migrate with the rows in place leaves them alone."""
    authority, team = own
    child = ChildFactory(responsible_authority=authority, team=team)
    PlanFactory(child=child, started_on=dt.date(2025, 6, 23), authority=authority)
    expected = _rows()
    assert expected
    TimescaleFact.objects.all().delete()
    measure_facts.fill_if_missing()
    assert _rows() == expected
    first_core_group = TimescaleFact.objects.filter(
        child=child, measure=TimescaleFact.Measure.FIRST_CORE_GROUP
    )
    first_core_group.delete()  # rows remain: not an upgrade
    measure_facts.fill_if_missing()
    assert not first_core_group.exists()
    assert TimescaleFact.objects.filter(child=child).exists()


def test_the_weekly_repair_rewrites_rows_that_drifted(demo_seeded):
    """Rows changed behind the services' backs (a deleted row, a wrong date) are found by
    the weekly repair and rewritten, as the running deadlines are; a child whose rows did
    not drift is not rewritten."""
    child_ids = list(
        TimescaleFact.objects.order_by("child_id").values_list("child_id", flat=True).distinct()
    )
    gone, wrong = child_ids[0], child_ids[1]
    TimescaleFact.objects.filter(child_id=gone).first().delete()
    TimescaleFact.objects.filter(child_id=wrong).update(due_on=dt.date(2000, 1, 3))
    assert sorted(measure_facts.drifted(child_ids)) == sorted([gone, wrong])
    # The comparison changed nothing.
    assert TimescaleFact.objects.filter(due_on=dt.date(2000, 1, 3)).exists()
    repaired = running_deadlines_repair()
    assert repaired >= 2
    _assert_same_as_rebuilt()
    assert measure_facts.drifted(child_ids) == []

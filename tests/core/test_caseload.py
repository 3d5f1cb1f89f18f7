"""The team manager's caseload: each child's next deadline, red/amber/green, overdue first."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpcase.selectors import caseload_counts, caseload_for
from tests.factories import (
    ChildFactory,
    CoreGroupMeetingFactory,
    PlanFactory,
    StrategyDiscussionFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2027, 1, 21)


def _child(team, name, **kwargs):
    return ChildFactory(
        first_name=name,
        last_name="Caseload",
        team=team,
        responsible_authority=team.authority,
        **kwargs,
    )


@pytest.fixture
def caseload(team, other_team):
    overdue = _child(team, "Overdue")  # ICPC due 7 Jan 2027, not held
    StrategyDiscussionFactory(child=overdue, held_on=D(2026, 12, 14))
    soon = _child(team, "Soon")  # first core group due 20 Jan... held; authorisation due 26 Jan
    plan = PlanFactory(child=soon, started_on=D(2027, 1, 6))
    CoreGroupMeetingFactory(plan=plan, held_on=D(2027, 1, 19))
    later = _child(team, "Later")  # ICPC due 15 working days after 20 Jan: 10 Feb
    StrategyDiscussionFactory(child=later, held_on=D(2027, 1, 20))
    quiet = _child(team, "Quiet")
    elsewhere = _child(other_team, "Elsewhere")
    StrategyDiscussionFactory(child=elsewhere, held_on=D(2026, 12, 14))
    return overdue, soon, later, quiet, elsewhere


def test_overdue_first_then_due_soon_then_the_rest(team_manager, caseload):
    overdue, soon, later, quiet, _ = caseload
    rows = caseload_for(user=team_manager, today=TODAY, team=team_manager.team)
    assert [(r.child, r.rag) for r in rows] == [
        (overdue, "red"),
        (soon, "amber"),
        (later, "green"),
    ]
    # A child with nothing running is not listed, nor counted.
    assert quiet not in [r.child for r in rows]
    counts = caseload_counts(user=team_manager, today=TODAY, team=team_manager.team)
    assert counts == {"red": 1, "amber": 1, "green": 1, "green_capped": False}
    assert rows[0].next_deadline.kind == "icpc"
    assert rows[1].next_deadline.due_on == D(2027, 1, 26)


def test_the_service_leader_sees_every_team(service_leader, caseload):
    rows = caseload_for(user=service_leader, today=TODAY)
    assert {r.child.first_name for r in rows} == {"Overdue", "Soon", "Later", "Elsewhere"}


def test_a_worker_of_another_team_sees_none_of_it(other_team_worker, caseload):
    rows = caseload_for(user=other_team_worker, today=TODAY)
    assert [r.child.first_name for r in rows] == ["Elsewhere"]


def test_the_dashboard_costs_the_same_queries_for_few_or_many(team_manager, team, caseload):
    assert team_manager.roles  # the roles are read once per request, not per child
    with CaptureQueriesContext(connection) as few:
        caseload_for(user=team_manager, today=TODAY, team=team)
        caseload_counts(user=team_manager, today=TODAY, team=team)
    for i in range(15):
        child = _child(team, f"More{i}")
        StrategyDiscussionFactory(child=child, held_on=D(2026, 12, 14))
        PlanFactory(child=child, started_on=D(2027, 1, 6))
    with CaptureQueriesContext(connection) as many:
        rows = caseload_for(user=team_manager, today=TODAY, team=team)
        caseload_counts(user=team_manager, today=TODAY, team=team)
    assert len(rows) == 18
    assert len(many) == len(few)
    assert len(many) <= 10


def test_the_green_beyond_the_window_is_counted_only_so_far(
    team_manager, team, caseload, monkeypatch
):
    from cpcase import selectors

    for i in range(2):
        child = _child(team, f"Later{i}")
        StrategyDiscussionFactory(child=child, held_on=D(2027, 1, 20))
    exact = caseload_counts(user=team_manager, today=TODAY, team=team)
    assert exact == {"red": 1, "amber": 1, "green": 3, "green_capped": False}
    monkeypatch.setattr(selectors, "CASELOAD_COUNT_LIMIT", 2)
    capped = caseload_counts(user=team_manager, today=TODAY, team=team)
    assert capped == {"red": 1, "amber": 1, "green": 2, "green_capped": True}

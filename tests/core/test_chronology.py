"""A child's chronology gathers every app's events, in date order, through the API."""

import datetime as dt

import pytest

from tests.factories import (
    ConferenceFactory,
    CoreGroupMeetingFactory,
    PlanFactory,
    StrategyDiscussionFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date


def test_the_chronology_has_every_event_in_order(
    api_as, child, chair, social_worker, other_team_worker
):
    StrategyDiscussionFactory(child=child, held_on=D(2026, 9, 14))
    ConferenceFactory(held_on=D(2026, 10, 1), chair=chair, children=[child])
    plan = PlanFactory(child=child, started_on=D(2026, 10, 1))
    CoreGroupMeetingFactory(plan=plan, held_on=D(2026, 10, 12))
    VisitFactory(child=child, visited_at=dt.datetime(2026, 10, 8, 14, tzinfo=dt.UTC))
    VisitFactory(
        child=child, visited_at=dt.datetime(2026, 10, 9, 14, tzinfo=dt.UTC), status="draft"
    )
    r = api_as(social_worker).get(f"/api/v1/children/{child.pk}/chronology/")
    assert r.status_code == 200
    events = r.json()
    events = events["results"] if isinstance(events, dict) else events
    autumn = [(e["date"], e["kind"]) for e in events if "2026-09-01" <= e["date"] < "2026-11-01"]
    assert [d for d, _ in autumn] == sorted(d for d, _ in autumn)
    assert sorted(autumn) == [
        ("2026-09-14", "strategy_discussion"),
        ("2026-10-01", "conference_initial"),
        ("2026-10-01", "plan_started"),
        ("2026-10-08", "visit_statutory"),  # the draft of 9 October is not a visit yet
        ("2026-10-12", "core_group"),
    ]
    assert (
        api_as(other_team_worker).get(f"/api/v1/children/{child.pk}/chronology/").status_code == 404
    )

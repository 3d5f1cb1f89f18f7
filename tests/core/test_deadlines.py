"""Every deadline of a child, checked against dates worked out by hand (DOMAIN.md section 3).

The calendar used: in England 25 and 28 December 2026 and 1 January 2027 are bank
holidays, and so are Good Friday (26 March 2027) and Easter Monday (29 March 2027).
Scotland keeps 2 January (4 January 2027 in lieu) but not Easter Monday.
"""

import datetime as dt

import pytest

from cpcase.timescales import deadlines_for
from tests.factories import (
    ConferenceFactory,
    CoreGroupMeetingFactory,
    PlanFactory,
    StrategyDiscussionFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date


def _at(day, hour=11):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def _by_kind(deadlines):
    found = {}
    for d in deadlines:
        found.setdefault(d.kind, []).append((d.due_on, d.met_on, d.status))
    return found


@pytest.fixture
def journey(child, chair):
    """A child through enquiry, initial conference, core groups and visits."""
    StrategyDiscussionFactory(child=child, held_on=D(2026, 12, 14))
    ConferenceFactory(held_on=D(2027, 1, 6), chair=chair, children=[child])
    plan = PlanFactory(child=child, started_on=D(2027, 1, 6))
    CoreGroupMeetingFactory(plan=plan, held_on=D(2027, 1, 19))
    VisitFactory(child=child, visited_at=_at(D(2027, 1, 20)))
    return plan


def test_an_enquiry_opens_the_icpc_deadline(child):
    StrategyDiscussionFactory(child=child, held_on=D(2026, 12, 14))
    (icpc,) = deadlines_for(child, D(2027, 1, 4))
    assert (icpc.kind, icpc.due_on, icpc.status) == ("icpc", D(2027, 1, 7), "upcoming")
    assert "15 working days" in icpc.source and "14 Dec 2026" in icpc.source
    assert deadlines_for(child, D(2027, 1, 7))[0].status == "due_today"
    assert deadlines_for(child, D(2027, 1, 8))[0].status == "overdue"


@pytest.mark.parametrize(
    ("conference_required", "kinds"), [(None, ["icpc"]), (True, ["icpc"]), (False, [])]
)
def test_an_enquiry_that_needs_no_conference_has_no_icpc_deadline(
    child, social_worker, conference_required, kinds
):
    """The census's ICPCnotRequired: the enquiry found no conference is needed, so none is
    due (and none is overdue); while it runs, or when one is needed, the clock runs."""
    from conferences import services as conference_services
    from cpcase import front_door

    front_door.referral_record(
        actor=social_worker,
        child_id=child.pk,
        received_on=D(2026, 11, 2),
        source="6",
        primary_need="N1",
        nfa=False,
        next_step="strategy_discussion",
    )
    discussion = conference_services.strategy_discussion_record(
        actor=social_worker, child_id=child.pk, held_on=D(2026, 11, 4), outcome="s47_enquiry"
    )
    conference_services.section47_start(
        actor=social_worker,
        child_id=child.pk,
        strategy_discussion_id=discussion.pk,
        started_on=D(2026, 11, 4),
        conference_required=conference_required,
        reason_not_required="Not substantiated" if conference_required is False else "",
    )
    assert [d.kind for d in deadlines_for(child, D(2027, 1, 4))] == kinds


def test_no_further_action_opens_nothing(child):
    StrategyDiscussionFactory(child=child, outcome="no_further_action")
    assert deadlines_for(child, D(2027, 1, 4)) == []


def test_every_deadline_of_a_plan_in_england(journey, child):
    found = _by_kind(deadlines_for(child, D(2027, 2, 1)))
    assert found["icpc"] == [(D(2027, 1, 7), D(2027, 1, 6), "met")]
    assert found["first_core_group"] == [(D(2027, 1, 20), D(2027, 1, 19), "met")]
    assert found["plan_authorisation"] == [(D(2027, 1, 26), None, "overdue")]
    assert found["core_group"] == [(D(2027, 2, 16), None, "upcoming")]
    assert found["review_conference"] == [(D(2027, 4, 6), None, "upcoming")]
    assert found["statutory_visit"] == [
        (D(2027, 1, 27), D(2027, 1, 20), "met"),
        (D(2027, 2, 10), None, "upcoming"),
    ]


def test_the_visit_interval_runs_across_easter(journey, child, authority):
    VisitFactory(child=child, visited_at=_at(D(2027, 3, 19)))
    visits = [d for d in deadlines_for(child, D(2027, 3, 22)) if d.kind == "statutory_visit"]
    assert visits[-1].due_on == D(2027, 4, 13)
    # The visit on 19 March came after the one due on 10 February: met late.
    assert visits[1].status == "met_late"
    authority.nation = "scotland"
    authority.save()
    visits = [d for d in deadlines_for(child, D(2027, 3, 22)) if d.kind == "statutory_visit"]
    assert visits[-1].due_on == D(2027, 4, 12)


def test_only_a_completed_statutory_visit_with_the_child_seen_counts(journey, child):
    VisitFactory(child=child, visited_at=_at(D(2027, 2, 3)), kind="home_visit", child_seen=False)
    VisitFactory(child=child, visited_at=_at(D(2027, 2, 4)), status="draft")
    visits = [d for d in deadlines_for(child, D(2027, 2, 5)) if d.kind == "statutory_visit"]
    assert visits[-1].due_on == D(2027, 2, 10)


def test_a_review_date_set_by_the_conference_overrides_the_profile(child, chair):
    ConferenceFactory(
        held_on=D(2027, 1, 6), chair=chair, children=[child], children__next_review_on=D(2027, 3, 1)
    )
    PlanFactory(child=child, started_on=D(2027, 1, 6))
    (review,) = [d for d in deadlines_for(child, D(2027, 2, 1)) if d.kind == "review_conference"]
    assert review.due_on == D(2027, 3, 1)
    assert review.chair_id == chair.pk
    assert "set by the conference" in review.source


def test_later_reviews_are_six_months_after_the_last(journey, child, chair):
    ConferenceFactory(kind="review", held_on=D(2027, 4, 1), chair=chair, children=[child])
    reviews = [d for d in deadlines_for(child, D(2027, 4, 2)) if d.kind == "review_conference"]
    assert [(r.due_on, r.met_on) for r in reviews] == [
        (D(2027, 4, 6), D(2027, 4, 1)),
        (D(2027, 10, 1), None),
    ]


def test_scotland_icpc_is_28_calendar_days(child, authority):
    authority.nation = "scotland"
    authority.save()
    StrategyDiscussionFactory(child=child, held_on=D(2026, 12, 14))
    (icpc,) = deadlines_for(child, D(2027, 1, 4))
    assert icpc.due_on == D(2027, 1, 11)
    assert "28 calendar days" in icpc.source


def test_an_ended_plan_drops_deadlines_after_its_end(journey, child):
    journey.status, journey.ended_on, journey.end_reason = "ended", D(2027, 2, 1), "conference"
    journey.save()
    found = _by_kind(deadlines_for(child, D(2027, 3, 1)))
    assert "core_group" not in found  # due 16 Feb, after the plan ended
    # Missed while the plan ran: kept in the history, no longer work to do.
    assert found["plan_authorisation"] == [(D(2027, 1, 26), None, "missed")]
    assert found["statutory_visit"] == [(D(2027, 1, 27), D(2027, 1, 20), "met")]


def test_a_pre_birth_plan_uses_the_pre_birth_review_rule(child):
    PlanFactory(child=child, started_on=D(2027, 1, 6), pre_birth=True)
    (review,) = [d for d in deadlines_for(child, D(2027, 1, 7)) if d.kind == "review_conference"]
    assert review.due_on == D(2027, 4, 6)
    assert "pre-birth" in review.source.lower() or "first review" in review.source

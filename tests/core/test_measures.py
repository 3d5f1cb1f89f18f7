"""The service's measures against small authorities counted by hand.

The period is 1 April to 30 September 2025; England's default profile (15 working days
to the initial conference, 10 to the first core group, 5 to authorisation, reviews at 3
then 6 months, statutory visits every 15 working days). Bank holidays of England in the
period: 5 May, 26 May and 25 August 2025. ``North`` is ``team``, ``South`` is
``other_team``; every authority but ours is left out.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conferences.models import ConferenceChild
from cpcase import running_deadlines
from cpcase.errors import NotPermitted
from cpcase.timescales import load_authority_timescales
from registry.measures import Ratio, default_period, measures_for
from registry.models import Enquiry
from tests.factories import (
    AgencyFactory,
    ChildFactory,
    ConferenceFactory,
    CoreGroupMeetingFactory,
    PlanFactory,
    StrategyDiscussionFactory,
    UserFactory,
    VisitFactory,
)
from tests.support.working_days import at

pytestmark = pytest.mark.django_db

FROM, TO = dt.date(2025, 4, 1), dt.date(2025, 9, 30)
D = dt.date


def _measure(user, key):
    found = measures_for(user=user, period_from=FROM, period_to=TO)
    by_key = {m.key: m for m in found.measures} | {c.key: c for c in found.enquiries}
    return by_key[key]


def _rows(measure) -> dict[str, tuple[int, int]]:
    return {row.label: (row.ratio.numerator, row.ratio.denominator) for row in measure.rows}


@pytest.fixture
def kid(authority, team):
    def make(team=team, authority=authority, **kwargs):
        return ChildFactory(responsible_authority=authority, team=team, **kwargs)

    return make


def _conference(child, held_on, *, decision="plan", kind="initial", next_review_on=None):
    conference = ConferenceFactory(kind=kind, held_on=held_on, children=[child])
    ConferenceChild.objects.filter(conference=conference).update(
        decision=decision, next_review_on=next_review_on
    )
    # The services refresh what is derived from the records (so do the factories).
    running_deadlines.refresh([child.pk])
    return conference


def test_the_profile_holds_the_numbers_these_counts_assume(authority):
    rules = load_authority_timescales([authority.pk])[authority.pk].rules
    assert {k: (r.value, r.unit) for k, r in rules.items() if k in _ASSUMED} == _ASSUMED


_ASSUMED = {
    "icpc": (15, "working_days"),
    "first_core_group": (10, "working_days"),
    "plan_authorisation": (5, "working_days"),
    "first_review_conference": (3, "months"),
    "review_conference": (6, "months"),
    "statutory_visit": (15, "working_days"),
}


def test_initial_conferences_within_15_working_days(
    service_leader, kid, other_team, other_authority
):
    # North, A: discussion Mon 2 June, conference Mon 23 June: exactly 15 working days. On time.
    a = kid()
    StrategyDiscussionFactory(child=a, held_on=D(2025, 6, 2))
    _conference(a, D(2025, 6, 23))
    # North, B: the same discussion, conference Tue 24 June: 16 working days. Late.
    b = kid()
    StrategyDiscussionFactory(child=b, held_on=D(2025, 6, 2))
    _conference(b, D(2025, 6, 24))
    # South, C: discussion Mon 11 August; bank holiday Mon 25 August between: the 15th
    # working day is Tue 2 September. Conference on it: on time (16 days without the holiday).
    c = kid(team=other_team)
    StrategyDiscussionFactory(child=c, held_on=D(2025, 8, 11))
    _conference(c, D(2025, 9, 2))
    # South, D: the same, conference Wed 3 September: 16 working days. Late.
    d = kid(team=other_team)
    StrategyDiscussionFactory(child=d, held_on=D(2025, 8, 11))
    _conference(d, D(2025, 9, 3))
    # Not counted: a conference before the period; one with no strategy discussion before
    # it; a discussion that found no enquiry needed... and another authority's child.
    e = kid()
    StrategyDiscussionFactory(child=e, held_on=D(2025, 3, 10))
    _conference(e, D(2025, 3, 12))
    _conference(kid(), D(2025, 6, 10))
    f = kid()
    StrategyDiscussionFactory(child=f, held_on=D(2025, 6, 2), outcome="no_further_action")
    _conference(f, D(2025, 6, 5))
    elsewhere = kid(team=None, authority=other_authority)
    StrategyDiscussionFactory(child=elsewhere, held_on=D(2025, 6, 2))
    _conference(elsewhere, D(2025, 6, 4))
    # A discussion after the conference does not count for it (G: counted from 2 June).
    g = kid()
    StrategyDiscussionFactory(child=g, held_on=D(2025, 6, 2))
    _conference(g, D(2025, 6, 20))
    StrategyDiscussionFactory(child=g, held_on=D(2025, 7, 1))

    measure = _measure(service_leader, "initial_conferences")
    # North: A on time, B late, G on time (14 working days). South: C on time, D late.
    assert _rows(measure) == {"North locality team": (2, 3), "South locality team": (1, 2)}
    assert measure.total == Ratio(3, 5)
    assert measure.total.percent == 60


def test_first_core_groups_and_authorisation(unit_manager, kid, other_team):
    # A (North): plan from Mon 23 June; 10th working day Mon 7 July; core group then: on
    # time. Authorisation due 5 working days later, Mon 14 July; authorised then: on time.
    a = PlanFactory(child=kid(), started_on=D(2025, 6, 23), authorised_on=D(2025, 7, 14))
    CoreGroupMeetingFactory(plan=a, held_on=D(2025, 7, 7))
    CoreGroupMeetingFactory(plan=a, held_on=D(2025, 8, 4))  # a later one: not the first
    # B (North): from Tue 24 June, due Tue 8 July, held Wed 9 July: late. Authorisation due
    # Wed 16 July, authorised Thu 17 July: late.
    b = PlanFactory(child=kid(), started_on=D(2025, 6, 24), authorised_on=D(2025, 7, 17))
    CoreGroupMeetingFactory(plan=b, held_on=D(2025, 7, 9))
    # C (South): from Tue 2 September, due Tue 16 September, none held: late. No first
    # core group, so no authorisation due.
    PlanFactory(child=kid(team=other_team), started_on=D(2025, 9, 2))
    # D (South): from Wed 3 September, due Wed 17 September, held then: on time. Its
    # authorisation is due Wed 24 September and not done: late.
    d = PlanFactory(child=kid(team=other_team), started_on=D(2025, 9, 3))
    CoreGroupMeetingFactory(plan=d, held_on=D(2025, 9, 17))
    # Not counted: due after the period (from Mon 22 September, due 6 October); due before
    # it (from 12 March); a plan that ended (Fri 4 July) before its first core group fell due.
    PlanFactory(child=kid(), started_on=D(2025, 9, 22))
    PlanFactory(child=kid(), started_on=D(2025, 3, 12))
    PlanFactory(
        child=kid(),
        started_on=D(2025, 6, 23),
        status="ended",
        ended_on=D(2025, 7, 4),
        end_reason="conference",
    )

    first = _measure(unit_manager, "first_core_groups")
    assert _rows(first) == {"North locality team": (1, 2), "South locality team": (1, 2)}
    assert first.total == Ratio(2, 4)
    authorised = _measure(unit_manager, "plans_authorised")
    assert _rows(authorised) == {"North locality team": (1, 2), "South locality team": (0, 1)}
    assert authorised.total == Ratio(1, 3)


def test_reviews_on_time(service_leader, kid, other_team):
    # A: initial conference Mon 23 June, first review due 3 months on, Tue 23 September;
    # held then: on time. The next, due 23 March 2026, is after the period.
    a = kid()
    PlanFactory(child=a, started_on=D(2025, 6, 23))
    _conference(a, D(2025, 6, 23))
    _conference(a, D(2025, 9, 23), kind="review", decision="continue")
    # B: from Tue 24 June, due Wed 24 September, held Thu 25 September: late.
    b = kid()
    PlanFactory(child=b, started_on=D(2025, 6, 24))
    _conference(b, D(2025, 6, 24))
    _conference(b, D(2025, 9, 25), kind="review", decision="continue")
    # E: from 12 March, the conference set the review for Tue 10 June (over the
    # profile's 12 June); held Wed 11 June: late.
    e = kid()
    PlanFactory(child=e, started_on=D(2025, 3, 12))
    _conference(e, D(2025, 3, 12), next_review_on=D(2025, 6, 10))
    _conference(e, D(2025, 6, 11), kind="review", decision="continue")
    # F: from Fri 28 February; 3 months on is Wed 28 May; not held: late (the plan runs).
    f = kid()
    PlanFactory(child=f, started_on=D(2025, 2, 28))
    _conference(f, D(2025, 2, 28))
    # G: from 5 March, ended 30 April before its review fell due (5 June): not counted.
    g = kid()
    PlanFactory(
        child=g,
        started_on=D(2025, 3, 5),
        status="ended",
        ended_on=D(2025, 4, 30),
        end_reason="turned_18",
    )
    _conference(g, D(2025, 3, 5))
    # H: a review that ended the plan sets no further review.
    h = kid()
    PlanFactory(
        child=h, started_on=D(2024, 10, 1), status="ended", ended_on=D(2025, 1, 6),
        end_reason="conference",
    )  # fmt: skip
    _conference(h, D(2025, 1, 6), kind="review", decision="discontinue")

    measure = _measure(service_leader, "reviews")
    assert _rows(measure) == {"North locality team": (1, 4), "South locality team": (0, 0)}
    assert measure.total == Ratio(1, 4)


def test_statutory_visits_on_time_and_seen_alone(service_leader, kid, other_team):
    # V1 (North): plan from Mon 2 June; first visit due 15 working days on, Mon 23 June;
    # made then: on time. Next due Mon 14 July; made at 00:30 on Tue 15 July, UK time
    # (23:30 on the 14th in UTC): late. Next due Tue 5 August, after the plan ended on
    # Thu 31 July: not counted.
    v1 = kid()
    PlanFactory(
        child=v1, started_on=D(2025, 6, 2), status="ended", ended_on=D(2025, 7, 31),
        end_reason="conference",
    )  # fmt: skip
    VisitFactory(child=v1, visited_at=at(D(2025, 6, 23), 15), seen_alone=True)
    VisitFactory(child=v1, visited_at=at(D(2025, 7, 15), 0, 30), seen_alone=True)
    # V2 (South): plan from Mon 11 August with the conference's own interval of 10 working
    # days: with the bank holiday on 25 August, due Tue 26 August; made then: on time. Next
    # due Tue 9 September: only a home visit without seeing the child since: late.
    v2 = kid(team=other_team)
    PlanFactory(
        child=v2, started_on=D(2025, 8, 11), visit_interval_value=10,
        visit_interval_unit="working_days",
    )  # fmt: skip
    VisitFactory(child=v2, visited_at=at(D(2025, 8, 26), 11), seen_alone=False)
    VisitFactory(child=v2, visited_at=at(D(2025, 9, 5), 11), kind="home_visit", child_seen=False)
    visits = _measure(service_leader, "statutory_visits")
    assert _rows(visits) == {"North locality team": (1, 2), "South locality team": (1, 2)}
    assert visits.total == Ratio(2, 4)

    # Seen alone at the last visit, of children with a plan open on 30 September: V1's
    # ended (not counted); V2's last statutory visit (26 August) was not alone. V3 (North):
    # alone on 19 September, the last by the end of the period (2 October's is after).
    # V4 (North): no visit yet, not counted.
    v3 = kid()
    PlanFactory(child=v3, started_on=D(2025, 9, 1))
    VisitFactory(child=v3, visited_at=at(D(2025, 9, 5), 10), seen_alone=False)
    VisitFactory(child=v3, visited_at=at(D(2025, 9, 19), 10), seen_alone=True)
    VisitFactory(child=v3, visited_at=at(D(2025, 10, 2), 10), seen_alone=False)
    PlanFactory(child=kid(), started_on=D(2025, 9, 15))
    alone = _measure(service_leader, "seen_alone")
    assert _rows(alone) == {"North locality team": (1, 1), "South locality team": (0, 1)}
    assert alone.total == Ratio(1, 2)


def test_a_visit_counts_from_the_plan_it_was_made_during(service_leader, kid):
    # W (North): an earlier plan, 6 January to 31 March, visits every 4 weeks; the plan now
    # from Mon 2 June, the profile's 15 working days. From its start, due Mon 23 June: made
    # then, on time. From that visit, due Mon 14 July: none since, late. (The earlier plan
    # and its interval play no part: its one deadline fell due on 3 February.)
    w = kid()
    PlanFactory(
        child=w, started_on=D(2025, 1, 6), status="ended", ended_on=D(2025, 3, 31),
        end_reason="conference", visit_interval_value=4, visit_interval_unit="weeks",
    )  # fmt: skip
    PlanFactory(child=w, started_on=D(2025, 6, 2))
    VisitFactory(child=w, visited_at=at(D(2025, 6, 23), 9))
    visits = _measure(service_leader, "statutory_visits")
    assert _rows(visits) == {"North locality team": (1, 2)}


def test_plans_lasting_two_years_and_second_plans(unit_manager, kid, other_team, other_authority):
    # Ended in the period: P1 (North) exactly two years (15 May 2023 to 15 May 2025): counted
    # as two years or more; P2 (North) a day short; P3 (South) three and a half years.
    ended = {"status": "ended", "end_reason": "conference"}
    PlanFactory(child=kid(), started_on=D(2023, 5, 15), ended_on=D(2025, 5, 15), **ended)
    PlanFactory(child=kid(), started_on=D(2023, 5, 16), ended_on=D(2025, 5, 15), **ended)
    PlanFactory(
        child=kid(team=other_team), started_on=D(2022, 1, 1), ended_on=D(2025, 6, 1), **ended
    )
    # Not counted: ended before the period; another authority's.
    PlanFactory(
        child=kid(team=other_team), started_on=D(2020, 1, 1), ended_on=D(2025, 3, 1), **ended
    )
    PlanFactory(
        child=kid(team=None, authority=other_authority),
        started_on=D(2020, 1, 1),
        ended_on=D(2025, 6, 1),
        **ended,
    )
    two_years = _measure(unit_manager, "two_years")
    assert _rows(two_years) == {"North locality team": (1, 2), "South locality team": (1, 1)}
    assert two_years.total == Ratio(2, 3)

    # Started in the period: S1 (North) had a plan in 2021; S2 (North) never; S3 (South)
    # had one recorded by another authority (any authority counts). S4 started before the
    # period: not counted.
    s1 = kid()
    PlanFactory(child=s1, started_on=D(2021, 1, 4), ended_on=D(2022, 1, 4), **ended)
    PlanFactory(child=s1, started_on=D(2025, 5, 1))
    PlanFactory(child=kid(), started_on=D(2025, 6, 2))
    s3 = kid(team=other_team)
    PlanFactory(
        child=s3, authority=other_authority, started_on=D(2019, 1, 7), ended_on=D(2020, 1, 6),
        **ended,
    )  # fmt: skip
    PlanFactory(child=s3, started_on=D(2025, 7, 1))
    s4 = kid(team=other_team)
    PlanFactory(child=s4, started_on=D(2021, 1, 4), ended_on=D(2022, 1, 4), **ended)
    PlanFactory(child=s4, started_on=D(2025, 3, 1))
    second = _measure(unit_manager, "second_plans")
    assert _rows(second) == {"North locality team": (1, 2), "South locality team": (1, 1)}
    assert second.total == Ratio(2, 3)


def test_enquiries_by_hour_of_the_day_and_by_agency(service_leader, other_authority):
    police = UserFactory(authority=None, agency=AgencyFactory(kind="police"))
    health = UserFactory(authority=None, agency=AgencyFactory(kind="health"))
    none = UserFactory(authority=None, agency=None)

    def enquiry(by, when, children=()):
        made = Enquiry.objects.create(enquirer=by, outcome="no_match", created_at=when)
        made.matched_children.set(children)
        return made

    london = dt.timezone(dt.timedelta(hours=1))  # British Summer Time, all the period through
    enquiry(police, dt.datetime(2025, 6, 10, 8, 15, tzinfo=london))  # 08:00
    enquiry(police, dt.datetime(2025, 7, 1, 23, 59, tzinfo=london))  # 23:00
    enquiry(health, dt.datetime(2025, 5, 4, 23, 30, tzinfo=dt.UTC))  # 00:30 on 5 May: 00:00
    enquiry(police, dt.datetime(2025, 3, 31, 23, 30, tzinfo=dt.UTC))  # 00:30 on 1 April: in
    enquiry(none, dt.datetime(2025, 8, 12, 14, 5, tzinfo=london))  # 14:00, no agency
    # Not counted: 23:30 on 31 March, UK time (before the period); 00:30 on 1 October;
    # one that answered about another authority's child alone.
    enquiry(police, dt.datetime(2025, 3, 31, 23, 30, tzinfo=london))
    enquiry(police, dt.datetime(2025, 10, 1, 0, 30, tzinfo=london))
    enquiry(
        police,
        dt.datetime(2025, 6, 10, 9, 0, tzinfo=london),
        [ChildFactory(responsible_authority=other_authority)],
    )

    by_hour = dict(_measure(service_leader, "enquiries_by_hour").rows)
    assert len(by_hour) == 24
    assert {label: n for label, n in by_hour.items() if n} == {
        "00:00 to 00:59": 2,
        "08:00 to 08:59": 1,
        "14:00 to 14:59": 1,
        "23:00 to 23:59": 1,
    }
    by_agency = _measure(service_leader, "enquiries_by_agency")
    assert {label: n for label, n in by_agency.rows if n} == {
        "Police force": 3,
        "NHS trust or health service": 1,
        "Agency not recorded": 1,
    }
    assert by_agency.total == 5


def test_only_the_service_leader_and_the_unit_manager(social_worker, team_manager, chair):
    for user in (social_worker, team_manager, chair):
        with pytest.raises(NotPermitted):
            measures_for(user=user, period_from=FROM, period_to=TO)


def test_the_default_period_is_the_last_12_months():
    assert default_period(D(2026, 12, 1)) == (D(2025, 12, 2), D(2026, 12, 1))
    assert default_period(D(2024, 2, 29)) == (D(2023, 3, 1), D(2024, 2, 29))


def _world(kid, other_team, n: int) -> None:
    """``n`` children of each kind of record the measures count."""
    for i in range(n):
        team = other_team if i % 2 else None
        child = kid(**({"team": team} if team else {}))
        StrategyDiscussionFactory(child=child, held_on=D(2025, 6, 2))
        _conference(child, D(2025, 6, 20))
        plan = PlanFactory(child=child, started_on=D(2025, 6, 20), authorised_on=D(2025, 7, 9))
        CoreGroupMeetingFactory(plan=plan, held_on=D(2025, 7, 1))
        _conference(child, D(2025, 9, 19), kind="review", decision="continue")
        VisitFactory(child=child, visited_at=at(D(2025, 7, 2), 10), seen_alone=bool(i % 3))
        Enquiry.objects.create(
            enquirer=UserFactory(authority=None), outcome="no_match", created_at=at(D(2025, 6, 3))
        )


def test_a_fixed_number_of_queries_however_many_records(service_leader, kid, other_team):
    _world(kid, other_team, 1)
    assert service_leader.roles  # read once, as any request reads them before
    with CaptureQueriesContext(connection) as few:
        small = measures_for(user=service_leader, period_from=FROM, period_to=TO)
    _world(kid, other_team, 6)
    with CaptureQueriesContext(connection) as many:
        large = measures_for(user=service_leader, period_from=FROM, period_to=TO)
    assert len(few) == len(many) == 13
    assert small.measures[0].total == Ratio(1, 1)
    assert large.measures[0].total == Ratio(7, 7)

"""Rules of the deadline engine from the statutory guidance, checked against dates worked
out by hand.

The calendar used: in England Good Friday (26 March 2027) and Easter Monday (29 March
2027) are bank holidays; Scotland keeps Good Friday but not Easter Monday, and its
summer bank holiday is Monday 2 August 2027 (England's is 30 August).
"""

import datetime as dt

import pytest
from django.test import Client

from conferences.models import LookedAfterEvent
from cpcase import running_deadlines
from cpcase.models import CalendarDay, TimescaleProfile, TimescaleRule
from cpcase.selectors import caseload_for
from cpcase.timescales import deadlines_for, reminders_due
from tests.factories import (
    ConferenceFactory,
    CoreGroupMeetingFactory,
    PersonFactory,
    PlanFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date
HOST = {"HTTP_HOST": "localhost"}


def _reviews(child, today):
    return [d for d in deadlines_for(child, today) if d.kind == "review_conference"]


def _nation(authority, nation):
    authority.nation = nation
    authority.save()


# --- Dates in months brought forward to the working day before ----------------------


def test_a_first_review_falling_on_easter_monday_comes_before_good_friday(child):
    # England: 29 Dec 2026 + 3 months = Easter Monday; Good Friday is a holiday too.
    PlanFactory(child=child, started_on=D(2026, 12, 29))
    (review,) = _reviews(child, D(2027, 1, 4))
    assert review.due_on == D(2027, 3, 25)
    assert "brought forward from Monday 29 Mar 2027" in review.source


def test_scotland_does_not_keep_easter_monday(child, authority):
    _nation(authority, "scotland")
    PlanFactory(child=child, started_on=D(2026, 12, 29), pre_birth=True)  # 3 months there
    (review,) = _reviews(child, D(2027, 1, 5))
    assert review.due_on == D(2027, 3, 29)
    assert "brought forward" not in review.source


def test_a_first_review_on_a_sunday_comes_on_the_friday(child):
    PlanFactory(child=child, started_on=D(2027, 1, 25))  # + 3 months: Sunday 25 April
    (review,) = _reviews(child, D(2027, 1, 26))
    assert review.due_on == D(2027, 4, 23)


def test_scotland_first_review_on_its_summer_bank_holiday(child, authority):
    # + 6 months: Monday 2 August 2027, a holiday in Scotland only.
    PlanFactory(child=child, started_on=D(2027, 2, 2))
    _nation(authority, "scotland")
    (review,) = _reviews(child, D(2027, 2, 3))
    assert review.due_on == D(2027, 7, 30)
    _nation(authority, "england")
    (review,) = _reviews(child, D(2027, 2, 3))
    assert review.due_on == D(2027, 4, 30)  # 3 months in England: Sunday 2 May, back to Fri


def test_later_reviews_on_a_weekend_come_forward_too(child, chair):
    PlanFactory(child=child, started_on=D(2026, 10, 1))
    ConferenceFactory(kind="review", held_on=D(2026, 12, 4), chair=chair, children=[child])
    later = _reviews(child, D(2026, 12, 5))[-1]
    assert later.due_on == D(2027, 6, 4)  # Friday 4 June: a working day, unchanged
    ConferenceFactory(kind="review", held_on=D(2027, 6, 4), chair=chair, children=[child])
    later = _reviews(child, D(2027, 6, 5))[-1]
    assert later.due_on == D(2027, 12, 3)  # Saturday 4 December 2027, back to the Friday


def test_an_authoritys_closure_brings_it_forward_and_a_kept_open_day_does_not(child, authority):
    PlanFactory(child=child, started_on=D(2027, 1, 25))  # Sunday 25 April → Friday 23rd
    CalendarDay.objects.create(authority=authority, date=D(2027, 4, 23), kind="closure")
    (review,) = _reviews(child, D(2027, 1, 26))
    assert review.due_on == D(2027, 4, 22)
    CalendarDay.objects.all().delete()
    CalendarDay.objects.create(authority=authority, date=D(2027, 3, 29), kind="working_day")
    other = PlanFactory(started_on=D(2026, 12, 29), child__responsible_authority=authority)
    (review,) = _reviews(other.child, D(2027, 1, 4))
    assert review.due_on == D(2027, 3, 29)  # Easter Monday kept open


def test_working_day_timescales_are_not_moved(child):
    plan = PlanFactory(child=child, started_on=D(2027, 1, 6))
    first = next(d for d in deadlines_for(child, D(2027, 1, 7)) if d.kind == "first_core_group")
    assert first.due_on == D(2027, 1, 20)
    assert plan.core_group_interval_days is None


# --- A plan that has ended closes its deadlines ----------------------------------------


@pytest.fixture
def ended_plan(child, chair):
    ConferenceFactory(held_on=D(2027, 1, 6), chair=chair, children=[child])
    plan = PlanFactory(child=child, started_on=D(2027, 1, 6))
    CoreGroupMeetingFactory(plan=plan, held_on=D(2027, 1, 19))
    VisitFactory(child=child, visited_at=dt.datetime(2027, 1, 20, 11, tzinfo=dt.UTC))
    LookedAfterEvent.objects.create(
        child=child, kind="removed_by_parents", occurred_on=D(2027, 1, 22), recorded_by=chair
    )
    plan.status, plan.ended_on, plan.end_reason = "ended", D(2027, 3, 1), "conference"
    plan.save()
    running_deadlines.refresh([child.pk])  # as the service that ends a plan does
    return plan


def test_deadlines_missed_while_the_plan_ran_are_kept_as_missed(child, ended_plan):
    found = {}
    for d in deadlines_for(child, D(2027, 5, 1)):
        found.setdefault(d.kind, []).append((d.due_on, d.met_on, d.status))
    assert found["plan_authorisation"] == [(D(2027, 1, 26), None, "missed")]
    assert found["core_group"] == [(D(2027, 2, 16), None, "missed")]
    assert found["statutory_visit"][0][2] == "met"
    assert found["statutory_visit"][-1] == (D(2027, 2, 10), None, "missed")
    assert found["review_conference_required"] == [(D(2027, 2, 12), None, "missed")]
    assert "overdue" not in {s for rows in found.values() for _, _, s in rows}
    missed = [d for d in deadlines_for(child, D(2027, 5, 1)) if d.status == "missed"]
    assert missed and not any(d.is_open for d in missed)


def test_while_the_plan_runs_the_same_deadlines_are_overdue(child, ended_plan):
    ended_plan.status, ended_plan.ended_on, ended_plan.end_reason = "active", None, ""
    ended_plan.save()
    statuses = {d.kind: d.status for d in deadlines_for(child, D(2027, 3, 1)) if d.is_open}
    assert statuses["plan_authorisation"] == "overdue"
    assert statuses["review_conference_required"] == "overdue"


def test_nobody_is_reminded_and_no_caseload_shows_them(
    child, ended_plan, team_manager, social_worker
):
    assert [r for r in reminders_due(D(2027, 5, 3)) if r.deadline.child_id == child.pk] == []
    assert child not in [r.child for r in caseload_for(user=team_manager, today=D(2027, 5, 3))]
    client = Client()
    client.force_login(social_worker)
    html = client.get(f"/children/{child.pk}/", **HOST).content.decode()
    assert "Overdue" not in html


def test_the_api_reports_missed(api_as, social_worker, child, ended_plan):
    r = api_as(social_worker).get(f"/api/v1/children/{child.pk}/timescales/")
    assert r.status_code == 200
    statuses = {row["kind"]: row["status"] for row in r.json() if row["met_on"] is None}
    assert statuses["plan_authorisation"] == "missed"
    assert "overdue" not in {row["status"] for row in r.json()}


# --- A core group interval set for the child by the initial conference ------------------


def test_later_core_groups_follow_the_childs_own_interval(child):
    plan = PlanFactory(child=child, started_on=D(2027, 1, 6), core_group_interval_days=10)
    CoreGroupMeetingFactory(plan=plan, held_on=D(2027, 1, 19))
    (core_group,) = [d for d in deadlines_for(child, D(2027, 1, 20)) if d.kind == "core_group"]
    assert core_group.due_on == D(2027, 2, 2)  # 10 working days, not the profile's 20
    assert "set by the initial conference" in core_group.source
    other = PlanFactory(
        started_on=D(2027, 1, 6), child__responsible_authority=child.responsible_authority
    )
    CoreGroupMeetingFactory(plan=other, held_on=D(2027, 1, 19))
    (usual,) = [d for d in deadlines_for(other.child, D(2027, 1, 20)) if d.kind == "core_group"]
    assert usual.due_on == D(2027, 2, 16)


# --- Scotland: a meeting after the birth of a baby with a pre-birth plan -----------------


@pytest.fixture
def unborn(authority, team, social_worker):
    from tests.factories import ChildFactory

    mother = PersonFactory(first_name="Jo", last_name="Testmother", authority=authority)
    return ChildFactory(
        first_name="",
        last_name="Testmother",
        date_of_birth=None,
        expected_date_of_delivery=D(2027, 3, 1),
        mother=mother,
        responsible_authority=authority,
        team=team,
        lead_social_worker=social_worker,
    )


def _births(child, today):
    return [d for d in deadlines_for(child, today) if d.kind == "birth_meeting"]


def test_scotland_a_birth_opens_the_birth_meeting_deadline(unborn, authority, chair):
    _nation(authority, "scotland")
    plan = PlanFactory(child=unborn, started_on=D(2027, 1, 6), pre_birth=True)
    assert _births(unborn, D(2027, 2, 1)) == []  # not born yet
    unborn.date_of_birth = D(2027, 2, 26)  # a Friday
    unborn.save()
    (meeting,) = _births(unborn, D(2027, 3, 1))
    assert (meeting.due_on, meeting.status) == (D(2027, 3, 5), "upcoming")
    assert "5 working days" in meeting.source and "26 Feb 2027" in meeting.source
    assert _births(unborn, D(2027, 3, 8))[0].status == "overdue"
    CoreGroupMeetingFactory(plan=plan, held_on=D(2027, 2, 20))  # before the birth: not it
    assert _births(unborn, D(2027, 3, 8))[0].status == "overdue"
    CoreGroupMeetingFactory(plan=plan, held_on=D(2027, 3, 3))
    (meeting,) = _births(unborn, D(2027, 3, 8))
    assert (meeting.met_on, meeting.status) == (D(2027, 3, 3), "met")


def test_a_conference_after_the_birth_meets_it(unborn, authority, chair):
    _nation(authority, "scotland")
    PlanFactory(child=unborn, started_on=D(2027, 1, 6), pre_birth=True)
    unborn.date_of_birth = D(2027, 2, 26)
    unborn.save()
    ConferenceFactory(kind="review", held_on=D(2027, 3, 9), chair=chair, children=[unborn])
    (meeting,) = _births(unborn, D(2027, 3, 10))
    assert (meeting.met_on, meeting.status) == (D(2027, 3, 9), "met_late")


def test_the_timescale_is_the_profiles_data(unborn, authority):
    _nation(authority, "scotland")
    profile = TimescaleProfile.objects.create(
        name="Testshire", nation="scotland", authority=authority
    )
    TimescaleRule.objects.create(
        profile=profile, kind="birth_meeting", value=2, unit="working_days"
    )
    PlanFactory(child=unborn, started_on=D(2027, 1, 6), pre_birth=True)
    unborn.date_of_birth = D(2027, 2, 26)
    unborn.save()
    (meeting,) = _births(unborn, D(2027, 3, 1))
    assert meeting.due_on == D(2027, 3, 2)
    assert "Testshire" in meeting.source


def test_only_scotland_has_it(unborn, authority):
    PlanFactory(child=unborn, started_on=D(2027, 1, 6), pre_birth=True)
    unborn.date_of_birth = D(2027, 2, 26)
    unborn.save()
    assert _births(unborn, D(2027, 3, 1)) == []
    scotland = TimescaleRule.objects.get(profile__nation="scotland", kind="birth_meeting")
    assert scotland.value == 5 and "local" in scotland.note.lower()


def test_a_plan_that_was_not_pre_birth_has_none(child, authority):
    _nation(authority, "scotland")
    PlanFactory(child=child, started_on=D(2027, 1, 6))
    assert _births(child, D(2027, 1, 7)) == []


# --- Where timescales are explained -------------------------------------------------------


def test_the_rule_is_explained_in_the_admin_and_on_every_default_rule_in_months(
    client, unit_manager
):
    unit_manager.is_staff = True
    unit_manager.save()
    client.force_login(unit_manager)
    page = client.get("/admin/cpcase/timescalerule/add/", HTTP_HOST="localhost")
    assert page.status_code == 200
    assert "brought forward to the working day before" in page.content.decode()
    in_months = TimescaleRule.objects.filter(profile__authority__isnull=True, unit="months")
    assert in_months.count() >= 10
    assert all("Brought forward to the working day before" in r.note for r in in_months)

"""Conferences meet on working days of the authority's own calendar: never on a weekend
(the census refuses an initial conference on a weekend, rule 8875), a bank holiday of
its nation or a closure day it added; a listed holiday it keeps open is a working day.

The calendar used: Saturday 6 March 2027; in England Good Friday (26 March 2027) and
Easter Monday (29 March 2027) are bank holidays; Scotland keeps Good Friday but not
Easter Monday, and has 4 January 2027 (2 January in lieu), which England does not.
"""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from conferences import services
from conferences.models import Conference
from conferences.services import DecisionInput, OutcomeInput
from cpcase.errors import DomainError
from cpcase.models import CalendarDay
from plans.services import CoreGroupInput, IssueInput
from tests.support.working_days import at, last_working_day

pytestmark = pytest.mark.django_db
D = dt.date
HOST = {"HTTP_HOST": "localhost"}
ISSUE = IssueInput("Left alone in the evenings", "HRI", "An adult is always there", "Significant")


def _schedule(chair, child, day, kind="initial"):
    return services.conference_schedule(
        actor=chair, kind=kind, child_ids=[child.pk], scheduled_for=at(day), chair=chair
    )


def _refused(chair, child, day) -> list[str]:
    with pytest.raises(DomainError) as caught:
        _schedule(chair, child, day)
    assert set(caught.value.errors) == {"scheduled_for"}
    assert not Conference.objects.exists()
    return caught.value.errors["scheduled_for"]


def _last_weekend_day() -> dt.date:
    """The most recent Saturday or Sunday before today."""
    day = timezone.localdate() - dt.timedelta(days=1)
    while day.weekday() < 5:
        day -= dt.timedelta(days=1)
    return day


def test_a_weekend_is_refused_naming_the_day_and_the_authority(chair, child, authority):
    (message,) = _refused(chair, child, D(2027, 3, 6))
    assert message == (
        f"Saturday 6 March 2027 is not a working day for {authority.name}: choose a working day."
    )
    (message,) = _refused(chair, child, D(2027, 3, 7))
    assert message.startswith("Sunday 7 March 2027 is not a working day")


@pytest.mark.parametrize("kind", ["initial", "pre_birth", "transfer_in"])
def test_every_kind_of_conference_is_refused_on_a_weekend(chair, child, kind):
    with pytest.raises(DomainError) as caught:
        _schedule(chair, child, D(2027, 3, 6), kind=kind)
    assert "scheduled_for" in caught.value.errors


def test_the_bank_holidays_of_the_authoritys_own_nation(chair, child, authority):
    (message,) = _refused(chair, child, D(2027, 3, 29))  # Easter Monday in England
    assert "Monday 29 March 2027" in message and "Easter Monday" in message
    _schedule(chair, child, D(2027, 1, 4))  # a working day in England
    Conference.objects.all().delete()
    authority.nation = "scotland"
    authority.save()
    (message,) = _refused(chair, child, D(2027, 1, 4))  # 2 January in lieu, in Scotland
    assert "Monday 4 January 2027" in message
    _schedule(chair, child, D(2027, 3, 29))  # Scotland does not keep Easter Monday
    assert Conference.objects.count() == 1


def test_the_authoritys_own_closures_and_kept_open_days(chair, child, authority):
    CalendarDay.objects.create(
        authority=authority, date=D(2027, 3, 30), kind="closure", reason="Office move"
    )
    CalendarDay.objects.create(
        authority=authority, date=D(2027, 3, 29), kind="working_day", reason="Kept open"
    )
    (message,) = _refused(chair, child, D(2027, 3, 30))
    assert "Tuesday 30 March 2027" in message and "closure" in message.lower()
    conference = _schedule(chair, child, D(2027, 3, 29))
    assert conference.scheduled_for.date() == D(2027, 3, 29)


def _outcome(child, social_worker, member, held_on) -> OutcomeInput:
    return OutcomeInput(
        held_on=held_on,
        decisions=[DecisionInput(child_id=child.pk, decision="plan", category="NEG")],
        outline_plan=[ISSUE],
        lead_social_worker=social_worker,
        core_group=[CoreGroupInput(kind="professional", user=member)],
        quorate=True,
    )


def test_a_conference_cannot_be_recorded_as_held_on_a_weekend(
    chair, child, social_worker, core_group_member, authority
):
    conference = _schedule(chair, child, last_working_day())
    weekend = _last_weekend_day()
    with pytest.raises(DomainError) as caught:
        services.conference_record_outcome(
            actor=chair,
            conference_id=conference.pk,
            data=_outcome(child, social_worker, core_group_member, weekend),
        )
    assert set(caught.value.errors) == {"held_on"}
    assert f"{weekend:%A} {weekend.day} {weekend:%B %Y}" in caught.value.errors["held_on"][0]
    conference.refresh_from_db()
    assert conference.status == "scheduled" and conference.held_on is None
    held_on = last_working_day()
    services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=_outcome(child, social_worker, core_group_member, held_on),
    )
    conference.refresh_from_db()
    assert conference.held_on == held_on


def test_the_api_answers_400_naming_the_field(
    api_as, chair, child, social_worker, core_group_member
):
    api = api_as(chair)
    body = {
        "kind": "initial",
        "children": [str(child.pk)],
        "scheduled_for": at(D(2027, 3, 6)).isoformat(),
        "chair": str(chair.pk),
    }
    r = api.post("/api/v1/conferences/", body, format="json")
    assert r.status_code == 400
    assert "Saturday 6 March 2027 is not a working day" in r.json()["scheduled_for"][0]
    assert not Conference.objects.exists()
    r = api.post(
        "/api/v1/conferences/",
        {**body, "scheduled_for": at(last_working_day()).isoformat()},
        format="json",
    )
    assert r.status_code == 201, r.json()
    weekend = _last_weekend_day()
    r = api.post(
        f"/api/v1/conferences/{r.json()['id']}/outcome/",
        {
            "held_on": weekend.isoformat(),
            "decisions": [{"child": str(child.pk), "decision": "no_plan"}],
        },
        format="json",
    )
    assert r.status_code == 400
    assert "is not a working day" in r.json()["held_on"][0]


def _date(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


def test_the_schedule_page_shows_the_error_on_the_date(chair, child):
    client = Client()
    client.force_login(chair)
    url = f"/children/{child.pk}/conferences/new/"
    r = client.post(
        url,
        {
            "kind": "initial",
            "children": [str(child.pk)],
            **_date("scheduled_on", D(2027, 3, 6)),
            "scheduled_time": "10:00",
            "chair": str(chair.pk),
        },
        **HOST,
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "govuk-error-summary" in html
    assert "Saturday 6 March 2027 is not a working day" in html
    assert 'href="#id_scheduled_on_0"' in html
    assert not Conference.objects.exists()


def test_the_outcome_page_shows_the_error_on_the_date_held(chair, child):
    conference = _schedule(chair, child, last_working_day())
    client = Client()
    client.force_login(chair)
    weekend = _last_weekend_day()
    r = client.post(
        f"/conferences/{conference.pk}/outcome/",
        {
            **_date("held_on", weekend),
            "decision-TOTAL_FORMS": "1",
            "decision-INITIAL_FORMS": "1",
            "decision-0-decision": "no_plan",
            "attendee-TOTAL_FORMS": "0",
            "attendee-INITIAL_FORMS": "0",
            "parent-TOTAL_FORMS": "0",
            "parent-INITIAL_FORMS": "0",
            "issue-TOTAL_FORMS": "0",
            "issue-INITIAL_FORMS": "0",
            "save": "1",
        },
        **HOST,
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "govuk-error-summary" in html and "is not a working day" in html
    assert 'href="#id_held_on_0"' in html
    conference.refresh_from_db()
    assert conference.status == "scheduled"

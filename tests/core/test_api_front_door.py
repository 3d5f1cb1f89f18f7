"""The front door's API (API.md "Front door"): referrals, assessments, section 47
enquiries, the child in need plan and the episode's closure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conferences import services as conference_services
from conferences.models import Section47Enquiry
from cpcase import front_door
from cpcase.models import Assessment, AuditEvent, ChildInNeedPlan, Referral
from cpcase.services import _grant_allocated_worker
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
REFERRALS = "/api/v1/referrals/"
ASSESSMENTS = "/api/v1/assessments/"
SECTION47 = "/api/v1/section47-enquiries/"


def _day(days_ago: int) -> str:
    return (TODAY - dt.timedelta(days=days_ago)).isoformat()


def _referral_body(kid, **changes):
    body = {
        "child": str(kid.pk),
        "received_on": _day(30),
        "source": "2A",
        "primary_need": "N1",
        "nfa": False,
        "next_step": "assessment",
        "referrer": {
            "name": "Ms Fictional Teacher",
            "role": "Designated safeguarding lead",
            "agency": "Anytown Primary",
            "phone": "01632 960123",
        },
        "details": "Amelia came to school hungry three days running.",
    }
    body.update(changes)
    return body


def _refer(actor, child, days_ago=30, **extra):
    return front_door.referral_record(
        actor=actor,
        child_id=child.pk,
        received_on=TODAY - dt.timedelta(days=days_ago),
        source="2A",
        primary_need=extra.pop("primary_need", "N1"),
        nfa=extra.pop("nfa", False),
        next_step=extra.pop("next_step", "assessment"),
        **extra,
    )


def _assess(actor, child, days_ago=25):
    return front_door.assessment_record(
        actor=actor, child_id=child.pk, started_on=TODAY - dt.timedelta(days=days_ago)
    )


def _strategy(actor, child, days_ago=20):
    return conference_services.strategy_discussion_record(
        actor=actor,
        child_id=child.pk,
        held_on=TODAY - dt.timedelta(days=days_ago),
        outcome="s47_enquiry",
    )


# --- Referrals -----------------------------------------------------------------------------


def test_record_a_referral(api_as, social_worker, child):
    response = api_as(social_worker).post(REFERRALS, _referral_body(child), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {
        "id",
        "child",
        "received_on",
        "source",
        "primary_need",
        "nfa",
        "next_step",
        "referrer",
        "details",
        "closed_on",
        "closure_reason",
        "is_re_referral",
        "created_at",
    } <= body.keys()
    assert body["referrer"] == {
        "name": "Ms Fictional Teacher",
        "role": "Designated safeguarding lead",
        "agency": "Anytown Primary",
        "phone": "01632 960123",
    }
    assert body["is_re_referral"] is False
    assert body["closed_on"] is None
    referral = Referral.objects.get(pk=body["id"])
    assert referral.is_open and referral.recorded_by == social_worker
    assert AuditEvent.objects.filter(object_id=body["id"], action="create").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"source": "99"}, "source"),
        ({"primary_need": "N0"}, "primary_need"),
        ({"primary_need": ""}, "primary_need"),
        ({"next_step": "later"}, "next_step"),
        ({"nfa": True}, "nfa"),
        ({"received_on": "yesterday"}, "received_on"),
        ({"received_on": (TODAY + dt.timedelta(days=2)).isoformat()}, "received_on"),
        ({"child": "not-an-id"}, "child"),
        ({"details": "x" * 20001}, "details"),
    ],
)
def test_bad_referrals_are_400s_naming_the_field(api_as, social_worker, child, changes, field):
    response = api_as(social_worker).post(
        REFERRALS, _referral_body(child, **changes), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Referral.objects.exists()


def test_a_re_referral_is_flagged(api_as, social_worker, child):
    _refer(social_worker, child, days_ago=200, nfa=True, next_step="nfa", primary_need="")
    response = api_as(social_worker).post(REFERRALS, _referral_body(child), format="json")
    assert response.json()["is_re_referral"] is True
    listed = api_as(social_worker).get(REFERRALS, {"child": str(child.pk)}).json()
    assert [r["is_re_referral"] for r in listed["results"]] == [True, False]


def test_referral_list_is_filtered_paginated_and_audited(api_as, social_worker, child, team):
    other = ChildFactory(responsible_authority=child.responsible_authority, team=team)
    _grant_allocated_worker(other, None, social_worker)
    mine = _refer(social_worker, child)
    _refer(social_worker, other)
    client = api_as(social_worker)
    body = client.get(REFERRALS, {"child": str(child.pk)}).json()
    assert {"count", "next", "previous", "results"} <= body.keys()
    assert [r["id"] for r in body["results"]] == [str(mine.pk)]
    assert client.get(REFERRALS).json()["count"] == 2
    assert client.get(REFERRALS, {"child": "nonsense"}).status_code == 400
    assert AuditEvent.objects.filter(
        action="view", child_id=child.pk, summary="Listed referrals"
    ).exists()


def test_referral_detail(api_as, social_worker, unit_manager, child):
    referral = _refer(social_worker, child)
    for user in (social_worker, unit_manager):
        response = api_as(user).get(f"{REFERRALS}{referral.pk}/")
        assert response.status_code == 200
        assert response.json()["id"] == str(referral.pk)
    assert api_as(social_worker).get(f"{REFERRALS}not-a-uuid/").status_code == 404


def test_referrals_are_refused_to_those_who_may_not_see_the_child(
    api_as, social_worker, other_team_worker, police_enquirer, child
):
    referral = _refer(social_worker, child)
    # Another team's worker sees nothing of the child: a 404, an empty list.
    assert api_as(other_team_worker).get(f"{REFERRALS}{referral.pk}/").status_code == 404
    assert api_as(other_team_worker).get(REFERRALS).json()["count"] == 0
    response = api_as(other_team_worker).post(REFERRALS, _referral_body(child), format="json")
    assert response.status_code == 404
    # The police have no path to case records.
    assert api_as(police_enquirer).get(REFERRALS).status_code == 403
    assert api_as(police_enquirer).get(f"{REFERRALS}{referral.pk}/").status_code == 404


def test_core_group_members_have_no_front_door(
    api_as, social_worker, core_group_member, core_group_child
):
    referral = _refer(social_worker, core_group_child)
    client = api_as(core_group_member)
    assert client.get(REFERRALS).status_code == 403
    assert client.get(ASSESSMENTS).status_code == 403
    assert client.get(SECTION47).status_code == 403
    assert client.get(f"{REFERRALS}{referral.pk}/").status_code == 404
    response = client.post(
        f"{REFERRALS}{referral.pk}/close/", {"closed_on": _day(1), "reason": "RC7"}, format="json"
    )
    assert response.status_code == 404
    assert Referral.objects.get(pk=referral.pk).closed_on is None


def test_unit_manager_reads_but_service_leader_does_not_record(
    api_as, social_worker, unit_manager, service_leader, child
):
    referral = _refer(social_worker, child)
    assert api_as(unit_manager).get(REFERRALS).json()["count"] == 1
    assert api_as(service_leader).get(f"{REFERRALS}{referral.pk}/").status_code == 200
    response = api_as(service_leader).post(
        f"{REFERRALS}{referral.pk}/close/", {"closed_on": _day(1), "reason": "RC7"}, format="json"
    )
    assert response.status_code == 403


def test_close_the_episode(api_as, social_worker, child):
    referral = _refer(social_worker, child)
    client = api_as(social_worker)
    bad = client.post(f"{REFERRALS}{referral.pk}/close/", {"closed_on": _day(1)}, format="json")
    assert bad.status_code == 400 and "reason" in bad.json()
    bad = client.post(
        f"{REFERRALS}{referral.pk}/close/", {"closed_on": _day(1), "reason": "RC0"}, format="json"
    )
    assert bad.status_code == 400 and "reason" in bad.json()
    bad = client.post(
        f"{REFERRALS}{referral.pk}/close/", {"closed_on": _day(40), "reason": "RC7"}, format="json"
    )
    assert bad.status_code == 400 and "closed_on" in bad.json()
    response = client.post(
        f"{REFERRALS}{referral.pk}/close/", {"closed_on": _day(1), "reason": "RC7"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["closed_on"] == _day(1)
    assert response.json()["closure_reason"] == "RC7"
    again = client.post(
        f"{REFERRALS}{referral.pk}/close/", {"closed_on": _day(0), "reason": "RC7"}, format="json"
    )
    assert again.status_code == 400 and "closed_on" in again.json()


def test_an_episode_with_an_assessment_open_cannot_close(api_as, social_worker, child):
    referral = _refer(social_worker, child)
    _assess(social_worker, child)
    response = api_as(social_worker).post(
        f"{REFERRALS}{referral.pk}/close/", {"closed_on": _day(1), "reason": "RC7"}, format="json"
    )
    assert response.status_code == 400
    assert "assessment" in response.json()["closed_on"][-1]


# --- Assessments ---------------------------------------------------------------------------


def test_start_an_assessment_then_the_team_manager_authorises_it(
    api_as, social_worker, team_manager, child
):
    referral = _refer(social_worker, child)
    response = api_as(social_worker).post(
        ASSESSMENTS, {"child": str(child.pk), "started_on": _day(25)}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["referral"] == str(referral.pk)
    assert body["authorised_on"] is None and body["factors"] == [] and body["outcome"] == ""
    url = f"{ASSESSMENTS}{body['id']}/authorise/"
    refused = api_as(social_worker).post(
        url, {"authorised_on": _day(2), "factors": ["3B"], "outcome": "cin_plan"}, format="json"
    )
    assert refused.status_code == 403
    done = api_as(team_manager).post(
        url,
        {"authorised_on": _day(2), "factors": ["3B", "16A"], "outcome": "cin_plan"},
        format="json",
    )
    assert done.status_code == 200, done.json()
    assert done.json()["factors"] == ["3B", "16A"]
    assert done.json()["authorised_by"] == str(team_manager.pk)
    plan = ChildInNeedPlan.objects.get(child=child)
    assert plan.started_on == TODAY - dt.timedelta(days=2)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"factors": ["99Z"], "outcome": "cin_plan"}, "factors"),
        ({"factors": [], "outcome": "cin_plan"}, "factors"),
        ({"factors": ["21", "3B"], "outcome": "cin_plan"}, "factors"),
        ({"factors": ["3B"], "outcome": "maybe"}, "outcome"),
        ({"factors": ["3B"]}, "outcome"),
        ({"factors": ["3B"], "outcome": "nfa", "authorised_on": "soon"}, "authorised_on"),
        ({"factors": ["3B"], "outcome": "nfa", "authorised_on": _day(40)}, "authorised_on"),
    ],
)
def test_bad_authorisations_are_400s(api_as, social_worker, team_manager, child, body, field):
    _refer(social_worker, child)
    assessment = _assess(social_worker, child)
    response = api_as(team_manager).post(
        f"{ASSESSMENTS}{assessment.pk}/authorise/",
        {"authorised_on": _day(2), **body},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()
    assessment.refresh_from_db()
    assert assessment.authorised_on is None


def test_record_and_authorise_in_one_go_is_the_team_managers(
    api_as, social_worker, team_manager, child
):
    _refer(social_worker, child)
    body = {
        "child": str(child.pk),
        "started_on": _day(25),
        "authorised_on": _day(3),
        "factors": ["21"],
        "outcome": "nfa",
    }
    refused = api_as(social_worker).post(ASSESSMENTS, body, format="json")
    assert refused.status_code == 403
    assert not Assessment.objects.exists()
    # A bad authorisation keeps nothing of the assessment either.
    bad = api_as(team_manager).post(ASSESSMENTS, {**body, "factors": []}, format="json")
    assert bad.status_code == 400 and "factors" in bad.json()
    assert not Assessment.objects.exists()
    response = api_as(team_manager).post(ASSESSMENTS, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["authorised_on"] == _day(3)
    # No further action after the assessment closes the episode (RC8).
    referral = Referral.objects.get(child=child)
    assert (referral.closed_on, referral.closure_reason) == (TODAY - dt.timedelta(days=3), "RC8")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"started_on": ""}, "started_on"),
        ({"started_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "started_on"),
        ({"started_on": _day(40)}, "referral"),
        ({"referral": "not-a-uuid"}, "referral"),
        ({"factors": "3B"}, "factors"),
        ({"outcome": "cin_plan"}, "outcome"),
    ],
)
def test_bad_assessments_are_400s(api_as, social_worker, child, changes, field):
    _refer(social_worker, child)
    body = {"child": str(child.pk), "started_on": _day(25), **changes}
    response = api_as(social_worker).post(ASSESSMENTS, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Assessment.objects.exists()


def test_an_assessment_without_an_episode_is_a_400(api_as, social_worker, child):
    response = api_as(social_worker).post(
        ASSESSMENTS, {"child": str(child.pk), "started_on": _day(5)}, format="json"
    )
    assert response.status_code == 400 and "referral" in response.json()


def test_assessments_refused_to_others(
    api_as,
    social_worker,
    other_team_worker,
    other_team_manager,
    police_enquirer,
    unit_manager,
    child,
):
    _refer(social_worker, child)
    assessment = _assess(social_worker, child)
    url = f"{ASSESSMENTS}{assessment.pk}/"
    assert api_as(other_team_worker).get(url).status_code == 404
    assert api_as(police_enquirer).get(url).status_code == 404
    assert api_as(police_enquirer).get(ASSESSMENTS).status_code == 403
    assert api_as(unit_manager).get(url).status_code == 200
    response = api_as(other_team_manager).post(
        f"{url}authorise/",
        {"authorised_on": _day(1), "factors": ["21"], "outcome": "nfa"},
        format="json",
    )
    assert response.status_code == 404
    assessment.refresh_from_db()
    assert assessment.authorised_on is None


# --- Section 47 enquiries --------------------------------------------------------------------


def test_record_a_section47_enquiry_with_no_conference(api_as, social_worker, child):
    referral = _refer(social_worker, child)
    discussion = _strategy(social_worker, child)
    body = {
        "child": str(child.pk),
        "strategy_discussion": str(discussion.pk),
        "started_on": _day(20),
        "conference_required": False,
        "reason_not_required": "The injury was explained; a child in need plan instead.",
    }
    response = api_as(social_worker).post(SECTION47, body, format="json")
    assert response.status_code == 201, response.json()
    out = response.json()
    assert out["referral"] == str(referral.pk)
    assert out["conference_required"] is False
    assert out["outcome_recorded_on"] == TODAY.isoformat()
    listed = api_as(social_worker).get(SECTION47, {"child": str(child.pk)}).json()
    assert [e["id"] for e in listed["results"]] == [out["id"]]
    assert api_as(social_worker).get(f"{SECTION47}{out['id']}/").status_code == 200


def test_the_outcome_later(api_as, social_worker, service_leader, child):
    _refer(social_worker, child)
    discussion = _strategy(social_worker, child)
    started = api_as(social_worker).post(
        SECTION47,
        {"child": str(child.pk), "strategy_discussion": str(discussion.pk), "started_on": _day(20)},
        format="json",
    )
    assert started.status_code == 201 and started.json()["conference_required"] is None
    url = f"{SECTION47}{started.json()['id']}/outcome/"
    assert (
        api_as(service_leader).post(url, {"conference_required": True}, format="json").status_code
        == 403
    )
    bad = api_as(social_worker).post(url, {"conference_required": False}, format="json")
    assert bad.status_code == 400 and "reason_not_required" in bad.json()
    bad = api_as(social_worker).post(url, {}, format="json")
    assert bad.status_code == 400 and "conference_required" in bad.json()
    done = api_as(social_worker).post(url, {"conference_required": True}, format="json")
    assert done.status_code == 200 and done.json()["conference_required"] is True
    again = api_as(social_worker).post(url, {"conference_required": True}, format="json")
    assert again.status_code == 400


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"strategy_discussion": "not-a-uuid"}, "strategy_discussion"),
        ({"started_on": _day(30)}, "started_on"),
        ({"conference_required": True, "reason_not_required": "why not"}, "reason_not_required"),
        ({"conference_required": False}, "reason_not_required"),
    ],
)
def test_bad_section47_enquiries_are_400s(api_as, social_worker, child, changes, field):
    _refer(social_worker, child)
    discussion = _strategy(social_worker, child)
    body = {
        "child": str(child.pk),
        "strategy_discussion": str(discussion.pk),
        "started_on": _day(20),
        **changes,
    }
    response = api_as(social_worker).post(SECTION47, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Section47Enquiry.objects.exists()


def test_section47_refused_to_others(
    api_as, social_worker, other_team_worker, police_enquirer, child
):
    _refer(social_worker, child)
    discussion = _strategy(social_worker, child)
    enquiry = conference_services.section47_start(
        actor=social_worker,
        child_id=child.pk,
        strategy_discussion_id=discussion.pk,
        started_on=TODAY - dt.timedelta(days=20),
    )
    for user in (other_team_worker, police_enquirer):
        assert api_as(user).get(f"{SECTION47}{enquiry.pk}/").status_code == 404
        response = api_as(user).post(
            f"{SECTION47}{enquiry.pk}/outcome/", {"conference_required": True}, format="json"
        )
        assert response.status_code == 404
    assert api_as(police_enquirer).get(SECTION47).status_code == 403
    enquiry.refresh_from_db()
    assert enquiry.conference_required is None


# --- The child in need plan ------------------------------------------------------------------


def test_start_and_end_a_child_in_need_plan(api_as, social_worker, child):
    _refer(social_worker, child)
    url = f"/api/v1/children/{child.pk}/cin-plan/"
    client = api_as(social_worker)
    assert client.post(url, {}, format="json").json().keys() == {"started_on"}
    started = client.post(url, {"started_on": _day(10)}, format="json")
    assert started.status_code == 201, started.json()
    twice = client.post(url, {"started_on": _day(9)}, format="json")
    assert twice.status_code == 400 and "started_on" in twice.json()
    early = client.post(f"{url}end/", {"ended_on": _day(11)}, format="json")
    assert early.status_code == 400 and "ended_on" in early.json()
    ended = client.post(f"{url}end/", {"ended_on": _day(1)}, format="json")
    assert ended.status_code == 200 and ended.json()["ended_on"] == _day(1)


def test_cin_plan_refusals(
    api_as, social_worker, other_team_worker, service_leader, police_enquirer, child
):
    _refer(social_worker, child)
    url = f"/api/v1/children/{child.pk}/cin-plan/"
    assert (
        api_as(other_team_worker).post(url, {"started_on": _day(1)}, format="json").status_code
        == 404
    )
    assert (
        api_as(police_enquirer).post(url, {"started_on": _day(1)}, format="json").status_code == 404
    )
    assert (
        api_as(service_leader).post(url, {"started_on": _day(1)}, format="json").status_code == 403
    )
    assert not ChildInNeedPlan.objects.exists()


# --- Query counts ------------------------------------------------------------------------------


def _children_with_episodes(n, child, team, social_worker):
    for _ in range(n):
        made = ChildFactory(responsible_authority=child.responsible_authority, team=team)
        _grant_allocated_worker(made, None, social_worker)
        _refer(social_worker, made, days_ago=300, nfa=True, next_step="nfa", primary_need="")
        _refer(social_worker, made)
        _assess(social_worker, made)
        discussion = _strategy(social_worker, made)
        conference_services.section47_start(
            actor=social_worker,
            child_id=made.pk,
            strategy_discussion_id=discussion.pk,
            started_on=TODAY - dt.timedelta(days=20),
        )


@pytest.mark.parametrize("url", [REFERRALS, ASSESSMENTS, SECTION47])
def test_list_queries_do_not_grow(
    api_as, social_worker, child, team, url, django_assert_max_num_queries
):
    client = api_as(social_worker)
    _children_with_episodes(2, child, team, social_worker)
    social_worker.__dict__.pop("roles", None)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).json()["count"] >= 2
    _children_with_episodes(8, child, team, social_worker)
    social_worker.__dict__.pop("roles", None)
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as many:
        assert client.get(url).json()["count"] >= 10
    assert len(many) == len(few)


def test_the_episode_is_in_the_chronology(api_as, social_worker, team_manager, child):
    referral = _refer(social_worker, child)
    assessment = _assess(social_worker, child)
    front_door.assessment_authorise(
        actor=team_manager,
        assessment_id=assessment.pk,
        authorised_on=TODAY - dt.timedelta(days=22),
        factors=["21"],
        outcome="strategy_discussion",
    )
    discussion = _strategy(social_worker, child)
    conference_services.section47_start(
        actor=social_worker,
        child_id=child.pk,
        strategy_discussion_id=discussion.pk,
        started_on=TODAY - dt.timedelta(days=20),
        conference_required=False,
        reason_not_required="Explained.",
    )
    front_door.cin_plan_start(
        actor=social_worker, child_id=child.pk, started_on=TODAY - dt.timedelta(days=10)
    )
    front_door.cin_plan_end(
        actor=social_worker, child_id=child.pk, ended_on=TODAY - dt.timedelta(days=2)
    )
    front_door.episode_close(
        actor=social_worker,
        referral_id=referral.pk,
        closed_on=TODAY - dt.timedelta(days=1),
        reason="RC7",
    )
    events = api_as(social_worker).get(f"/api/v1/children/{child.pk}/chronology/").json()
    kinds = [e["kind"] for e in (events["results"] if isinstance(events, dict) else events)]
    for kind in (
        "referral",
        "assessment_started",
        "assessment_authorised",
        "section47_started",
        "section47_outcome",
        "cin_plan_started",
        "cin_plan_ended",
        "episode_closed",
    ):
        assert kind in kinds
    assert (
        kinds.index("referral") < kinds.index("assessment_started") < kinds.index("episode_closed")
    )

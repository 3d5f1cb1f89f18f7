"""A child's past belongs to the authority that held it.

Amelia had a plan with Northbrook (its plan, its conference, its visit, its letter), then
moved into Southmere. Southmere's staff see Amelia, but Northbrook's records only through
a historic release granted by Northbrook's unit manager, for its duration, each read
audited. Northbrook keeps seeing its own records throughout.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from conferences.models import Conference, ConferenceChild, Letter
from cpcase.documents import sha256
from cpcase.models import AuditEvent
from cpcase.roles import Role
from registry import services
from registry.models import HistoricPlanRequest
from tests.factories import TeamFactory, UserFactory
from visits.models import Visit

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4 a made-up letter"


@pytest.fixture
def past(child, authority, other_authority, social_worker, chair):
    """Northbrook's records of Amelia, then Amelia resident in Southmere."""
    from plans.models import Plan

    plan = Plan.objects.create(
        child=child,
        authority=authority,
        started_on=dt.date(2024, 1, 10),
        initial_category="EMO",
        latest_category="EMO",
        status=Plan.Status.ENDED,
        stage=Plan.Stage.AUTHORISED,
        ended_on=dt.date(2025, 2, 1),
        end_reason=Plan.EndReason.CONFERENCE,
    )
    plan.versions.create(number=1, reason="Authorised", content={}, created_by=social_worker)
    conference = Conference.objects.create(
        authority=authority,
        kind=Conference.Kind.INITIAL,
        status=Conference.Status.FINALISED,
        scheduled_for=dt.datetime(2024, 1, 10, 10, tzinfo=dt.UTC),
        held_on=dt.date(2024, 1, 10),
        chair=chair,
        scheduled_by=chair,
    )
    ConferenceChild.objects.create(conference=conference, child=child)
    letter = Letter.objects.create(
        conference=conference,
        child=child,
        kind=Letter.Kind.OUTCOME_PARENT,
        recipient="Ms Parent",
        recipient_key="parent",
        pdf=PDF,
        sha256=sha256(PDF),
        produced_by=chair,
    )
    visit = Visit.objects.create(
        child=child,
        authority=authority,
        recorded_by=social_worker,
        status=Visit.Status.COMPLETED,
        kind=Visit.Kind.STATUTORY,
        child_seen=True,
        visited_at=dt.datetime(2024, 2, 1, 14, tzinfo=dt.UTC),
    )
    child.resident_authority = other_authority
    child.save(update_fields=["resident_authority"])
    return {"plan": plan, "conference": conference, "letter": letter, "visit": visit}


@pytest.fixture
def southmere(other_authority):
    """Southmere's staff who now see Amelia: chair, unit manager and a social worker."""
    team = TeamFactory(authority=other_authority, name="Southmere east")
    return {
        "chair": UserFactory(
            username="chair.s", authority=other_authority, roles=[Role.CONFERENCE_CHAIR]
        ),
        "unit_manager": UserFactory(
            username="sum.s", authority=other_authority, roles=[Role.SAFEGUARDING_UNIT_MANAGER]
        ),
        "social_worker": UserFactory(
            username="sw.s", authority=other_authority, team=team, roles=[Role.SOCIAL_WORKER]
        ),
    }


def _reads(api_as, user, child, past) -> dict[str, bool]:
    """Each way in to the past records, and whether it showed them."""
    api = api_as(user)
    plan, conference, visit = past["plan"], past["conference"], past["visit"]
    plans = api.get(f"/api/v1/plans/?child={child.pk}").json()
    visits = api.get(f"/api/v1/visits/?child={child.pk}").json()
    chronology = api.get(f"/api/v1/children/{child.pk}/chronology/?page_size=100").json()
    kinds = {e["kind"] for e in chronology["results"]}
    web = Client()
    web.force_login(user)
    return {
        "plan": api.get(f"/api/v1/plans/{plan.pk}/").status_code == 200,
        "versions": api.get(f"/api/v1/plans/{plan.pk}/versions/").status_code == 200,
        "plans list": any(p["id"] == str(plan.pk) for p in plans["results"]),
        "visit": api.get(f"/api/v1/visits/{visit.pk}/").status_code == 200,
        "visits list": any(v["id"] == str(visit.pk) for v in visits["results"]),
        "conference": api.get(f"/api/v1/conferences/{conference.pk}/").status_code == 200,
        "letters": api.get(f"/api/v1/conferences/{conference.pk}/letters/").status_code == 200,
        "letter": api.get(f"/api/v1/letters/{past['letter'].pk}/pdf/").status_code == 200,
        "chronology": bool(kinds & {"plan_started", "visit_statutory", "conference_initial"}),
        "plan page": web.get(f"/plans/{plan.pk}/", HTTP_HOST="localhost").status_code == 200,
        "conference page": web.get(
            f"/conferences/{conference.pk}/", HTTP_HOST="localhost"
        ).status_code
        == 200,
    }


def _ask(southmere, child) -> HistoricPlanRequest:
    return services.historic_plan_request(
        actor=southmere["social_worker"],
        child_id=child.pk,
        reason="Moved to our area; new concerns at school",
        parents_told=True,
    )


@pytest.mark.parametrize("who", ["chair", "unit_manager", "social_worker"])
def test_the_new_authority_reads_the_past_only_while_a_release_lasts(
    api_as, child, past, southmere, unit_manager, who
):
    from cpcase.services import _grant_allocated_worker

    # Southmere's worker sees Amelia through a grant, as a newly allocated worker would.
    _grant_allocated_worker(child, None, southmere["social_worker"])
    user = southmere[who]

    # Before anyone asks: Amelia is seen, her past is not.
    assert api_as(user).get(f"/api/v1/children/{child.pk}/").status_code == 200
    assert not any(_reads(api_as, user, child, past).values())

    # Refused by Northbrook: still nothing.
    refused = _ask(southmere, child)
    services.historic_plan_decide(
        actor=unit_manager, request_id=refused.pk, grant=False, reason="Not needed"
    )
    assert not any(_reads(api_as, user, child, past).values())

    # Granted: every way in shows the past, each read of a plan audited as a release.
    granted = _ask(southmere, child)
    services.historic_plan_decide(
        actor=unit_manager, request_id=granted.pk, grant=True, reason="Legitimate", days=7
    )
    before = AuditEvent.objects.filter(actor=user, child_id=child.pk).count()
    assert all(_reads(api_as, user, child, past).values()), _reads(api_as, user, child, past)
    released_reads = AuditEvent.objects.filter(
        actor=user, child_id=child.pk, summary__contains="historic release"
    )
    assert released_reads.filter(summary__startswith="Viewed the plan's versions").exists()
    assert released_reads.filter(summary__startswith="Viewed the plan (").exists()
    assert AuditEvent.objects.filter(actor=user, child_id=child.pk).count() > before

    # Read, never changed: a release opens no write.
    patch = api_as(southmere["social_worker"]).patch(
        f"/api/v1/plans/{past['plan'].pk}/",
        {"version": past["plan"].version, "cause_of_harm": "Changed"},
        format="json",
    )
    assert patch.status_code == 403, patch.content

    # Run out: nothing again.
    HistoricPlanRequest.objects.filter(pk=granted.pk).update(
        access_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert not any(_reads(api_as, user, child, past).values())


def test_the_originating_authority_keeps_its_own_records(
    api_as, child, past, southmere, unit_manager, social_worker, chair
):
    # Amelia now lives in Southmere; Northbrook stays responsible and keeps its records.
    for user in (unit_manager, social_worker, chair):
        assert all(_reads(api_as, user, child, past).values()), user.username
    refused = _ask_for(southmere, child)
    services.historic_plan_decide(
        actor=unit_manager, request_id=refused.pk, grant=False, reason="Not needed"
    )
    assert all(_reads(api_as, unit_manager, child, past).values())


def test_a_release_opens_only_the_child_it_was_granted_for(
    api_as, child, past, southmere, unit_manager, authority, other_authority
):
    from cpcase import access
    from tests.factories import ChildFactory

    sibling = ChildFactory(responsible_authority=authority, resident_authority=other_authority)
    granted = _ask_for(southmere, child)
    services.historic_plan_decide(
        actor=unit_manager, request_id=granted.pk, grant=True, reason="Legitimate", days=7
    )
    sw = southmere["unit_manager"]
    assert access.may_read_record(sw, child, authority.pk)
    assert not access.may_read_record(sw, sibling, authority.pk)
    assert access.may_read_record(sw, sibling, other_authority.pk)


def _ask_for(southmere, child):
    from cpcase.services import _grant_allocated_worker

    _grant_allocated_worker(child, None, southmere["social_worker"])
    return _ask(southmere, child)

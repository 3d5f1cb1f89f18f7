"""Professional disagreement with the conference chair about a plan: raised by the lead
social worker or the child's team manager, resolved by the service leader of the child's
responsible authority (the senior operational manager in our roles); the service leader is
told when it is raised, the raiser and the chair when it is resolved."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conferences import disagreements
from conferences import services as conference_services
from conferences.models import Disagreement
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent, Notification
from cpcase.roles import Role
from plans.models import Plan
from tests.conferences.test_services import _outcome, _schedule
from tests.factories import UserFactory
from tests.support.working_days import last_working_day

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def conference(chair, child, social_worker, core_group_member):
    conference = _schedule(chair, child)
    conference_services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=_outcome(
            child,
            social_worker,
            core_group_member,
            held_on=last_working_day(TODAY - dt.timedelta(days=20)),
        ),
    )
    return conference_services.conference_finalise(actor=chair, conference_id=conference.pk)


@pytest.fixture
def plan(conference, child):
    return Plan.objects.get(child=child, status="active")


def _raise(actor, **kw):
    kw.setdefault("what_is_disagreed", "The review is set for three months: too far away")
    kw.setdefault("wanted_instead", "A review within six weeks")
    return disagreements.disagreement_raise(actor=actor, **kw)


def _told(user, kind):
    return list(
        Notification.objects.filter(recipient=user, kind=kind).values_list("body", flat=True)
    )


def test_the_lead_social_worker_raises_it_from_the_plan_and_the_service_leader_is_told(
    plan, conference, chair, social_worker, service_leader, unit_manager
):
    d = _raise(social_worker, plan_id=plan.pk)
    assert (d.child_id, d.plan_id, d.conference_id, d.chair_id) == (
        plan.child_id,
        plan.pk,
        conference.pk,
        chair.pk,
    )
    assert d.status == "open" and d.raised_on == TODAY
    assert _told(service_leader, "disagreement_raised") == [
        "Amelia Testchild: Robin Allocated disagrees with the chair about the plan."
    ]
    assert _told(unit_manager, "disagreement_raised") == []
    assert AuditEvent.objects.filter(
        actor=social_worker, object_id=str(d.pk), action="create"
    ).exists()


def test_who_may_raise_it(
    plan,
    conference,
    chair,
    team_manager,
    other_team_manager,
    other_team_worker,
    service_leader,
    unit_manager,
    core_group_member,
    other_authority_worker,
):
    # The team manager of the child's team may, from the conference.
    d = _raise(team_manager, conference_id=conference.pk)
    assert d.plan_id == plan.pk and d.chair_id == chair.pk
    for user in (chair, service_leader, unit_manager, core_group_member):
        with pytest.raises(NotPermitted):
            _raise(user, plan_id=plan.pk)
    # Those who cannot see the child are told there is no such plan.
    for user in (other_team_worker, other_team_manager, other_authority_worker):
        with pytest.raises(NotFound):
            _raise(user, plan_id=plan.pk)
        with pytest.raises(NotFound):
            _raise(user, conference_id=conference.pk)
    assert Disagreement.objects.count() == 1


def test_bad_disagreements_are_refused(plan, conference, social_worker):
    with pytest.raises(DomainError) as refused:
        _raise(social_worker, plan_id=plan.pk, what_is_disagreed=" ", wanted_instead="")
    assert set(refused.value.errors) == {"what_is_disagreed", "wanted_instead"}
    with pytest.raises(DomainError) as refused:
        _raise(social_worker, plan_id=plan.pk, conference_id=conference.pk)
    assert "conference" in refused.value.errors
    with pytest.raises(DomainError) as refused:
        _raise(social_worker, plan_id=plan.pk, raised_on=TODAY + dt.timedelta(days=1))
    assert "raised_on" in refused.value.errors
    assert not Disagreement.objects.exists()


def test_a_conference_not_yet_held_has_no_decision_to_disagree_with(chair, child, social_worker):
    scheduled = _schedule(chair, child)
    with pytest.raises(DomainError) as refused:
        _raise(social_worker, conference_id=scheduled.pk)
    assert "not been held" in refused.value.errors["conference"][0]


def test_the_service_leader_resolves_it_and_the_raiser_and_chair_are_told(
    plan, chair, social_worker, team_manager, service_leader, unit_manager, senior_officer
):
    d = _raise(social_worker, plan_id=plan.pk)
    for user in (social_worker, team_manager, chair, unit_manager, senior_officer):
        with pytest.raises((NotPermitted, NotFound)):
            disagreements.disagreement_resolve(
                actor=user, disagreement_id=d.pk, outcome="upheld", reasons="Agreed"
            )
    with pytest.raises(DomainError) as refused:
        disagreements.disagreement_resolve(
            actor=service_leader, disagreement_id=d.pk, outcome="maybe", reasons=""
        )
    assert set(refused.value.errors) == {"outcome", "reasons"}
    d.refresh_from_db()
    assert d.status == "open"
    resolved = disagreements.disagreement_resolve(
        actor=service_leader,
        disagreement_id=d.pk,
        outcome="resolved_by_agreement",
        reasons="The chair agreed to bring the review forward to six weeks.",
    )
    assert (resolved.status, resolved.outcome, resolved.resolved_by) == (
        "resolved",
        "resolved_by_agreement",
        service_leader,
    )
    for user in (social_worker, chair):
        (body,) = _told(user, "disagreement_resolved")
        assert body.startswith("Amelia Testchild: Resolved by agreement.")
    assert _told(team_manager, "disagreement_resolved") == []
    with pytest.raises(DomainError):
        disagreements.disagreement_resolve(
            actor=service_leader, disagreement_id=d.pk, outcome="upheld", reasons="Again"
        )


def test_a_service_leader_of_another_authority_cannot_resolve_it(
    plan, social_worker, other_authority
):
    theirs = UserFactory(
        username="sl.south", authority=other_authority, roles=[Role.SERVICE_LEADER]
    )
    d = _raise(social_worker, plan_id=plan.pk)
    with pytest.raises(NotFound):
        disagreements.disagreement_resolve(
            actor=theirs, disagreement_id=d.pk, outcome="upheld", reasons="No"
        )


def test_the_api(api_as, plan, conference, social_worker, service_leader, chair, police_enquirer):
    r = api_as(social_worker).post(
        "/api/v1/disagreements/",
        {"plan": str(plan.pk), "what_is_disagreed": "", "wanted_instead": "A sooner review"},
        format="json",
    )
    assert r.status_code == 400 and "what_is_disagreed" in r.json()
    r = api_as(social_worker).post(
        "/api/v1/disagreements/",
        {
            "conference": str(conference.pk),
            "what_is_disagreed": "The category should be emotional abuse",
            "wanted_instead": "Category EMO",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["status"], body["plan"], body["chair"]) == ("open", str(plan.pk), str(chair.pk))
    pk = body["id"]
    listed = api_as(service_leader).get("/api/v1/disagreements/").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == pk
    assert api_as(police_enquirer).get("/api/v1/disagreements/").status_code == 403
    assert api_as(police_enquirer).get(f"/api/v1/disagreements/{pk}/").status_code == 404
    r = api_as(social_worker).post(
        f"/api/v1/disagreements/{pk}/outcome/", {"outcome": "upheld", "reasons": "x"}
    )
    assert r.status_code == 403
    r = api_as(service_leader).post(
        f"/api/v1/disagreements/{pk}/outcome/", {"outcome": "sideways", "reasons": ""}
    )
    assert r.status_code == 400 and "outcome" in r.json()
    r = api_as(service_leader).post(
        f"/api/v1/disagreements/{pk}/outcome/",
        {"outcome": "not_upheld", "reasons": "The category follows the evidence."},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert (r.json()["status"], r.json()["outcome"]) == ("resolved", "not_upheld")
    got = api_as(social_worker).get(f"/api/v1/disagreements/{pk}/")
    assert got.json()["outcome_reasons"] == "The category follows the evidence."
    assert AuditEvent.objects.filter(
        request_id=got["X-Request-ID"], child_id=plan.child_id, action="view"
    ).exists()
    kinds = {
        e["kind"]
        for e in api_as(social_worker)
        .get(f"/api/v1/children/{plan.child_id}/chronology/")
        .json()["results"]
    }
    assert {"disagreement_raised", "disagreement_resolved"} <= kinds


def test_the_list_asks_a_fixed_number_of_queries(api_as, plan, social_worker, service_leader):
    def count():
        with CaptureQueriesContext(connection) as queries:
            r = api_as(service_leader).get("/api/v1/disagreements/")
        assert r.status_code == 200
        return len(queries)

    _raise(social_worker, plan_id=plan.pk)
    count()  # the caller's roles are read once
    one = count()
    for _ in range(4):
        _raise(social_worker, plan_id=plan.pk)
    assert count() == one


def test_the_pages(client, plan, conference, social_worker, service_leader, chair):
    client.force_login(social_worker)
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert f"/plans/{plan.pk}/disagreements/new/" in page
    page = client.get(f"/conferences/{conference.pk}/").content.decode()
    assert f"/conferences/{conference.pk}/disagreements/new/" in page
    url = f"/plans/{plan.pk}/disagreements/new/"
    assert client.get(url).status_code == 200
    r = client.post(url, {"what_is_disagreed": "", "wanted_instead": ""})
    page = r.content.decode()
    assert r.status_code == 200 and "govuk-error-summary" in page
    assert "Say what you disagree with." in page and "Say what you want instead." in page
    assert not Disagreement.objects.exists()
    r = client.post(
        url, {"what_is_disagreed": "Review too late", "wanted_instead": "Review in six weeks"}
    )
    d = Disagreement.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/disagreements/{d.pk}/"
    # The raiser sees it, without the outcome form.
    page = client.get(f"/disagreements/{d.pk}/").content.decode()
    assert "Review too late" in page and "Record the outcome" not in page
    assert client.post(f"/disagreements/{d.pk}/", {"outcome": "upheld"}).status_code == 403
    # The service leader's list and outcome form.
    client.force_login(service_leader)
    assert f"/disagreements/{d.pk}/" in client.get("/disagreements/").content.decode()
    r = client.post(f"/disagreements/{d.pk}/", {"outcome": "upheld", "reasons": ""})
    page = r.content.decode()
    assert "govuk-error-summary" in page and "Give the reasons for the outcome." in page
    r = client.post(
        f"/disagreements/{d.pk}/", {"outcome": "upheld", "reasons": "The review comes forward."}
    )
    assert r.status_code == 302
    d.refresh_from_db()
    assert (d.status, d.outcome) == ("resolved", "upheld")
    # The chair of another child's conference is not offered the link.
    client.force_login(chair)
    assert "disagreements/new/" not in client.get(f"/plans/{plan.pk}/").content.decode()

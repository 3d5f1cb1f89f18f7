"""What is around a child: people, timescales, chronology and access history (API.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cpcase import timescales
from cpcase.models import AuditEvent, Relationship, Residence
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def url(child, part: str) -> str:
    return f"/api/v1/children/{child.pk}/{part}/"


# persona: (read people/timescales/chronology, add a person, access history)
PERSONAS = {
    "social_worker": (200, 201, 403),
    "team_manager": (200, 201, 403),
    "other_team_worker": (404, 404, 404),
    "service_leader": (200, 403, 403),
    "chair": (200, 403, 403),
    "unit_manager": (200, 201, 200),
    "core_group_member": (404, 404, 404),
    "police_enquirer": (404, 404, 404),
    "health_enquirer": (404, 404, 404),
    "senior_officer": (404, 404, 404),
    "system_admin": (404, 404, 404),
    "other_authority_worker": (404, 404, 404),
}

NEW_PERSON = {
    "person": {"first_name": "Pat", "last_name": "Parent", "phone": "01632 960555"},
    "relationship": "father",
    "parental_responsibility": True,
    "lives_with_child": True,
}


@pytest.mark.parametrize("part", ["people", "timescales", "chronology"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_reading_by_persona(request, api_as, core_group_child, persona, part):
    response = api_as(request.getfixturevalue(persona)).get(url(core_group_child, part))
    assert response.status_code == PERSONAS[persona][0], response.content


@pytest.mark.parametrize("persona", PERSONAS)
def test_adding_a_person_by_persona(request, api_as, core_group_child, persona):
    status = PERSONAS[persona][1]
    response = api_as(request.getfixturevalue(persona)).post(
        url(core_group_child, "people"), NEW_PERSON
    )
    assert response.status_code == status, response.content
    assert core_group_child.relationships.exists() is (status == 201)


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_history_by_persona(request, api_as, core_group_child, persona):
    response = api_as(request.getfixturevalue(persona)).get(url(core_group_child, "access-history"))
    assert response.status_code == PERSONAS[persona][2], response.content


@pytest.mark.parametrize("part", ["people", "timescales", "chronology", "access-history"])
def test_a_bad_child_id_is_404(api_as, unit_manager, part):
    assert api_as(unit_manager).get(f"/api/v1/children/nonsense/{part}/").status_code == 404


# --- People ----------------------------------------------------------------------------


def test_add_and_list_people(api_as, social_worker, child):
    client = api_as(social_worker)
    response = client.post(url(child, "people"), NEW_PERSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["relationship"] == "father"
    assert body["parental_responsibility"] is True
    assert body["lives_with_child"] is True
    assert body["person"]["name"] == "Pat Parent"
    relationship = Relationship.objects.get(pk=body["id"])
    # Living with the child: at the child's address.
    assert Residence.objects.get(person=relationship.person).address == child.address
    listed = client.get(url(child, "people")).json()
    assert listed["count"] == 1
    assert listed["results"][0]["person"]["id"] == str(relationship.person_id)
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, child_id=child.pk)
    assert event.changes["kind"] == "father"
    child.refresh_from_db()
    assert child.version == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**NEW_PERSON, "relationship": "neighbour"}, "relationship"),
        ({**NEW_PERSON, "person": {"first_name": "Pat"}}, "person"),
        ({**NEW_PERSON, "person": "Pat Parent"}, "person"),
        ({**NEW_PERSON, "person": {**NEW_PERSON["person"], "email": "nope"}}, "person"),
        (
            {**NEW_PERSON, "person": {**NEW_PERSON["person"], "date_of_birth": "31/12/1990"}},
            "person",
        ),
        ({**NEW_PERSON, "parental_responsibility": "perhaps"}, "parental_responsibility"),
        (
            {**NEW_PERSON, "address": {"line1": "1 Road", "town": "T", "postcode": "BAD"}},
            "address.postcode",
        ),
    ],
)
def test_adding_a_person_with_bad_input_is_400(api_as, social_worker, child, data, field):
    response = api_as(social_worker).post(url(child, "people"), data)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not child.relationships.exists()


def test_people_queries_do_not_grow(api_as, social_worker, child):
    client = api_as(social_worker)

    def add(n):
        for _ in range(n):
            child.relationships.create(
                person=PersonFactory(authority=child.responsible_authority), kind="other"
            )

    add(2)
    with CaptureQueriesContext(connection) as few:
        client.get(url(child, "people"))
    add(20)
    social_worker.__dict__.pop("roles", None)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url(child, "people")).json()["count"] == 22
    assert len(many) == len(few)


# --- Timescales --------------------------------------------------------------------------


def test_timescales_answer_every_deadline(api_as, social_worker, child, monkeypatch):
    today = timezone.localdate()

    def provider(context):
        for c in context.children:
            yield timescales.Deadline(
                child_id=c.pk,
                authority_id=c.responsible_authority_id,
                kind="icpc",
                due_on=today - dt.timedelta(days=3),
                met_on=today - dt.timedelta(days=1),
                source="15 working days (test profile) from the strategy discussion",
                key=f"test:{c.pk}",
                today=context.today,
            )

    monkeypatch.setattr(timescales, "_providers", [])
    assert api_as(social_worker).get(url(child, "timescales")).json() == []
    timescales.register(provider)
    response = api_as(social_worker).get(url(child, "timescales"))
    assert response.status_code == 200
    assert response.json() == [
        {
            "kind": "icpc",
            "due_on": str(today - dt.timedelta(days=3)),
            "status": "met_late",
            "met_on": str(today - dt.timedelta(days=1)),
            "source": "15 working days (test profile) from the strategy discussion",
        }
    ]


def test_timescales_from_the_apps(api_as, social_worker, child):
    from tests.factories import StrategyDiscussionFactory

    StrategyDiscussionFactory(child=child, held_on=timezone.localdate())
    body = api_as(social_worker).get(url(child, "timescales")).json()
    assert [d["kind"] for d in body] == ["icpc"]
    assert body[0]["status"] == "upcoming"
    assert body[0]["met_on"] is None


def test_the_registry_asks_every_provider_for_one_child(child, monkeypatch, other_authority):
    from tests.factories import ChildFactory

    other = ChildFactory(responsible_authority=other_authority)
    today = dt.date(2027, 3, 1)
    seen = []

    def provider(context):
        seen.append(set(context.children.values_list("pk", flat=True)))
        return [
            timescales.Deadline(
                child_id=child.pk,
                authority_id=child.responsible_authority_id,
                kind=kind,
                due_on=due,
                met_on=None,
                source="test",
                key=kind,
                today=context.today,
            )
            for kind, due in [("core_group", dt.date(2027, 3, 9)), ("icpc", dt.date(2027, 3, 1))]
        ]

    monkeypatch.setattr(timescales, "_providers", [])
    timescales.register(provider)
    timescales.register(provider)  # registering twice is registering once
    found = timescales.deadlines_for(child, today)
    assert seen == [{child.pk}]
    assert other.pk not in seen[0]
    assert [(d.kind, d.status) for d in found] == [
        ("icpc", "due_today"),
        ("core_group", "upcoming"),
    ]


# --- Chronology ------------------------------------------------------------------------------


def test_chronology_in_date_order(api_as, social_worker, child):
    client = api_as(social_worker)
    client.post(url(child, "people"), NEW_PERSON)
    body = client.get(url(child, "chronology")).json()
    dates = [e["date"] for e in body["results"]]
    assert dates == sorted(dates)
    kinds = [e["kind"] for e in body["results"]]
    assert kinds[:2] == ["born", "moved_in"]
    assert {"child_recorded", "person_added"} <= set(kinds)


def test_reading_around_a_child_is_audited(api_as, social_worker, child):
    for part in ("people", "timescales", "chronology"):
        api_as(social_worker).get(url(child, part))
    paths = set(
        AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, child_id=child.pk).values_list(
            "path", flat=True
        )
    )
    assert paths == {url(child, p) for p in ("people", "timescales", "chronology")}


# --- Access history ------------------------------------------------------------------------


def test_access_history_shows_who_looked(api_as, social_worker, unit_manager, child):
    api_as(social_worker).get(f"/api/v1/children/{child.pk}/")
    body = api_as(unit_manager).get(url(child, "access-history")).json()
    rows = [(e["actor_username"], e["action"]) for e in body["results"]]
    # Newest first: the unit manager's own look at the history, then the worker's view.
    assert rows[:2] == [("sum", "view"), ("sw.allocated", "view")]
    assert body["results"][1]["actor"] == str(social_worker.pk)

"""GET, POST /api/v1/children/ and GET, PATCH /api/v1/children/{id}/ (API.md)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cpcase.models import AuditEvent, Child, Residence
from tests.factories import AddressFactory, ChildFactory, PersonFactory, next_nhs_number

pytestmark = pytest.mark.django_db

LIST = "/api/v1/children/"

CONTRACT_FIELDS = {
    "id",
    "la_child_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "expected_date_of_delivery",
    "sex",
    "ethnicity",
    "nhs_number",
    "address",
    "responsible_authority",
    "lead_social_worker",
    "team",
    "looked_after",
    "has_active_plan",
    "version",
}


def detail(child) -> str:
    return f"/api/v1/children/{child.pk}/"


def wrong_check_digit(number: str) -> str:
    return number[:9] + str((int(number[9]) + 1) % 10)


# --- Who may do what --------------------------------------------------------------

# persona: (list status, child in the list, GET detail, PATCH, POST)
PERSONAS = {
    "social_worker": (200, True, 200, 200, 201),
    "team_manager": (200, True, 200, 200, 201),
    "other_team_worker": (200, False, 404, 404, 201),
    "service_leader": (200, True, 200, 403, 403),
    "chair": (200, True, 200, 403, 403),
    "unit_manager": (200, True, 200, 200, 201),
    "core_group_member": (403, False, 404, 404, 403),
    "police_enquirer": (403, False, 404, 404, 403),
    "health_enquirer": (403, False, 404, 404, 403),
    "senior_officer": (200, False, 404, 404, 403),
    "system_admin": (403, False, 404, 404, 403),
    "other_authority_worker": (200, False, 404, 404, 201),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_by_persona(request, api_as, core_group_child, persona):
    status, sees_child, *_ = PERSONAS[persona]
    response = api_as(request.getfixturevalue(persona)).get(LIST)
    assert response.status_code == status, response.content
    if status == 200:
        ids = {c["id"] for c in response.json()["results"]}
        assert (str(core_group_child.pk) in ids) is sees_child


@pytest.mark.parametrize("persona", PERSONAS)
def test_detail_by_persona(request, api_as, core_group_child, persona):
    status = PERSONAS[persona][2]
    response = api_as(request.getfixturevalue(persona)).get(detail(core_group_child))
    assert response.status_code == status, response.content
    if status == 404:
        assert "Amelia" not in response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_patch_by_persona(request, api_as, core_group_child, persona):
    status = PERSONAS[persona][3]
    response = api_as(request.getfixturevalue(persona)).patch(
        detail(core_group_child), {"ethnicity": "WBRI", "version": 1}
    )
    assert response.status_code == status, response.content
    core_group_child.refresh_from_db()
    assert (core_group_child.ethnicity == "WBRI") is (status == 200)


@pytest.mark.parametrize("persona", PERSONAS)
def test_create_by_persona(request, api_as, child, persona):
    status = PERSONAS[persona][4]
    before = Child.objects.count()
    response = api_as(request.getfixturevalue(persona)).post(
        LIST, {"first_name": "Noah", "last_name": "Newcase", "date_of_birth": "2019-03-02"}
    )
    assert response.status_code == status, response.content
    assert Child.objects.count() == before + (1 if status == 201 else 0)


def test_refused_before_the_input_is_read(api_as, police_enquirer, child):
    # An enquirer learns nothing from a validation message either.
    assert api_as(police_enquirer).post(LIST, {"date_of_birth": "nonsense"}).status_code == 403
    response = api_as(police_enquirer).patch(detail(child), {"date_of_birth": "nonsense"})
    assert response.status_code == 404


def test_unauthenticated_is_401(api, child):
    assert api.get(LIST).status_code == 401
    assert api.get(detail(child)).status_code == 401


# The last is well formed, and no child has it.
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "123", "6f1c2a4e-0b7d-4c55-9e3a-2d8f5b1c7e90"])
def test_a_bad_or_unknown_id_is_404(api_as, social_worker, bad_id):
    assert api_as(social_worker).get(f"/api/v1/children/{bad_id}/").status_code == 404
    response = api_as(social_worker).patch(f"/api/v1/children/{bad_id}/", {"version": 1})
    assert response.status_code == 404


def test_put_and_delete_are_not_offered(api_as, social_worker, child):
    assert api_as(social_worker).put(detail(child), {}).status_code == 405
    assert api_as(social_worker).delete(detail(child)).status_code == 405
    assert Child.objects.filter(pk=child.pk).exists()


# --- Reading ------------------------------------------------------------------------


def test_detail_has_the_contract_fields(api_as, social_worker, child, authority, team):
    body = api_as(social_worker).get(detail(child)).json()
    assert set(body) >= CONTRACT_FIELDS
    assert body["id"] == str(child.pk)
    assert body["responsible_authority"] == authority.code == "990"
    assert body["lead_social_worker"] == str(social_worker.pk)
    assert body["team"] == str(team.pk)
    assert body["address"] == {
        "line1": "12 Imaginary Road",
        "line2": "",
        "town": "Testford",
        "postcode": "ZZ1 1ZZ",
    }
    assert body["has_active_plan"] is False
    assert body["version"] == 1
    assert body["date_of_birth"] == "2018-05-17"


def test_has_active_plan_comes_from_the_plans_app(api_as, social_worker, child):
    from tests.factories import PlanFactory

    PlanFactory(child=child)
    assert api_as(social_worker).get(detail(child)).json()["has_active_plan"] is True
    listed = api_as(social_worker).get(LIST).json()["results"]
    assert [c["has_active_plan"] for c in listed if c["id"] == str(child.pk)] == [True]


def test_a_view_is_audited(api_as, social_worker, child):
    api_as(social_worker).get(detail(child), HTTP_USER_AGENT="test-agent")
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, child_id=child.pk)
    assert event.actor == social_worker
    assert event.path == detail(child)
    assert event.user_agent == "test-agent"


def test_list_is_paginated(api_as, social_worker, child, team):
    for _ in range(3):
        ChildFactory(responsible_authority=child.responsible_authority, team=team)
    body = api_as(social_worker).get(LIST, {"page_size": 2}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 4
    assert len(body["results"]) == 2
    second = api_as(social_worker).get(body["next"]).json()
    assert {c["id"] for c in body["results"]}.isdisjoint({c["id"] for c in second["results"]})


def test_search_by_name_is_audited(api_as, social_worker, child, team):
    ChildFactory(
        first_name="Oliver", last_name="Other", responsible_authority=child.responsible_authority
    )
    response = api_as(social_worker).get(LIST, {"q": "Amelia"})
    assert [c["id"] for c in response.json()["results"]] == [str(child.pk)]
    event = AuditEvent.objects.get(action=AuditEvent.Action.SEARCH)
    assert event.actor == social_worker
    assert event.changes == {"criteria": {"q": "Amelia"}}


def test_search_by_date_of_birth_postcode_and_nhs_number(api_as, social_worker, child, team):
    other = ChildFactory(
        responsible_authority=child.responsible_authority,
        team=team,
        date_of_birth=dt.date(2020, 1, 2),
        address=AddressFactory(postcode="ZZ9 9ZZ"),
    )
    client = api_as(social_worker)

    def found(**params):
        return {c["id"] for c in client.get(LIST, params).json()["results"]}

    assert found(date_of_birth="2020-01-02") == {str(other.pk)}
    assert found(postcode="zz99zz") == {str(other.pk)}
    spaced = f"{child.nhs_number[:3]} {child.nhs_number[3:6]} {child.nhs_number[6:]}"
    assert found(nhs_number=spaced) == {str(child.pk)}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH).count() == 3


def test_a_bad_search_date_is_400(api_as, social_worker, child):
    response = api_as(social_worker).get(LIST, {"date_of_birth": "02/01/2020"})
    assert response.status_code == 400
    assert "date_of_birth" in response.json()


def test_listing_without_criteria_is_not_a_search(api_as, social_worker, child):
    api_as(social_worker).get(LIST)
    empty = api_as(social_worker).get(f"{LIST}?q=&date_of_birth=&postcode=&nhs_number=")
    assert empty.status_code == 200
    assert [c["id"] for c in empty.json()["results"]] == [str(child.pk)]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH).exists()


def _make_children(n, child, team, social_worker):
    for i in range(n):
        mother = PersonFactory(authority=child.responsible_authority) if i % 3 == 0 else None
        made = ChildFactory(
            responsible_authority=child.responsible_authority,
            team=team,
            lead_social_worker=social_worker,
            mother=mother,
            address=AddressFactory(),
        )
        if i % 2 == 0:
            from tests.factories import PlanFactory

            PlanFactory(child=made)


@pytest.mark.parametrize("params", [{}, {"q": "Example"}, {"postcode": "ZZ1 1ZZ"}])
def test_list_queries_do_not_grow_with_the_children(
    api_as, social_worker, child, team, params, django_assert_max_num_queries
):
    client = api_as(social_worker)
    _make_children(2, child, team, social_worker)
    with CaptureQueriesContext(connection) as few:
        response = client.get(LIST, params)
    assert response.json()["count"] >= 2
    _make_children(27, child, team, social_worker)
    social_worker.__dict__.pop("roles", None)
    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as many:
        response = client.get(LIST, params)
    assert response.json()["count"] >= 29
    assert len(many) == len(few)


# --- Creating -----------------------------------------------------------------------


def test_create_a_child(api_as, social_worker, authority, team):
    nhs = next_nhs_number()
    response = api_as(social_worker).post(
        LIST,
        {
            "la_child_id": "LA1234",
            "first_name": " Noah ",
            "last_name": "Newcase",
            "date_of_birth": "2019-03-02",
            "sex": "M",
            "ethnicity": "WBRI",
            "nhs_number": f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}",
            "address": {"line1": "4 Pretend Lane", "town": "Testford", "postcode": "zz1 2zz"},
            "looked_after": False,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    child = Child.objects.get(pk=body["id"])
    assert child.first_name == "Noah"
    assert child.nhs_number == nhs
    assert child.responsible_authority == authority
    assert child.team == team
    assert child.lead_social_worker == social_worker
    assert body["address"]["postcode"] == "ZZ1 2ZZ"
    assert body["version"] == 1
    assert body["has_active_plan"] is False
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, child_id=child.pk)
    assert event.actor == social_worker
    assert event.changes["first_name"] == {"from": None, "to": "Noah"}


def test_create_an_unborn_baby_with_the_mother(api_as, social_worker):
    response = api_as(social_worker).post(
        LIST,
        {
            "last_name": "Expecting",
            "expected_date_of_delivery": str(timezone.localdate() + dt.timedelta(days=60)),
            "mother": {"first_name": "Maya", "last_name": "Expecting"},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["date_of_birth"] is None
    assert body["name"] == "Unborn Expecting"
    assert body["mother"]["name"] == "Maya Expecting"
    child = Child.objects.get(pk=body["id"])
    assert child.relationships.get().person_id == child.mother_id


def test_an_unborn_baby_needs_the_mother(api_as, social_worker):
    response = api_as(social_worker).post(
        LIST, {"last_name": "Expecting", "expected_date_of_delivery": "2031-01-01"}
    )
    assert response.status_code == 400
    assert "mother" in response.json()
    assert not Child.objects.exists()


def test_the_mother_may_be_someone_already_recorded(api_as, social_worker, child):
    mother = PersonFactory(authority=child.responsible_authority)
    child.relationships.create(person=mother, kind="mother")
    response = api_as(social_worker).post(
        LIST,
        {
            "last_name": "Sibling",
            "expected_date_of_delivery": "2031-01-01",
            "mother": str(mother.pk),
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["mother"]["id"] == str(mother.pk)


def test_a_person_the_caller_cannot_see_is_not_a_mother(api_as, other_authority_worker, child):
    mother = PersonFactory(authority=child.responsible_authority)
    child.relationships.create(person=mother, kind="mother")
    response = api_as(other_authority_worker).post(
        LIST,
        {
            "last_name": "Sibling",
            "expected_date_of_delivery": "2031-01-01",
            "mother": str(mother.pk),
        },
    )
    assert response.status_code == 400
    assert "mother" in response.json()


BAD_INPUT = [
    ({"last_name": ["a", "list"]}, "last_name"),
    ({"last_name": "X", "looked_after": "maybe"}, "looked_after"),
    ({"last_name": "X", "date_of_birth": "2020-13-45"}, "date_of_birth"),
    ({"last_name": "X", "date_of_birth": 20200101}, "date_of_birth"),
    ({"last_name": "X", "date_of_birth": "2999-01-01"}, "date_of_birth"),
    ({"last_name": "X", "date_of_birth": "2019-01-01", "sex": "X"}, "sex"),
    ({"last_name": "X", "date_of_birth": "2019-01-01", "ethnicity": "ZZZZ"}, "ethnicity"),
    ({"last_name": "X", "date_of_birth": "2019-01-01", "nhs_number": "12345"}, "nhs_number"),
    (
        {"last_name": "X", "date_of_birth": "2019-01-01", "nhs_number": "nhs-number"},
        "nhs_number",
    ),
    ({"last_name": "X", "date_of_birth": "2019-01-01", "la_child_id": "LA 12/3"}, "la_child_id"),
    ({"last_name": "X", "date_of_birth": "2019-01-01", "address": "12 Road"}, "address"),
    (
        {
            "last_name": "X",
            "date_of_birth": "2019-01-01",
            "address": {"line1": "1 Road", "town": "Testford", "postcode": "NOT A CODE"},
        },
        "address.postcode",
    ),
    (
        {"last_name": "X", "date_of_birth": "2019-01-01", "address": {"line1": "1 Road"}},
        "address",
    ),
    (
        {"last_name": "X", "date_of_birth": "2019-01-01", "responsible_authority": "123"},
        "responsible_authority",
    ),
    (
        {"last_name": "X", "date_of_birth": "2019-01-01", "responsible_authority": 5},
        "responsible_authority",
    ),
    (
        {"last_name": "X", "date_of_birth": "2019-01-01", "lead_social_worker": str(uuid.uuid4())},
        "lead_social_worker",
    ),
    (
        {"last_name": "X", "date_of_birth": "2019-01-01", "lead_social_worker": "bob"},
        "lead_social_worker",
    ),
    ({"last_name": "X", "date_of_birth": "2019-01-01", "team": "north"}, "team"),
    ({"last_name": "X", "date_of_birth": "2019-01-01", "mother": 12}, "mother"),
    ({"last_name": "X", "date_of_birth": "2019-01-01", "first_name": ""}, "first_name"),
    ({"last_name": "X", "date_of_birth": "2019-01-01", "first_name": None}, "first_name"),
    ({"first_name": "X"}, "last_name"),
]


@pytest.mark.parametrize(("data", "field"), BAD_INPUT)
def test_bad_input_is_a_400_naming_the_field(api_as, social_worker, data, field):
    response = api_as(social_worker).post(LIST, {"first_name": "Y", **data})
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    assert all(isinstance(m, (str, dict)) for m in body[field]) or isinstance(body[field], dict)
    assert not Child.objects.exists()


def test_a_wrong_nhs_check_digit_says_so(api_as, social_worker):
    response = api_as(social_worker).post(
        LIST,
        {
            "last_name": "X",
            "date_of_birth": "2019-01-01",
            "nhs_number": wrong_check_digit(next_nhs_number()),
        },
    )
    assert response.status_code == 400
    assert "check digit" in response.json()["nhs_number"][0]


def test_a_lead_social_worker_must_be_a_social_worker(api_as, social_worker, chair):
    response = api_as(social_worker).post(
        LIST, {"last_name": "X", "date_of_birth": "2019-01-01", "lead_social_worker": str(chair.pk)}
    )
    assert response.status_code == 400
    assert "lead_social_worker" in response.json()


def test_a_team_of_another_authority_is_refused(api_as, social_worker, other_authority_worker):
    response = api_as(social_worker).post(
        LIST,
        {
            "last_name": "X",
            "date_of_birth": "2019-01-01",
            "team": str(other_authority_worker.team_id),
        },
    )
    assert response.status_code == 400
    assert "team" in response.json()


@pytest.mark.parametrize(
    "raw",
    ['{"last_name": "X",', "not json at all", '["a list"]', "null", '"a string"', "42"],
)
def test_malformed_json_is_400(api_as, social_worker, raw):
    response = api_as(social_worker).post(LIST, raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert not Child.objects.exists()


def test_a_duplicate_nhs_number_is_400(api_as, social_worker, child):
    response = api_as(social_worker).post(
        LIST, {"last_name": "Twin", "date_of_birth": "2018-05-17", "nhs_number": child.nhs_number}
    )
    assert response.status_code == 400
    assert "NHS number" in str(response.json())
    assert Child.objects.count() == 1


# --- Changing -------------------------------------------------------------------------


def test_patch_changes_and_audits(api_as, social_worker, child):
    response = api_as(social_worker).patch(
        detail(child),
        {
            "first_name": "Amelie",
            "looked_after": True,
            "looked_after_since": "2026-09-01",
            "version": 1,
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["first_name"] == "Amelie"
    assert body["looked_after"] is True
    assert body["version"] == 2
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, child_id=child.pk)
    assert event.actor == social_worker
    assert event.changes == {
        "first_name": {"from": "Amelia", "to": "Amelie"},
        "looked_after": {"from": False, "to": True},
        "looked_after_since": {"from": None, "to": "2026-09-01"},
    }


def test_patch_without_version_is_400(api_as, social_worker, child):
    response = api_as(social_worker).patch(detail(child), {"first_name": "Amelie"})
    assert response.status_code == 400
    assert "version" in response.json()
    child.refresh_from_db()
    assert child.first_name == "Amelia"


def test_patch_with_a_stale_version_is_409(api_as, social_worker, team_manager, child):
    assert (
        api_as(team_manager).patch(detail(child), {"ethnicity": "WIRI", "version": 1}).status_code
        == 200
    )
    response = api_as(social_worker).patch(detail(child), {"first_name": "Amelie", "version": 1})
    assert response.status_code == 409
    assert "detail" in response.json()
    child.refresh_from_db()
    assert (child.first_name, child.ethnicity, child.version) == ("Amelia", "WIRI", 2)


def test_patch_version_of_the_wrong_type_is_400(api_as, social_worker, child):
    response = api_as(social_worker).patch(detail(child), {"version": "latest"})
    assert response.status_code == 400
    assert "version" in response.json()


def test_what_was_read_can_be_sent_back(api_as, social_worker, child):
    client = api_as(social_worker)
    body = client.get(detail(child)).json()
    body["first_name"] = "Amy"
    response = client.patch(detail(child), body)
    assert response.status_code == 200, response.content
    assert response.json()["first_name"] == "Amy"
    changes = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE).changes
    assert set(changes) == {"first_name"}


def test_an_address_change_keeps_the_history(api_as, social_worker, child):
    response = api_as(social_worker).patch(
        detail(child),
        {
            "address": {"line1": "7 Makebelieve Close", "town": "Testford", "postcode": "ZZ2 2ZZ"},
            "version": 1,
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["address"]["line1"] == "7 Makebelieve Close"
    residences = Residence.objects.filter(child=child).order_by("moved_in_on")
    assert [r.address.line1 for r in residences] == ["12 Imaginary Road", "7 Makebelieve Close"]
    assert residences[0].moved_out_on == timezone.localdate()
    changes = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE).changes
    assert changes["address"]["to"].startswith("7 Makebelieve Close")


def test_only_a_manager_allocates(api_as, social_worker, team_manager, child, other_team_worker):
    response = api_as(social_worker).patch(
        detail(child), {"lead_social_worker": str(other_team_worker.pk), "version": 1}
    )
    assert response.status_code == 403
    response = api_as(team_manager).patch(
        detail(child), {"lead_social_worker": str(other_team_worker.pk), "version": 1}
    )
    assert response.status_code == 200, response.content
    assert response.json()["lead_social_worker"] == str(other_team_worker.pk)
    # The newly allocated worker now sees the child; the previous one through the team only.
    assert api_as(other_team_worker).get(detail(child)).status_code == 200


def test_patch_bad_input_is_400_and_changes_nothing(api_as, social_worker, child):
    response = api_as(social_worker).patch(
        detail(child), {"date_of_birth": "2999-01-01", "first_name": "Amy", "version": 1}
    )
    assert response.status_code == 400
    assert "date_of_birth" in response.json()
    child.refresh_from_db()
    assert (child.first_name, child.version) == ("Amelia", 1)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()

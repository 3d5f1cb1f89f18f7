"""The gate records what it lets through: each child shown, once, in one insert."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpcase import read_audit
from cpcase.models import AuditEvent
from tests.factories import ChildFactory, PlanFactory, VisitFactory

pytestmark = pytest.mark.django_db


def _team_children(team, social_worker, n):
    return [
        ChildFactory(responsible_authority=team.authority, team=team, lead_social_worker=None)
        for _ in range(n)
    ]


def _audit_inserts(queries) -> int:
    return sum(
        q["sql"].startswith('INSERT INTO "cpcase_auditevent"') for q in queries.captured_queries
    )


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/api/v1/plans/", lambda child: PlanFactory(child=child)),
        ("/api/v1/visits/", lambda child: VisitFactory(child=child)),
        ("/api/v1/children/", lambda child: None),
    ],
)
def test_a_list_names_each_child_in_one_insert_however_many(api_as, social_worker, team, url, make):
    api_as(social_worker).get(url)  # the user's roles are read once, then kept

    def read(n):
        for child in _team_children(team, social_worker, n):
            make(child)
        with CaptureQueriesContext(connection) as queries:
            response = api_as(social_worker).get(url)
        assert response.status_code == 200
        return queries, response

    few, _ = read(2)
    many, response = read(6)
    assert len(few.captured_queries) == len(many.captured_queries)
    assert _audit_inserts(many) == 1
    events = AuditEvent.objects.filter(request_id=response["X-Request-ID"])
    shown = {str(row.get("child", row["id"])) for row in response.json()["results"]}
    assert {str(e.child_id) for e in events} == shown
    assert len(shown) == 8
    assert {(e.actor_id, e.action, e.path) for e in events} == {(social_worker.pk, "view", url)}


def test_a_child_shown_twice_in_one_response_is_named_once(api_as, social_worker, child):
    PlanFactory(
        child=child,
        status="ended",
        started_on=dt.date(2024, 1, 10),
        ended_on=dt.date(2025, 2, 1),
        end_reason="conference",
    )
    PlanFactory(child=child)
    response = api_as(social_worker).get(f"/api/v1/plans/?child={child.pk}")
    assert response.json()["count"] == 2
    events = AuditEvent.objects.filter(request_id=response["X-Request-ID"])
    assert [e.child_id for e in events] == [child.pk]
    assert len(events[0].changes["shown"]) == 1  # the second plan, named in the one event


def test_a_refused_request_records_no_read(api_as, other_authority_worker, child):
    plan = PlanFactory(child=child)
    response = api_as(other_authority_worker).get(f"/api/v1/plans/{plan.pk}/")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(request_id=response["X-Request-ID"]).exists()


def test_a_change_records_itself_and_no_read_is_added(api_as, social_worker, child):
    response = api_as(social_worker).patch(
        f"/api/v1/children/{child.pk}/",
        {"first_name": "Amelie", "version": child.version},
        format="json",
    )
    assert response.status_code == 200
    events = AuditEvent.objects.filter(request_id=response["X-Request-ID"], child_id=child.pk)
    assert [e.action for e in events] == ["update"]


@pytest.mark.parametrize(("status", "written"), [(200, ["letter", "view"]), (500, ["letter"])])
def test_a_child_named_by_another_event_of_the_read_is_not_named_again(
    rf, social_worker, child, other_team_worker, status, written
):
    from django.http import HttpResponse

    from cpcase.audit import audit_record

    other = ChildFactory()

    def view(request):
        audit_record(actor=social_worker, action="letter", child=child, summary="A letter")
        read_audit.record_children(user=social_worker, children=[child, other], summary="Read")
        return HttpResponse(status=status)

    read_audit.ReadAuditMiddleware(view)(rf.get("/"))
    events = AuditEvent.objects.filter(child_id__in=[child.pk, other.pk]).order_by("id")
    assert [e.action for e in events] == written
    assert [e.child_id for e in events] == [child.pk, other.pk][: len(written)]


def test_outside_a_request_the_read_is_written_at_once(social_worker, child):
    read_audit.record_children(user=social_worker, children=[child, child], summary="A task")
    events = AuditEvent.objects.filter(child_id=child.pk, action="view")
    assert [(e.actor_id, e.object_type, e.summary) for e in events] == [
        (social_worker.pk, "child", "A task")
    ]


def test_an_export_names_each_child_as_exported(client, unit_manager, child):
    PlanFactory(child=child)
    client.force_login(unit_manager)
    response = client.get("/api/v1/returns/annex-a/")
    assert response.status_code == 200
    events = AuditEvent.objects.filter(request_id=response["X-Request-ID"], child_id=child.pk)
    assert [e.action for e in events] == ["export"]


def test_each_event_of_a_read_holds_every_column_and_extends_the_chain(api_as, social_worker, team):
    """A read's events are written in one statement of their own (not the ORM's insert):
    every column is the request's or the read's, in the order shown, and the trigger
    chains them so that ``verify`` still finds the trail intact."""
    from cpcase import audit_chain

    children = _team_children(team, social_worker, 3)
    response = api_as(social_worker).get(
        "/api/v1/children/", HTTP_USER_AGENT="Test browser/1.0", REMOTE_ADDR="192.0.2.7"
    )
    assert response.status_code == 200
    events = list(AuditEvent.objects.filter(request_id=response["X-Request-ID"]).order_by("id"))
    assert {e.child_id for e in events} >= {c.pk for c in children}
    for e in events:
        assert e.actor_id == social_worker.pk
        assert e.actor_username == social_worker.username
        assert e.action == AuditEvent.Action.VIEW
        assert (e.object_type, e.object_id) == ("child", str(e.child_id))
        assert e.summary
        assert e.changes == {}
        assert e.user_agent == "Test browser/1.0"
        assert e.path == "/api/v1/children/"
        assert e.ip_address == "192.0.2.7"
        assert e.at is not None and e.chain_seq is not None and len(e.chain_hash) == 64
    assert [e.chain_seq for e in events] == sorted(e.chain_seq for e in events)
    assert audit_chain.verify().intact


def test_an_event_lists_the_further_records_it_showed(api_as, social_worker, child):
    first, second = VisitFactory(child=child), VisitFactory(child=child)
    response = api_as(social_worker).get("/api/v1/visits/")
    (event,) = AuditEvent.objects.filter(request_id=response["X-Request-ID"], child_id=child.pk)
    assert event.object_type == "visit"
    shown = {event.object_id, *(s["id"] for s in event.changes["shown"])}
    assert shown == {str(first.pk), str(second.pk)}

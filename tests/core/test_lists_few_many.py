"""Every list answers in the same number of queries for few rows or many (issue 13).

The walk finds the lists in the URL configuration itself: every API view that pages
(a ``GenericAPIView`` with a GET) and every page that pages (a ``BoundedPaginator``).
Each must have a row below naming who reads it, so a new list route without one fails.
Each list is read in a world with one child with something of every kind, then again
after two more such children (and more of the first child's own records) are added:
the second read costs the same queries as the first.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from rest_framework.generics import GenericAPIView

from tests.support.routes import Route, World, routes, world_for

pytestmark = pytest.mark.django_db

# Each list route, and the persona who reads it.
LISTS: dict[str, str] = {
    "api-tokens GET": "social_worker",
    "api-staff GET": "social_worker",
    "api-children GET": "social_worker",
    "api-child-people GET": "social_worker",
    "api-child-emergency-protection GET": "social_worker",
    "api-child-chronology GET": "social_worker",
    "api-child-access-history GET": "safeguarding_unit_manager",
    "api-referrals GET": "social_worker",
    "api-assessments GET": "social_worker",
    "api-notifications GET": "social_worker",
    "conferences-api:api-section47-enquiries GET": "social_worker",
    "conferences-api:api-conferences GET": "conference_chair",
    "conferences-api:api-disagreements GET": "service_leader",
    "plans-api:api-plans GET": "social_worker",
    "visits-api:api-visits GET": "social_worker",
    "registry-api:api-return-jobs GET": "safeguarding_unit_manager",
    "registry-api:api-register GET": "safeguarding_unit_manager",
    "registry-api:api-enquiries GET": "safeguarding_unit_manager",
    "registry-api:api-possible-matches GET": "safeguarding_unit_manager",
    "register-list": "safeguarding_unit_manager",
    "register-log": "safeguarding_unit_manager",
    "register-possible-matches": "safeguarding_unit_manager",
    "register-releases": "safeguarding_unit_manager",
    "register-returns": "safeguarding_unit_manager",
    "child-search": "social_worker",
    "access-history": "safeguarding_unit_manager",
    "notifications": "social_worker",
    "home": "social_worker",
}

_ANY_ID = "00000000-0000-0000-0000-000000000000"


def _view_of(route: Route) -> Any:
    match = resolve("/" + re.sub(r"<(?:\w+:)?(\w+)>", _ANY_ID, route.pattern))
    return getattr(match.func, "cls", None) or getattr(match.func, "view_class", None) or match.func


def _is_list(route: Route) -> bool:
    view = _view_of(route)
    if route.is_api:
        return "GET" in route.methods and inspect.isclass(view) and issubclass(view, GenericAPIView)
    return "Paginator(" in inspect.getsource(inspect.unwrap(view))


def _list_routes() -> dict[str, Route]:
    found = {}
    for route in routes():
        if _is_list(route):
            found[f"{route.name} GET" if route.is_api else route.name] = route
    return found


def test_every_list_route_has_a_row():
    found = _list_routes()
    assert sorted(found.keys() - LISTS.keys()) == [], "list routes without a row in LISTS"
    assert sorted(LISTS.keys() - found.keys()) == [], "rows in LISTS for no list route"


def _more(world: World, request: Any, n: int) -> None:
    """Two more children with everything, and more of the first child's own records."""
    from cpcase import front_door
    from cpcase.models import EmergencyProtection, Relationship
    from tests.factories import PersonFactory, UserFactory, VisitFactory

    for i in range(n):
        world_for(request, la_child_id=f"WALK{i + 2:04d}")
    sw = world.personas["social_worker"]
    for i in range(n):
        Relationship.objects.create(
            child=world.child,
            person=PersonFactory(authority=world.child.responsible_authority),
            kind=Relationship.Kind.values[i % len(Relationship.Kind.values)],
        )
        VisitFactory(child=world.child)
        front_door.emergency_protection_record(
            actor=sw,
            child_id=world.child.pk,
            kind=EmergencyProtection.Kind.POLICE_PROTECTION,
            started_on=dt.date(2026, 1, 1 + 2 * i),
            ended_on=dt.date(2026, 1, 2 + 2 * i),
        )
        UserFactory(authority=sw.authority, team=sw.team, roles=["social_worker"])


def _read(client: Any, url: str) -> tuple[int, int, int | None]:
    """The status, the queries, and the rows of an API list (None for a page)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    rows = None
    if response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        rows = len(body["results"]) + (1 if body["next"] else 0)
    return response.status_code, len(captured), rows


def test_every_list_costs_the_same_queries_for_few_or_many(request, client, api_as):
    lists = _list_routes()
    world = world_for(request)

    def read_all() -> dict[str, tuple[int, int, int | None]]:
        found = {}
        for op, route in sorted(lists.items()):
            user = world.personas[LISTS[op]]
            user.__dict__.pop("roles", None)
            if route.is_api:
                reader = api_as(user)
            else:
                client.force_login(user)
                reader = client
            url = route.path(world)
            if route.is_api:
                # One row a page: with many rows the page links to the next (a cursor).
                url += ("&" if "?" in url else "?") + "page_size=1"
            reader.get(url)  # caches filled once (content types, reference data)
            found[op] = _read(reader, url)
        return found

    few = read_all()
    _more(world, request, 2)
    many = read_all()
    problems = []
    for op in sorted(lists):
        (status_few, queries_few, rows_few), (status_many, queries_many, rows_many) = (
            few[op],
            many[op],
        )
        if status_few != 200 or status_many != 200:
            problems.append(f"{op}: {status_few}, then {status_many}")
        elif queries_many != queries_few:
            problems.append(f"{op}: {queries_few} queries for few rows, {queries_many} for many")
        elif rows_few is not None and rows_many is not None and rows_many < rows_few:
            problems.append(f"{op}: {rows_few} rows, then {rows_many}")
    assert problems == []

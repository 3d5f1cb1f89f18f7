"""The browser and the API give the same answer: for every capability with both a page and
an API operation, each persona is let in by both or refused by both.

"Let in" is any answer but 403 or 404 (a 400 for an incomplete body, a 409 for a plan in
the wrong stage, a 302 after a post all mean the gate let the person through); "refused"
is 403 or 404. The expected answer for each persona is written in the table too, so a
change to who may do what shows here as well as in the permission matrix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import ConferenceFactory, PlanFactory
from tests.support.working_days import at, next_working_day

pytestmark = pytest.mark.django_db

PERSONAS = (
    "social_worker",
    "team_manager",
    "other_team_worker",
    "service_leader",
    "chair",
    "unit_manager",
    "core_group_member",
    "police_enquirer",
    "health_enquirer",
    "senior_officer",
    "system_admin",
    "other_authority_worker",
)
SW, TM, OTW, SL, CH, SUM, CGM, POL, HEA, SO, ADM, OAW = PERSONAS


@dataclass(frozen=True)
class Call:
    method: str
    url: Callable[[dict[str, Any]], str]
    body: Callable[[dict[str, Any]], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Capability:
    name: str
    browser: Call
    api: Call
    allowed: frozenset[str]


def _visit_body(w: dict[str, Any]) -> dict[str, Any]:
    return {
        "child": str(w["child"].pk),
        "visited_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
        "kind": "statutory",
        "child_seen": True,
        "seen_alone": True,
        "notes": "Made-up notes for the agreement table.",
    }


def _conference_body(w: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "review",
        "children": [str(w["child"].pk)],
        "scheduled_for": at(
            next_working_day(timezone.localdate() + dt.timedelta(days=5))
        ).isoformat(),
        "chair": str(w["chair"].pk),
    }


def _get(url: Callable[[dict[str, Any]], str]) -> Call:
    return Call("get", url)


def _post(url: Callable[[dict[str, Any]], str], body=None) -> Call:
    return Call("post", url, body or (lambda w: {}))


CHILD_SEERS = frozenset({SW, TM, SL, CH, SUM})

TABLE: tuple[Capability, ...] = (
    Capability(
        "view a child",
        _get(lambda w: f"/children/{w['child'].pk}/"),
        _get(lambda w: f"/api/v1/children/{w['child'].pk}/"),
        CHILD_SEERS,
    ),
    Capability(
        "list children",
        _get(lambda w: "/children/"),
        _get(lambda w: "/api/v1/children/"),
        # A senior officer and another team's worker reach the list (of what is theirs).
        CHILD_SEERS | {OTW, SO, OAW},
    ),
    Capability(
        "edit a child",
        _get(lambda w: f"/children/{w['child'].pk}/edit/"),
        Call("patch", lambda w: f"/api/v1/children/{w['child'].pk}/", lambda w: {}),
        frozenset({SW, TM, SUM}),
    ),
    Capability(
        "read a child's access history",
        _get(lambda w: f"/children/{w['child'].pk}/access-history/"),
        _get(lambda w: f"/api/v1/children/{w['child'].pk}/access-history/"),
        frozenset({SUM}),
    ),
    Capability(
        "record a visit",
        _get(lambda w: f"/children/{w['child'].pk}/visits/new/"),
        _post(lambda w: "/api/v1/visits/", _visit_body),
        frozenset({SW, TM}),
    ),
    Capability(
        "list visits",
        _get(lambda w: "/visits/"),
        _get(lambda w: "/api/v1/visits/"),
        CHILD_SEERS | {OTW, SO, OAW},
    ),
    Capability(
        "schedule a conference",
        _get(lambda w: f"/children/{w['child'].pk}/conferences/new/"),
        _post(lambda w: "/api/v1/conferences/", _conference_body),
        frozenset({TM, CH, SUM}),
    ),
    Capability(
        "view a conference",
        _get(lambda w: f"/conferences/{w['conference'].pk}/"),
        _get(lambda w: f"/api/v1/conferences/{w['conference'].pk}/"),
        CHILD_SEERS,
    ),
    Capability(
        "record a conference's outcome",
        _get(lambda w: f"/conferences/{w['conference'].pk}/outcome/"),
        _post(lambda w: f"/api/v1/conferences/{w['conference'].pk}/outcome/"),
        frozenset({CH}),
    ),
    Capability(
        "finalise a conference",
        _post(lambda w: f"/conferences/{w['conference'].pk}/finalise/"),
        _post(lambda w: f"/api/v1/conferences/{w['conference'].pk}/finalise/"),
        frozenset({CH}),
    ),
    Capability(
        "a conference's letters",
        _get(lambda w: f"/conferences/{w['conference'].pk}/letters/"),
        _get(lambda w: f"/api/v1/conferences/{w['conference'].pk}/letters/"),
        CHILD_SEERS,
    ),
    Capability(
        "view a plan",
        _get(lambda w: f"/plans/{w['plan'].pk}/"),
        _get(lambda w: f"/api/v1/plans/{w['plan'].pk}/"),
        CHILD_SEERS | {CGM},
    ),
    Capability(
        "a plan's versions",
        _get(lambda w: f"/plans/{w['plan'].pk}/versions/"),
        _get(lambda w: f"/api/v1/plans/{w['plan'].pk}/versions/"),
        CHILD_SEERS | {CGM},
    ),
    Capability(
        "authorise a plan",
        _post(lambda w: f"/plans/{w['plan'].pk}/authorise/", lambda w: {"action": "authorise"}),
        _post(lambda w: f"/api/v1/plans/{w['plan'].pk}/authorise/", lambda w: {}),
        frozenset({TM}),
    ),
    Capability(
        "search the register",
        _get(lambda w: "/register/"),
        _post(lambda w: "/api/v1/register/enquiries/"),
        frozenset({SUM, POL, HEA}),
    ),
    Capability(
        "read the enquiry log",
        _get(lambda w: "/register/log/"),
        _get(lambda w: "/api/v1/register/enquiries/"),
        frozenset({SUM}),
    ),
    Capability(
        "export the enquiry log",
        _get(lambda w: "/register/log/export/"),
        _get(lambda w: "/api/v1/register/enquiries/export/"),
        frozenset({SUM}),
    ),
    Capability(
        "read the register",
        _get(lambda w: "/register/children/"),
        _get(lambda w: "/api/v1/register/"),
        frozenset({SUM}),
    ),
    Capability(
        "ask for a child's historic plans",
        _get(lambda w: f"/children/{w['child'].pk}/historic-plans/request/"),
        _post(lambda w: "/api/v1/register/releases/", lambda w: {"child": str(w["child"].pk)}),
        # The child is their own authority's: let in, then told no release is needed.
        frozenset({SW, TM}),
    ),
)


@pytest.fixture
def world(child, chair, social_worker, core_group_child) -> dict[str, Any]:
    """Amelia, her plan awaiting authorisation, and a conference about her (chaired)."""
    plan = PlanFactory(
        child=child,
        authority=child.responsible_authority,
        started_on=dt.date(2026, 1, 6),
        status="active",
        stage="awaiting_authorisation",
        lead_social_worker=social_worker,
    )
    plan.versions.create(number=1, reason="Outline", content={}, created_by=social_worker)
    conference = ConferenceFactory(
        chair=chair,
        authority=child.responsible_authority,
        status="scheduled",
        held_on=None,
        scheduled_for=timezone.now() + dt.timedelta(days=2),
        children=[child],
    )
    return {"child": child, "chair": chair, "plan": plan, "conference": conference}


def _answer(response) -> bool:
    if response.status_code == 302:
        assert "/accounts/login/" not in response["Location"], response["Location"]
    return response.status_code not in (403, 404)


def _browser(user, call: Call, w) -> bool:
    client = Client()
    client.force_login(user)
    kwargs = {"HTTP_HOST": "localhost"}
    if call.method == "get":
        return _answer(client.get(call.url(w), **kwargs))
    return _answer(client.post(call.url(w), call.body(w) if call.body else {}, **kwargs))


def _api(api_as, user, call: Call, w) -> bool:
    api = api_as(user)
    if call.method == "get":
        return _answer(api.get(call.url(w)))
    method = getattr(api, call.method)
    return _answer(method(call.url(w), call.body(w) if call.body else {}, format="json"))


def test_every_persona_of_the_table_exists():
    for capability in TABLE:
        assert capability.allowed <= set(PERSONAS), capability.name


@pytest.mark.parametrize("persona", PERSONAS)
def test_browser_and_api_agree(request, api_as, world, persona):
    user = request.getfixturevalue(persona)
    disagreements = []
    for capability in TABLE:
        expected = persona in capability.allowed
        browser = _browser(user, capability.browser, world)
        api = _api(api_as, user, capability.api, world)
        if not (browser == api == expected):
            disagreements.append(
                f"{capability.name}: browser {browser}, API {api}, expected {expected}"
            )
    assert not disagreements, f"{persona}:\n" + "\n".join(disagreements)

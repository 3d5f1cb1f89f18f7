"""The visits API of API.md."""

import datetime as dt

import pytest
from django.utils import timezone

from visits.models import Visit

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def _visit(child, **overrides):
    body = {
        "child": str(child.pk),
        "visited_at": (NOW - dt.timedelta(hours=3)).isoformat(),
        "kind": "statutory",
        "child_seen": True,
        "seen_alone": True,
        "notes": "Amelia showed me her room; food in the kitchen.",
    }
    body.update(overrides)
    return body


def test_record_and_list(api_as, child, social_worker, team_manager):
    r = api_as(social_worker).post("/api/v1/visits/", _visit(child), format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["is_statutory_visit"] is True
    listed = api_as(team_manager).get(f"/api/v1/visits/?child={child.pk}").json()
    assert listed["count"] == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"child_seen": False, "seen_alone": False}, "child_seen"),
        ({"visited_at": (NOW + dt.timedelta(days=1)).isoformat()}, "visited_at"),
        ({"visited_at": "yesterday"}, "visited_at"),
        ({"kind": "phone_call"}, "kind"),
        ({"child_seen": "maybe"}, "child_seen"),
    ],
)
def test_bad_visits_are_400s(api_as, child, social_worker, overrides, field):
    r = api_as(social_worker).post("/api/v1/visits/", _visit(child, **overrides), format="json")
    assert r.status_code == 400
    assert field in r.json()
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("persona", "post", "sees"),
    [
        # sees: how many visits the persona then lists (the allocated worker's, and their own);
        # None: the list is refused, as the /visits/ page and the children list refuse them
        ("social_worker", 201, 2),
        ("team_manager", 201, 2),
        ("other_team_worker", 404, 0),
        ("core_group_member", 404, None),
        ("police_enquirer", 404, None),
        ("service_leader", 403, 1),
        ("chair", 403, 1),
        ("unit_manager", 403, 1),
        ("system_admin", 404, None),
    ],
)
def test_who_records_and_who_reads_visits(
    request, api_as, core_group_child, social_worker, persona, post, sees
):
    api_as(social_worker).post("/api/v1/visits/", _visit(core_group_child), format="json")
    api = api_as(request.getfixturevalue(persona))
    assert api.post("/api/v1/visits/", _visit(core_group_child), format="json").status_code == post
    listed = api.get(f"/api/v1/visits/?child={core_group_child.pk}")
    if sees is None:
        assert listed.status_code == 403
    else:
        assert listed.json()["count"] == sees


def test_a_draft_then_completed_and_amended(api_as, child, social_worker):
    api = api_as(social_worker)
    draft = api.post(
        "/api/v1/visits/",
        _visit(child, draft=True, child_seen=False, seen_alone=False),
        format="json",
    ).json()
    assert draft["status"] == "draft"
    done = api.put(
        f"/api/v1/visits/{draft['id']}/", _visit(child, version=draft["version"]), format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"
    bad = api.post(
        f"/api/v1/visits/{draft['id']}/amend/",
        {"version": done.json()["version"], "reason": "", "changes": {"location": "School"}},
        format="json",
    )
    assert bad.status_code == 400 and "reason" in bad.json()
    ok = api.post(
        f"/api/v1/visits/{draft['id']}/amend/",
        {
            "version": done.json()["version"],
            "reason": "It was at school",
            "changes": {"location": "School"},
        },
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["location"] == "School"


def test_cannot_visit_through_the_api(api_as, child, social_worker, service_leader):
    r = api_as(social_worker).post(
        "/api/v1/cannot-visit/",
        {
            "child": str(child.pk),
            "due_on": timezone.localdate().isoformat(),
            "reason": "Family away",
        },
        format="json",
    )
    assert r.status_code == 201

"""The plans API of API.md."""

import datetime as dt

import pytest
from django.utils import timezone

from plans import services
from plans.services import CoreGroupInput, IssueInput

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DETAIL = {
    "cause_of_harm": "Alcohol misuse leaves Amelia without care in the evenings.",
    "short_term_goals": "Amelia is fed and supervised every evening.",
    "long_term_goals": "Amelia lives safely at home without a plan.",
    "daily_safety_check": "The school checks in with Amelia every morning.",
    "seen_alone_arrangements": "At school every two weeks.",
    "seen_with_family_arrangements": "At home every two weeks.",
    "contingency_plan": "A legal planning meeting if the plan is not working.",
}


@pytest.fixture
def plan(chair, child, social_worker, core_group_member):
    return services.plan_start(
        actor=chair,
        child=child,
        started_on=TODAY - dt.timedelta(days=10),
        category="NEG",
        issues=[
            IssueInput(
                "Left alone in the evenings", "HRI", "An adult is always with her", "Significant"
            )
        ],
        lead_social_worker=social_worker,
        core_group=[CoreGroupInput(kind="professional", user=core_group_member)],
    )


def test_build_submit_and_authorise_through_the_api(api_as, plan, social_worker, team_manager):
    api = api_as(social_worker)
    body = api.get(f"/api/v1/plans/?child={plan.child_id}").json()
    assert body["count"] == 1 and body["results"][0]["stage"] == "outline"
    r = api.patch(f"/api/v1/plans/{plan.pk}/", {**DETAIL, "version": plan.version}, format="json")
    assert r.status_code == 200, r.json()
    stale = api.patch(
        f"/api/v1/plans/{plan.pk}/",
        {"cause_of_harm": "Other", "version": plan.version},
        format="json",
    )
    assert stale.status_code == 409
    r = api.post(
        f"/api/v1/plans/{plan.pk}/actions/",
        {
            "issue": str(plan.issues.get().pk),
            "description": "Mother attends the alcohol service weekly",
            "responsible": "Jo Example (mother)",
            "due_on": (TODAY + dt.timedelta(days=42)).isoformat(),
            "evidence_of_success": "Attendance confirmed by the service for six weeks",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert api.post(f"/api/v1/plans/{plan.pk}/submit/", {}, format="json").status_code == 200
    assert api.post(f"/api/v1/plans/{plan.pk}/authorise/", {}, format="json").status_code == 403
    r = api_as(team_manager).post(f"/api/v1/plans/{plan.pk}/authorise/", {}, format="json")
    assert r.status_code == 200 and r.json()["stage"] == "authorised"
    versions = api.get(f"/api/v1/plans/{plan.pk}/versions/").json()
    assert [v["number"] for v in versions] == [1, 2, 3]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_on": None}, "due_on"),
        ({"due_on": "ASAP"}, "due_on"),
        ({"due_on": "ongoing"}, "due_on"),
        ({"description": "Attend the service asap"}, "description"),
        ({"evidence_of_success": "On going"}, "evidence_of_success"),
        ({"responsible": ""}, "responsible"),
        ({"issue": "7b0c3f0e-0000-4000-8000-000000000000"}, "issue"),
    ],
)
def test_vague_or_missing_action_parts_are_400s_that_say_why(
    api_as, plan, social_worker, body, field
):
    action = {
        "description": "Mother attends the alcohol service weekly",
        "responsible": "Jo Example",
        "due_on": (TODAY + dt.timedelta(days=42)).isoformat(),
        "evidence_of_success": "Six weeks' attendance",
    }
    action.update(body)
    r = api_as(social_worker).post(f"/api/v1/plans/{plan.pk}/actions/", action, format="json")
    assert r.status_code == 400
    assert field in r.json(), r.json()
    assert r.json()[field][0]


def test_core_group_meetings_through_the_api(api_as, plan, social_worker):
    api = api_as(social_worker)
    action = api.post(
        f"/api/v1/plans/{plan.pk}/actions/",
        {
            "description": "School reports attendance weekly",
            "responsible": "Testford Primary",
            "due_on": (TODAY + dt.timedelta(days=30)).isoformat(),
            "evidence_of_success": "Attendance above 95%",
        },
        format="json",
    ).json()
    r = api.post(
        f"/api/v1/plans/{plan.pk}/core-group-meetings/",
        {
            "held_on": TODAY.isoformat(),
            "attendees": ["Robin Allocated", "Jo Example"],
            "notes": "Good start.",
            "action_updates": [{"action": action["id"], "status": "on_track", "note": "Full week"}],
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert len(api.get(f"/api/v1/plans/{plan.pk}/core-group-meetings/").json()) == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("social_worker", 200),
        ("team_manager", 200),
        ("core_group_member", 200),
        ("chair", 200),
        ("other_team_worker", 404),
        ("police_enquirer", 404),
        ("health_enquirer", 404),
        ("system_admin", 404),
    ],
)
def test_who_reads_the_plan(request, api_as, plan, persona, status):
    r = api_as(request.getfixturevalue(persona)).get(f"/api/v1/plans/{plan.pk}/")
    assert r.status_code == status


def test_the_core_group_member_may_not_change_the_plan(api_as, plan, core_group_member):
    r = api_as(core_group_member).patch(
        f"/api/v1/plans/{plan.pk}/", {"cause_of_harm": "x", "version": plan.version}, format="json"
    )
    assert r.status_code == 403

"""The conference API of API.md, end to end, and what it refuses."""

import datetime as dt

import pytest

from conferences.models import Letter
from plans.models import Plan
from tests.support.working_days import at, last_working_day

pytestmark = pytest.mark.django_db
TODAY = last_working_day()  # conferences meet on working days


def _outcome(child, social_worker, core_group_member, **overrides):
    body = {
        "held_on": TODAY.isoformat(),
        "attendees": [
            {
                "name": "Dr Example",
                "agency": "Testford NHS Trust",
                "role": "GP",
                "attendance": "attended",
            },
            {
                "user": str(core_group_member.pk),
                "agency": "Testford Primary",
                "attendance": "apologies",
                "report_submitted": True,
            },
        ],
        "parents": [
            {"name": "Jo Example", "invited": True, "attended": True},
            {
                "name": "Sam Example",
                "invited": True,
                "excluded": True,
                "exclusion_reason": "Threats to staff at the last meeting",
                "exclusion_explained": True,
            },
        ],
        "decisions": [{"child": str(child.pk), "decision": "plan", "category": "NEG"}],
        "outline_plan": {
            "issues": [
                {
                    "description": "Amelia is often left alone in the evenings",
                    "risk_type": "HRI",
                    "desired_outcome": "An adult is always with her",
                    "improvement_required": "Significant and sustained",
                }
            ]
        },
        "lead_social_worker": str(social_worker.pk),
        "core_group": [
            str(core_group_member.pk),
            {"kind": "parent_or_carer", "name": "Jo Example"},
        ],
        "unmet_needs": "Speech and language assessment",
        "next_review_on": (TODAY + dt.timedelta(days=90)).isoformat(),
        "quorate": True,
        "parents_informed": True,
        "child_informed": True,
    }
    body.update(overrides)
    return body


def test_the_whole_conference_journey(
    api_as, chair, child, social_worker, core_group_member, django_capture_on_commit_callbacks
):
    api = api_as(social_worker)
    r = api.post(
        "/api/v1/strategy-discussions/",
        {"child": str(child.pk), "held_on": TODAY.isoformat(), "outcome": "s47_enquiry"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    api = api_as(chair)
    r = api.post(
        "/api/v1/conferences/",
        {
            "kind": "initial",
            "children": [str(child.pk)],
            "scheduled_for": at(TODAY).isoformat(),
            "chair": str(chair.pk),
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    conference_id = r.json()["id"]
    assert api.get("/api/v1/conferences/").json()["count"] == 1
    r = api.post(
        f"/api/v1/conferences/{conference_id}/outcome/",
        _outcome(child, social_worker, core_group_member),
        format="json",
    )
    assert r.status_code == 200, r.json()
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"/api/v1/conferences/{conference_id}/finalise/")
    assert r.status_code == 200 and r.json()["status"] == "finalised"
    assert Plan.objects.get(child=child).status == "active"
    letters = api.get(f"/api/v1/conferences/{conference_id}/letters/").json()
    # Letters to the two parents (one excluded from the meeting is still told) and the child.
    assert sorted(x["recipient"] for x in letters) == [
        "Amelia Testchild",
        "Jo Example",
        "Sam Example",
    ]
    pdf = api.get(f"/api/v1/letters/{letters[0]['id']}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    timescales = api_as(social_worker).get(f"/api/v1/conferences/{conference_id}/")
    assert timescales.status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"held_on": "23/11/2026"}, "held_on"),
        ({"held_on": (TODAY + dt.timedelta(days=2)).isoformat()}, "held_on"),
        ({"decisions": [{"child": "not-a-uuid", "decision": "plan"}]}, "decisions"),
        ({"lead_social_worker": "00000000-0000-0000-0000-000000000000"}, "lead_social_worker"),
        (
            {
                "outline_plan": {
                    "issues": [
                        {
                            "description": "x",
                            "risk_type": "BAD",
                            "desired_outcome": "y",
                            "improvement_required": "z",
                        }
                    ]
                }
            },
            "outline_plan",
        ),
        ({"parents": [{"name": "Jo", "excluded": True}]}, "parents[0].exclusion_reason"),
        ({"quorate": "perhaps"}, "quorate"),
    ],
)
def test_bad_outcomes_are_400s_that_name_the_field(
    api_as, chair, child, social_worker, core_group_member, overrides, field
):
    api = api_as(chair)
    conference_id = api.post(
        "/api/v1/conferences/",
        {
            "kind": "initial",
            "children": [str(child.pk)],
            "scheduled_for": at(TODAY).isoformat(),
            "chair": str(chair.pk),
        },
        format="json",
    ).json()["id"]
    r = api.post(
        f"/api/v1/conferences/{conference_id}/outcome/",
        _outcome(child, social_worker, core_group_member, **overrides),
        format="json",
    )
    assert r.status_code == 400, r.content
    assert field in r.json(), r.json()


def test_malformed_json_is_a_400(api_as, chair):
    r = api_as(chair).post(
        "/api/v1/conferences/", data="{not json", content_type="application/json"
    )
    assert r.status_code == 400


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("social_worker", 403),
        ("other_team_worker", 403),
        ("police_enquirer", 403),
        ("chair", 201),
        ("unit_manager", 201),
    ],
)
def test_who_may_schedule(request, api_as, child, chair, persona, expected):
    user = request.getfixturevalue(persona)
    r = api_as(user).post(
        "/api/v1/conferences/",
        {
            "kind": "initial",
            "children": [str(child.pk)],
            "scheduled_for": at(TODAY).isoformat(),
            "chair": str(chair.pk),
        },
        format="json",
    )
    assert r.status_code == expected, r.content


def test_invitations_when_scheduling(api_as, chair, child, core_group_member, police_enquirer):
    api = api_as(chair)
    body = {
        "kind": "initial",
        "children": [str(child.pk)],
        "scheduled_for": at(TODAY).isoformat(),
        "chair": str(chair.pk),
        "invitations": [
            {"user": str(core_group_member.pk)},
            {"name": "Dr Pat Example", "agency": "Testford Health Centre", "role": "GP"},
        ],
    }
    for bad, field in [
        ({"name": "Dr Pat Example"}, "invitations[0].agency"),
        ({"user": str(police_enquirer.pk)}, "invitations[0].user"),
        ({"name": "", "agency": "Testford Primary"}, "invitations[0].name"),
    ]:
        r = api.post("/api/v1/conferences/", {**body, "invitations": [bad]}, format="json")
        assert r.status_code == 400 and field in r.json(), r.json()
    twice = [{"user": str(core_group_member.pk)}, {"user": str(core_group_member.pk)}]
    r = api.post("/api/v1/conferences/", {**body, "invitations": twice}, format="json")
    assert r.status_code == 400 and "invited once" in str(r.json())
    assert api.get("/api/v1/conferences/").json()["count"] == 0
    r = api.post("/api/v1/conferences/", body, format="json")
    assert r.status_code == 201, r.json()
    invited = {a["name"]: a for a in r.json()["attendees"]}
    assert invited["Dr Pat Example"] == {
        "user": None,
        "name": "Dr Pat Example",
        "agency": "Testford Health Centre",
        "role": "GP",
        "attendance": "invited",
    }
    assert invited[core_group_member.name]["user"] == str(core_group_member.pk)
    told = api_as(core_group_member).get("/api/v1/notifications/").json()["results"]
    assert [n["kind"] for n in told] == ["conference_invitation"]


def test_people_who_may_not_see_the_child_get_404s(
    api_as, chair, child, other_team_worker, police_enquirer, social_worker, core_group_member
):
    api = api_as(chair)
    conference_id = api.post(
        "/api/v1/conferences/",
        {
            "kind": "initial",
            "children": [str(child.pk)],
            "scheduled_for": at(TODAY).isoformat(),
            "chair": str(chair.pk),
        },
        format="json",
    ).json()["id"]
    for user in (other_team_worker, police_enquirer):
        outsider = api_as(user)
        assert outsider.get(f"/api/v1/conferences/{conference_id}/").status_code == 404
        assert outsider.post(f"/api/v1/conferences/{conference_id}/finalise/").status_code == 404
        listed = outsider.get("/api/v1/conferences/")
        # a worker of another team sees none of it; an enquirer has no conferences list
        assert listed.status_code == 403 or listed.json()["count"] == 0
    assert (
        api_as(social_worker).post(f"/api/v1/conferences/{conference_id}/finalise/").status_code
        == 403
    )
    assert not Letter.objects.exists()

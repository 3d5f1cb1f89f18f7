"""The detailed SMART plan: actions, authorisation, versions, core groups."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cpcase.errors import Conflict, DomainError, NotFound, NotPermitted
from plans import services
from plans.models import PlanAction
from plans.selectors import plan_versions_compare
from plans.services import ActionInput, ActionProgressInput
from tests.plans.test_views import start_plan

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DETAIL = {
    "cause_of_harm": "Parental alcohol misuse leaves Amelia without care in the evenings.",
    "short_term_goals": "Amelia is fed and supervised every evening.",
    "long_term_goals": "Amelia lives safely at home without the need for a plan.",
    "daily_safety_check": "Testford Primary School checks in with Amelia each morning.",
    "seen_alone_arrangements": "At school, every two weeks, by the lead social worker.",
    "seen_with_family_arrangements": "At home, every two weeks, by the lead social worker.",
    "contingency_plan": "If the plan is not working, a legal planning meeting will be held.",
}


@pytest.fixture
def plan(chair, child, social_worker, core_group_member):
    return start_plan(chair, child, social_worker, core_group_member)


def _action(**overrides):
    data = {
        "description": "Mother attends the alcohol service weekly",
        "responsible": "Jo Example (mother), with Testford Recovery Service",
        "due_on": TODAY + dt.timedelta(days=42),
        "evidence_of_success": "Attendance confirmed by the service for six weeks",
    }
    data.update(overrides)
    return ActionInput(**data)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"due_on": None}, "due_on", "Give the date"),
        ({"description": "Mother to attend the alcohol service ASAP"}, "description", "ASAP"),
        ({"description": "Attend the service a.s.a.p."}, "description", "ASAP"),
        ({"evidence_of_success": "Ongoing improvement"}, "evidence_of_success", "ongoing"),
        ({"description": "Home visits as soon as possible"}, "description", "as soon as possible"),
        ({"description": "Parenting course when possible"}, "description", "when possible"),
        ({"responsible": "TBC"}, "responsible", "TBC"),
        ({"responsible": ""}, "responsible", "Name who is responsible"),
        ({"evidence_of_success": " "}, "evidence_of_success", "what will show"),
    ],
)
def test_vague_or_missing_parts_of_an_action_are_refused(
    social_worker, plan, overrides, field, words
):
    with pytest.raises(DomainError) as caught:
        services.plan_action_add(
            actor=social_worker, plan_id=plan.pk, version=None, data=_action(**overrides)
        )
    assert words in " ".join(caught.value.errors[field])
    assert not PlanAction.objects.exists()


def test_the_journey_to_authorisation(social_worker, team_manager, plan, other_team_manager):
    plan = services.plan_update_detail(
        actor=social_worker, plan_id=plan.pk, version=plan.version, changes=DETAIL
    )
    assert plan.stage == "detailed_draft"
    with pytest.raises(DomainError) as caught:
        services.plan_submit(actor=social_worker, plan_id=plan.pk, version=plan.version)
    assert "actions" in caught.value.errors
    services.plan_action_add(
        actor=social_worker,
        plan_id=plan.pk,
        version=None,
        data=_action(issue_id=plan.issues.get().pk),
    )
    plan.refresh_from_db()
    plan = services.plan_submit(actor=social_worker, plan_id=plan.pk, version=plan.version)
    assert plan.stage == "awaiting_authorisation" and plan.submitted_on == TODAY
    with pytest.raises(NotPermitted):
        services.plan_authorise(actor=social_worker, plan_id=plan.pk, version=plan.version)
    with pytest.raises(NotFound):
        services.plan_authorise(actor=other_team_manager, plan_id=plan.pk, version=plan.version)
    plan = services.plan_return(
        actor=team_manager,
        plan_id=plan.pk,
        version=plan.version,
        comments="Name the school's contact.",
    )
    assert (plan.stage, plan.returned_comments) == ("detailed_draft", "Name the school's contact.")
    plan = services.plan_submit(actor=social_worker, plan_id=plan.pk, version=plan.version)
    plan = services.plan_authorise(actor=team_manager, plan_id=plan.pk, version=plan.version)
    assert (plan.stage, plan.authorised_by) == ("authorised", team_manager)
    assert [v.reason.split(" on ")[0] for v in plan.versions.all()] == [
        "Outline plan agreed",
        "Sent for authorisation",
        "Sent for authorisation",
        "Authorised by Jordan Manager",
    ]
    # Changing the authorised plan starts a new draft; the authorised version stays as it was.
    plan = services.plan_update_detail(
        actor=social_worker,
        plan_id=plan.pk,
        version=plan.version,
        changes={"contingency_plan": "A legal planning meeting within 5 working days."},
    )
    assert plan.stage == "detailed_draft"
    authorised = plan.versions.get(number=4)
    assert authorised.content["contingency_plan"] == DETAIL["contingency_plan"]
    with (
        pytest.raises(DatabaseError, match=r"immutable|permission denied"),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute("UPDATE plans_planversion SET reason = 'x' WHERE id = %s", [authorised.pk])


def test_a_stale_save_is_a_conflict_and_changes_nothing(social_worker, team_manager, plan):
    services.plan_update_detail(
        actor=social_worker,
        plan_id=plan.pk,
        version=plan.version,
        changes={"cause_of_harm": "First"},
    )
    with pytest.raises(Conflict):
        services.plan_update_detail(
            actor=team_manager,
            plan_id=plan.pk,
            version=plan.version,
            changes={"cause_of_harm": "Second"},
        )
    plan.refresh_from_db()
    assert plan.cause_of_harm == "First"


def test_core_group_members_record_progress_on_their_own_actions_only(
    social_worker, core_group_member, plan, authority
):
    own = services.plan_action_add(
        actor=social_worker,
        plan_id=plan.pk,
        version=None,
        data=_action(
            responsible="",
            responsible_user=core_group_member,
            description="School reports attendance weekly",
        ),
    )
    other = services.plan_action_add(
        actor=social_worker, plan_id=plan.pk, version=None, data=_action()
    )
    services.plan_action_progress(
        actor=core_group_member, action_id=own.pk, status="on_track", note="Full week"
    )
    with pytest.raises(NotPermitted):
        services.plan_action_progress(actor=core_group_member, action_id=other.pk, status="done")
    with pytest.raises(NotPermitted):
        services.plan_update_detail(
            actor=core_group_member,
            plan_id=plan.pk,
            version=plan.version,
            changes={"cause_of_harm": "x"},
        )
    own.refresh_from_db()
    assert (own.status, own.rag) == ("on_track", "green")


def test_a_core_group_meeting_records_progress_and_opens_the_detailed_plan(social_worker, plan):
    action = services.plan_action_add(
        actor=social_worker, plan_id=plan.pk, version=None, data=_action()
    )
    meeting = services.core_group_meeting_record(
        actor=social_worker,
        plan_id=plan.pk,
        held_on=TODAY,
        attendees=["Robin Allocated", "Jo Example"],
        notes="Good progress.",
        action_updates=[ActionProgressInput(action.pk, "at_risk", "Missed one session")],
    )
    assert meeting.updates.get().status == "at_risk"
    with pytest.raises(DomainError) as caught:
        services.core_group_meeting_record(
            actor=social_worker,
            plan_id=plan.pk,
            held_on=TODAY,
            attendees=[],
            action_updates=[ActionProgressInput(action.pk, "brilliant")],
        )
    assert "action_updates[0].status" in caught.value.errors


def test_comparing_versions_shows_what_changed():
    older = {
        "actions": [
            {"id": "a", "description": "One", "due_on": "2027-01-01"},
            {"id": "b", "description": "Two"},
        ],
        "issues": [{"description": "Risk"}],
        "contingency_plan": "Old",
    }
    newer = {
        "actions": [
            {"id": "a", "description": "One", "due_on": "2027-02-01"},
            {"id": "c", "description": "Three"},
        ],
        "issues": [{"description": "Risk"}],
        "contingency_plan": "New",
    }
    found = plan_versions_compare(older, newer)
    assert [a["id"] for a in found["actions_added"]] == ["c"]
    assert [a["id"] for a in found["actions_removed"]] == ["b"]
    assert found["actions_changed"][0]["fields"] == {
        "due_on": {"from": "2027-01-01", "to": "2027-02-01"}
    }
    assert found["text"] == {"contingency_plan": {"from": "Old", "to": "New"}}

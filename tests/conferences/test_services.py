"""Strategy discussions and conferences, through their services."""

import datetime as dt

import pytest

from conferences import services
from conferences.models import Conference
from conferences.services import AttendeeInput, DecisionInput, OutcomeInput, ParentInput
from cpcase import access
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import Notification
from cpcase.timescales import deadlines_for
from plans.models import Plan
from plans.services import CoreGroupInput, IssueInput
from tests.factories import ChildFactory
from tests.support.working_days import at, last_working_day

pytestmark = pytest.mark.django_db
TODAY = last_working_day()  # conferences meet on working days
ISSUE = IssueInput(
    description="Home conditions are unsafe: no food in the house on three visits",
    risk_type="HRI",
    desired_outcome="Amelia has regular meals and a clean, safe home",
    improvement_required="Significant and sustained",
)


def _schedule(chair, child, kind="initial", actor=None):
    return services.conference_schedule(
        actor=actor or chair,
        kind=kind,
        child_ids=[child.pk],
        scheduled_for=at(TODAY),
        chair=chair,
        venue="Northbrook Civic Centre, Room 2",
    )


def _outcome(child, social_worker, core_group_member, **overrides):
    data = {
        "held_on": TODAY,
        "decisions": [DecisionInput(child_id=child.pk, decision="plan", category="NEG")],
        "attendees": [
            AttendeeInput(name="Dr Example", agency="Testford NHS Trust", role="GP"),
            AttendeeInput(
                name="PC Example",
                agency="Testshire Police",
                attendance="apologies",
                report_submitted=True,
            ),
        ],
        "parents": [ParentInput(name="Parent Example", relationship="Mother", attended=True)],
        "outline_plan": [ISSUE],
        "lead_social_worker": social_worker,
        "core_group": [
            CoreGroupInput(kind="professional", user=core_group_member, agency="Testford School"),
            CoreGroupInput(kind="parent_or_carer", name="Parent Example"),
        ],
        "unmet_needs": "Speech and language assessment",
        "quorate": True,
        "parents_informed": True,
        "child_informed": True,
    }
    data.update(overrides)
    return OutcomeInput(**data)


def test_a_strategy_discussion_opens_the_icpc_clock(social_worker, child):
    services.strategy_discussion_record(
        actor=social_worker, child_id=child.pk, held_on=TODAY, outcome="s47_enquiry"
    )
    (icpc,) = deadlines_for(child, TODAY)
    assert icpc.kind == "icpc" and icpc.status == "upcoming"


@pytest.mark.parametrize(
    ("held_on", "outcome", "field"),
    [(TODAY + dt.timedelta(days=1), "s47_enquiry", "held_on"), (TODAY, "maybe", "outcome")],
)
def test_bad_strategy_discussions_are_refused(social_worker, child, held_on, outcome, field):
    with pytest.raises(DomainError) as caught:
        services.strategy_discussion_record(
            actor=social_worker, child_id=child.pk, held_on=held_on, outcome=outcome
        )
    assert field in caught.value.errors
    assert not child.strategy_discussions.exists()


def test_a_worker_of_another_team_cannot_record_one(other_team_worker, child):
    with pytest.raises(NotFound):
        services.strategy_discussion_record(
            actor=other_team_worker, child_id=child.pk, held_on=TODAY, outcome="s47_enquiry"
        )


def test_scheduling_checks_the_kind_against_each_child(chair, child, social_worker):
    with pytest.raises(DomainError, match="no active plan to review"):
        _schedule(chair, child, kind="review")
    with pytest.raises(DomainError, match="pre-birth conference is for an unborn baby"):
        _schedule(chair, child, kind="pre_birth")
    with pytest.raises(NotPermitted):
        _schedule(chair, child, actor=social_worker)
    with pytest.raises(DomainError) as caught:
        services.conference_schedule(
            actor=chair,
            kind="initial",
            child_ids=[child.pk],
            scheduled_for=at(TODAY),
            chair=social_worker,
        )
    assert "chair" in caught.value.errors
    assert not Conference.objects.exists()


def test_the_chair_records_and_finalises_and_the_plan_starts(
    chair, child, social_worker, team_manager, core_group_member
):
    conference = _schedule(chair, child)
    services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=_outcome(
            child, social_worker, core_group_member, next_review_on=TODAY + dt.timedelta(days=60)
        ),
    )
    services.conference_finalise(actor=chair, conference_id=conference.pk)
    plan = Plan.objects.get(child=child)
    assert (plan.status, plan.initial_category, plan.started_on) == ("active", "NEG", TODAY)
    assert [i.risk_type for i in plan.issues.all()] == ["HRI"]
    assert plan.versions.get().number == 1
    assert {m.name for m in plan.core_group.all()} == {core_group_member.name, "Parent Example"}
    # The core group member now reads the plan, and nothing else of the case.
    assert access.can(core_group_member, access.Action.VIEW_PLAN, child)
    assert not access.can(core_group_member, access.Action.VIEW, child)
    told = set(
        Notification.objects.filter(kind="conference_finalised").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"sw.allocated", "tm.north", "cgm"}
    kinds = {d.kind: d for d in deadlines_for(child, TODAY)}
    assert kinds["review_conference"].due_on == TODAY + dt.timedelta(days=60)
    assert "first_core_group" in kinds and "statutory_visit" in kinds
    # The record is read-only now.
    with pytest.raises(DomainError, match="finalised"):
        services.conference_record_outcome(
            actor=chair,
            conference_id=conference.pk,
            data=_outcome(child, social_worker, core_group_member),
        )
    with pytest.raises(DomainError, match="already finalised"):
        services.conference_finalise(actor=chair, conference_id=conference.pk)


def test_only_the_conferences_chair_records_and_finalises(
    chair, authority, child, social_worker, core_group_member
):
    from tests.factories import UserFactory

    other_chair = UserFactory(username="chair2", authority=authority, roles=["conference_chair"])
    conference = _schedule(chair, child)
    with pytest.raises(NotPermitted):
        services.conference_record_outcome(
            actor=other_chair,
            conference_id=conference.pk,
            data=_outcome(child, social_worker, core_group_member),
        )
    services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=_outcome(child, social_worker, core_group_member),
    )
    with pytest.raises(NotPermitted):
        services.conference_finalise(actor=other_chair, conference_id=conference.pk)
    with pytest.raises(NotFound):  # a core group member cannot see the conference at all
        services.conference_finalise(actor=core_group_member, conference_id=conference.pk)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"decisions": []}, "decisions"),
        ({"decisions": "bad category"}, "decisions[0].category"),
        ({"outline_plan": []}, "outline_plan"),
        ({"lead_social_worker": None}, "lead_social_worker"),
        ({"core_group": []}, "core_group"),
        ({"held_on": TODAY + dt.timedelta(days=1)}, "held_on"),
        ({"next_review_on": TODAY}, "next_review_on"),
        (
            {"parents": [ParentInput(name="Parent Example", excluded=True)]},
            "parents[0].exclusion_reason",
        ),
        ({"parents_informed": False}, "parents_not_informed_reason"),
        ({"child_informed": False}, "child_not_informed_reason"),
        ({"outline_plan": [IssueInput("", "XXX", "", "")]}, "outline_plan[0].risk_type"),
    ],
)
def test_bad_outcomes_are_refused_and_change_nothing(
    chair, child, social_worker, core_group_member, overrides, field
):
    conference = _schedule(chair, child)
    if overrides.get("decisions") == "bad category":
        overrides["decisions"] = [DecisionInput(child_id=child.pk, decision="plan", category="XXX")]
    if field.startswith("outline_plan[0]"):
        field = "issues[0].risk_type"
        services.conference_record_outcome(
            actor=chair,
            conference_id=conference.pk,
            data=_outcome(child, social_worker, core_group_member, **overrides),
        )
        with pytest.raises(DomainError) as caught:
            services.conference_finalise(actor=chair, conference_id=conference.pk)
        assert field in caught.value.errors
        assert not Plan.objects.exists()
        return
    with pytest.raises(DomainError) as caught:
        services.conference_record_outcome(
            actor=chair,
            conference_id=conference.pk,
            data=_outcome(child, social_worker, core_group_member, **overrides),
        )
    assert field in caught.value.errors, caught.value.errors
    conference.refresh_from_db()
    assert conference.status == "scheduled"
    assert not conference.attendees.exists()


def test_an_inquorate_conference_cannot_start_a_plan(
    chair, child, social_worker, core_group_member
):
    conference = _schedule(chair, child)
    services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=_outcome(child, social_worker, core_group_member, quorate=False),
    )
    with pytest.raises(DomainError, match="not quorate"):
        services.conference_finalise(actor=chair, conference_id=conference.pk)
    assert not Plan.objects.exists()


def test_review_continues_then_discontinues(chair, child, social_worker, core_group_member):
    first = _schedule(chair, child)
    services.conference_record_outcome(
        actor=chair,
        conference_id=first.pk,
        data=_outcome(
            child,
            social_worker,
            core_group_member,
            held_on=last_working_day(TODAY - dt.timedelta(days=90)),
        ),
    )
    services.conference_finalise(actor=chair, conference_id=first.pk)
    review = _schedule(chair, child, kind="review")
    services.conference_record_outcome(
        actor=chair,
        conference_id=review.pk,
        data=_outcome(
            child,
            social_worker,
            core_group_member,
            held_on=last_working_day(TODAY - dt.timedelta(days=1)),
            decisions=[
                DecisionInput(child_id=child.pk, decision="continue", latest_category="EMO")
            ],
        ),
    )
    services.conference_finalise(actor=chair, conference_id=review.pk)
    plan = Plan.objects.get(child=child)
    assert (plan.initial_category, plan.latest_category) == ("NEG", "EMO")
    assert [v.number for v in plan.versions.all()] == [1, 2]
    last = _schedule(chair, child, kind="review")
    for step_down, decision, message in [
        ("girfec", "discontinue", "A GIRFEC plan is Scotland's"),
        ("child_in_need", "continue", "only when the plan ends"),
        ("a_hug", "discontinue", "Choose a child in need plan"),
    ]:
        with pytest.raises(DomainError) as refused:
            services.conference_record_outcome(
                actor=chair,
                conference_id=last.pk,
                data=_outcome(
                    child,
                    social_worker,
                    core_group_member,
                    decisions=[
                        DecisionInput(
                            child_id=child.pk,
                            decision=decision,
                            latest_category="EMO",
                            step_down=step_down,
                        )
                    ],
                ),
            )
        assert message in refused.value.errors["decisions[0].step_down"][0]
    services.conference_record_outcome(
        actor=chair,
        conference_id=last.pk,
        data=_outcome(
            child,
            social_worker,
            core_group_member,
            decisions=[
                DecisionInput(child_id=child.pk, decision="discontinue", step_down="child_in_need")
            ],
        ),
    )
    services.conference_finalise(actor=chair, conference_id=last.pk)
    plan.refresh_from_db()
    assert (plan.status, plan.ended_on, plan.end_reason) == ("ended", TODAY, "conference")
    assert plan.step_down == "child_in_need"
    assert not access.can(core_group_member, access.Action.VIEW_PLAN, child)


def test_siblings_at_one_conference(
    chair, child, team, authority, social_worker, core_group_member
):
    sibling = ChildFactory(
        first_name="Oliver", last_name="Testchild", team=team, responsible_authority=authority
    )
    conference = services.conference_schedule(
        actor=chair,
        kind="initial",
        child_ids=[child.pk, sibling.pk],
        scheduled_for=at(TODAY),
        chair=chair,
    )
    with pytest.raises(DomainError, match="Record a decision for Oliver Testchild"):
        services.conference_record_outcome(
            actor=chair,
            conference_id=conference.pk,
            data=_outcome(child, social_worker, core_group_member),
        )
    services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=_outcome(
            child,
            social_worker,
            core_group_member,
            decisions=[
                DecisionInput(child_id=child.pk, decision="plan", category="NEG"),
                DecisionInput(child_id=sibling.pk, decision="no_plan"),
            ],
        ),
    )
    services.conference_finalise(actor=chair, conference_id=conference.pk)
    assert Plan.objects.filter(child=child).exists()
    assert not Plan.objects.filter(child=sibling).exists()

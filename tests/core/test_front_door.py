"""The child in need episode: referral, assessment, section 47 enquiry, child in need
plan and closure (cpcase.front_door and the conferences' section 47 services)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conferences import services as conference_services
from conferences.models import StrategyDiscussion
from cpcase import front_door
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent, ChildInNeedPlan, Referral
from cpcase.validators import normalise_upn, upn_check_letter
from tests.factories import PlanFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _refer(actor, child, *, days_ago=30, nfa=False, next_step="assessment", **extra):
    return front_door.referral_record(
        actor=actor,
        child_id=child.pk,
        received_on=TODAY - dt.timedelta(days=days_ago),
        source=extra.pop("source", "2A"),
        primary_need=extra.pop("primary_need", "" if nfa else "N1"),
        nfa=nfa,
        next_step=next_step,
        referrer=front_door.ReferrerInput(name="Ms Test Teacher", agency="Anytown Primary"),
        **extra,
    )


def test_a_referral_opens_an_episode_and_is_audited(social_worker, child):
    referral = _refer(social_worker, child)
    assert referral.is_open
    assert front_door.open_episode(child) == referral
    assert AuditEvent.objects.filter(object_id=str(referral.pk), action="create").exists()


def test_a_second_open_episode_is_refused(social_worker, child):
    _refer(social_worker, child)
    with pytest.raises(DomainError) as e:
        _refer(social_worker, child, days_ago=5)
    assert "received_on" in e.value.errors
    assert Referral.objects.count() == 1


def test_an_nfa_referral_opens_nothing_and_needs_no_primary_need(social_worker, child):
    referral = _refer(social_worker, child, nfa=True, next_step="nfa")
    assert not referral.is_open
    assert front_door.open_episode(child) is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"source": "99"}, "source"),
        ({"primary_need": "N0"}, "primary_need"),
        ({"primary_need": ""}, "primary_need"),
        ({"next_step": "later"}, "next_step"),
        ({"nfa": True, "next_step": "assessment"}, "nfa"),
        ({"nfa": False, "next_step": "early_help"}, "nfa"),
        ({"days_ago": -3}, "received_on"),
    ],
)
def test_bad_referrals_name_the_field_and_change_nothing(social_worker, child, changes, field):
    with pytest.raises(DomainError) as e:
        _refer(social_worker, child, **changes)
    assert field in e.value.errors
    assert not Referral.objects.exists()


def test_re_referral_within_twelve_months(social_worker, child):
    first = _refer(social_worker, child, days_ago=300, nfa=True, next_step="nfa")
    second = _refer(social_worker, child, days_ago=20)
    assert not front_door.is_re_referral(first)
    assert front_door.is_re_referral(second)


def test_who_may_record(other_team_worker, police_enquirer, core_group_child, core_group_member):
    with pytest.raises((NotFound, NotPermitted)):
        _refer(other_team_worker, core_group_child)
    with pytest.raises(NotFound):
        _refer(police_enquirer, core_group_child)
    with pytest.raises((NotFound, NotPermitted)):
        _refer(core_group_member, core_group_child)


def test_assessment_authorised_by_the_team_manager_starts_a_cin_plan(
    social_worker, team_manager, child
):
    referral = _refer(social_worker, child, days_ago=40)
    assessment = front_door.assessment_record(
        actor=social_worker, child_id=child.pk, started_on=TODAY - dt.timedelta(days=39)
    )
    assert assessment.referral == referral
    with pytest.raises(NotPermitted):
        front_door.assessment_authorise(
            actor=social_worker,
            assessment_id=assessment.pk,
            authorised_on=TODAY,
            factors=["3B"],
            outcome="cin_plan",
        )
    with pytest.raises(DomainError) as e:
        front_door.assessment_authorise(
            actor=team_manager,
            assessment_id=assessment.pk,
            authorised_on=TODAY,
            factors=["21", "3B"],
            outcome="cin_plan",
        )
    assert "factors" in e.value.errors
    front_door.assessment_authorise(
        actor=team_manager,
        assessment_id=assessment.pk,
        authorised_on=TODAY - dt.timedelta(days=10),
        factors=["3B", "4B"],
        outcome="cin_plan",
    )
    plan = ChildInNeedPlan.objects.get(child=child)
    assert plan.started_on == TODAY - dt.timedelta(days=10)
    assert plan.referral == referral


def test_assessment_with_no_further_action_closes_the_episode(social_worker, team_manager, child):
    referral = _refer(social_worker, child, days_ago=40)
    assessment = front_door.assessment_record(
        actor=social_worker, child_id=child.pk, started_on=TODAY - dt.timedelta(days=39)
    )
    front_door.assessment_authorise(
        actor=team_manager,
        assessment_id=assessment.pk,
        authorised_on=TODAY - dt.timedelta(days=5),
        factors=["21"],
        outcome="nfa",
    )
    referral.refresh_from_db()
    assert referral.closed_on == TODAY - dt.timedelta(days=5)
    assert referral.closure_reason == "RC8"


def _section47_without_conference(actor, child, days_ago):
    discussion = conference_services.strategy_discussion_record(
        actor=actor,
        child_id=child.pk,
        held_on=TODAY - dt.timedelta(days=days_ago),
        outcome=StrategyDiscussion.Outcome.S47_ENQUIRY,
    )
    enquiry = conference_services.section47_start(
        actor=actor,
        child_id=child.pk,
        strategy_discussion_id=discussion.pk,
        started_on=TODAY - dt.timedelta(days=days_ago),
    )
    conference_services.section47_record_outcome(
        actor=actor,
        enquiry_id=enquiry.pk,
        conference_required=False,
        reason_not_required="Concerns not substantiated.",
    )


# What rule 2990 forbids in an episode closed RC8 or RC9: a section 47 enquiry, a child
# protection plan (and its initial conference), a child in need plan.
EPISODE_ACTIVITY = {
    "section47": lambda actor, child: _section47_without_conference(actor, child, 35),
    "child_protection_plan": lambda actor, child: PlanFactory(
        child=child,
        started_on=TODAY - dt.timedelta(days=35),
        ended_on=TODAY - dt.timedelta(days=20),
        status="ended",
    ),
    "child_in_need_plan": lambda actor, child: front_door.cin_plan_start(
        actor=actor, child_id=child.pk, started_on=TODAY - dt.timedelta(days=35)
    ),
}


@pytest.mark.parametrize("outcome", ["nfa", "early_help"])
@pytest.mark.parametrize("activity", sorted(EPISODE_ACTIVITY))
def test_an_assessment_ends_an_episode_with_more_in_it_as_rc7(
    social_worker, team_manager, child, activity, outcome
):
    referral = _refer(social_worker, child, days_ago=40, next_step="strategy_discussion")
    assessment = front_door.assessment_record(
        actor=social_worker, child_id=child.pk, started_on=TODAY - dt.timedelta(days=39)
    )
    EPISODE_ACTIVITY[activity](social_worker, child)
    front_door.assessment_authorise(
        actor=team_manager,
        assessment_id=assessment.pk,
        authorised_on=TODAY - dt.timedelta(days=5),
        factors=["21"],
        outcome=outcome,
    )
    referral.refresh_from_db()
    assert referral.closed_on == TODAY - dt.timedelta(days=5)
    assert referral.closure_reason == "RC7"


@pytest.mark.parametrize(("outcome", "reason"), [("nfa", "RC8"), ("early_help", "RC9")])
def test_an_assessment_alone_closes_as_rc8_or_rc9(
    social_worker, team_manager, child, outcome, reason
):
    referral = _refer(social_worker, child, days_ago=40)
    for started in (39, 30):  # two assessments are still assessments only
        assessment = front_door.assessment_record(
            actor=social_worker, child_id=child.pk, started_on=TODAY - dt.timedelta(days=started)
        )
        front_door.assessment_authorise(
            actor=team_manager,
            assessment_id=assessment.pk,
            authorised_on=TODAY - dt.timedelta(days=started - 20),
            factors=["21"],
            outcome=outcome if started == 30 else "strategy_discussion",
        )
    referral.refresh_from_db()
    assert referral.closure_reason == reason


@pytest.mark.parametrize("reason", ["RC8", "RC9"])
@pytest.mark.parametrize("activity", sorted(EPISODE_ACTIVITY))
def test_closure_after_assessment_is_refused_when_more_happened(
    social_worker, child, activity, reason
):
    referral = _refer(social_worker, child, days_ago=40, next_step="strategy_discussion")
    EPISODE_ACTIVITY[activity](social_worker, child)
    with pytest.raises(DomainError) as e:
        front_door.episode_close(
            actor=social_worker, referral_id=referral.pk, closed_on=TODAY, reason=reason
        )
    message = " ".join(e.value.errors["reason"])
    assert reason in message
    assert "RC7" in message
    assert {
        "section47": "section 47 enquiry",
        "child_protection_plan": "child protection plan",
        "child_in_need_plan": "child in need plan",
    }[activity] in message
    referral.refresh_from_db()
    assert referral.closed_on is None
    front_door.episode_close(
        actor=social_worker, referral_id=referral.pk, closed_on=TODAY, reason="RC7"
    )
    referral.refresh_from_db()
    assert referral.closure_reason == "RC7"


def test_activity_of_an_earlier_episode_does_not_count(social_worker, child):
    """A plan that began before the referral belongs to an earlier episode."""
    PlanFactory(
        child=child,
        started_on=TODAY - dt.timedelta(days=400),
        ended_on=TODAY - dt.timedelta(days=200),
        status="ended",
    )
    referral = _refer(social_worker, child, days_ago=40)
    front_door.episode_close(
        actor=social_worker, referral_id=referral.pk, closed_on=TODAY, reason="RC8"
    )
    referral.refresh_from_db()
    assert referral.closure_reason == "RC8"


def test_closure_waits_for_open_work(social_worker, team_manager, child):
    referral = _refer(social_worker, child, days_ago=60)
    PlanFactory(child=child, started_on=TODAY - dt.timedelta(days=30))
    with pytest.raises(DomainError) as e:
        front_door.episode_close(
            actor=social_worker, referral_id=referral.pk, closed_on=TODAY, reason="RC7"
        )
    assert "child protection plan" in str(e.value.errors["closed_on"])
    referral.refresh_from_db()
    assert referral.closed_on is None


def test_closure_as_died_needs_the_date_of_death(social_worker, child):
    referral = _refer(social_worker, child, days_ago=60)
    with pytest.raises(DomainError) as e:
        front_door.episode_close(
            actor=social_worker, referral_id=referral.pk, closed_on=TODAY, reason="RC2"
        )
    assert "reason" in e.value.errors


def test_closure_ends_the_cin_plan(social_worker, child):
    referral = _refer(social_worker, child, days_ago=60)
    front_door.cin_plan_start(
        actor=social_worker, child_id=child.pk, started_on=TODAY - dt.timedelta(days=50)
    )
    front_door.episode_close(
        actor=social_worker, referral_id=referral.pk, closed_on=TODAY, reason="RC7"
    )
    assert ChildInNeedPlan.objects.get(child=child).ended_on == TODAY


def test_section47_from_the_strategy_discussion(social_worker, child):
    referral = _refer(social_worker, child, days_ago=20, next_step="strategy_discussion")
    discussion = conference_services.strategy_discussion_record(
        actor=social_worker,
        child_id=child.pk,
        held_on=TODAY - dt.timedelta(days=19),
        outcome=StrategyDiscussion.Outcome.S47_ENQUIRY,
    )
    with pytest.raises(DomainError) as e:
        conference_services.section47_start(
            actor=social_worker,
            child_id=child.pk,
            strategy_discussion_id=discussion.pk,
            started_on=TODAY - dt.timedelta(days=25),
        )
    assert "started_on" in e.value.errors
    enquiry = conference_services.section47_start(
        actor=social_worker,
        child_id=child.pk,
        strategy_discussion_id=discussion.pk,
        started_on=TODAY - dt.timedelta(days=19),
    )
    assert enquiry.referral == referral
    # The episode cannot close while the enquiry waits for its outcome.
    with pytest.raises(DomainError):
        front_door.episode_close(
            actor=social_worker, referral_id=referral.pk, closed_on=TODAY, reason="RC7"
        )
    with pytest.raises(DomainError) as e:
        conference_services.section47_record_outcome(
            actor=social_worker, enquiry_id=enquiry.pk, conference_required=False
        )
    assert "reason_not_required" in e.value.errors
    conference_services.section47_record_outcome(
        actor=social_worker,
        enquiry_id=enquiry.pk,
        conference_required=False,
        reason_not_required="Concerns not substantiated; support under a child in need plan.",
    )
    front_door.episode_close(
        actor=social_worker, referral_id=referral.pk, closed_on=TODAY, reason="RC7"
    )


def test_section47_needs_an_open_episode(social_worker, child):
    discussion = conference_services.strategy_discussion_record(
        actor=social_worker,
        child_id=child.pk,
        held_on=TODAY - dt.timedelta(days=3),
        outcome=StrategyDiscussion.Outcome.S47_ENQUIRY,
    )
    with pytest.raises(DomainError) as e:
        conference_services.section47_start(
            actor=social_worker,
            child_id=child.pk,
            strategy_discussion_id=discussion.pk,
            started_on=TODAY - dt.timedelta(days=3),
        )
    assert "referral first" in str(e.value.errors["started_on"])


# --- The child's census items -----------------------------------------------------------


def test_upn_check_letter_and_format():
    body = "820200101001"
    upn = upn_check_letter("X" + body) + body
    assert normalise_upn(upn.lower()) == upn
    wrong = ("A" if upn[0] != "A" else "B") + body
    with pytest.raises(ValidationError):
        normalise_upn(wrong)
    with pytest.raises(ValidationError):
        normalise_upn("A12")


def test_disabilities_none_is_not_not_recorded(child):
    assert child.has_disability is None
    child.disabilities = ["NONE"]
    child.full_clean()
    assert child.has_disability is False
    child.disabilities = ["NONE", "VIS"]
    with pytest.raises(ValidationError) as e:
        child.full_clean()
    assert "disabilities" in e.value.message_dict
    child.disabilities = []
    with pytest.raises(ValidationError):
        child.full_clean()

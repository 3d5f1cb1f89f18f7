"""Looked after children with a plan, and complaints about conference decisions."""

import datetime as dt
import subprocess

import pytest

from conferences import services
from conferences.models import Complaint
from conferences.services import AttendeeInput, DecisionInput, OutcomeInput
from cpcase import access
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import Notification
from cpcase.timescales import deadlines_for
from plans.services import CoreGroupInput, IssueInput
from tests.factories import UserFactory
from tests.support.working_days import at, last_working_day

pytestmark = pytest.mark.django_db
TODAY = last_working_day()  # conferences meet on working days
ISSUE = IssueInput("Unsafe home conditions", "HRI", "A safe, clean home", "Significant")


def _conference(
    chair, child, social_worker, member, kind="initial", held_on=None, decision="plan", **extra
):
    conference = services.conference_schedule(
        actor=chair, kind=kind, child_ids=[child.pk], scheduled_for=at(TODAY), chair=chair
    )
    services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=OutcomeInput(
            held_on=held_on or TODAY,
            decisions=[
                DecisionInput(
                    child_id=child.pk, decision=decision, category="NEG", latest_category="NEG"
                )
            ],
            outline_plan=[ISSUE],
            lead_social_worker=social_worker,
            core_group=[CoreGroupInput(kind="professional", user=member)],
            quorate=True,
            **extra,
        ),
    )
    services.conference_finalise(actor=chair, conference_id=conference.pk)
    return conference


@pytest.fixture
def senior(authority):
    return UserFactory(username="senior.reviewer", authority=authority, roles=["senior_officer"])


def test_an_event_requires_a_review_and_tells_the_chair(
    chair, child, social_worker, core_group_member
):
    _conference(
        chair,
        child,
        social_worker,
        core_group_member,
        held_on=last_working_day(TODAY - dt.timedelta(days=30)),
    )
    services.looked_after_event_record(
        actor=social_worker, child_id=child.pk, kind="removed_by_parents", occurred_on=TODAY
    )
    required = [d for d in deadlines_for(child, TODAY) if d.kind == "review_conference_required"]
    assert len(required) == 1 and required[0].status == "upcoming"
    assert Notification.objects.filter(recipient=chair, kind="review_required").exists()


def test_the_first_review_after_becoming_looked_after_justifies_both_plans(
    chair, child, social_worker, core_group_member
):
    _conference(
        chair,
        child,
        social_worker,
        core_group_member,
        held_on=last_working_day(TODAY - dt.timedelta(days=90)),
    )
    child.looked_after, child.looked_after_since = True, TODAY - dt.timedelta(days=40)
    child.save()
    with pytest.raises(DomainError) as caught:
        _conference(
            chair, child, social_worker, core_group_member, kind="review", decision="continue"
        )
    assert "dual_plan_justification" in caught.value.errors
    _conference(
        chair,
        child,
        social_worker,
        core_group_member,
        kind="review",
        decision="continue",
        dual_plan_justification="Amelia has unsupervised contact with her father at home each weekend.",
    )


def test_a_reviewer_who_took_part_in_the_conference_is_refused(
    chair, child, social_worker, core_group_member, unit_manager, senior, authority
):
    attending = UserFactory(
        username="senior.attended", authority=authority, roles=["senior_officer"]
    )
    conference = _conference(
        chair,
        child,
        social_worker,
        core_group_member,
        attendees=[AttendeeInput(name=attending.name, user=attending, agency="Northbrook")],
    )
    complaint = services.complaint_record(
        actor=social_worker,
        conference_id=conference.pk,
        child_id=child.pk,
        complainant="Jo Example",
        complainant_is_child=False,
        received_on=TODAY,
        summary="I was not given the reports before the meeting.",
    )
    with pytest.raises(DomainError, match="took part in the conference"):
        services.complaint_assign_reviewer(
            actor=unit_manager, complaint_id=complaint.pk, reviewer=attending
        )
    with pytest.raises(DomainError, match="took part in the conference"):
        chair.groups.add(*senior.groups.all())
        chair.__dict__.pop("roles", None)
        services.complaint_assign_reviewer(
            actor=unit_manager, complaint_id=complaint.pk, reviewer=chair
        )
    with pytest.raises(NotPermitted):
        services.complaint_assign_reviewer(
            actor=social_worker, complaint_id=complaint.pk, reviewer=senior
        )
    assert not access.can(senior, access.Action.VIEW, child)
    services.complaint_assign_reviewer(
        actor=unit_manager, complaint_id=complaint.pk, reviewer=senior
    )
    assert access.can(senior, access.Action.VIEW, child)
    assert Notification.objects.filter(recipient=senior, kind="complaint_assigned").exists()


def test_the_reviewing_officer_decides_and_a_letter_says_why(
    chair, child, social_worker, core_group_member, unit_manager, senior
):
    conference = _conference(chair, child, social_worker, core_group_member)
    complaint = services.complaint_record(
        actor=social_worker,
        conference_id=conference.pk,
        child_id=child.pk,
        complainant="Jo Example",
        complainant_is_child=False,
        received_on=TODAY,
        summary="I was not given the reports before the meeting.",
    )
    services.complaint_assign_reviewer(
        actor=unit_manager, complaint_id=complaint.pk, reviewer=senior
    )
    with pytest.raises(NotPermitted):
        services.complaint_decide(
            actor=unit_manager,
            complaint_id=complaint.pk,
            outcome="upheld",
            reasons="x",
            decided_on=TODAY,
        )
    with pytest.raises(DomainError) as caught:
        services.complaint_decide(
            actor=senior, complaint_id=complaint.pk, outcome="maybe", reasons="", decided_on=TODAY
        )
    assert set(caught.value.errors) == {"outcome", "reasons"}
    services.complaint_decide(
        actor=senior,
        complaint_id=complaint.pk,
        outcome="partly_upheld",
        reasons="The reports reached you late; the decision itself was sound.",
        decided_on=TODAY,
    )
    complaint = Complaint.objects.get()
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=bytes(complaint.letter_pdf), capture_output=True, check=True
    ).stdout.decode()
    assert "I agree with part of your complaint" in text
    assert "reached you late" in " ".join(text.split())
    assert senior.name in text

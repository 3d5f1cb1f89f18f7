"""Outcome letters with WeasyPrint: what they say, that they are tagged, stored once."""

import datetime as dt
import subprocess

import pytest
from django.utils import timezone

from conferences import services
from conferences.models import Letter
from conferences.services import DecisionInput, OutcomeInput, ParentInput
from cpcase.errors import DomainError, NotFound
from cpcase.models import AuditEvent
from plans.services import CoreGroupInput, IssueInput
from tests.support.working_days import at, last_working_day

pytestmark = pytest.mark.django_db
TODAY = last_working_day()  # conferences meet on working days


def _text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def _finalised(chair, child, social_worker, core_group_member, capture, **overrides):
    conference = services.conference_schedule(
        actor=chair, kind="initial", child_ids=[child.pk], scheduled_for=at(TODAY), chair=chair
    )
    data = {
        "held_on": TODAY,
        "decisions": [DecisionInput(child_id=child.pk, decision="plan", category="NEG")],
        "parents": [
            ParentInput(name="Jo Example", relationship="Mother", attended=True),
            ParentInput(name="Sam Example", relationship="Father", invited=True),
        ],
        "outline_plan": [
            IssueInput(
                description="There was no food in the house on three visits",
                risk_type="HRI",
                desired_outcome="Amelia has three meals a day",
                improvement_required="Significant",
            )
        ],
        "lead_social_worker": social_worker,
        "core_group": [CoreGroupInput(kind="professional", user=core_group_member)],
        "reasons": "Amelia has often been hungry and alone at home.",
        "next_review_on": TODAY + dt.timedelta(days=84),
        "quorate": True,
        "parents_informed": True,
        "child_informed": True,
    }
    data.update(overrides)
    services.conference_record_outcome(
        actor=chair, conference_id=conference.pk, data=OutcomeInput(**data)
    )
    with capture(execute=True):
        services.conference_finalise(actor=chair, conference_id=conference.pk)
    return conference


def test_finalising_produces_a_letter_for_each_parent_and_the_child(
    chair, child, social_worker, core_group_member, django_capture_on_commit_callbacks
):
    conference = _finalised(
        chair, child, social_worker, core_group_member, django_capture_on_commit_callbacks
    )
    letters = list(Letter.objects.filter(conference=conference))
    assert sorted((x.kind, x.recipient) for x in letters) == [
        ("outcome_child", "Amelia Testchild"),
        ("outcome_parent", "Jo Example"),
        ("outcome_parent", "Sam Example"),
    ]
    parent = next(x for x in letters if x.recipient == "Jo Example")
    text = _text(bytes(parent.pdf))
    for expected in [
        "Northbrook Borough Council",
        "needs a child protection plan",
        "neglect",
        "Amelia has often been hungry",
        "There was no food in the house",
        social_worker.name,
        social_worker.phone,
        (TODAY + dt.timedelta(days=84)).strftime("%-d %B %Y"),
        "If you disagree",
        "Page 1 of",
    ]:
        assert expected in " ".join(text.split()), expected
    child_letter = next(x for x in letters if x.kind == "outcome_child")
    assert "Hello Amelia" in _text(bytes(child_letter.pdf))
    info = subprocess.run(
        ["pdfinfo", "-"], input=bytes(parent.pdf), capture_output=True, check=True
    )
    assert "Tagged:          yes" in info.stdout.decode()
    assert AuditEvent.objects.filter(action="letter", child_id=child.pk).count() == 3


def test_producing_again_makes_no_second_copy(
    chair, child, social_worker, core_group_member, django_capture_on_commit_callbacks
):
    conference = _finalised(
        chair, child, social_worker, core_group_member, django_capture_on_commit_callbacks
    )
    assert services.conference_letters_produce(conference_id=conference.pk) == []
    assert Letter.objects.filter(conference=conference).count() == 3


def test_no_letters_to_parents_who_must_not_be_told(
    chair, child, social_worker, core_group_member, django_capture_on_commit_callbacks
):
    conference = _finalised(
        chair,
        child,
        social_worker,
        core_group_member,
        django_capture_on_commit_callbacks,
        parents_informed=False,
        parents_not_informed_reason="Telling the father would put the mother at risk of serious injury.",
        child_informed=False,
        child_not_informed_reason="Amelia is too young to understand.",
    )
    assert not Letter.objects.filter(conference=conference).exists()


def test_reading_a_letter_checks_the_checksum_and_is_audited(
    chair,
    child,
    social_worker,
    core_group_member,
    other_team_worker,
    django_capture_on_commit_callbacks,
):
    conference = _finalised(
        chair, child, social_worker, core_group_member, django_capture_on_commit_callbacks
    )
    letter = Letter.objects.filter(conference=conference).first()
    _letter, data = services.letter_pdf(actor=social_worker, letter_id=letter.pk)
    assert data.startswith(b"%PDF")
    assert AuditEvent.objects.filter(actor=social_worker, action="letter").exists()
    with pytest.raises(NotFound):
        services.letter_pdf(actor=other_team_worker, letter_id=letter.pk)
    Letter.objects.filter(pk=letter.pk).update(pdf=b"%PDF tampered")
    with pytest.raises(DomainError, match="checksum"):
        services.letter_pdf(actor=social_worker, letter_id=letter.pk)


def test_recording_that_a_letter_was_sent(
    chair, child, social_worker, core_group_member, django_capture_on_commit_callbacks
):
    conference = _finalised(
        chair, child, social_worker, core_group_member, django_capture_on_commit_callbacks
    )
    letter = Letter.objects.filter(conference=conference).first()
    with pytest.raises(DomainError) as caught:
        services.letter_mark_sent(
            actor=social_worker,
            letter_id=letter.pk,
            sent_on=TODAY + dt.timedelta(days=1),
            sent_by="pigeon",
        )
    assert set(caught.value.errors) == {"sent_on", "sent_by"}
    services.letter_mark_sent(
        actor=social_worker, letter_id=letter.pk, sent_on=timezone.localdate(), sent_by="post"
    )
    letter.refresh_from_db()
    assert (letter.sent_on, letter.sent_by) == (timezone.localdate(), "post")

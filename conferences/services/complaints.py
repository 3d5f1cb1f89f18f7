"""Complaints about a conference's decision, reviewed by a senior officer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from conferences import selectors
from conferences.models import Complaint, Conference
from cpcase import access
from cpcase.audit import audit_record
from cpcase.documents import render_pdf, sha256
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent, Notification, User
from cpcase.services import NotificationRequest, notifications_raise


@transaction.atomic
def complaint_record(
    *,
    actor: User,
    conference_id: Any,
    child_id: Any,
    complainant: str,
    complainant_is_child: bool,
    received_on: dt.date,
    summary: str,
) -> Complaint:
    conference = selectors.conference_for(actor, conference_id)
    subject = (
        conference.subjects.filter(child=access.as_uuid(child_id)).select_related("child").first()
    )
    errors: dict[str, list[str]] = {}
    if subject is None:
        errors["child"] = ["Choose a child the conference was about."]
    if conference.status != Conference.Status.FINALISED:
        errors["conference"] = ["A complaint is about a conference's finalised decision."]
    if not complainant.strip():
        errors["complainant"] = ["Enter who is disagreeing."]
    if not summary.strip():
        errors["summary"] = ["Say what they disagree with."]
    if received_on > timezone.localdate():
        errors["received_on"] = ["A complaint cannot be received in the future."]
    if errors:
        raise DomainError(errors=errors)
    assert subject is not None  # noqa: S101 - checked above
    complaint = Complaint.objects.create(
        conference=conference,
        child=subject.child,
        complainant=complainant.strip(),
        complainant_is_child=complainant_is_child,
        received_on=received_on,
        summary=summary.strip(),
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=complaint,
        child=subject.child,
        summary=f"Recorded a complaint from {complaint.complainant}",
    )
    return complaint


def _took_part(user: User, conference: Conference) -> bool:
    return (
        conference.chair_id == user.pk
        or conference.scheduled_by_id == user.pk
        or conference.attendees.filter(user=user).exists()
    )


@transaction.atomic
def complaint_assign_reviewer(*, actor: User, complaint_id: Any, reviewer: User) -> Complaint:
    """A senior officer not involved in the meeting reviews it (enforced here)."""
    complaint = selectors.complaint_for(actor, complaint_id)
    if not access.may_assign_complaint_reviewer(actor):
        raise NotPermitted(
            "Only the safeguarding unit manager or a service leader assigns a reviewer."
        )
    if not access.may_review_complaints(reviewer):
        raise DomainError(errors={"reviewing_officer": ["Choose a senior officer."]})
    if _took_part(reviewer, complaint.conference):
        raise DomainError(
            errors={
                "reviewing_officer": [
                    f"{reviewer.name} took part in the conference: choose a senior officer who "
                    "was not involved in the meeting."
                ]
            }
        )
    if complaint.status not in (Complaint.Status.RECEIVED, Complaint.Status.UNDER_REVIEW):
        raise DomainError("This complaint has been decided.")
    complaint.reviewing_officer = reviewer
    complaint.status = Complaint.Status.UNDER_REVIEW
    complaint.save(update_fields=["reviewing_officer", "status"])
    assign_perm("cpcase.view_child", reviewer, complaint.child)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=complaint,
        child=complaint.child,
        summary=f"Assigned {reviewer.name} to review the complaint",
    )
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=reviewer.pk,
                kind=Notification.Kind.COMPLAINT_ASSIGNED,
                title="A complaint about a conference decision to review",
                body=f"{complaint.child.name}: complaint from {complaint.complainant}.",
                url=reverse("complaint-detail", args=[complaint.pk]),
                child_id=complaint.child_id,
                dedupe_key=f"complaint:{complaint.pk}:assigned:{reviewer.pk}",
            )
        ]
    )
    return complaint


@transaction.atomic
def complaint_decide(
    *, actor: User, complaint_id: Any, outcome: str, reasons: str, decided_on: dt.date
) -> Complaint:
    """The reviewing officer's decision, and the letter telling the complainant why."""
    complaint = selectors.complaint_for(actor, complaint_id)
    if complaint.reviewing_officer_id != actor.pk:
        raise NotPermitted("Only the reviewing officer decides this complaint.")
    errors: dict[str, list[str]] = {}
    decided = (Complaint.Status.UPHELD, Complaint.Status.PARTLY_UPHELD, Complaint.Status.NOT_UPHELD)
    if outcome not in decided:
        errors["outcome"] = ["Choose upheld, partly_upheld or not_upheld."]
    if not reasons.strip():
        errors["reasons"] = ["Give the reasons: they are written to the complainant."]
    if decided_on > timezone.localdate() or decided_on < complaint.received_on:
        errors["decided_on"] = ["The decision date is between receiving the complaint and today."]
    if complaint.status != Complaint.Status.UNDER_REVIEW:
        errors["status"] = ["This complaint is not waiting for a decision."]
    if errors:
        raise DomainError(errors=errors)
    complaint.status = outcome
    complaint.outcome_reasons = reasons.strip()
    complaint.decided_on = decided_on
    pdf = render_pdf(
        "letters/complaint_outcome.html",
        {
            "authority": complaint.child.responsible_authority,
            "complaint": complaint,
            "child": complaint.child,
            "officer": actor,
            "recipient": complaint.complainant,
            "today": timezone.localdate(),
        },
    )
    complaint.letter_pdf, complaint.letter_sha256 = pdf, sha256(pdf)
    complaint.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.LETTER,
        obj=complaint,
        child=complaint.child,
        summary=f"Decided the complaint: {complaint.get_status_display()}; letter produced",
        changes={"outcome": outcome, "sha256": complaint.letter_sha256},
    )
    return complaint


def complaint_letter_pdf(*, actor: User, complaint_id: Any) -> tuple[Complaint, bytes]:
    """The complaint's outcome letter, checked against its checksum; the read is audited."""
    complaint = selectors.complaint_for(actor, complaint_id)
    if not complaint.letter_pdf:
        raise NotFound("No letter has been produced for this complaint yet.")
    data = bytes(complaint.letter_pdf)
    if sha256(data) != complaint.letter_sha256:
        raise DomainError("This letter's stored copy does not match its checksum.")
    audit_record(
        actor=actor,
        action=AuditEvent.Action.LETTER,
        obj=complaint,
        child=complaint.child,
        summary=f"Opened the outcome letter of the complaint from {complaint.complainant}",
    )
    return complaint, data

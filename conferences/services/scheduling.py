"""Scheduling a conference for a child or a group of siblings, and its invitations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from conferences.models import Conference, ConferenceAttendee, ConferenceChild
from conferences.services.common import working_day_errors
from conferences.services.inputs import AttendeeInput
from conferences.transfers import transfer_in_schedule_errors
from cpcase import access, running_deadlines
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import AuditEvent, Child, Notification, User
from cpcase.services import NotificationRequest, notifications_raise
from plans.selectors import children_with_active_plan


def _request_errors(
    *,
    actor: User,
    kind: str,
    child_ids: list[Any],
    chair: User | None,
    invitations: Sequence[AttendeeInput],
) -> dict[str, list[str]]:
    """What is wrong with the request itself, before any child is read."""
    errors: dict[str, list[str]] = {}
    if kind not in Conference.Kind.values:
        errors["kind"] = ["Choose initial, review, pre_birth or transfer_in."]
    if not child_ids:
        errors["children"] = ["Choose the child or children the conference is about."]
    if len(set(map(str, child_ids))) != len(child_ids):
        errors["children"] = ["Each child can be named once."]
    if chair is None or not access.may_chair_conferences(chair):
        errors["chair"] = ["Choose a conference chair."]
    elif chair.authority_id != actor.authority_id:
        errors["chair"] = ["Choose a chair of your own authority."]
    errors.update(_invitation_errors(actor, invitations))
    return errors


def _children_errors(kind: str, children: list[Child]) -> list[str]:
    """Whether a conference of this kind can be about each of these children: a review
    needs an active plan, an initial or pre-birth conference needs none."""
    with_plan = children_with_active_plan(c.pk for c in children)
    messages: list[str] = []
    for child in children:
        active = child.pk in with_plan
        if kind == Conference.Kind.REVIEW and not active:
            messages.append(
                f"{child.name} has no active plan to review: schedule an initial conference."
            )
        if kind in (Conference.Kind.INITIAL, Conference.Kind.PRE_BIRTH) and active:
            messages.append(
                f"{child.name} already has an active plan: schedule a review conference."
            )
        if kind == Conference.Kind.PRE_BIRTH and not child.is_unborn:
            messages.append(f"{child.name} is born: a pre-birth conference is for an unborn baby.")
    return messages


def _invite(
    conference: Conference, invitations: Sequence[AttendeeInput]
) -> list[ConferenceAttendee]:
    """The invited professionals, named from their staff record where they have one."""
    return ConferenceAttendee.objects.bulk_create(
        ConferenceAttendee(
            conference=conference,
            user=i.user,
            name=(i.name.strip() or (i.user.name if i.user else "")),
            agency=(
                i.agency.strip()
                or (i.user.agency.name if i.user is not None and i.user.agency is not None else "")
            ),
            role=(i.role.strip() or (i.user.job_title if i.user else "")),
            attendance=ConferenceAttendee.Attendance.INVITED,
        )
        for i in invitations
    )


def _tell_invited(
    *,
    actor: User,
    conference: Conference,
    chair: User,
    children: list[Child],
    invited: list[ConferenceAttendee],
) -> None:
    """Invited staff (other than the one scheduling) are told at once."""
    when = timezone.localtime(conference.scheduled_for).strftime("%-d %B %Y at %H:%M")
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=a.user_id,
                kind=Notification.Kind.CONFERENCE_INVITATION,
                title=f"Invitation: {conference.get_kind_display().lower()} on {when}",
                body=(f"Venue: {conference.venue}. " if conference.venue else "")
                + f"Chair: {chair.name}.",
                url=reverse("conference-detail", args=[conference.pk]),
                child_id=children[0].pk if len(children) == 1 else None,
                dedupe_key=f"conference:{conference.pk}:invitation:{a.user_id}",
            )
            for a in invited
            if a.user_id and a.user_id != actor.pk
        ]
    )


def _audit_scheduled(
    actor: User, conference: Conference, children: list[Child], invited: list[ConferenceAttendee]
) -> None:
    for child in children:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=conference,
            child=child,
            summary=f"Scheduled a {conference.get_kind_display().lower()}",
            changes={
                "scheduled_for": conference.scheduled_for,
                "chair": conference.chair_id,
                "invited": [a.name for a in invited],
            },
        )


@transaction.atomic
@running_deadlines.after(running_deadlines.of_conference)
def conference_schedule(
    *,
    actor: User,
    kind: str,
    child_ids: list[Any],
    scheduled_for: dt.datetime,
    chair: User | None,
    venue: str = "",
    invitations: Sequence[AttendeeInput] = (),
) -> Conference:
    """Schedule a conference for one child or a group of siblings, inviting professionals
    (staff here, or others by name and agency); invited staff are told at once."""
    if not access.may_schedule_conference(actor):
        raise NotPermitted("Only a conference chair or a manager can schedule a conference.")
    errors = _request_errors(
        actor=actor, kind=kind, child_ids=child_ids, chair=chair, invitations=invitations
    )
    if errors:
        raise DomainError(errors=errors)
    children = [access.child_for(actor, pk) for pk in child_ids]
    if about_children := _children_errors(kind, children):
        errors["children"] = about_children
    authority_id = access.recording_authority(actor, children[0])
    day_errors = working_day_errors(timezone.localdate(scheduled_for), authority_id)
    if day_errors:
        errors["scheduled_for"] = day_errors
    if kind == Conference.Kind.TRANSFER_IN:
        for message in transfer_in_schedule_errors(children, actor.authority_id):
            errors.setdefault("children", []).append(message)
    if errors:
        raise DomainError(errors=errors)
    assert chair is not None  # checked above; for the type checker  # noqa: S101
    conference = Conference.objects.create(
        authority_id=authority_id,
        kind=kind,
        scheduled_for=scheduled_for,
        chair=chair,
        venue=venue.strip(),
        scheduled_by=actor,
    )
    ConferenceChild.objects.bulk_create(
        ConferenceChild(conference=conference, child=child) for child in children
    )
    invited = _invite(conference, invitations)
    _tell_invited(
        actor=actor, conference=conference, chair=chair, children=children, invited=invited
    )
    _audit_scheduled(actor, conference, children, invited)
    return conference


def _invitation_errors(actor: User, invitations: Sequence[AttendeeInput]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    seen: set[Any] = set()
    for i, invitation in enumerate(invitations):
        user = invitation.user
        if user is None:
            if not invitation.name.strip():
                errors[f"invitations[{i}].name"] = ["Enter the name of each professional invited."]
            elif not invitation.agency.strip():
                errors[f"invitations[{i}].agency"] = [
                    f"Enter the agency of {invitation.name.strip()}."
                ]
            key: Any = (invitation.name.strip().lower(), invitation.agency.strip().lower())
        else:
            if not user.is_active or (
                user.authority_id != actor.authority_id and not access.is_outside_professional(user)
            ):
                errors[f"invitations[{i}].user"] = ["Choose a member of staff who can be invited."]
            elif not access.takes_part_in_case_work(user):
                errors[f"invitations[{i}].user"] = [
                    f"{user.name} has no part in case work and cannot be invited."
                ]
            key = user.pk
        if key in seen:
            errors.setdefault(f"invitations[{i}].name", []).append(
                "Each professional can be invited once."
            )
        seen.add(key)
    return errors

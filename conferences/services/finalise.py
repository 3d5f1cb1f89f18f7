"""Finalising: the chair's act that starts, continues or ends each child's plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from conferences import selectors
from conferences.models import Conference, ConferenceChild
from conferences.services.common import Decision
from conferences.tasks import produce_letters
from conferences.transfers import transfer_in_decided
from cpcase import access, running_deadlines
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import AuditEvent, Child, Notification, User
from cpcase.selectors import child_team_managers
from cpcase.services import NotificationRequest, child_allocate_by_conference, notifications_raise
from plans import services as plan_services
from plans.models import Plan
from plans.selectors import active_plans_by_child
from plans.services import CoreGroupInput, IssueInput


def _issues(subject: ConferenceChild) -> list[IssueInput]:
    return [IssueInput(**issue) for issue in subject.outline_plan]


def _core_group(subject: ConferenceChild) -> list[CoreGroupInput]:
    users = {
        str(u.pk): u
        for u in User.objects.filter(
            pk__in=[m["user"] for m in subject.core_group if m.get("user")]
        )
    }
    return [
        CoreGroupInput(
            kind=m["kind"],
            name=m["name"],
            user=users.get(m["user"]) if m.get("user") else None,
            person_id=m.get("person_id"),
            agency=m.get("agency", ""),
        )
        for m in subject.core_group
    ]


def _subjects_to_finalise(actor: User, conference: Conference) -> list[ConferenceChild]:
    """The children of a held conference that its chair may finalise; a conference that
    was not quorate cannot start a plan."""
    if not access.may_finalise_conference(actor, conference):
        raise NotPermitted("Only the conference's chair can finalise it.")
    if conference.status == Conference.Status.FINALISED:
        raise DomainError("This conference is already finalised.")
    if conference.status != Conference.Status.HELD:
        raise DomainError("Record the conference's outcome before finalising it.")
    subjects = list(conference.subjects.select_related("child", "lead_social_worker"))
    if conference.quorate is False and any(s.decision == Decision.PLAN for s in subjects):
        raise DomainError(
            errors={"quorate": ["The conference was not quorate: it cannot start a plan."]}
        )
    return subjects


def _start_plan(
    actor: User, conference: Conference, subject: ConferenceChild, child: Child, held_on: dt.date
) -> Plan:
    interval = (
        (subject.visit_interval_value, subject.visit_interval_unit)
        if subject.visit_interval_value
        else None
    )
    return plan_services.plan_start(
        actor=actor,
        child=child,
        started_on=held_on,
        category=subject.category,
        issues=_issues(subject),
        lead_social_worker=subject.lead_social_worker,
        core_group=_core_group(subject),
        pre_birth=conference.kind == Conference.Kind.PRE_BIRTH,
        visit_interval=interval,
        core_group_interval_days=subject.core_group_interval_days,
        reason=f"Outline plan agreed at the {conference.get_kind_display().lower()} "
        f"on {held_on:%d %B %Y}",
    )


def _carry_out_decision(
    actor: User,
    conference: Conference,
    subject: ConferenceChild,
    *,
    child: Child,
    active: Plan | None,
    held_on: dt.date,
) -> None:
    """Start, continue or end the child's plan as the conference decided, and remember
    which plan on the child's record of the conference."""
    if subject.decision == Decision.PLAN:
        subject.plan_id = _start_plan(actor, conference, subject, child, held_on).pk
    elif subject.decision == Decision.CONTINUE:
        if active is None:
            raise DomainError(errors={"decisions": [f"{child.name} has no active plan."]})
        plan = plan_services.plan_continue(
            actor=actor,
            plan=active,
            reviewed_on=held_on,
            latest_category=subject.latest_category,
            lead_social_worker=subject.lead_social_worker,
            core_group=_core_group(subject) if subject.core_group else None,
        )
        subject.plan_id = plan.pk
    elif subject.decision == Decision.DISCONTINUE:
        if active is None:
            raise DomainError(errors={"decisions": [f"{child.name} has no active plan."]})
        plan_services.plan_end(
            actor=actor,
            plan=active,
            ended_on=held_on,
            reason=Plan.EndReason.CONFERENCE,
            step_down=subject.step_down,
        )
        subject.plan_id = active.pk
    subject.save(update_fields=["plan_id"])


def _tell_finalised(
    actor: User, conference: Conference, subjects: list[ConferenceChild], recipients: set[Any]
) -> None:
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=user_id,
                kind=Notification.Kind.CONFERENCE_FINALISED,
                title=f"{conference.get_kind_display()} finalised",
                body="; ".join(f"{s.child.name}: {s.get_decision_display()}" for s in subjects),
                url=reverse("conference-detail", args=[conference.pk]),
                child_id=subjects[0].child_id if len(subjects) == 1 else None,
                dedupe_key=f"conference:{conference.pk}:finalised:{user_id}",
            )
            for user_id in recipients
            if user_id != str(actor.pk)
        ]
    )


@transaction.atomic
@running_deadlines.after(running_deadlines.of_conference)
def conference_finalise(*, actor: User, conference_id: Any) -> Conference:
    """The chair's act alone: start, continue or end each child's plan, and make the
    record read-only. Deadlines follow from the records; the people concerned are told."""
    conference = selectors.conference_for(actor, conference_id)
    conference = Conference.objects.select_for_update().get(pk=conference.pk)
    subjects = _subjects_to_finalise(actor, conference)
    held_on = conference.held_on
    assert held_on is not None  # a held conference has its date (a database constraint)  # noqa: S101
    recipients: set[Any] = set()
    for subject in subjects:
        child = subject.child
        active = active_plans_by_child([child.pk]).get(child.pk)
        if conference.kind == Conference.Kind.TRANSFER_IN:
            child = transfer_in_decided(actor=actor, conference=conference, subject=subject)
        _carry_out_decision(actor, conference, subject, child=child, active=active, held_on=held_on)
        if subject.lead_social_worker is not None:
            child = child_allocate_by_conference(
                actor=actor, child=child, lead_social_worker=subject.lead_social_worker
            )
        recipients |= _people_to_tell(child, subject)
    conference.status = Conference.Status.FINALISED
    conference.finalised_at = timezone.now()
    conference.version += 1
    conference.save()
    for subject in subjects:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=conference,
            child=subject.child,
            summary=f"Finalised the conference: {subject.get_decision_display()}",
            changes={"decision": subject.decision, "plan": subject.plan_id},
        )
    # robust: a broker that is down must not turn a finalised conference into an error
    # page; the letters can be produced again at any time (each once).
    transaction.on_commit(lambda: produce_letters.delay(str(conference.pk)), robust=True)
    _tell_finalised(actor, conference, subjects, recipients)
    return conference


def _people_to_tell(child: Child, subject: ConferenceChild) -> set[Any]:
    """The lead social worker, the team's managers and the core group's professionals."""
    people: set[Any] = set()
    if child.lead_social_worker_id:
        people.add(child.lead_social_worker_id)
    people |= set(child_team_managers(child).values_list("pk", flat=True))
    people |= {m["user"] for m in subject.core_group if m.get("user")}
    return {str(p) for p in people}

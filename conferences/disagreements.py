"""Professional disagreement with the conference chair about a child's plan.

The lead social worker or a team manager of the child's team records what they disagree
with and what they want instead. The guidance sends it to a senior operational manager:
in our roles that is the service leader of the child's responsible authority
(``access.may_resolve_disagreement``), who is told at once and records the outcome
(upheld, not upheld, or resolved by agreement, with the reasons); the raiser and the chair
are then told. Services, selectors and the chronology provider of disagreements.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from conferences import selectors
from conferences.models import Conference, ConferenceChild, Disagreement
from conferences.selectors import HELD
from cpcase import access, read_audit
from cpcase.audit import audit_record
from cpcase.chronology import Event
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent, Child, Notification, User
from cpcase.services import NotificationRequest, notifications_raise
from plans.models import Plan
from plans.selectors import plan_by_id, plan_for


def _about_conference(
    actor: User, conference_id: Any, child_id: Any
) -> tuple[Child, Conference, Plan | None]:
    conference = selectors.conference_for(actor, conference_id)
    subjects = list(conference.subjects.select_related("child"))
    chosen: ConferenceChild | None
    if child_id:
        chosen = next((s for s in subjects if str(s.child_id) == str(child_id)), None)
        if chosen is None:
            raise DomainError(errors={"child": ["Choose a child the conference was about."]})
    elif len(subjects) == 1:
        chosen = subjects[0]
    else:
        raise DomainError(errors={"child": ["Choose the child whose plan it is about."]})
    if conference.status not in HELD:
        raise DomainError(
            errors={"conference": ["The conference has not been held: there is no decision yet."]}
        )
    plan = plan_by_id(chosen.plan_id) if chosen.plan_id else None
    return chosen.child, conference, plan


def _about_plan(actor: User, plan_id: Any) -> tuple[Child, Conference | None, Plan]:
    plan = plan_for(actor, plan_id)
    # The chair of the latest conference that decided about this plan.
    subject = (
        ConferenceChild.objects.filter(plan_id=plan.pk, conference__status__in=HELD)
        .select_related("conference")
        .order_by("-conference__held_on")
        .first()
    )
    return plan.child, (subject.conference if subject else None), plan


def _raise_errors(
    what_is_disagreed: str, wanted_instead: str, raised_on: dt.date, conference: Conference | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (what_is_disagreed or "").strip():
        errors["what_is_disagreed"] = ["Say what you disagree with."]
    if not (wanted_instead or "").strip():
        errors["wanted_instead"] = ["Say what you want instead."]
    if raised_on > timezone.localdate():
        errors["raised_on"] = ["A disagreement cannot be raised in the future."]
    if conference is not None and conference.held_on and raised_on < conference.held_on:
        errors["raised_on"] = ["The disagreement is raised after the conference was held."]
    return errors


def _tell_service_leaders(actor: User, child: Child, disagreement: Disagreement) -> None:
    """The service leaders of the child's responsible authority resolve it."""
    leaders = (
        User.objects.filter(
            access.resolves_disagreements(),
            is_active=True,
            authority_id=child.responsible_authority_id,
        )
        .exclude(pk=actor.pk)
        .values_list("pk", flat=True)
        .distinct()
    )
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=pk,
                kind=Notification.Kind.DISAGREEMENT_RAISED,
                title="A professional disagreement with a conference chair to resolve",
                body=f"{child.name}: {actor.name} disagrees with the chair about the plan.",
                url=reverse("disagreement-detail", args=[disagreement.pk]),
                child_id=child.pk,
                dedupe_key=f"disagreement:{disagreement.pk}:raised:{pk}",
            )
            for pk in leaders
        ]
    )


@transaction.atomic
def disagreement_raise(
    *,
    actor: User,
    what_is_disagreed: str,
    wanted_instead: str,
    conference_id: Any = None,
    plan_id: Any = None,
    child_id: Any = None,
    raised_on: dt.date | None = None,
) -> Disagreement:
    """Record a disagreement with the conference chair about a plan; the service leader of
    the child's responsible authority is told."""
    if bool(conference_id) == bool(plan_id):
        raise DomainError(
            errors={"conference": ["Say which conference or which plan the disagreement is about."]}
        )
    conference: Conference | None
    plan: Plan | None
    if conference_id:
        child, conference, plan = _about_conference(actor, conference_id, child_id)
    else:
        child, conference, plan = _about_plan(actor, plan_id)
    if not access.may_raise_disagreement(actor, child):
        raise NotPermitted(
            "Only the lead social worker or the team manager of the child's team records a "
            "disagreement with the chair."
        )
    raised_on = raised_on or timezone.localdate()
    errors = _raise_errors(what_is_disagreed, wanted_instead, raised_on, conference)
    if errors:
        raise DomainError(errors=errors)
    disagreement = Disagreement.objects.create(
        child=child,
        conference=conference,
        plan=plan,
        authority_id=access.recording_authority(actor, child),
        chair_id=conference.chair_id if conference else None,
        raised_by=actor,
        raised_on=raised_on,
        what_is_disagreed=what_is_disagreed.strip(),
        wanted_instead=wanted_instead.strip(),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=disagreement,
        child=child,
        summary="Raised a disagreement with the conference chair",
        changes={
            "conference": conference.pk if conference else None,
            "plan": plan.pk if plan else None,
        },
    )
    _tell_service_leaders(actor, child, disagreement)
    return disagreement


def disagreement_for(actor: User, disagreement_id: Any) -> Disagreement:
    """A disagreement about a child the actor may see, of a record theirs to read; 404."""
    pk = access.as_uuid(disagreement_id)
    found = (
        Disagreement.objects.select_related(
            "child", "conference", "plan", "chair", "raised_by", "resolved_by"
        )
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if (
        found is None
        or not access.can(actor, access.Action.VIEW, found.child)
        or not access.may_read_record(actor, found.child, found.authority_id)
    ):
        raise NotFound("No disagreement was found.")
    return found


def _resolve_errors(
    disagreement: Disagreement, outcome: str, reasons: str, resolved_on: dt.date
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if disagreement.status != Disagreement.Status.OPEN:
        errors["non_field_errors"] = ["This disagreement has already been resolved."]
    if outcome not in Disagreement.Outcome.values:
        errors["outcome"] = ["Choose upheld, not upheld, or resolved by agreement."]
    if not (reasons or "").strip():
        errors["reasons"] = ["Give the reasons for the outcome."]
    if resolved_on > timezone.localdate() or resolved_on < disagreement.raised_on:
        errors["resolved_on"] = ["The outcome is dated between the disagreement and today."]
    return errors


def _tell_resolved(actor: User, disagreement: Disagreement) -> None:
    """The raiser and the chair are told the outcome."""
    told = {disagreement.raised_by_id, disagreement.chair_id} - {None, actor.pk}
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=pk,
                kind=Notification.Kind.DISAGREEMENT_RESOLVED,
                title=f"A professional disagreement: {disagreement.get_outcome_display().lower()}",
                body=(
                    f"{disagreement.child.name}: {disagreement.get_outcome_display()}. "
                    f"{disagreement.outcome_reasons}"
                ),
                url=reverse("disagreement-detail", args=[disagreement.pk]),
                child_id=disagreement.child_id,
                dedupe_key=f"disagreement:{disagreement.pk}:resolved:{pk}",
            )
            for pk in told
        ]
    )


@transaction.atomic
def disagreement_resolve(
    *,
    actor: User,
    disagreement_id: Any,
    outcome: str,
    reasons: str,
    resolved_on: dt.date | None = None,
) -> Disagreement:
    """The service leader records the outcome; the raiser and the chair are told."""
    disagreement = disagreement_for(actor, disagreement_id)
    if not access.may_resolve_disagreement(actor, disagreement.child):
        raise NotPermitted(
            "Only the service leader of the child's responsible authority resolves a disagreement."
        )
    disagreement = (
        Disagreement.objects.select_for_update(of=("self",))
        .select_related("child")
        .get(pk=disagreement.pk)
    )
    resolved_on = resolved_on or timezone.localdate()
    errors = _resolve_errors(disagreement, outcome, reasons, resolved_on)
    if errors:
        raise DomainError(errors=errors)
    disagreement.status = Disagreement.Status.RESOLVED
    disagreement.outcome = outcome
    disagreement.outcome_reasons = reasons.strip()
    disagreement.resolved_by = actor
    disagreement.resolved_on = resolved_on
    disagreement.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=disagreement,
        child=disagreement.child,
        summary=f"Resolved the disagreement: {disagreement.get_outcome_display()}",
        changes={"outcome": outcome, "resolved_on": resolved_on},
    )
    _tell_resolved(actor, disagreement)
    return disagreement


# --- Reads ---------------------------------------------------------------------------


def disagreements_visible_to(user: User) -> QuerySet[Disagreement]:
    """The disagreements about children the user may see, of records theirs to read."""
    return (
        Disagreement.objects.filter(
            child__in=access.children_visible_to(user),
        )
        .filter(access.records_visible_q(user))
        .select_related("child", "conference", "plan", "chair", "raised_by", "resolved_by")
        .order_by("status", "-raised_on", "-created_at")
    )


def disagreement_get_for_view(*, user: User, disagreement_id: Any) -> Disagreement:
    disagreement = disagreement_for(user, disagreement_id)
    read_audit.record_objects(
        user=user, objects=[disagreement], summary="Viewed a professional disagreement"
    )
    return disagreement


def record_disagreement_reads(
    *, user: User, disagreements: Iterable[Disagreement], summary: str
) -> None:
    read_audit.record_objects(user=user, objects=disagreements, summary=summary)


def disagreement_chronology(child: Child) -> Iterable[Event]:
    for d in Disagreement.objects.filter(child=child).select_related("raised_by"):
        yield Event(
            on=d.raised_on,
            at=d.created_at,
            kind=Notification.Kind.DISAGREEMENT_RAISED,
            title="Professional disagreement with the conference chair raised",
            detail=f"By {d.raised_by.name}",
            source="conferences",
            object_id=str(d.pk),
            authority_id=d.authority_id,
        )
        if d.resolved_on is not None:
            yield Event(
                on=d.resolved_on,
                at=None,
                kind=Notification.Kind.DISAGREEMENT_RESOLVED,
                title=f"Professional disagreement: {d.get_outcome_display().lower()}",
                detail=d.outcome_reasons[:200],
                source="conferences",
                object_id=str(d.pk),
                authority_id=d.authority_id,
            )

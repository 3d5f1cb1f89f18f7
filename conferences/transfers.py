"""Transfer-in: a child with a plan in one authority moves into another's area.

The receiving authority records the notice of the move (its safeguarding unit manager or
a team manager). The notice starts the transfer-in conference deadline
(``TimescaleKind.TRANSFER_IN``, :func:`conferences.selectors.transfer_in_deadlines`) and
makes the receiving authority the one where the child lives. When the receiving
authority's transfer-in conference makes a plan and is finalised, the receiving
authority becomes responsible, the original authority's plan ends as a move, the new plan
starts, and the original authority's safeguarding unit manager is told.

How the receiving authority sees the child: before the notice it cannot (the child is
another authority's). Its unit manager finds the child on the register (the register's
answer gives the child's reference); a child on the register (with an active plan) may be
named in a notice by whoever may record notices, and the notice page shows no more than
the register's answer does. Recording the notice makes the receiving authority the
authority of residence (so its authority-wide staff see the child by the ordinary scope,
as for any child placed in their area) and grants the recorder the child one by one. The
original authority's records stay its own (readable by the receiving authority only
through a historic release, as for any move).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from conferences.models import Conference, ConferenceChild, TransferNotice
from cpcase import access, running_deadlines
from cpcase.audit import audit_record
from cpcase.chronology import Event
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent, Authority, Child, Notification, User
from cpcase.services import (
    AddressInput,
    NotificationRequest,
    child_move_in_record,
    child_responsibility_transfer,
    notifications_raise,
)
from plans import services as plan_services
from plans.models import Plan
from plans.selectors import active_plan_of


def child_for_notice(actor: User, child_id: Any) -> Child:
    """The child a notice is about: one the actor sees, or (for those who record notices)
    a child on the register, whom the register's answer has already named to them."""
    pk = access.as_uuid(child_id)
    child = (
        Child.objects.select_related("responsible_authority", "resident_authority")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if child is None:
        raise NotFound("No child was found.")
    if access.can(actor, access.Action.VIEW, child):
        return child
    on_register = active_plan_of(child.pk) is not None
    if on_register and access.may_record_transfer_notices(actor):
        return child
    raise NotFound("No child was found.")


def _unit_managers(authority_id: Any, *, besides: User) -> list[Any]:
    return list(
        User.objects.filter(access.register_keepers(), is_active=True, authority_id=authority_id)
        .exclude(pk=besides.pk)
        .values_list("pk", flat=True)
        .distinct()
    )


def _notice_errors(
    actor: User, child: Child, notified_on: dt.date, from_authority: str
) -> tuple[Authority | None, dict[str, list[str]]]:
    """The authority the child moved from, and what is wrong with the notice: that
    authority is responsible for the child, whose plan is active since before the notice."""
    errors: dict[str, list[str]] = {}
    if notified_on > timezone.localdate():
        errors["notified_on"] = ["The notice cannot be dated in the future."]
    origin = Authority.objects.filter(code=(from_authority or "").strip()).first()
    if origin is None:
        errors["from_authority"] = ["Give the code of the authority the child moved from."]
    elif origin.pk == actor.authority_id:
        errors["from_authority"] = ["The child moved from another authority, not your own."]
    elif origin.pk != child.responsible_authority_id:
        errors["from_authority"] = [
            f"{origin.name} is not responsible for {child.name}: "
            f"{child.responsible_authority.name} is."
        ]
    active = active_plan_of(child.pk)
    if active is None:
        errors["child"] = [f"{child.name} has no active plan: no transfer-in conference is needed."]
    elif notified_on < active.started_on:
        errors["notified_on"] = ["The notice is before the child's plan started."]
    return origin, errors


def _tell_notice(actor: User, child: Child, origin: Authority, notice: TransferNotice) -> None:
    """Both authorities' unit managers are told that a transfer-in conference is due."""
    receiving = actor.authority.name if actor.authority else "the receiving authority"
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=pk,
                kind=Notification.Kind.TRANSFER_NOTICE,
                title="Notice of a move: a transfer-in conference is due",
                body=(
                    f"{child.name} has moved from {origin.name} to {receiving} "
                    f"(notice of {notice.notified_on:%-d %B %Y}). A transfer-in conference is due."
                ),
                url=reverse("child-detail", args=[child.pk]),
                child_id=child.pk,
                dedupe_key=f"transfer_notice:{notice.pk}:{pk}",
            )
            for pk in _unit_managers(actor.authority_id, besides=actor)
            + _unit_managers(origin.pk, besides=actor)
        ]
    )


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def transfer_notice_record(
    *,
    actor: User,
    child_id: Any,
    notified_on: dt.date,
    from_authority: str,
    address: AddressInput | None = None,
) -> TransferNotice:
    """The receiving authority records the notice of a child's move into its area."""
    child = child_for_notice(actor, child_id)
    if not access.may_record_transfer_notice(actor, child):
        raise NotPermitted(
            "Only the receiving authority's safeguarding unit manager or a team manager "
            "records the notice of a move in, for a child another authority is responsible for."
        )
    origin, errors = _notice_errors(actor, child, notified_on, from_authority)
    if errors:
        raise DomainError(errors=errors)
    assert origin is not None  # checked above  # noqa: S101
    child = child_move_in_record(actor=actor, child=child, address=address, on=notified_on)
    try:
        with transaction.atomic():
            notice = TransferNotice.objects.create(
                child=child,
                notified_on=notified_on,
                from_authority=origin,
                from_authority_name=origin.name,
                authority_id=actor.authority_id,
                address=child.address if address is not None else None,
                recorded_by=actor,
            )
    except IntegrityError as e:
        raise DomainError(
            errors={"child": [f"A notice of {child.name}'s move is already open."]}
        ) from e
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=notice,
        child=child,
        summary=f"Recorded notice of a move in from {origin.name}",
        changes={"notified_on": notified_on, "from_authority": origin.code},
    )
    _tell_notice(actor, child, origin, notice)
    return notice


def open_notice(child: Child, authority_id: Any) -> TransferNotice | None:
    return (
        TransferNotice.objects.filter(
            child=child, authority_id=authority_id, status=TransferNotice.Status.OPEN
        )
        .select_related("from_authority")
        .first()
    )


def transfer_in_schedule_errors(children: Iterable[Child], authority_id: Any) -> list[str]:
    """A transfer-in conference follows a notice of the move recorded by this authority."""
    return [
        f"Record the notice of {child.name}'s move in before scheduling a transfer-in conference."
        for child in children
        if open_notice(child, authority_id) is None
    ]


def _tell_origin_of_decision(
    actor: User,
    child: Child,
    notice: TransferNotice,
    receiving: Authority,
    origin_id: Any,
    made_plan: bool,
) -> None:
    """The original authority's unit managers are told what the conference decided."""
    when = f"{receiving.name}'s transfer-in conference on {notice.completed_on:%-d %B %Y}"
    body = (
        f"{child.name}: {when} made a plan. {receiving.name} is now responsible; your plan "
        "has ended (moved to another authority)."
        if made_plan
        else f"{child.name}: {when} decided that no plan is needed there. Your plan is still "
        "open: decide whether it ends (the child has moved)."
    )
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=pk,
                kind=Notification.Kind.TRANSFER_COMPLETED
                if made_plan
                else Notification.Kind.TRANSFER_NO_PLAN,
                title="A transfer-in conference about a child of yours was held",
                body=body,
                url="/notifications/",
                child_id=child.pk,
                dedupe_key=f"transfer_notice:{notice.pk}:decided:{pk}",
            )
            for pk in _unit_managers(origin_id, besides=actor)
        ]
    )


def transfer_in_decided(*, actor: User, conference: Conference, subject: ConferenceChild) -> Child:
    """Inside the finalising of a transfer-in conference, before a new plan starts. If it
    made a plan: the original authority's plan ends as a move and the receiving authority
    becomes responsible. Either way the notice is completed and the original authority's
    unit manager is told of the decision (after "no plan" it decides about its own plan)."""
    child = subject.child
    held_on = conference.held_on
    assert held_on is not None  # a held conference has its date  # noqa: S101
    receiving_id = conference.authority_id or actor.authority_id
    if receiving_id is None:
        raise DomainError("A transfer-in conference is held by the receiving authority.")
    notice = open_notice(child, receiving_id)
    if notice is None:
        raise DomainError(errors={"decisions": [f"No notice of {child.name}'s move in is open."]})
    receiving = Authority.objects.get(pk=receiving_id)
    origin_id = notice.from_authority_id or child.responsible_authority_id
    made_plan = subject.decision == ConferenceChild.Decision.PLAN
    if made_plan:
        active = active_plan_of(child.pk)
        if active is not None:
            plan_services.plan_end(
                actor=actor,
                plan=active,
                ended_on=held_on,
                reason=Plan.EndReason.MOVED,
                transfer_conference_on=held_on,
                transferred_to=receiving.name,
                by_transfer_in_conference=True,
            )
        child = child_responsibility_transfer(
            actor=actor, child=child, to_authority_id=receiving_id, on=held_on
        )
    notice.status = TransferNotice.Status.COMPLETED
    notice.conference = conference
    notice.completed_on = held_on
    notice.save(update_fields=["status", "conference", "completed_on"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=notice,
        child=child,
        summary=(
            f"Transfer-in completed: {receiving.name} is responsible"
            if made_plan
            else "Transfer-in conference: no plan"
        ),
        changes={"conference": conference.pk, "decision": subject.decision},
    )
    _tell_origin_of_decision(actor, child, notice, receiving, origin_id, made_plan)
    return child


def transfer_chronology(child: Child) -> Iterable[Event]:
    for notice in TransferNotice.objects.filter(child=child):
        yield Event(
            on=notice.notified_on,
            at=notice.created_at,
            kind=Notification.Kind.TRANSFER_NOTICE,
            title="Notice of a move in recorded",
            detail=f"From {notice.from_authority_name}",
            source="conferences",
            object_id=str(notice.pk),
            authority_id=notice.authority_id,
        )
        if notice.completed_on is not None:
            yield Event(
                on=notice.completed_on,
                at=None,
                kind=Notification.Kind.TRANSFER_COMPLETED,
                title="Transfer-in conference held on the notice of the move",
                detail=f"From {notice.from_authority_name}",
                source="conferences",
                object_id=str(notice.pk),
                authority_id=notice.authority_id,
            )

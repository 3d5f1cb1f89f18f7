"""Looked after children: events that require a review conference."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from conferences.models import ConferenceChild, LookedAfterEvent
from conferences.services.common import HELD_STATUSES
from cpcase import access, running_deadlines
from cpcase.audit import audit_record
from cpcase.errors import DomainError
from cpcase.models import AuditEvent, Notification, User
from cpcase.services import NotificationRequest, notifications_raise
from plans.selectors import children_with_active_plan


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def looked_after_event_record(
    *, actor: User, child_id: Any, kind: str, occurred_on: dt.date, notes: str = ""
) -> LookedAfterEvent:
    """Record an event that requires a review conference; the chair is told at once."""
    child = access.child_for(actor, child_id, access.Action.EDIT)
    errors: dict[str, list[str]] = {}
    if kind not in LookedAfterEvent.Kind.values:
        errors["kind"] = ["Choose what happened."]
    if occurred_on > timezone.localdate():
        errors["occurred_on"] = ["An event cannot be recorded in the future."]
    if child.pk not in children_with_active_plan([child.pk]):
        errors["child"] = [f"{child.name} has no active plan: no review conference is needed."]
    if errors:
        raise DomainError(errors=errors)
    event = LookedAfterEvent.objects.create(
        child=child, kind=kind, occurred_on=occurred_on, notes=notes.strip(), recorded_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=event,
        child=child,
        summary=f"Recorded: {event.get_kind_display()}",
        changes={"occurred_on": occurred_on, "kind": kind},
    )
    chair_id = (
        ConferenceChild.objects.filter(child=child, conference__status__in=HELD_STATUSES)
        .order_by("-conference__held_on")
        .values_list("conference__chair_id", flat=True)
        .first()
    )
    if chair_id:
        notifications_raise(
            requests=[
                NotificationRequest(
                    recipient_id=chair_id,
                    kind=Notification.Kind.REVIEW_REQUIRED,
                    title="A review conference must be convened",
                    body=f"{child.name}: {event.get_kind_display().lower()} on "
                    f"{occurred_on:%d %B %Y}. Please convene a review conference.",
                    url=reverse("child-detail", args=[child.pk]),
                    child_id=child.pk,
                    dedupe_key=f"looked_after_event:{event.pk}:chair:{chair_id}",
                )
            ]
        )
    return event

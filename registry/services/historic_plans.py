"""Historic plans: a receiving authority asks for a child's ended plans, the originating
authority decides, and the requesting worker reads them while the grant lasts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cpcase import access
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent, Child, Notification, User
from cpcase.services import NotificationRequest, notifications_raise
from plans.selectors import historic_plans_of_child
from registry.models import HistoricPlanRequest
from registry.selectors import child_has_historic_plans


def _request_errors(
    actor: User, child: Child, reason: str, parents_told: bool, parents_not_told_reason: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if child.responsible_authority_id == actor.authority_id:
        errors["child"] = ["This child's plans are your own authority's: no release is needed."]
    if not reason.strip():
        errors["reason"] = ["Say why the historic plans are needed."]
    if not parents_told and not parents_not_told_reason.strip():
        errors["parents_not_told_reason"] = [
            "Say why the parents were not told (it would increase the risk to the child)."
        ]
    return errors


@transaction.atomic
def historic_plan_request(
    *,
    actor: User,
    child_id: Any,
    reason: str,
    parents_told: bool,
    parents_not_told_reason: str = "",
) -> HistoricPlanRequest:
    """A receiving authority's social worker asks the originating authority to release a
    child's historic plans."""
    if not access.may_request_historic_plans(actor):
        raise NotPermitted("A social worker of the receiving authority makes this request.")
    assert actor.authority_id is not None  # noqa: S101 - the permission requires an authority
    # A child the worker may not see is a 404, as everywhere (and says nothing of its plans).
    child = access.child_for(actor, child_id)
    if not child_has_historic_plans(child.pk):
        raise NotFound("No child with a historic plan was found.")
    errors = _request_errors(actor, child, reason, parents_told, parents_not_told_reason)
    if errors:
        raise DomainError(errors=errors)
    request = HistoricPlanRequest.objects.create(
        child=child,
        requested_by=actor,
        requesting_authority_id=actor.authority_id,
        originating_authority=child.responsible_authority,
        reason=reason.strip(),
        parents_told=parents_told,
        parents_not_told_reason=parents_not_told_reason.strip(),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=request,
        child=child,
        summary="Asked for the release of historic plans",
    )
    _tell_originating_authority(actor, child, request)
    return request


def _tell_originating_authority(actor: User, child: Child, request: HistoricPlanRequest) -> None:
    """The safeguarding unit managers of the child's responsible authority are told."""
    managers = (
        User.objects.filter(
            access.register_keepers(), is_active=True, authority=child.responsible_authority
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=m,
                kind=Notification.Kind.HISTORIC_PLAN_REQUEST,
                title="A request to release historic plans",
                body=f"{actor.name} ({actor.authority.name if actor.authority else ''}) asks for {child.name}'s historic plans: {request.reason}",
                url=reverse("register-release", args=[request.pk]),
                child_id=child.pk,
                dedupe_key=f"historic_plan_request:{request.pk}:{m}",
            )
            for m in managers
        ]
    )


@transaction.atomic
def historic_plan_decide(
    *, actor: User, request_id: Any, grant: bool, reason: str, days: int = 30
) -> HistoricPlanRequest:
    pk = access.as_uuid(request_id)
    request = HistoricPlanRequest.objects.select_for_update().filter(pk=pk).first() if pk else None
    if request is None or not access.may_decide_historic_release(
        actor, request.originating_authority_id
    ):
        raise NotFound("No request was found.")
    if request.status != HistoricPlanRequest.Status.REQUESTED:
        raise DomainError("This request has been decided.")
    errors: dict[str, list[str]] = {}
    if grant and not 1 <= days <= 90:
        errors["days"] = ["Grant access for between 1 and 90 days."]
    if not reason.strip():
        errors["reason"] = ["Give the reason for the decision."]
    if errors:  # every problem at once
        raise DomainError(errors=errors)
    request.status = (
        HistoricPlanRequest.Status.GRANTED if grant else HistoricPlanRequest.Status.REFUSED
    )
    request.decided_by, request.decided_at, request.decision_reason = (
        actor,
        timezone.now(),
        reason.strip(),
    )
    request.access_until = timezone.now() + dt.timedelta(days=days) if grant else None
    request.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=request,
        child=request.child,
        summary=f"{request.get_status_display()} the release of historic plans",
    )
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=request.requested_by_id,
                kind=Notification.Kind.HISTORIC_PLAN_DECISION,
                title=f"Your request for historic plans was {request.get_status_display().lower()}",
                body=request.decision_reason,
                url=reverse("register-release", args=[request.pk]),
                child_id=request.child_id,
                dedupe_key=f"historic_plan_request:{request.pk}:decided",
            )
        ]
    )
    return request


def historic_plans_read(*, actor: User, request_id: Any) -> list[dict[str, Any]]:
    """The released plans, to the requesting worker only, while the grant lasts (audited)."""
    pk = access.as_uuid(request_id)
    request = (
        HistoricPlanRequest.objects.select_related("child")
        .filter(pk=pk, requested_by=actor)
        .first()
        if pk
        else None
    )
    if request is None:
        raise NotFound("No request was found.")
    if (
        request.status != HistoricPlanRequest.Status.GRANTED
        or request.access_until is None
        or request.access_until < timezone.now()
    ):
        raise NotPermitted("This release has not been granted, or its time has run out.")
    plans = historic_plans_of_child(request.child_id).prefetch_related("versions")
    audit_record(
        actor=actor,
        action=AuditEvent.Action.VIEW,
        obj=request,
        child=request.child,
        summary="Read released historic plans",
    )
    return [
        {
            "plan": str(p.pk),
            "started_on": p.started_on,
            "ended_on": p.ended_on,
            "versions": [v.content for v in p.versions.all()],
        }
        for p in plans
    ]

"""What the plan services share: the chair's check, the lock and version check before a
change, the record of a change, and the plan's immutable versions."""

from __future__ import annotations

from typing import Any

from cpcase import access
from cpcase.audit import audit_record
from cpcase.errors import Conflict, DomainError
from cpcase.models import AuditEvent, Child, User
from plans.models import Plan, PlanVersion
from plans.selectors import plan_for, plan_snapshot


def _require_chair(actor: User, child: Child) -> None:
    if not access.may_chair_for(actor, child):
        raise DomainError("Only the conference chair can start, continue or end a plan.")


def _version(plan: Plan, actor: User, reason: str) -> PlanVersion:
    number = (plan.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return PlanVersion.objects.create(
        plan=plan, number=number, reason=reason, content=plan_snapshot(plan), created_by=actor
    )


def _locked(actor: User, plan_id: Any, version: int | None, action: access.Action) -> Plan:
    plan = plan_for(actor, plan_id, action)
    plan = Plan.objects.select_for_update().select_related("child").get(pk=plan.pk)
    if version is None:
        raise DomainError(errors={"version": ["Send back the version of the plan you last read."]})
    if version != plan.version:
        raise Conflict(
            "Somebody else changed this plan after you opened it. Your text has not been "
            "saved: it is kept for you to compare with theirs and save again."
        )
    if plan.status != Plan.Status.ACTIVE:
        raise DomainError("This plan has ended: it can no longer be changed.")
    return plan


def _reopen_if_authorised(plan: Plan) -> None:
    """An authorised plan is never edited in place: a change starts a new draft, and the
    authorised version stays as it was in the plan's versions."""
    if plan.stage in (Plan.Stage.OUTLINE, Plan.Stage.AUTHORISED):
        plan.stage = Plan.Stage.DETAILED_DRAFT
    elif plan.stage == Plan.Stage.AWAITING_AUTHORISATION:
        raise DomainError(
            "The plan is with the team manager for authorisation: it can be changed once "
            "they return it."
        )


def _touch(plan: Plan, actor: User, summary: str, changes: dict[str, Any]) -> Plan:
    plan.version += 1
    plan.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=plan,
        child=plan.child,
        summary=summary,
        changes=changes,
    )
    return plan

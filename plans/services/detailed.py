"""The detailed plan (DOMAIN.md section 1, step 4): its text, and its actions and the
progress on them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from cpcase import access, running_deadlines
from cpcase.audit import audit_record, diff
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent, User
from plans.models import ActionUpdate, CoreGroupMeeting, Plan, PlanAction
from plans.selectors import DETAIL_FIELDS, plan_for
from plans.services.common import _locked, _reopen_if_authorised, _touch
from plans.validators import action_errors

DETAIL_LABELS = {
    "cause_of_harm": "the cause of harm",
    "short_term_goals": "the short term goals",
    "long_term_goals": "the long term goals",
    "daily_safety_check": "who checks day to day that the child is safe and well",
    "seen_alone_arrangements": "when and where the child will be seen alone",
    "seen_with_family_arrangements": "when and where the child will be seen with their family",
    "contingency_plan": "the contingency plan if the plan is not working",
}


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def plan_update_detail(
    *, actor: User, plan_id: Any, version: int | None, changes: dict[str, str]
) -> Plan:
    plan = _locked(actor, plan_id, version, access.Action.EDIT)
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise DomainError(errors={f: ["This cannot be changed here."] for f in sorted(unknown)})
    before = {f: getattr(plan, f) for f in changes}
    _reopen_if_authorised(plan)
    for field, value in changes.items():
        setattr(plan, field, (value or "").strip())
    return _touch(
        plan,
        actor,
        "Updated the detailed plan",
        diff(before, {f: getattr(plan, f) for f in changes}),
    )


@dataclass(frozen=True)
class ActionInput:
    description: str
    responsible: str
    due_on: dt.date | None
    evidence_of_success: str
    issue_id: Any = None
    responsible_agency: str = ""
    responsible_user: User | None = None


def _check_action(plan: Plan, data: ActionInput) -> None:
    errors = action_errors(
        description=data.description,
        responsible=data.responsible,
        has_responsible_user=data.responsible_user is not None,
        due_on=data.due_on,
        evidence_of_success=data.evidence_of_success,
        plan_started_on=plan.started_on,
    )
    issue_pk = access.as_uuid(data.issue_id) if data.issue_id is not None else None
    # An issue id that is not a UUID names none of the plan's issues.
    if data.issue_id is not None and (
        issue_pk is None or not plan.issues.filter(pk=issue_pk).exists()
    ):
        errors["issue"] = ["Choose one of this plan's issues."]
    if errors:
        raise DomainError(errors=errors)


@transaction.atomic
def plan_action_add(
    *, actor: User, plan_id: Any, version: int | None, data: ActionInput
) -> PlanAction:
    plan = _locked(actor, plan_id, version, access.Action.EDIT) if version is not None else None
    if plan is None:
        # The API's actions endpoint carries no version: lock the plan all the same.
        plan = plan_for(actor, plan_id, access.Action.EDIT)
        plan = Plan.objects.select_for_update().select_related("child").get(pk=plan.pk)
        if plan.status != Plan.Status.ACTIVE:
            raise DomainError("This plan has ended: it can no longer be changed.")
    _check_action(plan, data)
    due_on = data.due_on
    if due_on is None:  # _check_action refuses a missing date; this tells the type checker
        raise DomainError(errors={"due_on": ["Give the date by which this will be done."]})
    _reopen_if_authorised(plan)
    action = PlanAction.objects.create(
        plan=plan,
        issue_id=access.as_uuid(data.issue_id) if data.issue_id else None,
        description=data.description.strip(),
        responsible=(
            data.responsible.strip()
            or (data.responsible_user.name if data.responsible_user else "")
        ),
        responsible_agency=data.responsible_agency.strip(),
        responsible_user=data.responsible_user,
        due_on=due_on,
        evidence_of_success=data.evidence_of_success.strip(),
    )
    _touch(plan, actor, f"Added an action: {action.description[:100]}", {"action": str(action.pk)})
    return action


@transaction.atomic
def plan_action_change(
    *, actor: User, plan_id: Any, action_id: Any, version: int | None, data: ActionInput
) -> PlanAction:
    """Change an action. The plan's version guards against a silent overwrite; an authorised
    plan goes back to a draft (the authorised version stays in the plan's versions)."""
    plan = _locked(actor, plan_id, version, access.Action.EDIT)
    action_pk = access.as_uuid(action_id)
    action = PlanAction.objects.filter(plan=plan, pk=action_pk).first() if action_pk else None
    if action is None:
        raise NotFound("No action was found.")
    _check_action(plan, data)
    due_on = data.due_on
    if due_on is None:  # _check_action refuses a missing date; this tells the type checker
        raise DomainError(errors={"due_on": ["Give the date by which this will be done."]})
    _reopen_if_authorised(plan)
    fields = (
        "issue_id",
        "description",
        "responsible",
        "responsible_agency",
        "responsible_user",
        "due_on",
        "evidence_of_success",
    )
    before = {f: getattr(action, f) for f in fields}
    action.issue_id = access.as_uuid(data.issue_id) if data.issue_id else None
    action.description = data.description.strip()
    action.responsible = data.responsible.strip() or (
        data.responsible_user.name if data.responsible_user else ""
    )
    action.responsible_agency = data.responsible_agency.strip()
    action.responsible_user = data.responsible_user
    action.due_on = due_on
    action.evidence_of_success = data.evidence_of_success.strip()
    action.save()
    _touch(
        plan,
        actor,
        f"Changed an action: {action.description[:100]}",
        {"action": str(action.pk), **diff(before, {f: getattr(action, f) for f in fields})},
    )
    return action


def may_record_progress(actor: User, action: PlanAction) -> bool:
    """The child's team records progress on any action; anyone else (a core group member)
    only on the actions they are responsible for."""
    return (
        access.can(actor, access.Action.EDIT, action.plan.child)
        or action.responsible_user_id == actor.pk
    )


@transaction.atomic
def plan_action_progress(
    *,
    actor: User,
    action_id: Any,
    status: str,
    note: str = "",
    meeting: CoreGroupMeeting | None = None,
) -> ActionUpdate:
    """Progress on an action: by the team, or by a core group member on their own actions."""
    pk = access.as_uuid(action_id)
    action = PlanAction.objects.select_related("plan__child").filter(pk=pk).first() if pk else None
    if action is None or not access.can(actor, access.Action.VIEW_PLAN, action.plan.child):
        raise NotFound("No action was found.")
    if not may_record_progress(actor, action):
        raise NotPermitted("You can record progress only on the actions you are responsible for.")
    if status not in PlanAction.Status.values:
        raise DomainError(
            errors={"status": ["Choose not started, on track, at risk, done or not done."]}
        )
    if action.plan.status != Plan.Status.ACTIVE:
        raise DomainError("This plan has ended.")
    before = action.status
    action.status = status
    action.save(update_fields=["status"])
    update = ActionUpdate.objects.create(
        action=action, meeting=meeting, status=status, note=note.strip(), recorded_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=action,
        child=action.plan.child,
        summary=f"Progress on an action: {action.get_status_display()}",
        changes={"status": {"from": before, "to": status}},
    )
    return update

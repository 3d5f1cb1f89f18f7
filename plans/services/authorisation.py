"""The detailed plan goes to the child's team manager, who authorises it or returns it
for changes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cpcase import access, running_deadlines
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import Notification, User
from cpcase.selectors import child_team_managers
from cpcase.services import NotificationRequest, notifications_raise
from plans.models import Plan
from plans.selectors import DETAIL_FIELDS
from plans.services.common import _locked, _touch, _version
from plans.services.detailed import DETAIL_LABELS


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def plan_submit(*, actor: User, plan_id: Any, version: int | None) -> Plan:
    """Send the detailed plan to the team manager for authorisation."""
    plan = _locked(actor, plan_id, version, access.Action.EDIT)
    if plan.stage != Plan.Stage.DETAILED_DRAFT:
        raise DomainError(
            f"The plan is at the stage “{plan.get_stage_display()}”: only a detailed draft is sent for authorisation."
        )
    errors: dict[str, list[str]] = {
        f: [f"Write {DETAIL_LABELS[f]} before sending the plan."]
        for f in DETAIL_FIELDS
        if not getattr(plan, f).strip()
    }
    issues_without_actions = plan.issues.filter(actions__isnull=True)
    if not plan.actions.exists():
        errors["actions"] = [
            "Add the plan's actions: what, who, by when, and the evidence of success."
        ]
    elif issues_without_actions.exists():
        errors["actions"] = [
            "Each issue needs at least one action; none yet for: "
            + "; ".join(i.description[:60] for i in issues_without_actions)
        ]
    if errors:
        raise DomainError(errors=errors)
    plan.stage = Plan.Stage.AWAITING_AUTHORISATION
    plan.submitted_on = plan.submitted_on or timezone.localdate()
    plan.returned_comments = ""
    _touch(plan, actor, "Sent the detailed plan for authorisation", {"stage": plan.stage})
    _version(plan, actor, f"Sent for authorisation on {timezone.localdate():%d %B %Y}")
    _tell_team_managers(plan, actor)
    return plan


def _tell_team_managers(plan: Plan, actor: User) -> None:
    managers = child_team_managers(plan.child).values_list("pk", flat=True)
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=pk,
                kind=Notification.Kind.PLAN_SUBMITTED,
                title="A detailed plan to authorise",
                body=f"{plan.child.name}: sent by {actor.name}.",
                url=reverse("plan-detail", args=[plan.pk]),
                child_id=plan.child_id,
                dedupe_key=f"plan:{plan.pk}:submitted:{plan.version}:{pk}",
            )
            for pk in managers
        ]
    )


def _require_team_manager(actor: User, plan: Plan) -> None:
    if not access.may_authorise_plan(actor, plan.child):
        raise NotPermitted("Only a team manager of the child's team authorises the plan.")


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def plan_authorise(*, actor: User, plan_id: Any, version: int | None) -> Plan:
    plan = _locked(actor, plan_id, version, access.Action.VIEW)
    _require_team_manager(actor, plan)
    if plan.stage != Plan.Stage.AWAITING_AUTHORISATION:
        raise DomainError("Only a plan sent for authorisation can be authorised.")
    plan.stage = Plan.Stage.AUTHORISED
    plan.authorised_on = timezone.localdate()
    plan.authorised_by = actor
    _touch(plan, actor, "Authorised the detailed plan", {"stage": plan.stage})
    _version(plan, actor, f"Authorised by {actor.name} on {plan.authorised_on:%d %B %Y}")
    return plan


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def plan_return(*, actor: User, plan_id: Any, version: int | None, comments: str) -> Plan:
    plan = _locked(actor, plan_id, version, access.Action.VIEW)
    _require_team_manager(actor, plan)
    if plan.stage != Plan.Stage.AWAITING_AUTHORISATION:
        raise DomainError("Only a plan sent for authorisation can be returned.")
    if not comments.strip():
        raise DomainError(errors={"comments": ["Say what needs to change."]})
    plan.stage = Plan.Stage.DETAILED_DRAFT
    plan.returned_comments = comments.strip()
    return _touch(
        plan, actor, "Returned the plan for changes", {"comments": plan.returned_comments}
    )

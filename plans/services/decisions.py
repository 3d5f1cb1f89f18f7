"""A conference's decisions that start a plan (its outline plan is version 1) or continue
it at a review. Endings are in :mod:`plans.services.endings`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from cpcase import access, running_deadlines
from cpcase.audit import audit_record
from cpcase.errors import DomainError
from cpcase.models import AuditEvent, Child, TimeUnit, User
from plans.models import CORE_GROUP_INTERVAL_MAX, Category, Plan, PlanIssue
from plans.services.common import _require_chair, _version
from plans.services.core_groups import CoreGroupInput, _set_core_group
from plans.services.register import _category_change, _tell_register_keepers


@dataclass(frozen=True)
class IssueInput:
    description: str
    risk_type: str
    desired_outcome: str
    improvement_required: str


def _validate_issues(issues: list[IssueInput], prefix: str = "issues") -> None:
    if not issues:
        raise DomainError(
            errors={prefix: ["Record at least one issue: the risk the plan must reduce."]}
        )
    errors: dict[str, list[str]] = {}
    for i, issue in enumerate(issues):
        if not issue.description.strip():
            errors[f"{prefix}[{i}].description"] = ["Describe the issue."]
        if issue.risk_type not in PlanIssue.RiskType.values:
            errors[f"{prefix}[{i}].risk_type"] = [
                "Say whether the issue is a high risk indicator (HRI) or an underlying risk "
                "factor (URF)."
            ]
        if not issue.desired_outcome.strip():
            errors[f"{prefix}[{i}].desired_outcome"] = ["Describe the outcome the plan must reach."]
        if not issue.improvement_required.strip():
            errors[f"{prefix}[{i}].improvement_required"] = [
                "Describe the degree of improvement needed."
            ]
    if errors:
        raise DomainError(errors=errors)


def _validate_category(value: str, field: str) -> None:
    if value not in Category.values:
        raise DomainError(
            errors={field: ["Choose a category of abuse: NEG, PHY, SAB, EMO or MUL."]}
        )


def _validate_start(
    started_on: dt.date,
    visit_interval: tuple[int, str] | None,
    core_group_interval_days: int | None,
) -> None:
    """The start date and the intervals a conference set for this child."""
    if started_on > timezone.localdate():
        raise DomainError(errors={"held_on": ["A plan cannot start in the future."]})
    if visit_interval is not None:
        value, unit = visit_interval
        if value < 1 or unit not in TimeUnit.values:
            raise DomainError(
                errors={"visit_interval": ["Give the visit interval as a number and a unit."]}
            )
    if core_group_interval_days is not None and not (
        1 <= core_group_interval_days <= CORE_GROUP_INTERVAL_MAX
    ):
        raise DomainError(
            errors={
                "core_group_interval_days": [
                    f"Give the core group interval as 1 to {CORE_GROUP_INTERVAL_MAX} working days."
                ]
            }
        )


def _replace_issues(plan: Plan, issues: list[IssueInput]) -> None:
    plan.issues.all().delete()
    PlanIssue.objects.bulk_create(
        PlanIssue(
            plan=plan,
            position=i,
            description=issue.description.strip(),
            risk_type=issue.risk_type,
            desired_outcome=issue.desired_outcome.strip(),
            improvement_required=issue.improvement_required.strip(),
        )
        for i, issue in enumerate(issues)
    )


def _save_new_plan(plan: Plan) -> None:
    """Save the new plan; the database refuses a second active plan for the child."""
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as e:
        raise DomainError(
            errors={
                "decision": [f"{plan.child.name} already has an active plan: continue it instead."]
            }
        ) from e


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def plan_start(
    *,
    actor: User,
    child: Child,
    started_on: dt.date,
    category: str,
    issues: list[IssueInput],
    lead_social_worker: User | None,
    core_group: list[CoreGroupInput],
    pre_birth: bool = False,
    visit_interval: tuple[int, str] | None = None,
    core_group_interval_days: int | None = None,
    reason: str = "",
) -> Plan:
    """A conference decided the child needs a plan: the outline plan becomes version 1."""
    _require_chair(actor, child)
    _validate_category(category, "category")
    _validate_issues(issues)
    _validate_start(started_on, visit_interval, core_group_interval_days)
    plan = Plan(
        child=child,
        authority_id=access.recording_authority(actor, child),
        started_on=started_on,
        pre_birth=pre_birth,
        initial_category=category,
        latest_category=category,
        lead_social_worker=lead_social_worker,
        visit_interval_value=visit_interval[0] if visit_interval else None,
        visit_interval_unit=visit_interval[1] if visit_interval else "",
        core_group_interval_days=core_group_interval_days,
    )
    _save_new_plan(plan)
    _replace_issues(plan, issues)
    _set_core_group(plan, core_group, started_on)
    _version(plan, actor, reason or f"Outline plan agreed on {started_on:%d %B %Y}")
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=plan,
        child=child,
        summary=f"Started a child protection plan ({plan.get_initial_category_display()})",
        changes={"started_on": started_on, "category": category, "issues": len(issues)},
    )
    _tell_register_keepers(
        actor=actor,
        plan=plan,
        change=f"a child protection plan started ({plan.get_initial_category_display()})",
        on=started_on,
        key="started",
    )
    return plan


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def plan_continue(
    *,
    actor: User,
    plan: Plan,
    reviewed_on: dt.date,
    latest_category: str,
    issues: list[IssueInput] | None = None,
    lead_social_worker: User | None = None,
    core_group: list[CoreGroupInput] | None = None,
) -> Plan:
    """A review conference continued the plan: a new version records what it decided."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    _require_chair(actor, plan.child)
    if plan.status != Plan.Status.ACTIVE:
        raise DomainError(errors={"decision": ["This plan has ended: it cannot be continued."]})
    _validate_category(latest_category, "latest_category")
    before = {"latest_category": plan.latest_category}
    plan.latest_category = latest_category
    if lead_social_worker is not None:
        plan.lead_social_worker = lead_social_worker
    plan.version += 1
    plan.save()
    if issues is not None:
        _validate_issues(issues)
        _replace_issues(plan, issues)
    if core_group is not None:
        _set_core_group(plan, core_group, reviewed_on)
    _version(plan, actor, f"Reviewed and continued on {reviewed_on:%d %B %Y}")
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=plan,
        child=plan.child,
        summary="Continued the plan at a review conference",
        changes={"latest_category": {"from": before["latest_category"], "to": latest_category}},
    )
    if before["latest_category"] != latest_category:
        _tell_register_keepers(
            actor=actor,
            plan=plan,
            change=_category_change(before["latest_category"], latest_category, "a review"),
            on=reviewed_on,
            key=f"category:{plan.version}",
        )
    return plan

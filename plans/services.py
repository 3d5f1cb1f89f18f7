"""Every write to plans. Conferences start, continue and end plans through these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from cpcase import access
from cpcase.audit import audit_record
from cpcase.errors import DomainError
from cpcase.models import AuditEvent, Child, TimeUnit, User
from cpcase.roles import Role
from plans.models import Category, CoreGroupMember, Plan, PlanIssue, PlanVersion
from plans.selectors import plan_snapshot


@dataclass(frozen=True)
class IssueInput:
    description: str
    risk_type: str
    desired_outcome: str
    improvement_required: str


@dataclass(frozen=True)
class CoreGroupInput:
    kind: str
    name: str = ""
    user: User | None = None
    person_id: Any = None
    agency: str = ""


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


def _set_core_group(plan: Plan, members: list[CoreGroupInput], on: dt.date) -> None:
    """Make the core group exactly ``members``; professionals get to read the plan."""
    current = list(plan.core_group.filter(left_on__isnull=True))
    wanted_users = {m.user.pk for m in members if m.user is not None}
    for member in current:
        if member.user_id and member.user_id not in wanted_users:
            member.left_on = on
            member.save(update_fields=["left_on"])
            remove_perm("cpcase.view_child_plan", member.user, plan.child)
    have_users = {m.user_id for m in current if m.user_id}
    have_others = {(m.kind, m.person_id, m.name) for m in current if not m.user_id}
    for m in members:
        if m.user is not None:
            if m.user.pk in have_users:
                continue
            CoreGroupMember.objects.create(
                plan=plan,
                kind=CoreGroupMember.Kind.PROFESSIONAL,
                user=m.user,
                name=m.user.name,
                agency=m.agency or (m.user.agency.name if m.user.agency_id else ""),
                joined_on=on,
            )
            assign_perm("cpcase.view_child_plan", m.user, plan.child)
        elif (m.kind, m.person_id, m.name) not in have_others:
            if m.kind not in CoreGroupMember.Kind.values or not m.name.strip():
                raise DomainError(errors={"core_group": ["Name each member of the core group."]})
            CoreGroupMember.objects.create(
                plan=plan, kind=m.kind, person_id=m.person_id, name=m.name.strip(), joined_on=on
            )


def _version(plan: Plan, actor: User, reason: str) -> PlanVersion:
    number = (plan.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return PlanVersion.objects.create(
        plan=plan, number=number, reason=reason, content=plan_snapshot(plan), created_by=actor
    )


def _require_chair(actor: User, child: Child) -> None:
    if not actor.has_role(Role.CONFERENCE_CHAIR) or not access.can(
        actor, access.Action.VIEW, child
    ):
        raise DomainError("Only the conference chair can start, continue or end a plan.")


@transaction.atomic
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
    reason: str = "",
) -> Plan:
    """A conference decided the child needs a plan: the outline plan becomes version 1."""
    _require_chair(actor, child)
    _validate_category(category, "category")
    _validate_issues(issues)
    if started_on > timezone.localdate():
        raise DomainError(errors={"held_on": ["A plan cannot start in the future."]})
    if visit_interval is not None:
        value, unit = visit_interval
        if value < 1 or unit not in TimeUnit.values:
            raise DomainError(
                errors={"visit_interval": ["Give the visit interval as a number and a unit."]}
            )
    plan = Plan(
        child=child,
        started_on=started_on,
        pre_birth=pre_birth,
        initial_category=category,
        latest_category=category,
        lead_social_worker=lead_social_worker,
        visit_interval_value=visit_interval[0] if visit_interval else None,
        visit_interval_unit=visit_interval[1] if visit_interval else "",
    )
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as e:
        raise DomainError(
            errors={"decision": [f"{child.name} already has an active plan: continue it instead."]}
        ) from e
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
    return plan


@transaction.atomic
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
    return plan


@transaction.atomic
def plan_end(*, actor: User, plan: Plan, ended_on: dt.date, reason: str) -> Plan:
    """End a plan (a conference's discontinuation, or DOMAIN.md's other cases)."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    _require_chair(actor, plan.child)
    if plan.status != Plan.Status.ACTIVE:
        raise DomainError(errors={"decision": ["This plan has already ended."]})
    if reason not in Plan.EndReason.values:
        raise DomainError(errors={"end_reason": ["Choose why the plan ends."]})
    if ended_on < plan.started_on:
        raise DomainError(errors={"held_on": ["A plan cannot end before it starts."]})
    if ended_on == plan.started_on:
        # CIN census validation: a plan cannot start and end on the same day.
        raise DomainError(errors={"held_on": ["A plan cannot start and end on the same day."]})
    plan.status, plan.ended_on, plan.end_reason = Plan.Status.ENDED, ended_on, reason
    plan.version += 1
    plan.save()
    for member in plan.core_group.filter(left_on__isnull=True, user__isnull=False):
        remove_perm("cpcase.view_child_plan", member.user, plan.child)
    plan.core_group.filter(left_on__isnull=True).update(left_on=ended_on)
    _version(plan, actor, f"Ended on {ended_on:%d %B %Y}: {plan.get_end_reason_display()}")
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=plan,
        child=plan.child,
        summary=f"Ended the plan: {plan.get_end_reason_display()}",
        changes={"ended_on": ended_on, "end_reason": reason},
    )
    return plan

"""Every write to plans. Conferences start, continue and end plans through these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from cpcase import access, front_door, running_deadlines
from cpcase.audit import audit_record
from cpcase.errors import DomainError
from cpcase.models import AuditEvent, Child, Notification, TimeUnit, User
from plans.models import (
    CORE_GROUP_INTERVAL_MAX,
    Category,
    CoreGroupMember,
    Plan,
    PlanIssue,
    PlanVersion,
)
from plans.selectors import DETAIL_FIELDS, plan_snapshot


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
                agency=m.agency or (m.user.agency.name if m.user.agency is not None else ""),
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


# --- The register's keeper is told of every change (DOMAIN.md section 2) ----------------


def _tell_register_keepers(*, actor: User, plan: Plan, change: str, on: dt.date, key: str) -> None:
    """One notification per change to the register (a plan started or ended, a category
    changed) to the safeguarding unit manager(s) of the authority where the child is
    resident: that authority keeps the register. Whoever made the change is not told of it.
    The title goes by email too, so it names no child; the body names the child."""
    from cpcase.services import NotificationRequest, notifications_raise

    child = plan.child
    keepers = (
        User.objects.filter(
            access.register_keepers(), is_active=True, authority_id=child.resident_authority_id
        )
        .exclude(pk=actor.pk)
        .values_list("pk", flat=True)
        .distinct()
    )
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=pk,
                kind=Notification.Kind.REGISTER_CHANGE,
                title=f"The register has changed: {change}",
                body=f"{child.name}: {change} on {on:%-d %B %Y}.",
                url=reverse("plan-detail", args=[plan.pk]),
                child_id=child.pk,
                dedupe_key=f"plan:{plan.pk}:register:{key}:{pk}",
            )
            for pk in keepers
        ]
    )


def _require_chair(actor: User, child: Child) -> None:
    if not access.may_chair_for(actor, child):
        raise DomainError("Only the conference chair can start, continue or end a plan.")


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


def _category_change(before: str, after: str, by: str) -> str:
    return (
        f"the category changed from {Category(before).label} to {Category(after).label} (by {by})"
    )


def _eighteenth_birthday(born: dt.date) -> dt.date:
    try:
        return born.replace(year=born.year + 18)
    except ValueError:  # born on 29 February: 18 on 1 March in a year that has none
        return dt.date(born.year + 18, 3, 1)


# A plan ends without a conference only for these reasons (DOMAIN.md, issue 5).
OUTSIDE_CONFERENCE_REASONS = (Plan.EndReason.AGE, Plan.EndReason.DIED, Plan.EndReason.MOVED)
STEP_DOWN_LABELS = {
    "child_in_need": "a child in need plan",
    "girfec": "a GIRFEC plan",
    "none": "no further plan",
}


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def plan_register_correct(
    *,
    actor: User,
    plan_id: Any,
    reason: str,
    latest_category: str | None = None,
    started_on: dt.date | None = None,
) -> Plan:
    """The safeguarding unit manager corrects a register entry recorded wrongly (the latest
    category, or the date the plan started): a new version says why, the audit trail keeps
    the values before and after, and the lead social worker is told."""
    plan = plan_for(actor, plan_id)
    if not access.may_correct_register(actor, plan.child):
        from cpcase.errors import NotPermitted

        raise NotPermitted("Only the safeguarding unit manager corrects the register.")
    plan = Plan.objects.select_for_update(of=("self",)).select_related("child").get(pk=plan.pk)
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    if latest_category is not None and latest_category != plan.latest_category:
        if latest_category not in Category.values:
            errors["latest_category"] = ["Choose the category: NEG, PHY, SAB, EMO or MUL."]
        changes["latest_category"] = latest_category
    if started_on is not None and started_on != plan.started_on:
        if started_on > timezone.localdate():
            errors["started_on"] = ["A plan cannot start in the future."]
        elif plan.ended_on is not None and started_on >= plan.ended_on:
            errors["started_on"] = [
                f"The plan ended on {plan.ended_on:%-d %B %Y}: it must start before that."
            ]
        elif (
            plan.child.date_of_birth is not None
            and started_on < plan.child.date_of_birth
            and not plan.pre_birth
        ):
            errors["started_on"] = ["A plan cannot start before the child was born."]
        changes["started_on"] = started_on
    if not reason.strip():
        errors["reason"] = ["Say why the register entry is corrected: the reason is recorded."]
    if not changes and not errors:
        errors["non_field_errors"] = ["Nothing was changed: change the category or the start date."]
    if errors:
        raise DomainError(errors=errors)
    before = {name: getattr(plan, name) for name in changes}
    for name, value in changes.items():
        setattr(plan, name, value)
    plan.version += 1
    plan.save(update_fields=[*changes, "version"])
    _version(plan, actor, f"Register correction: {reason.strip()}")
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=plan,
        child=plan.child,
        summary=f"Corrected the register entry: {reason.strip()}",
        changes={name: {"from": before[name], "to": value} for name, value in changes.items()},
    )
    lead = plan.child.lead_social_worker_id
    if lead and lead != actor.pk:
        from cpcase.services import NotificationRequest, notifications_raise

        notifications_raise(
            requests=[
                NotificationRequest(
                    recipient_id=lead,
                    kind=Notification.Kind.REGISTER_CORRECTION,
                    title="The register entry of a child you are lead social worker for was corrected",
                    body=f"{plan.child.name}: {reason.strip()}",
                    url=reverse("plan-detail", args=[plan.pk]),
                    child_id=plan.child_id,
                    dedupe_key=f"plan:{plan.pk}:register_correction:{plan.version}",
                )
            ]
        )
    corrected = []
    if "latest_category" in changes:
        corrected.append(
            _category_change(
                before["latest_category"], changes["latest_category"], "a register correction"
            )
        )
    if "started_on" in changes:
        corrected.append(
            f"the plan's start date was corrected from {before['started_on']:%-d %B %Y} "
            f"to {changes['started_on']:%-d %B %Y}"
        )
    _tell_register_keepers(
        actor=actor,
        plan=plan,
        change="; ".join(corrected),
        on=timezone.localdate(),
        key=f"correction:{plan.version}",
    )
    return plan


def _require_unit_manager(actor: User, plan: Plan) -> None:
    from cpcase.errors import NotFound, NotPermitted

    if access.may_correct_register(actor, plan.child):
        return
    if access.can(actor, access.Action.VIEW_PLAN, plan.child):
        raise NotPermitted(
            "Only the safeguarding unit manager ends a plan outside a conference (the child "
            "turned 18, died, or moved permanently after a transfer-in conference)."
        )
    raise NotFound("No plan was found.")


_WHY: dict[str, str] = {
    Plan.EndReason.AGE: "the child turned 18",
    Plan.EndReason.DIED: "the child died",
    Plan.EndReason.MOVED: "the child moved to another authority",
}


def _check_step_down(plan: Plan, reason: str, step_down: str) -> dict[str, list[str]]:
    from cpcase.models import Nation

    if step_down not in ("", *STEP_DOWN_LABELS):
        return {"step_down": ["Choose a child in need plan, a GIRFEC plan, or no further plan."]}
    if step_down in ("child_in_need", "girfec") and reason != Plan.EndReason.CONFERENCE:
        return {
            "step_down": [
                f"A plan that ends because {_WHY[reason]} does not step down to "
                f"{STEP_DOWN_LABELS[step_down]}: choose no further plan."
            ]
        }
    scotland = plan.child.responsible_authority.nation == Nation.SCOTLAND
    if step_down == "girfec" and not scotland:
        return {"step_down": ["A GIRFEC plan is Scotland's: choose a child in need plan."]}
    if step_down == "child_in_need" and scotland:
        return {"step_down": ["In Scotland support continues under a GIRFEC plan: choose that."]}
    return {}


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def plan_end(
    *,
    actor: User,
    plan: Plan,
    ended_on: dt.date,
    reason: str,
    step_down: str = "",
    transfer_conference_on: dt.date | None = None,
    transferred_to: str = "",
    by_transfer_in_conference: bool = False,
) -> Plan:
    """End a plan: a review conference's discontinuation (by its chair, through the
    conference), or, outside a conference, only when the child turned 18, died, or moved
    permanently after the receiving authority's transfer-in conference (by the safeguarding
    unit manager). ``step_down`` records the support that follows: a child in need plan
    (Scotland: a GIRFEC plan), or none."""
    plan = (
        Plan.objects.select_for_update()
        .select_related("child__responsible_authority")
        .get(pk=plan.pk)
    )
    if reason == Plan.EndReason.CONFERENCE or (
        reason == Plan.EndReason.MOVED and by_transfer_in_conference
    ):
        # The receiving authority's transfer-in conference ends the plan of the authority
        # the child moved from as it starts its own (conferences.transfers).
        _require_chair(actor, plan.child)
    elif reason in OUTSIDE_CONFERENCE_REASONS:
        _require_unit_manager(actor, plan)
    else:
        raise DomainError(
            errors={
                "end_reason": [
                    "Choose why the plan ends: the child turned 18, died, or moved permanently "
                    "to another authority after a transfer-in conference."
                ]
            }
        )
    if plan.status != Plan.Status.ACTIVE:
        raise DomainError(errors={"decision": ["This plan has already ended."]})
    child = plan.child
    # The conference path names its date "held_on"; the ending page names it "ended_on".
    date_field = "held_on" if reason == Plan.EndReason.CONFERENCE else "ended_on"
    errors: dict[str, list[str]] = {}
    if ended_on > timezone.localdate():
        errors[date_field] = ["A plan cannot end in the future."]
    elif ended_on < plan.started_on:
        errors[date_field] = ["A plan cannot end before it starts."]
    elif ended_on == plan.started_on:
        # CIN census validation: a plan cannot start and end on the same day.
        errors[date_field] = ["A plan cannot start and end on the same day."]
    if reason == Plan.EndReason.AGE:
        if child.date_of_birth is None:
            errors["end_reason"] = [
                f"{child.name}'s date of birth is not recorded: add it to the child's record."
            ]
        else:
            turns_18 = _eighteenth_birthday(child.date_of_birth)
            if ended_on < turns_18:
                errors.setdefault(date_field, []).append(
                    f"{child.name} turns 18 on {turns_18:%-d %B %Y}: the plan cannot end for "
                    "this reason before then."
                )
    elif reason == Plan.EndReason.DIED:
        if child.date_of_death is None:
            errors["end_reason"] = [
                f"Record {child.name}'s date of death on the child's record first."
            ]
        elif ended_on < child.date_of_death:
            errors.setdefault(date_field, []).append(
                f"The plan cannot end before the date of death ({child.date_of_death:%-d %B %Y})."
            )
    elif reason == Plan.EndReason.MOVED:
        if transfer_conference_on is None:
            errors["transfer_conference_on"] = [
                "Give the date of the receiving authority's transfer-in conference: a plan "
                "ends on a move only once that conference has been held."
            ]
        elif transfer_conference_on > timezone.localdate():
            errors["transfer_conference_on"] = [
                "The transfer-in conference has not been held yet: the plan stays open until it is."
            ]
        elif transfer_conference_on < plan.started_on:
            errors["transfer_conference_on"] = [
                "The transfer-in conference is before this plan started."
            ]
        elif ended_on < transfer_conference_on:
            errors.setdefault(date_field, []).append(
                "The plan cannot end before the transfer-in conference "
                f"({transfer_conference_on:%-d %B %Y})."
            )
        if not transferred_to.strip():
            errors["transferred_to"] = ["Name the authority the child has moved to."]
    if reason != Plan.EndReason.CONFERENCE and not step_down:
        step_down = "none"  # nothing follows a death, adulthood or another authority's plan
    errors.update(_check_step_down(plan, reason, step_down))
    if errors:
        raise DomainError(errors=errors)
    plan.status, plan.ended_on, plan.end_reason = Plan.Status.ENDED, ended_on, reason
    plan.step_down = step_down
    if reason == Plan.EndReason.MOVED:
        plan.transfer_conference_on = transfer_conference_on
        plan.transferred_to = transferred_to.strip()
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
        changes={
            "ended_on": ended_on,
            "end_reason": reason,
            "step_down": step_down,
            "transfer_conference_on": transfer_conference_on,
            "transferred_to": transferred_to.strip(),
        },
    )
    if step_down == "child_in_need":
        front_door.cin_plan_step_down(actor=actor, child=plan.child, started_on=ended_on)
    _tell_register_keepers(
        actor=actor,
        plan=plan,
        change=f"the plan ended ({plan.get_end_reason_display().lower()})",
        on=ended_on,
        key="ended",
    )
    return plan


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def plan_step_down_record(*, actor: User, plan_id: Any, step_down: str) -> Plan:
    """After a conference discontinued the plan: the support that follows it, recorded by
    the child's team or the chair."""
    plan = plan_for(actor, plan_id)
    if not access.may_record_step_down(actor, plan.child):
        from cpcase.errors import NotPermitted

        raise NotPermitted("Only the child's team or the chair records the step-down.")
    plan = (
        Plan.objects.select_for_update()
        .select_related("child__responsible_authority")
        .get(pk=plan.pk)
    )
    if plan.status != Plan.Status.ENDED:
        raise DomainError("The step-down is recorded once the plan has ended.")
    if not step_down:
        raise DomainError(
            errors={"step_down": ["Choose a child in need plan, a GIRFEC plan, or none."]}
        )
    errors = _check_step_down(plan, plan.end_reason, step_down)
    if errors:
        raise DomainError(errors=errors)
    before = plan.step_down
    plan.step_down = step_down
    plan.version += 1
    plan.save(update_fields=["step_down", "version"])
    if step_down == "child_in_need" and plan.ended_on is not None:
        front_door.cin_plan_step_down(actor=actor, child=plan.child, started_on=plan.ended_on)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=plan,
        child=plan.child,
        summary=f"Recorded the step-down: {STEP_DOWN_LABELS[step_down]}",
        changes={"step_down": {"from": before, "to": step_down}},
    )
    return plan


# --- The detailed plan (DOMAIN.md section 1, step 4) ------------------------------------

DETAIL_LABELS = {
    "cause_of_harm": "the cause of harm",
    "short_term_goals": "the short term goals",
    "long_term_goals": "the long term goals",
    "daily_safety_check": "who checks day to day that the child is safe and well",
    "seen_alone_arrangements": "when and where the child will be seen alone",
    "seen_with_family_arrangements": "when and where the child will be seen with their family",
    "contingency_plan": "the contingency plan if the plan is not working",
}


def plan_for(actor: User, plan_id: Any, action: access.Action = access.Action.VIEW_PLAN) -> Plan:
    """A plan of a child the actor may see (or act on); 404 otherwise."""
    from cpcase.errors import NotFound

    pk = access.as_uuid(plan_id)
    plan = Plan.objects.select_related("child").filter(pk=pk).first() if pk else None
    if (
        plan is None
        or not access.can(actor, access.Action.VIEW_PLAN, plan.child)
        or not access.may_read_record(actor, plan.child, plan.authority_id)
    ):
        raise NotFound("No plan was found.")
    if action != access.Action.VIEW_PLAN and (
        not access.can(actor, action, plan.child)
        or access.is_released_record(actor, plan.child, plan.authority_id)
    ):  # a release lets another authority read the plan, never change it
        from cpcase.errors import NotPermitted

        raise NotPermitted("You can read this plan, but not do that to it.")
    return plan


def _locked(actor: User, plan_id: Any, version: int | None, action: access.Action) -> Plan:
    from cpcase.errors import Conflict

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


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def plan_update_detail(
    *, actor: User, plan_id: Any, version: int | None, changes: dict[str, str]
) -> Plan:
    from cpcase.audit import diff

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
    from plans.validators import action_errors

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
def plan_action_add(*, actor: User, plan_id: Any, version: int | None, data: ActionInput):
    from plans.models import PlanAction

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
):
    """Change an action. The plan's version guards against a silent overwrite; an authorised
    plan goes back to a draft (the authorised version stays in the plan's versions)."""
    from cpcase.audit import diff
    from cpcase.errors import NotFound
    from plans.models import PlanAction

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


def may_record_progress(actor: User, action) -> bool:
    """The child's team records progress on any action; anyone else (a core group member)
    only on the actions they are responsible for."""
    return (
        access.can(actor, access.Action.EDIT, action.plan.child)
        or action.responsible_user_id == actor.pk
    )


@transaction.atomic
def plan_action_progress(*, actor: User, action_id: Any, status: str, note: str = "", meeting=None):
    """Progress on an action: by the team, or by a core group member on their own actions."""
    from cpcase.errors import NotFound, NotPermitted
    from plans.models import ActionUpdate, PlanAction

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
    from cpcase.services import NotificationRequest, notifications_raise

    managers = (
        User.objects.filter(access.plan_authorisers(), is_active=True, team=plan.child.team_id)
        .values_list("pk", flat=True)
        .distinct()
    )
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
    from cpcase.errors import NotPermitted

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


@dataclass(frozen=True)
class ActionProgressInput:
    action_id: Any
    status: str
    note: str = ""


@transaction.atomic
@running_deadlines.after(running_deadlines.of_plan)
def core_group_meeting_record(
    *,
    actor: User,
    plan_id: Any,
    held_on: dt.date,
    attendees: list[str],
    notes: str = "",
    action_updates: list[ActionProgressInput] | None = None,
):
    from plans.models import CoreGroupMeeting

    plan = plan_for(actor, plan_id, access.Action.EDIT)
    plan = Plan.objects.select_for_update().select_related("child").get(pk=plan.pk)
    errors: dict[str, list[str]] = {}
    if held_on > timezone.localdate():
        errors["held_on"] = ["A meeting cannot be recorded in the future."]
    if held_on < plan.started_on:
        errors["held_on"] = ["The meeting is before the plan started."]
    if plan.status != Plan.Status.ACTIVE:
        errors["plan"] = ["This plan has ended."]
    if errors:
        raise DomainError(errors=errors)
    meeting = CoreGroupMeeting.objects.create(
        plan=plan,
        held_on=held_on,
        attendees=[a.strip() for a in attendees if a.strip()],
        notes=notes.strip(),
        recorded_by=actor,
    )
    for i, update in enumerate(action_updates or []):
        try:
            plan_action_progress(
                actor=actor,
                action_id=update.action_id,
                status=update.status,
                note=update.note,
                meeting=meeting,
            )
        except DomainError as e:
            raise DomainError(
                errors={f"action_updates[{i}].{k}": v for k, v in e.errors.items()}
            ) from e
    if plan.stage == Plan.Stage.OUTLINE:
        # The first core group turns the outline plan into the detailed plan.
        plan.stage = Plan.Stage.DETAILED_DRAFT
        plan.version += 1
        plan.save(update_fields=["stage", "version"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=meeting,
        child=plan.child,
        summary=f"Recorded a core group meeting on {held_on:%d %B %Y}",
    )
    return meeting


# --- The plan as a document ----------------------------------------------------------

PDF_AUDIENCES = {"family": "for the family", "professionals": "for professionals"}


def plan_pdf(*, actor: User, plan_id: Any, audience: str) -> tuple[str, bytes]:
    """The plan as a tagged PDF, in plain words for the family or in full for professionals.
    Anyone who may read the plan may export it; every export is audited."""
    from cpcase.documents import render_pdf
    from plans.selectors import plan_document_context

    if audience not in PDF_AUDIENCES:
        from cpcase.errors import NotFound

        raise NotFound("There is no such version of the plan.")
    plan = plan_for(actor, plan_id)
    context = plan_document_context(plan)
    pdf = render_pdf(f"plans/pdf_{audience}.html", context)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=plan,
        child=plan.child,
        summary=f"Exported the plan as a PDF {PDF_AUDIENCES[audience]}",
        changes={"audience": audience, "version": plan.version, "bytes": len(pdf)},
    )
    filename = f"child-protection-plan-{audience}-{timezone.localdate():%Y-%m-%d}.pdf"
    return filename, pdf

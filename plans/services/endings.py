"""A plan ends: by a conference's decision, or outside a conference only when the child
turned 18, died, or moved permanently; and the support that follows it (the step-down)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import remove_perm

from cpcase import access, front_door, running_deadlines
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent, Child, Nation, User
from plans.models import Plan, StepDown
from plans.selectors import plan_for
from plans.services.common import _require_chair, _version
from plans.services.register import _tell_register_keepers

# A plan ends without a conference only for these reasons (DOMAIN.md, issue 5).
OUTSIDE_CONFERENCE_REASONS = (Plan.EndReason.AGE, Plan.EndReason.DIED, Plan.EndReason.MOVED)
STEP_DOWN_LABELS: dict[str, str] = {
    StepDown.CHILD_IN_NEED: "a child in need plan",
    StepDown.GIRFEC: "a GIRFEC plan",
    StepDown.NONE: "no further plan",
}

_WHY: dict[str, str] = {
    Plan.EndReason.AGE: "the child turned 18",
    Plan.EndReason.DIED: "the child died",
    Plan.EndReason.MOVED: "the child moved to another authority",
}


def _eighteenth_birthday(born: dt.date) -> dt.date:
    try:
        return born.replace(year=born.year + 18)
    except ValueError:  # born on 29 February: 18 on 1 March in a year that has none
        return dt.date(born.year + 18, 3, 1)


def _require_unit_manager(actor: User, plan: Plan) -> None:
    if access.may_correct_register(actor, plan.child):
        return
    if access.can(actor, access.Action.VIEW_PLAN, plan.child):
        raise NotPermitted(
            "Only the safeguarding unit manager ends a plan outside a conference (the child "
            "turned 18, died, or moved permanently after a transfer-in conference)."
        )
    raise NotFound("No plan was found.")


def _require_ender(actor: User, plan: Plan, reason: str, by_transfer_in_conference: bool) -> None:
    """The chair ends a plan at a conference; the unit manager outside one, for a reason
    that allows it."""
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


def _check_step_down(plan: Plan, reason: str, step_down: str) -> dict[str, list[str]]:
    if step_down not in ("", *STEP_DOWN_LABELS):
        return {"step_down": ["Choose a child in need plan, a GIRFEC plan, or no further plan."]}
    if (
        step_down in (StepDown.CHILD_IN_NEED, StepDown.GIRFEC)
        and reason != Plan.EndReason.CONFERENCE
    ):
        return {
            "step_down": [
                f"A plan that ends because {_WHY[reason]} does not step down to "
                f"{STEP_DOWN_LABELS[step_down]}: choose no further plan."
            ]
        }
    scotland = plan.child.responsible_authority.nation == Nation.SCOTLAND
    if step_down == StepDown.GIRFEC and not scotland:
        return {"step_down": ["A GIRFEC plan is Scotland's: choose a child in need plan."]}
    if step_down == StepDown.CHILD_IN_NEED and scotland:
        return {"step_down": ["In Scotland support continues under a GIRFEC plan: choose that."]}
    return {}


def _check_end_date(
    errors: dict[str, list[str]], plan: Plan, ended_on: dt.date, field: str
) -> None:
    if ended_on > timezone.localdate():
        errors[field] = ["A plan cannot end in the future."]
    elif ended_on < plan.started_on:
        errors[field] = ["A plan cannot end before it starts."]
    elif ended_on == plan.started_on:
        # CIN census validation: a plan cannot start and end on the same day.
        errors[field] = ["A plan cannot start and end on the same day."]


def _check_age(errors: dict[str, list[str]], child: Child, ended_on: dt.date, field: str) -> None:
    """A plan ends for the child's age only once they are 18."""
    if child.date_of_birth is None:
        errors["end_reason"] = [
            f"{child.name}'s date of birth is not recorded: add it to the child's record."
        ]
        return
    turns_18 = _eighteenth_birthday(child.date_of_birth)
    if ended_on < turns_18:
        errors.setdefault(field, []).append(
            f"{child.name} turns 18 on {turns_18:%-d %B %Y}: the plan cannot end for "
            "this reason before then."
        )


def _check_death(errors: dict[str, list[str]], child: Child, ended_on: dt.date, field: str) -> None:
    """A plan ends for the child's death once it is recorded, not before it."""
    if child.date_of_death is None:
        errors["end_reason"] = [f"Record {child.name}'s date of death on the child's record first."]
    elif ended_on < child.date_of_death:
        errors.setdefault(field, []).append(
            f"The plan cannot end before the date of death ({child.date_of_death:%-d %B %Y})."
        )


def _check_move(
    errors: dict[str, list[str]],
    plan: Plan,
    ended_on: dt.date,
    field: str,
    transfer_conference_on: dt.date | None,
    transferred_to: str,
) -> None:
    """A plan ends on a move once the receiving authority's transfer-in conference is held."""
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
        errors.setdefault(field, []).append(
            "The plan cannot end before the transfer-in conference "
            f"({transfer_conference_on:%-d %B %Y})."
        )
    if not transferred_to.strip():
        errors["transferred_to"] = ["Name the authority the child has moved to."]


def _ending_errors(
    plan: Plan,
    ended_on: dt.date,
    reason: str,
    transfer_conference_on: dt.date | None,
    transferred_to: str,
) -> dict[str, list[str]]:
    """What is wrong with the end date for this reason."""
    # The conference path names its date "held_on"; the ending page names it "ended_on".
    field = "held_on" if reason == Plan.EndReason.CONFERENCE else "ended_on"
    errors: dict[str, list[str]] = {}
    _check_end_date(errors, plan, ended_on, field)
    if reason == Plan.EndReason.AGE:
        _check_age(errors, plan.child, ended_on, field)
    elif reason == Plan.EndReason.DIED:
        _check_death(errors, plan.child, ended_on, field)
    elif reason == Plan.EndReason.MOVED:
        _check_move(errors, plan, ended_on, field, transfer_conference_on, transferred_to)
    return errors


def _close(
    plan: Plan,
    ended_on: dt.date,
    reason: str,
    step_down: str,
    transfer_conference_on: dt.date | None,
    transferred_to: str,
) -> None:
    """Mark the plan ended; the core group leaves it and stops reading it."""
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
    _require_ender(actor, plan, reason, by_transfer_in_conference)
    if plan.status != Plan.Status.ACTIVE:
        raise DomainError(errors={"decision": ["This plan has already ended."]})
    errors = _ending_errors(plan, ended_on, reason, transfer_conference_on, transferred_to)
    if reason != Plan.EndReason.CONFERENCE and not step_down:
        step_down = "none"  # nothing follows a death, adulthood or another authority's plan
    errors.update(_check_step_down(plan, reason, step_down))
    if errors:
        raise DomainError(errors=errors)
    _close(plan, ended_on, reason, step_down, transfer_conference_on, transferred_to)
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
    if step_down == StepDown.CHILD_IN_NEED:
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
    if step_down == StepDown.CHILD_IN_NEED and plan.ended_on is not None:
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

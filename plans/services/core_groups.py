"""The core group: who is in it (set by conferences), and its meetings, where progress
on the plan's actions is recorded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from cpcase import access, running_deadlines
from cpcase.audit import audit_record
from cpcase.errors import DomainError
from cpcase.models import AuditEvent, User
from plans.models import CoreGroupMeeting, CoreGroupMember, Plan
from plans.selectors import plan_for
from plans.services.detailed import plan_action_progress


@dataclass(frozen=True)
class CoreGroupInput:
    kind: str
    name: str = ""
    user: User | None = None
    person_id: Any = None
    agency: str = ""


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
) -> CoreGroupMeeting:
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

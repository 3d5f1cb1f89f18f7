"""The register: its keeper is told of every change (DOMAIN.md section 2), and the
safeguarding unit manager corrects an entry recorded wrongly."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cpcase import access, running_deadlines
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import AuditEvent, Notification, User
from cpcase.services import NotificationRequest, notifications_raise
from plans.models import Category, Plan
from plans.selectors import plan_for
from plans.services.common import _version


def _tell_register_keepers(*, actor: User, plan: Plan, change: str, on: dt.date, key: str) -> None:
    """One notification per change to the register (a plan started or ended, a category
    changed) to the safeguarding unit manager(s) of the authority where the child is
    resident: that authority keeps the register. Whoever made the change is not told of it.
    The title goes by email too, so it names no child; the body names the child."""
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


def _category_change(before: str, after: str, by: str) -> str:
    return (
        f"the category changed from {Category(before).label} to {Category(after).label} (by {by})"
    )


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
        raise NotPermitted("Only the safeguarding unit manager corrects the register.")
    plan = Plan.objects.select_for_update(of=("self",)).select_related("child").get(pk=plan.pk)
    changes = _corrections(plan, reason, latest_category, started_on)
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
    _tell_lead_of_correction(actor, plan, reason)
    _tell_register_keepers(
        actor=actor,
        plan=plan,
        change=_corrected_words(before, changes),
        on=timezone.localdate(),
        key=f"correction:{plan.version}",
    )
    return plan


def _corrections(
    plan: Plan, reason: str, latest_category: str | None, started_on: dt.date | None
) -> dict[str, Any]:
    """The fields the correction changes, checked; a DomainError names what is wrong."""
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    if latest_category is not None and latest_category != plan.latest_category:
        if latest_category not in Category.values:
            errors["latest_category"] = ["Choose the category: NEG, PHY, SAB, EMO or MUL."]
        changes["latest_category"] = latest_category
    if started_on is not None and started_on != plan.started_on:
        start_error = _corrected_start_error(plan, started_on)
        if start_error:
            errors["started_on"] = [start_error]
        changes["started_on"] = started_on
    if not reason.strip():
        errors["reason"] = ["Say why the register entry is corrected: the reason is recorded."]
    if not changes and not errors:
        errors["non_field_errors"] = ["Nothing was changed: change the category or the start date."]
    if errors:
        raise DomainError(errors=errors)
    return changes


def _corrected_start_error(plan: Plan, started_on: dt.date) -> str:
    """What is wrong with the corrected start date, or ""."""
    if started_on > timezone.localdate():
        return "A plan cannot start in the future."
    if plan.ended_on is not None and started_on >= plan.ended_on:
        return f"The plan ended on {plan.ended_on:%-d %B %Y}: it must start before that."
    if (
        plan.child.date_of_birth is not None
        and started_on < plan.child.date_of_birth
        and not plan.pre_birth
    ):
        return "A plan cannot start before the child was born."
    return ""


def _tell_lead_of_correction(actor: User, plan: Plan, reason: str) -> None:
    """The child's lead social worker is told, unless they made the correction."""
    lead = plan.child.lead_social_worker_id
    if not lead or lead == actor.pk:
        return
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


def _corrected_words(before: dict[str, Any], changes: dict[str, Any]) -> str:
    """The correction, as the register's keeper is told of it."""
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
    return "; ".join(corrected)

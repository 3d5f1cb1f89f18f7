"""Who works with a child: the team and lead social worker checked against the
authorities involved, the allocated worker's object permissions, and the one allocation
a conference makes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from cpcase import access, running_deadlines
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import AuditEvent, Child, Team, User


def validate_allocation(*, actor: User, child: Child, lead: User | None, team: Team | None) -> None:
    """The team and lead social worker belong to an authority involved with the child:
    the one responsible, or (for a child placed here by another) the one where they live."""
    errors: dict[str, list[str]] = {}
    authorities = {child.responsible_authority_id, child.resident_authority_id}
    if team is not None and team.authority_id not in authorities:
        errors["team"] = ["Choose a team of the authority responsible for the child."]
    if lead is not None:
        if not access.may_be_lead_social_worker(lead):
            errors["lead_social_worker"] = [
                "The lead social worker must be an active social worker."
            ]
        elif lead.authority_id not in authorities:
            errors["lead_social_worker"] = [
                "The lead social worker must work for the authority responsible for the child."
            ]
    if errors:
        raise DomainError(errors=errors)


def grant_allocated_worker(child: Child, old: User | None, new: User | None) -> None:
    """The allocated worker holds object permissions on the child (django-guardian)."""
    if old is not None and old != new:
        for perm in ("view_child", "change_child"):
            remove_perm(f"cpcase.{perm}", old, child)
    if new is not None:
        for perm in ("view_child", "change_child"):
            assign_perm(f"cpcase.{perm}", new, child)


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def child_allocate_by_conference(*, actor: User, child: Child, lead_social_worker: User) -> Child:
    """A conference names the child's lead social worker (DOMAIN.md section 1, step 2).

    The chair does not otherwise allocate children; this is that one decision, audited.
    """
    if not access.may_chair_for(actor, child):
        raise NotPermitted("Only the conference chair can name the lead social worker.")
    child = Child.objects.select_for_update().get(pk=child.pk)
    validate_allocation(actor=actor, child=child, lead=lead_social_worker, team=child.team)
    old = child.lead_social_worker
    if old == lead_social_worker:
        return child
    child.lead_social_worker = lead_social_worker
    if lead_social_worker.team_id and lead_social_worker.team_id != child.team_id:
        child.team_id = lead_social_worker.team_id
    child.version += 1
    child.updated_at = timezone.now()
    child.save()
    grant_allocated_worker(child, old, lead_social_worker)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=child,
        summary=f"Conference named {lead_social_worker.name} lead social worker",
        changes={
            "lead_social_worker": {"from": old.pk if old else None, "to": lead_social_worker.pk}
        },
    )
    return child

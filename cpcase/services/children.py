"""Children and the people around them: a child's record created and updated, a person
recorded with their relationship to the child."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cpcase import access, running_deadlines
from cpcase.audit import audit_record, diff
from cpcase.errors import Conflict, DomainError, NotPermitted
from cpcase.models import AuditEvent, Child, Relationship, Residence, User
from cpcase.services.allocation import grant_allocated_worker, validate_allocation
from cpcase.services.child_fields import (
    ALLOCATION_FIELDS,
    RELATION_FIELDS,
    AddressInput,
    PersonInput,
    address_build,
    changes_apply,
    child_move,
    child_snapshot,
    full_clean,
    mother_for,
    person_create,
    validate_looked_after,
)


def _child_save(child: Child, *, conflict: str) -> None:
    """Save the child; a clash with another child's unique identifiers is a domain error."""
    try:
        with transaction.atomic():
            child.save()
    except IntegrityError as e:
        raise DomainError(conflict) from e


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def child_create(*, actor: User, changes: dict[str, Any]) -> Child:
    if not access.can_create_child(actor) or actor.authority_id is None:
        raise NotPermitted("You do not have permission to add a child.")
    child = Child(
        responsible_authority_id=actor.authority_id,
        resident_authority_id=actor.authority_id,
    )
    mother_input = changes.get("mother")
    changes = {k: v for k, v in changes.items() if k != "mother"}
    address_input = changes_apply(child, changes)
    validate_looked_after(child, was_looked_after=False, changes=changes)
    if child.responsible_authority_id != actor.authority_id:
        # Recording a child another authority is responsible for (placed here): the
        # child is resident with us and responsible to them.
        child.resident_authority_id = actor.authority_id
    if "team" not in changes and actor.team_id:
        child.team_id = actor.team_id
    if "lead_social_worker" not in changes and access.is_case_worker(actor):
        child.lead_social_worker = actor
    if mother_input is not None:
        child.mother = mother_for(child, mother_input)
    validate_allocation(actor=actor, child=child, lead=child.lead_social_worker, team=child.team)
    full_clean(child, exclude=["mother"] if child.mother is not None else None)
    _child_save(
        child, conflict="This child's record conflicts with another (NHS number or LA child ID)."
    )
    if child.mother is not None:
        Relationship.objects.create(
            child=child,
            person=child.mother,
            kind=Relationship.Kind.MOTHER,
            parental_responsibility=True,
        )
    if address_input is not None:
        child_move(child, address_input, on=timezone.localdate())
    grant_allocated_worker(child, None, child.lead_social_worker)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=child,
        summary=f"Created the record of {child.name}",
        changes=diff({}, child_snapshot(child)),
    )
    return child


def _child_locked(actor: User, child_id: Any, version: int | None) -> Child:
    """The child the actor may edit, locked, as long as nobody changed it since ``version``."""
    child = access.child_for(actor, child_id, access.Action.EDIT)
    child = Child.objects.select_for_update().get(pk=child.pk)
    if version is None:
        raise DomainError(errors={"version": ["Send back the version you last read."]})
    if version != child.version:
        raise Conflict(
            "Somebody else changed this record after you opened it. "
            "Reload it to see their changes; your own changes were not saved."
        )
    return child


def _real_changes(child: Child, changes: dict[str, Any]) -> dict[str, Any]:
    # A value sent back unchanged (a client returning what it read) is no change, and
    # needs no permission to change it.
    return {
        k: v
        for k, v in changes.items()
        if not (
            k in (*ALLOCATION_FIELDS, *RELATION_FIELDS)
            and getattr(child, f"{k}_id") == getattr(v, "pk", v)
        )
    }


def _check_may_change(actor: User, child: Child, changes: dict[str, Any]) -> None:
    """Allocating a child and changing its responsible authority are managers' decisions."""
    if any(f in changes for f in ALLOCATION_FIELDS) and not access.can(
        actor, access.Action.ALLOCATE, child
    ):
        raise NotPermitted(
            "Only a team manager or the safeguarding unit manager can allocate a child."
        )
    if "responsible_authority" in changes and not access.may_change_responsible_authority(
        actor, child
    ):
        raise NotPermitted(
            "Only the safeguarding unit manager can change the responsible authority."
        )


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def child_update(
    *, actor: User, child_id: Any, version: int | None, changes: dict[str, Any]
) -> Child:
    child = _child_locked(actor, child_id, version)
    changes = _real_changes(child, changes)
    _check_may_change(actor, child, changes)
    before = child_snapshot(child)
    old_lead = child.lead_social_worker
    mother_input = changes.get("mother")
    changes = {k: v for k, v in changes.items() if k != "mother"}
    was_looked_after = child.looked_after
    address_input = changes_apply(child, changes)
    validate_looked_after(child, was_looked_after=was_looked_after, changes=changes)
    if mother_input is not None:
        child.mother = mother_for(child, mother_input)
    if any(f in changes for f in ALLOCATION_FIELDS):
        validate_allocation(
            actor=actor, child=child, lead=child.lead_social_worker, team=child.team
        )
    full_clean(child, exclude=["mother"] if child.mother is not None else None)
    if address_input is not None:
        child_move(child, address_input, on=timezone.localdate())
    child.version += 1
    child.updated_at = timezone.now()
    _child_save(
        child,
        conflict="This change conflicts with another child's record (NHS number or LA child ID).",
    )
    if old_lead != child.lead_social_worker:
        grant_allocated_worker(child, old_lead, child.lead_social_worker)
    child.refresh_from_db()
    after = child_snapshot(child)
    changed = diff(before, after)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=child,
        summary=f"Updated {', '.join(changed) or 'nothing'}",
        changes=changed,
    )
    return child


@transaction.atomic
def person_add_to_child(
    *,
    actor: User,
    child_id: Any,
    person: PersonInput,
    kind: str,
    parental_responsibility: bool = False,
    lives_with_child: bool = False,
    is_carer: bool = False,
    address: AddressInput | None = None,
) -> Relationship:
    child = access.child_for(actor, child_id, access.Action.EDIT)
    if kind not in Relationship.Kind.values:
        raise DomainError(
            errors={"relationship": ["Choose how this person is related to the child."]}
        )
    new_person = person_create(child, person, prefix="person")
    if lives_with_child and address is None and child.address is not None:
        Residence.objects.create(
            person=new_person, address=child.address, moved_in_on=timezone.localdate()
        )
    elif address is not None:
        addr = address_build(address)
        addr.save()
        Residence.objects.create(person=new_person, address=addr, moved_in_on=timezone.localdate())
    relationship = Relationship.objects.create(
        child=child,
        person=new_person,
        kind=kind,
        parental_responsibility=parental_responsibility,
        lives_with_child=lives_with_child,
        is_carer=is_carer,
    )
    child.version += 1
    child.updated_at = timezone.now()
    child.save(update_fields=["version", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=relationship,
        child=child,
        summary=f"Recorded {new_person.name} as {relationship.get_kind_display().lower()}",
        changes={
            "person": str(new_person.pk),
            "kind": kind,
            "parental_responsibility": parental_responsibility,
            "lives_with_child": lives_with_child,
        },
    )
    return relationship

"""A child moves to another authority (transfer-in): the notice of a move in, then the
transfer of responsibility after the receiving authority's conference."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from cpcase import access, running_deadlines
from cpcase.audit import audit_record, diff
from cpcase.errors import NotPermitted
from cpcase.models import AuditEvent, Child, User
from cpcase.services.child_fields import AddressInput, child_move, child_snapshot


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def child_move_in_record(
    *, actor: User, child: Child, address: AddressInput | None, on: dt.date
) -> Child:
    """Notice of a move in: the child lives in the receiving authority's area now, so it
    becomes the authority of residence (its register lists the child; its authority-wide
    staff see them), and the new address is recorded if known. The authority that was
    responsible stays responsible until the transfer-in conference."""
    receiving_id = actor.authority_id
    if receiving_id is None or not access.may_record_transfer_notice(actor, child):
        raise NotPermitted("Only the receiving authority records the notice of a move in.")
    child = Child.objects.select_for_update().get(pk=child.pk)
    before = child_snapshot(child)
    child.resident_authority_id = receiving_id
    if address is not None:
        child_move(child, address, on=on)
    child.version += 1
    child.updated_at = timezone.now()
    child.save()
    # The member of staff who recorded it sees the child from now on (a team manager sees
    # only their team's children otherwise).
    assign_perm("cpcase.view_child", actor, child)
    child.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=child,
        summary="Recorded a move into the authority's area",
        changes=diff(before, child_snapshot(child)),
    )
    return child


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def child_responsibility_transfer(
    *, actor: User, child: Child, to_authority_id: Any, on: dt.date
) -> Child:
    """After the receiving authority's transfer-in conference made a plan: that authority
    becomes responsible for the child, and the authority where they live."""
    if not (access.may_chair_for(actor, child) and actor.authority_id == to_authority_id):
        raise NotPermitted("Only the receiving authority's conference chair transfers a child.")
    child = Child.objects.select_for_update().get(pk=child.pk)
    before = child_snapshot(child)
    child.responsible_authority_id = to_authority_id
    child.resident_authority_id = to_authority_id
    if child.team is not None and child.team.authority_id != to_authority_id:
        # The original authority's team is no longer the child's: the conference's lead
        # social worker brings their own team.
        child.team = None
    child.version += 1
    child.updated_at = timezone.now()
    child.save()
    child.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=child,
        summary=f"Transfer-in conference on {on:%d %B %Y}: the receiving authority is responsible",
        changes=diff(before, child_snapshot(child)),
    )
    return child

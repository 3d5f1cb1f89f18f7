"""The designated manager of each authority, over time."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cpcase import access
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import AuditEvent, User
from registry.models import DesignatedManager


@transaction.atomic
def designated_manager_set(
    *, actor: User, manager: User, from_date: dt.date, department_notified_on: dt.date | None
) -> DesignatedManager:
    """A new designated manager for the actor's authority; the department is told of a change."""
    if not access.may_keep_designated_managers(actor):
        raise NotPermitted("Only the safeguarding unit manager records the designated manager.")
    assert actor.authority_id is not None  # noqa: S101 - a unit manager has an authority
    errors: dict[str, list[str]] = {}
    if not access.may_be_designated_manager(manager, actor.authority_id):
        errors["manager"] = ["Choose a safeguarding unit manager of this authority."]
    if department_notified_on and department_notified_on < from_date:
        errors["department_notified_on"] = ["The department is told on or after the change."]
    if department_notified_on and department_notified_on > timezone.localdate():
        errors["department_notified_on"] = ["This date cannot be in the future."]
    if errors:
        raise DomainError(errors=errors)
    current = (
        DesignatedManager.objects.select_for_update()
        .filter(authority_id=actor.authority_id, to_date__isnull=True)
        .first()
    )
    if current is not None:
        if from_date <= current.from_date:
            raise DomainError(
                errors={"from_date": ["The new manager starts after the current one did."]}
            )
        current.to_date = from_date - dt.timedelta(days=1)
        current.save(update_fields=["to_date"])
    entry = DesignatedManager.objects.create(
        authority_id=actor.authority_id,
        manager=manager,
        from_date=from_date,
        department_notified_on=department_notified_on,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=entry,
        summary=f"Designated manager from {from_date}: {manager.name}",
    )
    return entry

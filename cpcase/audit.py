"""Writing the audit trail. Every view, search, export, letter and change goes through here."""

from __future__ import annotations

from typing import Any

from django.db import models

from cpcase import read_audit, request_context
from cpcase.models import AuditEvent, Child, User


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    child: Child | None = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    actor_username: str = "",
) -> AuditEvent:
    ctx = request_context.current()
    if child is None and isinstance(obj, Child):
        child = obj
    read_audit.note_audited(child.pk if child is not None else None)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_username=(actor.get_username() if actor is not None and actor.pk else actor_username)[
            :150
        ],
        action=action,
        object_type=(obj._meta.model_name or "") if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        child_id=child.pk if child is not None else None,
        summary=summary[:500],
        changes=_jsonable(changes or {}),
        ip_address=ctx.ip_address,
        user_agent=ctx.user_agent,
        path=ctx.path,
        request_id=ctx.request_id,
    )


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields that changed, as ``{field: {"from": old, "to": new}}``."""
    return {
        key: {"from": _jsonable(before.get(key)), "to": _jsonable(after.get(key))}
        for key in after
        if _jsonable(before.get(key)) != _jsonable(after.get(key))
    }


def audit_record_each(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None,
    children: list[Child | None],
    summary: str,
    changes: dict[str, Any] | None = None,
) -> None:
    """One event per child (or one with no child), written in a single insert."""
    AuditEvent.objects.bulk_create(
        audit_events_each(
            actor=actor, action=action, obj=obj, children=children, summary=summary, changes=changes
        )
    )


def audit_events_each(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None,
    children: list[Child | None],
    summary: str,
    changes: dict[str, Any] | None = None,
) -> list[AuditEvent]:
    """:func:`audit_record_each`'s events, unsaved, for a caller that writes them in the
    same statement as the record (``cpcase.insert_together``): the read audit is told of
    the children now."""
    ctx = request_context.current()
    for child in children:
        read_audit.note_audited(child.pk if child is not None else None)
    return [
        AuditEvent(
            actor=actor if actor is not None and actor.pk else None,
            actor_username=actor.get_username() if actor is not None and actor.pk else "",
            action=action,
            object_type=(obj._meta.model_name or "") if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            child_id=child.pk if child is not None else None,
            summary=summary[:500],
            changes=_jsonable(changes or {}),
            ip_address=ctx.ip_address,
            user_agent=ctx.user_agent,
            path=ctx.path,
            request_id=ctx.request_id,
        )
        for child in children
    ]

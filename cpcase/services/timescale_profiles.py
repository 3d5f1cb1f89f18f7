"""The timescale profiles and the calendar of an authority: the local overrides its
safeguarding unit manager or system administrator sets."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from cpcase import access, running_deadlines
from cpcase.audit import audit_record, diff
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import AuditEvent, Authority, CalendarDay, TimescaleProfile, TimescaleRule, User
from cpcase.services.child_fields import full_clean


def _require_settings_role(actor: User, authority: Authority) -> None:
    if not access.may_change_authority_settings(actor, authority.pk):
        raise NotPermitted(
            "Only the safeguarding unit manager or a system administrator of this authority "
            "can change its timescales and calendar."
        )


@transaction.atomic
def timescale_rule_set(
    *, actor: User, authority: Authority, kind: str, value: int, unit: str, note: str = ""
) -> TimescaleRule:
    """Override one timescale for an authority (its nation's default stays as it is)."""
    _require_settings_role(actor, authority)
    profile, _ = TimescaleProfile.objects.get_or_create(
        authority=authority,
        defaults={"name": f"{authority.name} (local)", "nation": authority.nation},
    )
    rule = TimescaleRule.objects.filter(profile=profile, kind=kind).first() or TimescaleRule(
        profile=profile, kind=kind
    )
    before = {"value": rule.value, "unit": rule.unit}
    if not isinstance(value, int) or isinstance(value, bool):
        raise DomainError(errors={"value": ["Enter the timescale as a whole number."]})
    rule.value, rule.unit, rule.note = value, unit, note
    full_clean(rule, exclude=["profile"])
    rule.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=rule,
        summary=f"Set the {authority.name} timescale: {rule}",
        changes=diff(before, {"value": rule.value, "unit": rule.unit}),
    )
    running_deadlines.refresh_authority_later(authority)
    return rule


@transaction.atomic
def calendar_day_set(
    *, actor: User, authority: Authority, day: dt.date, kind: str, reason: str = ""
) -> CalendarDay:
    """Add an office closure, or keep a listed bank holiday as a working day."""
    _require_settings_role(actor, authority)
    if kind not in CalendarDay.Kind.values:
        raise DomainError(errors={"kind": ["Choose a closure or a working day."]})
    entry, _ = CalendarDay.objects.update_or_create(
        authority=authority, date=day, defaults={"kind": kind, "reason": reason.strip()}
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=entry,
        summary=f"Calendar of {authority.name}: {entry}",
        changes={"date": day, "kind": kind, "reason": reason},
    )
    running_deadlines.refresh_authority_later(authority)
    return entry

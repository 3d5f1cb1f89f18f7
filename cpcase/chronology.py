"""A child's chronology, gathered from every app.

Each app hands the core a provider in ``AppConfig.ready``; the core asks the
providers and never imports the apps (STYLE.md). The same shape serves
deadlines in :mod:`cpcase.timescales`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from cpcase import access
from cpcase.audit import audit_record
from cpcase.errors import Conflict, DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent, Child, SignificantEvent
from cpcase.validators import TEXT_MAX_LENGTH


@dataclass(frozen=True)
class Event:
    on: dt.date
    at: dt.datetime | None
    kind: str
    title: str
    detail: str = ""
    source: str = "cpcase"
    object_id: str = ""
    # The authority that recorded it (None: the child's own record, shown to whoever sees
    # the child). Another authority's events are shown only through a historic release.
    authority_id: Any = None
    # Where the record is read in the browser ("" for the child's own page).
    url: str = ""
    # Who recorded it: the name on the record where it keeps one, else the audit's.
    recorded_by: str = ""
    # Marked as significant by a worker: why, and who marked it ("" when not marked).
    significant: str = ""
    significant_by: str = ""

    @property
    def key(self) -> str:
        """Names the event among the child's: kind, record and date."""
        return f"{self.kind}:{self.object_id}:{self.on.isoformat()}"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.on.isoformat(),
            "at": self.at.isoformat() if self.at else None,
            "kind": self.kind,
            "title": self.title,
            "detail": self.detail,
            "source": self.source,
            "object_id": self.object_id,
            "recorded_by": self.recorded_by,
        }


KIND_LABELS = {
    "child_recorded": "Child's record",
    "born": "Birth",
    "moved_in": "Address changes",
    "moved_out": "Address changes",
    "person_added": "Parents, carers and household",
    "referral": "Referrals",
    "assessment_started": "Assessments",
    "assessment_authorised": "Assessments",
    "cin_plan_started": "Child in need plans",
    "cin_plan_ended": "Child in need plans",
    "episode_closed": "Referrals",
    "emergency_protection": "Emergency protection",
    "strategy_discussion": "Strategy discussions",
    "section47_started": "Section 47 enquiries",
    "section47_outcome": "Section 47 enquiries",
    "plan_started": "Child protection plans",
    "plan_ended": "Child protection plans",
    "core_group": "Core groups",
    "disagreement_raised": "Professional disagreements",
    "disagreement_resolved": "Professional disagreements",
    "transfer_notice": "Transfers",
    "transfer_completed": "Transfers",
    "transfer_no_plan": "Transfers",
    "plan_version": "Plan versions and authorisations",
    "letter_sent": "Letters",
    "looked_after": "Looked after",
    "register_enquiry": "Enquiries to the register",
}


def kind_label(kind: str) -> str:
    """The group an event is filtered by: conferences of every kind are one, visits another."""
    if kind in KIND_LABELS:
        return KIND_LABELS[kind]
    if kind.startswith("conference_"):
        return "Conferences"
    if kind.startswith("visit_"):
        return "Visits"
    return kind.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Filters:
    """What the chronology page is narrowed to (kept in the URL)."""

    kinds: frozenset[str] = frozenset()  # kind labels; empty: every kind
    since: dt.date | None = None
    until: dt.date | None = None
    significant_only: bool = False

    def keep(self, event: Event) -> bool:
        if self.significant_only and not event.significant:
            return False
        if self.kinds and event.kind_label not in self.kinds:
            return False
        if self.since and event.on < self.since:
            return False
        return not (self.until and event.on > self.until)


def recorded_by(child: Child, events: list[Event]) -> list[Event]:
    """Name who recorded each event that does not say: the person whose action created
    the record, from the audit trail (one query however many events)."""
    wanted = {e.object_id for e in events if e.object_id and not e.recorded_by}
    if not wanted:
        return events
    names: dict[str, str] = {}
    creations = (
        AuditEvent.objects.filter(
            child_id=child.pk, action=AuditEvent.Action.CREATE, object_id__in=wanted
        )
        .select_related("actor")
        .order_by("at", "id")
    )
    for event in creations:
        if event.object_id not in names:
            actor = event.actor
            names[event.object_id] = (
                (actor.get_full_name() or actor.get_username())
                if actor is not None
                else event.actor_username
            )
    return [
        replace(e, recorded_by=names[e.object_id])
        if not e.recorded_by and e.object_id in names
        else e
        for e in events
    ]


Provider = Callable[[Child], Iterable[Event]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def events_for(child: Child, user: Any = None) -> list[Event]:
    """The child's events; for ``user``, only those of records the user may read."""
    events = [event for provider in _providers for event in provider(child)]
    if user is not None:
        owners = {e.authority_id for e in events if e.authority_id is not None}
        readable = {a for a in owners if access.may_read_record(user, child, a)}
        events = [e for e in events if e.authority_id is None or e.authority_id in readable]
    events = _marked(child, recorded_by(child, events))
    return sorted(events, key=lambda e: (e.on, e.at or dt.datetime.min.replace(tzinfo=dt.UTC)))


def core_events(child: Child) -> Iterable[Event]:
    yield Event(
        on=timezone.localdate(child.created_at),
        at=child.created_at,
        kind="child_recorded",
        title="Child's record created",
        object_id=str(child.pk),
    )
    if child.date_of_birth:
        yield Event(on=child.date_of_birth, at=None, kind="born", title="Born")
    for residence in child.residences.select_related("address"):
        if residence.moved_in_on:
            yield Event(
                on=residence.moved_in_on,
                at=None,
                kind="moved_in",
                title="Moved to an address",
                detail=str(residence.address),
                object_id=str(residence.pk),
            )
        if residence.moved_out_on:
            yield Event(
                on=residence.moved_out_on,
                at=None,
                kind="moved_out",
                title="Moved from an address",
                detail=str(residence.address),
                object_id=str(residence.pk),
            )
    for rel in child.relationships.select_related("person"):
        yield Event(
            on=timezone.localdate(rel.created_at),
            at=rel.created_at,
            kind="person_added",
            title=f"{rel.get_kind_display()} recorded",
            detail=rel.person.name,
            object_id=str(rel.pk),
        )


def _name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def _marked(child: Child, events: list[Event]) -> list[Event]:
    """The significance workers gave the events (one query)."""
    marks = {
        mark.event_key: mark
        for mark in SignificantEvent.objects.filter(child=child).select_related("marked_by")
    }
    if not marks:
        return events
    return [
        replace(e, significant=marks[e.key].reason, significant_by=_name(marks[e.key].marked_by))
        if e.key in marks
        else e
        for e in events
    ]


# --- Services: marking an event as significant ----------------------------------------


def _event_of(actor: Any, child_id: object, event_key: str) -> tuple[Child, Event]:
    child = access.child_for(actor, child_id)
    if not access.may_edit_child(actor, child):
        raise NotPermitted("Only the child's workers mark events as significant.")
    return child, event_of(child, actor, event_key)


def event_of(child: Child, user: Any, event_key: str) -> Event:
    """One of the child's events that ``user`` may read, by its key; else NotFound."""
    event = next((e for e in events_for(child, user) if e.key == event_key), None)
    if event is None:
        raise NotFound("There is no such event in the child's chronology.")
    return event


def mark_significant(*, actor: Any, child_id: object, event_key: str, reason: str) -> Event:
    """Mark one of the child's events as significant, saying why (audited)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(errors={"reason": ["Say why the event is significant."]})
    if len(reason) > TEXT_MAX_LENGTH:
        raise DomainError(
            errors={"reason": [f"The reason must be {TEXT_MAX_LENGTH:,} characters or fewer."]}
        )
    with transaction.atomic():
        child, event = _event_of(actor, child_id, event_key)
        if event.significant:
            raise Conflict("The event is already marked as significant.")
        mark = SignificantEvent.objects.create(
            child=child, event_key=event.key, reason=reason, marked_by=actor
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=mark,
            child=child,
            summary=f"Marked as significant: {event.title}"[:500],
            changes={"event": event.key, "reason": reason},
        )

    return replace(event, significant=reason, significant_by=_name(actor))


def unmark_significant(*, actor: Any, child_id: object, event_key: str) -> None:
    """No longer significant (audited; the reason given stays in the audit trail)."""
    with transaction.atomic():
        child, event = _event_of(actor, child_id, event_key)
        deleted, _ = SignificantEvent.objects.filter(child=child, event_key=event.key).delete()
        if not deleted:
            raise NotFound("The event is not marked as significant.")
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=child,
            summary=f"No longer marked as significant: {event.title}"[:500],
            changes={"event": event.key, "reason": {"from": event.significant, "to": None}},
        )

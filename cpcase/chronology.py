"""A child's chronology, gathered from every app.

Each app hands the core a provider in ``AppConfig.ready``; the core asks the
providers and never imports the apps (STYLE.md). The same shape serves
deadlines in :mod:`cpcase.timescales`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cpcase.models import Child


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

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.on.isoformat(),
            "at": self.at.isoformat() if self.at else None,
            "kind": self.kind,
            "title": self.title,
            "detail": self.detail,
            "source": self.source,
            "object_id": self.object_id,
        }


Provider = Callable[[Child], Iterable[Event]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def events_for(child: Child, user: Any = None) -> list[Event]:
    """The child's events; for ``user``, only those of records the user may read."""
    from cpcase import access

    events = [event for provider in _providers for event in provider(child)]
    if user is not None:
        owners = {e.authority_id for e in events if e.authority_id is not None}
        readable = {a for a in owners if access.may_read_record(user, child, a)}
        events = [e for e in events if e.authority_id is None or e.authority_id in readable]
    return sorted(events, key=lambda e: (e.on, e.at or dt.datetime.min.replace(tzinfo=dt.UTC)))


def core_events(child: Child) -> Iterable[Event]:
    from django.utils import timezone

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

"""The statutory returns: the Children in Need census (``registry.census``) and
Ofsted's Annex A list of children on a plan. Produced by the safeguarding unit manager,
each production audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from cpcase import access, read_audit
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import AuditEvent, User
from registry.census import census_document, census_records


def _require_unit_manager(user: User) -> None:
    if not access.may_export_returns(user):
        raise NotPermitted("Only the safeguarding unit manager produces the returns.")


def census_period(year: int) -> tuple[dt.date, dt.date]:
    """The census year ending 31 March ``year``."""
    if not 2000 <= year <= 2100:
        raise DomainError(errors={"year": ["Give the year the census ends in, like 2026."]})
    return dt.date(year - 1, 4, 1), dt.date(year, 3, 31)


def cin_census_xml(
    *, user: User, year: int, progress: Callable[[int, int], None] | None = None
) -> bytes:
    """The Children in Need census for the year ending 31 March ``year``: every child the
    authority is responsible for with an episode open in the year or an NFA referral
    received in it (``registry.census``). ``progress(done, total)`` is told how many
    children are written so far."""
    _require_unit_manager(user)
    start, end = census_period(year)
    if user.authority is None:
        raise NotPermitted("The census is produced for the authority you work for.")
    census = census_records(authority=user.authority, year=year, start=start, end=end)
    total = len(census.children)
    document = census_document(
        census, progress=(lambda done: progress(done, total)) if progress else None
    )
    read_audit.record_children(
        user=user,
        children=[entry.child.pk for entry in census.children],
        summary="In the CIN census return",
        export=True,
    )
    audit_record(
        actor=user,
        action=AuditEvent.Action.EXPORT,
        summary=f"Produced the CIN census for the year ending {end:%d %B %Y}",
        changes={
            "year": year,
            "children": len(census.children),
            "episodes": sum(len(entry.episodes) for entry in census.children),
            "children_on_a_plan_without_an_episode": census.without_episode,
        },
    )
    return document

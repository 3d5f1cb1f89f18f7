"""What each kind of statutory return job produces: one producer a kind.

A producer is called in the background job as the job's user (whose permission it checks
again, as the synchronous endpoints do), with the collection year (the census year ending
31 March ``year``) and a ``progress`` callback taking a percentage. It answers the file,
once: its name, its content type, its bytes, and the ids of the children in it (named
again in the audit trail at each download).

The job layer (``registry.return_jobs``) knows only this registry, so a producer is
switched here and nowhere else.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import NamedTuple, Protocol

from django.utils import timezone

from cpcase import read_audit
from cpcase.models import User
from registry.annex_a import annex_a_workbook
from registry.returns import cin_census_xml

Progress = Callable[[int], None]


class ProducedReturn(NamedTuple):
    filename: str
    content_type: str
    content: bytes
    child_ids: frozenset[uuid.UUID]


class Producer(Protocol):
    def __call__(self, *, user: User, year: int, progress: Progress) -> ProducedReturn: ...


def cin_census(*, user: User, year: int, progress: Progress) -> ProducedReturn:
    """The Children in Need census for the year ending 31 March ``year`` (XML)."""
    progress(10)
    # The children in the file are those the producer records as exported.
    with read_audit.children_named() as named:
        content = cin_census_xml(
            user=user,
            year=year,
            progress=lambda done, total: progress(10 + 85 * done // max(total, 1)),
        )
    return ProducedReturn(f"cin-census-{year}.xml", "application/xml", content, frozenset(named))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def annex_a(*, user: User, year: int, progress: Progress) -> ProducedReturn:
    """Ofsted's Annex A workbook (lists 3 to 7, one sheet each) on the day the job runs
    (``year`` names the collection year only)."""
    today = timezone.localdate()
    progress(5)

    def each_list(done: int, total: int) -> None:
        progress(5 + 90 * done // max(total, 1))

    with read_audit.children_named() as named:
        content = annex_a_workbook(user=user, today=today, progress=each_list)
    return ProducedReturn(f"annex-a-{today.isoformat()}.xlsx", XLSX, content, frozenset(named))


PRODUCERS: dict[str, Producer] = {
    "cin_census": cin_census,
    "annex_a": annex_a,
}

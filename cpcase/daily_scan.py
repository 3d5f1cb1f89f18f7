"""The daily timescale check cut into chunks, so that many workers share one day's run.

A chunk is the children of one authority whose ids fall in a half-open range of the
primary key's order: ``[first, last)``, where ``None`` is the open end. An authority's
chunks cover every one of its children exactly once, whatever work they have, so the
ranges decide nothing about what is found, only who finds it. Where the ranges are cut
only balances the work: every ``CPCASE_SCAN_CHUNK`` children with running work (the apps'
running-work providers: open plans, say), so each chunk holds about that many.

Each chunk is scanned by one call of ``services.timescales_check_chunk`` (a fixed number
of queries, however many children it holds), inline (``manage.py check_timescales``) or
as one task of a Celery group (``cpcase.check_timescales``, from beat). A chunk scanned
twice, or again after its worker died, stores nothing twice: the notifications' dedupe
keys decide, inside PostgreSQL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import reduce
from itertools import pairwise
from operator import or_
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from cpcase.models import Authority, Child
from cpcase.timescales import ChildRange, running_work


@dataclass(frozen=True)
class ScanChunk:
    """The children of ``authority_id`` with ``first <= id < last``."""

    authority_id: uuid.UUID
    first: uuid.UUID | None = None
    last: uuid.UUID | None = None

    def children(self) -> QuerySet[Child]:
        children = Child.objects.filter(responsible_authority_id=self.authority_id)
        if self.first is not None:
            children = children.filter(pk__gte=self.first)
        if self.last is not None:
            children = children.filter(pk__lt=self.last)
        return children

    def id_range(self) -> ChildRange:
        """Where :meth:`children`'s ids lie, for the providers to read their tables by."""
        return ChildRange(self.first, self.last)

    def as_args(self) -> list[str | None]:
        """JSON-safe, for a task's arguments."""
        return [
            str(v) if v is not None else None for v in (self.authority_id, self.first, self.last)
        ]

    @classmethod
    def from_args(cls, authority_id: Any, first: Any = None, last: Any = None) -> ScanChunk:
        """From a task's arguments; ``ValueError`` if they are not ids."""

        def as_uuid(value: Any) -> uuid.UUID:
            if isinstance(value, uuid.UUID):
                return value
            try:
                return uuid.UUID(value)
            except (TypeError, ValueError, AttributeError) as e:
                raise ValueError(f"not an id: {value!r}") from e

        return cls(
            authority_id=as_uuid(authority_id),
            first=None if first is None else as_uuid(first),
            last=None if last is None else as_uuid(last),
        )


def chunk_size() -> int:
    return int(settings.CPCASE_SCAN_CHUNK)


def scan_chunks(size: int | None = None) -> list[ScanChunk]:
    """Every authority's chunks, cut every ``size`` children with running work.

    Two queries whatever the size of the authorities: the cuts (a window over the
    children with running work, per authority), and the authorities.
    """
    size = size or chunk_size()
    if size < 1:
        raise ValueError("A chunk holds one child or more.")
    cuts: dict[uuid.UUID, list[uuid.UUID]] = {}
    providers = running_work()
    if providers:
        busy = Child.objects.filter(reduce(or_, (Q(pk__in=p()) for p in providers)))
        numbered = busy.annotate(
            n=Window(RowNumber(), partition_by=[F("responsible_authority_id")], order_by="pk")
        )
        # The 1st, (size+1)th, (2·size+1)th... child with work starts a chunk; the first
        # chunk starts at the open end instead, so children before it are scanned too.
        starts = (
            numbered.annotate(place=(F("n") - 1) % size)
            .filter(place=0, n__gt=1)
            .order_by("responsible_authority_id", "pk")
            .values_list("responsible_authority_id", "pk")
        )
        for authority_id, pk in starts:
            cuts.setdefault(authority_id, []).append(pk)
    chunks: list[ScanChunk] = []
    for authority_id in Authority.objects.order_by("pk").values_list("pk", flat=True):
        bounds: list[uuid.UUID | None] = [None, *cuts.get(authority_id, []), None]
        chunks.extend(ScanChunk(authority_id, first, last) for first, last in pairwise(bounds))
    return chunks

"""Each child's running deadlines, stored, so that dashboards read rows instead of
computing every child's deadlines on each request.

The deadline engine (:mod:`cpcase.timescales`) stays the single source of the dates:
:func:`refresh` runs it for some children and rewrites their rows. A deadline changes
only when a record it depends on changes (a conference, a core group, a visit, a plan's
stage, a strategy discussion or enquiry, a transfer, a looked-after event, the child's
profile or allocation, the authority's timescales or working days), so the services that
change those records call :func:`refresh` for the children concerned, in their own
transaction. Nothing in a row moves with the date alone (see
:mod:`cpcase.services.daily_check`, which reads the day's reminders from these rows): only
its status does, worked out from ``due_on`` when it is read. A weekly repair recomputes
every child's rows with the engine and rewrites what drifted (:func:`repair`, through
``cpcase.repair_running_deadlines``), for writes that bypassed the services.

Rows hold only what is running (not met, not missed). Each child's soonest is marked
``is_next``: partial indexes serve "next deadline per child of this team (or authority,
or worker), soonest first", which is the dashboards' order (red, then amber, then green).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ParamSpec, TypeVar

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cpcase.models import Authority, Child, RunningDeadline
from cpcase.timescales import (
    ChildRange,
    Deadline,
    DeadlineContext,
    deadlines,
    load_authority_timescales,
)

P = ParamSpec("P")
R = TypeVar("R")

# Children refreshed per transaction when a whole authority (or everything) is rewritten.
CHUNK = 2000

# What else is derived from the records a deadline depends on (the measures' stored
# deadlines, say): each app registers in ``AppConfig.ready`` what to rewrite for some
# children (in the refresh's transaction, under the children's locks), and which further
# children an authority's timescales or working days reach (those with records of the
# authority that it is no longer responsible for).
_children_followers: list[Callable[[list[Any]], object]] = []
_authority_reaches: list[Callable[[Any], Iterable[Any]]] = []
_drift_finders: list[Callable[[list[Any]], Iterable[Any]]] = []


def register_follower(
    *,
    children: Callable[[list[Any]], object],
    reached: Callable[[Any], Iterable[Any]],
    drifted: Callable[[list[Any]], Iterable[Any]],
) -> None:
    """``children(ids)`` rewrites what the app derives for those children; ``reached(
    authority_id)`` names the further children an authority's rules reach; ``drifted(ids)``
    names those of the children whose derived rows differ from a rewrite (for the repair)."""
    if children not in _children_followers:
        _children_followers.append(children)
    if reached not in _authority_reaches:
        _authority_reaches.append(reached)
    if drifted not in _drift_finders:
        _drift_finders.append(drifted)


def _ids(children: Iterable[Any]) -> list[uuid.UUID]:
    found = {c.pk if isinstance(c, Child) else c for c in children}
    return sorted(c for c in found if c is not None)


def compute(
    children: QuerySet[Child], today: dt.date, *, id_range: ChildRange | None = None
) -> list[Deadline]:
    """The open deadlines of ``children`` (whose ids lie in ``id_range``, if given) as the
    engine gives them today."""
    context = DeadlineContext(
        children=children,
        today=today,
        history=False,
        timescales=load_authority_timescales(),
        id_range=id_range or ChildRange(),
        # A range of the whole authority's ids (the repair) is streamed; a service's few
        # children are read at once.
        stream=id_range is not None,
    )
    return [d for d in deadlines(context) if d.is_open]


@transaction.atomic
def refresh(children: Iterable[Any], *, today: dt.date | None = None) -> list[Deadline]:
    """Recompute and store the running deadlines of ``children`` (children or their ids).

    The children's rows are locked first, so that two transactions refreshing the same
    child one after the other each compute from what the other committed. Returns what
    was computed (open deadlines, every child), for a caller that needs it too.
    """
    ids = _ids(children)
    if not ids:
        return []
    locked = list(
        Child.objects.select_for_update(no_key=True)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    found = compute(Child.objects.filter(pk__in=locked), today or timezone.localdate())
    store(locked, found)
    for follow in _children_followers:
        follow(locked)
    return found


# What a row holds besides its child and key, in the order rows are compared.
_VALUES = (
    "kind",
    "due_on",
    "source",
    "rules_authority_id",
    "chair_id",
    "is_next",
    "responsible_authority_id",
    "resident_authority_id",
    "team_id",
    "lead_social_worker_id",
)


def _open_by_child(found: Iterable[Deadline]) -> dict[Any, dict[str, Deadline]]:
    """The open deadlines of each child by key, soonest first."""
    by_child: dict[Any, dict[str, Deadline]] = {}
    for d in sorted(found, key=lambda d: (d.due_on, d.kind, d.key)):
        if d.is_open:
            by_child.setdefault(d.child_id, {}).setdefault(d.key, d)
    return by_child


def _child_facts(child_ids: list[Any]) -> dict[Any, list[Any]]:
    """What a row copies from its child (authorities, team, lead social worker), by id."""
    facts: dict[Any, list[Any]] = {}
    for start in range(0, len(child_ids), 10_000):
        facts.update(
            (pk, rest)
            for pk, *rest in Child.objects.filter(
                pk__in=child_ids[start : start + 10_000]
            ).values_list(
                "pk",
                "responsible_authority_id",
                "resident_authority_id",
                "team_id",
                "lead_social_worker_id",
            )
        )
    return facts


def _rows_changed(
    by_child: dict[Any, dict[str, Deadline]],
    facts: dict[Any, list[Any]],
    existing: dict[tuple[Any, str], tuple[Any, tuple[Any, ...]]],
) -> tuple[list[RunningDeadline], set[Any]]:
    """The rows to write (new or changed), and the ids of existing rows that stay."""
    rows, unchanged = [], set()
    for child_id, running in by_child.items():
        if child_id not in facts:
            continue
        responsible, resident, team, lead = facts[child_id]
        for position, d in enumerate(running.values()):
            values = (
                d.kind,
                d.due_on,
                d.source,
                d.authority_id,
                d.chair_id,
                position == 0,
                responsible,
                resident,
                team,
                lead,
            )
            old = existing.get((child_id, d.key))
            if old is not None and old[1] == values:
                unchanged.add(old[0])
                continue
            rows.append(
                RunningDeadline(
                    child_id=child_id, key=d.key, **dict(zip(_VALUES, values, strict=True))
                )
            )
    return rows, unchanged


def _differences(
    children: QuerySet[Child] | Iterable[Any],
    found: Iterable[Deadline],
    id_range: ChildRange | None,
) -> tuple[list[RunningDeadline], dict[Any, Any]]:
    """What makes the rows of ``children`` the open deadlines in ``found``: the rows to
    write, and the stored rows to delete (their child's id by their own)."""
    by_child = _open_by_child(found)
    if isinstance(children, QuerySet):
        current = (id_range or ChildRange()).apply(
            RunningDeadline.objects.filter(child__in=children.values_list("pk", flat=True))
        )
    else:
        chosen = set(_ids(children))
        by_child = {pk: running for pk, running in by_child.items() if pk in chosen}
        current = RunningDeadline.objects.filter(child_id__in=sorted(chosen))
    existing = {
        (child_id, key): (pk, tuple(values))
        for pk, child_id, key, *values in current.values_list("pk", "child_id", "key", *_VALUES)
    }
    facts = _child_facts(sorted(by_child))
    rows, unchanged = _rows_changed(by_child, facts, existing)
    stale = {pk: child_id for (child_id, _), (pk, _) in existing.items() if pk not in unchanged}
    return rows, stale


def store(
    children: QuerySet[Child] | Iterable[Any],
    found: Iterable[Deadline],
    *,
    id_range: ChildRange | None = None,
) -> int:
    """Make the rows of ``children`` (a queryset, or children or ids) the open deadlines in
    ``found``: rows that did not change are left as they are, the others deleted and
    written again (most of a day's rows do not change). Returns how many were written.

    The caller holds the children's locks (``refresh``). A fixed number of queries per
    10,000 children.
    """
    rows, stale_rows = _differences(children, found, id_range)
    stale = list(stale_rows)
    for start in range(0, len(stale), 10_000):
        RunningDeadline.objects.filter(pk__in=stale[start : start + 10_000]).delete()
    RunningDeadline.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def repair(children: QuerySet[Child], *, id_range: ChildRange | None = None) -> list[Any]:
    """Recompute the running deadlines of ``children`` (whose ids lie in ``id_range``, if
    given) with the engine, and rewrite the rows of those whose rows drifted; returns the
    ids of the children repaired.

    The followers' derived rows (the measures' stored deadlines) are compared too. The
    comparison takes no lock (most weeks nothing drifted). The children found to differ
    are then refreshed under their locks (:func:`refresh`): recomputed from what is
    committed by then, so a service that changed one of them while the repair computed is
    not undone. A service's newer rows win; a repair never stores what it computed before
    a service's change.
    """
    found = compute(children, timezone.localdate(), id_range=id_range)
    rows, stale = _differences(children, found, id_range)
    drifted = {r.child_id for r in rows} | set(stale.values())
    if _drift_finders:
        ids = list(children.values_list("pk", flat=True))
        for finder in _drift_finders:
            drifted.update(finder(ids))
    repaired = sorted(drifted)
    refresh(repaired)
    return repaired


def refresh_authority(authority: Authority | Any, *, today: dt.date | None = None) -> int:
    """Rewrite the rows of every child the authority's timescales or calendar reach (its
    own children, those with a deadline under its rules, and those with records of it that
    the followers name), chunk by chunk."""
    authority_id = getattr(authority, "pk", authority)
    ids = set(
        Child.objects.filter(responsible_authority_id=authority_id).values_list("pk", flat=True)
    ) | set(
        RunningDeadline.objects.filter(rules_authority_id=authority_id).values_list(
            "child_id", flat=True
        )
    )
    for reached in _authority_reaches:
        ids.update(reached(authority_id))
    return refresh_in_chunks(sorted(ids), today)


def refresh_all(*, today: dt.date | None = None) -> int:
    """Rewrite every child's rows (after a bulk load, or to repair)."""
    return refresh_in_chunks(list(Child.objects.order_by("pk").values_list("pk", flat=True)), today)


def refresh_in_chunks(ids: list[Any], today: dt.date | None) -> int:
    stored = 0
    for start in range(0, len(ids), CHUNK):
        stored += len(refresh(ids[start : start + CHUNK], today=today))
    return stored


def running_for(child: Child, today: dt.date) -> list[Deadline]:
    """One child's running deadlines, soonest first, read from the stored rows in one
    query: what :func:`cpcase.timescales.deadlines_for` gives open for the child (the rows
    are the engine's copy, rewritten whenever a record they depend on changes), without
    running the engine's providers. For a page that shows only what is running."""
    return running_for_children([child.pk], today).get(child.pk, [])


# The columns a Deadline is made of, in its order (no model instances: a dashboard reads
# hundreds of rows, and the row's other columns are for the writers).
_DEADLINE_COLUMNS = (
    "child_id",
    "rules_authority_id",
    "kind",
    "due_on",
    "source",
    "key",
    "chair_id",
)


def running_for_children(child_ids: Iterable[Any], today: dt.date) -> dict[Any, list[Deadline]]:
    """Each child's running deadlines, soonest first (as :func:`running_for`), for many
    children in one query; a child with none is absent."""
    rows = (
        RunningDeadline.objects.filter(child_id__in=list(child_ids))
        .order_by("due_on", "kind", "key")
        .values_list(*_DEADLINE_COLUMNS)
    )
    running: dict[Any, list[Deadline]] = {}
    for child_id, authority_id, kind, due_on, source, key, chair_id in rows:
        running.setdefault(child_id, []).append(
            stored_deadline(child_id, authority_id, kind, due_on, source, key, chair_id, today)
        )
    return running


def stored_deadline(
    child_id: Any,
    authority_id: Any,
    kind: str,
    due_on: dt.date,
    source: str,
    key: str,
    chair_id: Any,
    today: dt.date,
) -> Deadline:
    """A stored row's values as the engine's :class:`Deadline` (open: not met, not closed)."""
    return Deadline(
        child_id=child_id,
        authority_id=authority_id,
        kind=kind,
        due_on=due_on,
        met_on=None,
        source=source,
        key=key,
        today=today,
        chair_id=chair_id,
    )


class _Pending(threading.local):
    depth = 0
    children: set[Any]

    def __init__(self) -> None:
        self.children = set()


_pending = _Pending()


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Collect the children that services name inside the block and refresh them once, at
    its end (a service inside another service, or a command recording many records)."""
    outermost = _pending.depth == 0
    if outermost:
        _pending.children = set()
    _pending.depth += 1
    try:
        yield
    finally:
        _pending.depth -= 1
    if outermost:
        children, _pending.children = _pending.children, set()
        refresh(children)


def after(
    children_of: Callable[[Any], Iterable[Any]],
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a service that changes records deadlines depend on: once it has written,
    the rows of the children ``children_of(result)`` names are refreshed, in the service's
    transaction (put it under ``@transaction.atomic``).

    A service called by another (finalising a conference starts plans) adds its children
    to the outer one's, which refreshes them all once, when it has finished; so does a
    service called inside :func:`deferred`.
    """

    def decorate(service: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(service)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with deferred():
                result = service(*args, **kwargs)
                _pending.children.update(children_of(result))
            return result

        return run

    return decorate


def of_child(record: Any) -> list[Any]:
    """The child of a record with a ``child_id`` (a plan, a visit...), or the child itself."""
    return [record.pk] if isinstance(record, Child) else [record.child_id]


def of_plan(record: Any) -> list[Any]:
    """The child of a record that belongs to a plan (a core group meeting)."""
    return [record.plan.child_id]


def of_conference(conference: Any) -> list[Any]:
    """Every child a conference is about."""
    return [s.child_id for s in conference.subjects.all()]


def refresh_authority_later(authority: Authority | Any) -> None:
    """After this transaction commits, a background job rewrites the rows of every child
    the authority's timescales or calendar reach (a change of rules or of working days)."""
    # A cycle: cpcase.tasks imports this module to run the refresh.
    from cpcase.tasks import refresh_running_deadlines

    authority_id = str(getattr(authority, "pk", authority))
    transaction.on_commit(lambda: refresh_running_deadlines.delay(authority_id))

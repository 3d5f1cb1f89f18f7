"""The gate records what it lets through: every read of case content names each child shown.

A selector or view that shows case content calls :func:`record_read` (or one of its
shorthands) with the children it shows. Inside a request the children are gathered, one
event per child however often it is shown, and :class:`ReadAuditMiddleware` writes them
in a single insert when the response is a success (2xx): a refused or failed request
showed nothing. Outside a request (a Celery task, a command, a test calling a selector)
the events are written at once, again in a single insert.

Only reads (GET, HEAD) are recorded so: a change is recorded by its service, and a
form sent back with errors shows again what its page showed. A child already named by
another event of the same request (a letter produced, say) is not named again.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import connection, models
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from cpcase import request_context
from cpcase.models import AuditEvent, Child, User

# A read is a GET (or HEAD). A change records itself, in its service; a form sent back
# with errors shows again what the page that sent it already showed (and recorded).
_READS = frozenset({"GET", "HEAD"})
# How many further objects of one child an event lists in ``changes["shown"]``.
_MAX_SHOWN = 50


@dataclass
class _Read:
    action: str
    actor: User | None
    child_id: uuid.UUID
    object_type: str
    object_id: str
    summary: str
    shown: list[dict[str, str]] = field(default_factory=list)


@dataclass
class _Collector:
    reads: dict[uuid.UUID, _Read] = field(default_factory=dict)
    audited: set[uuid.UUID] = field(default_factory=set)


_collector: contextvars.ContextVar[_Collector | None] = contextvars.ContextVar(
    "cpcase_read_audit", default=None
)
_named: contextvars.ContextVar[set[uuid.UUID] | None] = contextvars.ContextVar(
    "cpcase_read_audit_named", default=None
)


def _child_pk(value: Any) -> uuid.UUID | None:
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, models.Model):
        return _child_pk(value.pk)
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def record_read(
    *,
    user: Any,
    shown: Iterable[tuple[Any, models.Model | None]],
    summary: str,
    export: bool = False,
) -> None:
    """Record that ``user`` was shown these (child, object) pairs: a child (or its id) and
    the record of theirs shown (a plan, a visit; None for the child's own record).
    ``export``: the children went out in a file (a return, the enquiry log)."""
    action = AuditEvent.Action.EXPORT if export else AuditEvent.Action.VIEW
    actor = user if isinstance(user, User) and user.pk else None
    reads: dict[uuid.UUID, _Read] = {}
    collector = _collector.get()
    if collector is not None:
        reads = collector.reads
    fresh: list[_Read] = []
    named = _named.get()
    for child, obj in shown:
        child_id = _child_pk(child)
        if child_id is None:
            continue
        if named is not None:
            named.add(child_id)
        if obj is None and isinstance(child, models.Model):
            obj = child
        object_type = (obj._meta.model_name or "") if obj is not None else "child"
        object_id = str(obj.pk) if obj is not None else str(child_id)
        read = reads.get(child_id)
        if read is None:
            read = _Read(action, actor, child_id, object_type, object_id, summary[:500])
            reads[child_id] = read
            fresh.append(read)
        elif (object_type, object_id) != (read.object_type, read.object_id) and len(
            read.shown
        ) < _MAX_SHOWN:
            entry = {"type": object_type, "id": object_id}
            if entry not in read.shown:
                read.shown.append(entry)
    if collector is None:
        _write(fresh)


def record_children(
    *, user: Any, children: Iterable[Any], summary: str, export: bool = False
) -> None:
    """The children themselves (their records, or their names in a list) were shown."""
    record_read(
        user=user, shown=((child, None) for child in children), summary=summary, export=export
    )


def record_objects(
    *,
    user: Any,
    objects: Iterable[models.Model],
    summary: str,
    child: Callable[[Any], Any] | None = None,
) -> None:
    """Records of children were shown (plans, visits, letters...): each names its child
    (``child_id``, or the child itself, unless ``child`` says how to find it)."""
    find = child or (lambda obj: obj if isinstance(obj, Child) else obj.child_id)
    record_read(user=user, shown=((find(obj), obj) for obj in objects), summary=summary)


@contextlib.contextmanager
def children_named() -> Iterator[set[uuid.UUID]]:
    """The ids of the children whose reads are recorded inside the block (recorded as
    ever): what a file made in the background holds, to name them again at each download."""
    named: set[uuid.UUID] = set()
    token = _named.set(named)
    try:
        yield named
    finally:
        _named.reset(token)


def note_audited(child_id: Any) -> None:
    """Another event of this request already names this child (a change, a letter)."""
    collector = _collector.get()
    pk = _child_pk(child_id)
    if collector is not None and pk is not None:
        collector.audited.add(pk)


# The columns of a read's event, those that differ from one child to the next first. The
# trigger of migration 0011 gives each row its place in the hash chain.
_ROW_FIELDS = (
    ("actor", "uuid"),
    ("actor_username", "text"),
    ("action", "text"),
    ("object_type", "text"),
    ("object_id", "text"),
    ("child_id", "uuid"),
    ("summary", "text"),
    ("changes", "jsonb"),
)
_REQUEST_FIELDS = ("at", "ip_address", "user_agent", "path", "request_id", "chain_hash")


@lru_cache(maxsize=1)
def _insert_sql() -> str:
    """One INSERT of every event, the varying columns as arrays (``unnest``): a list page's
    fifty events cost one statement and almost no Python, however many they are."""
    meta = AuditEvent._meta
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        field = meta.get_field(name)
        assert isinstance(field, models.Field) and field.column  # noqa: S101 - concrete
        return quote(field.column)

    names = [column(n) for n, _ in _ROW_FIELDS] + [column(n) for n in _REQUEST_FIELDS]
    arrays = ", ".join(f"%s::{'text' if kind == 'jsonb' else kind}[]" for _, kind in _ROW_FIELDS)
    selected = [
        f"r.c{i}::jsonb" if kind == "jsonb" else f"r.c{i}"
        for i, (_, kind) in enumerate(_ROW_FIELDS)
    ] + ["%s"] * len(_REQUEST_FIELDS)
    aliases = ", ".join(f"c{i}" for i in range(len(_ROW_FIELDS)))
    # Built from the model's own table and column names only; every value is a parameter.
    table = quote(meta.db_table)
    return (
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(selected)} "  # noqa: S608
        f"FROM unnest({arrays}) WITH ORDINALITY AS r({aliases}, n) ORDER BY r.n"
    )


def _write(reads: Iterable[_Read]) -> None:
    rows = [
        (
            read.actor.pk if read.actor else None,
            read.actor.get_username()[:150] if read.actor else "",
            read.action,
            read.object_type,
            read.object_id,
            read.child_id,
            read.summary,
            json.dumps({"shown": read.shown} if read.shown else {}),
        )
        for read in reads
    ]
    if not rows:
        return
    ctx = request_context.current()
    columns = [list(values) for values in zip(*rows, strict=True)]
    given = (timezone.now(), ctx.ip_address, ctx.user_agent, ctx.path, ctx.request_id, "")
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(), [*given, *columns])  # in the order they appear


class ReadAuditMiddleware:
    """Gathers the reads of one request and writes them in one insert if it was a read (GET,
    HEAD) that succeeded.

    Sits inside ``RequestContextMiddleware``, so that the events carry the request's
    address, path and id.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        collector = _Collector()
        token = _collector.set(collector)
        try:
            response = self.get_response(request)
        finally:
            _collector.reset(token)
        if request.method in _READS and 200 <= response.status_code < 300:
            _write(r for pk, r in collector.reads.items() if pk not in collector.audited)
        return response


class RecordsReads:
    """For a DRF list view: the page it shows is recorded, each object naming its child."""

    read_summary = "Listed"

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)  # type: ignore[misc]
        record_objects(
            user=self.request.user,  # type: ignore[attr-defined]
            objects=page if page is not None else queryset,
            summary=self.read_summary,
        )
        return page

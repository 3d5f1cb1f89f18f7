"""A hot query compiled once per shape, then run with new values.

Building a queryset of many expressions and compiling it to SQL costs Django several
milliseconds of Python on every call, whatever the database then takes: for the register's
search (trigram closeness, the strong-match rule, the latest plan's subqueries), more than
the search itself. The SQL depends only on which criteria a search has, not on their
values, so :class:`CompiledQuery` compiles the queryset once with a marker in place of
each value, notes where each marker lands among the parameters, and afterwards fills in
the values and builds the model instances (with their ``select_related`` objects and
annotations) as Django's own iterable does.

The queryset is the single description of the query: a test runs each shape both ways
and compares what comes back (``tests/registry/test_compiled_search.py``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Slot:
    """A parameter of the compiled SQL: a value given at each run (``name``) or fixed."""

    name: str | None
    fixed: Any


def _marker(name: str, kind: type, place: int) -> Any:
    """A value that stands for ``name`` while the queryset is compiled: text that no
    search could hold, a date in the year 1 (no child was born then), or the nil UUID's
    neighbours (no record's key: they are random, version 4)."""
    if kind is str:
        return f"\x01{name}\x01"
    if kind is dt.date:
        return dt.date(1, 1, 1) + dt.timedelta(days=place)
    if kind is uuid.UUID:
        return uuid.UUID(int=place + 1)
    raise TypeError(f"No marker for {kind.__name__}")


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class CompiledQuery(Generic[M]):
    """``build(markers)`` is compiled now; :meth:`run` fills in ``values`` for them."""

    def __init__(
        self,
        build: Callable[[Mapping[str, Any]], QuerySet[M]],
        fields: Mapping[str, type],
        using: str = "default",
    ) -> None:
        markers = {
            name: _marker(name, kind, place) for place, (name, kind) in enumerate(fields.items())
        }
        by_marker = {(type(v), v): name for name, v in markers.items()}
        queryset = build(markers)
        self.using = using
        compiler = queryset.query.get_compiler(using=using)
        self.sql, params = compiler.as_sql()
        self.slots = [
            _Slot(by_marker.get((type(p), p)) if _hashable(p) else None, p) for p in params
        ]
        missing = set(markers) - {s.name for s in self.slots}
        if missing:
            raise ValueError(f"The compiled query does not use {sorted(missing)}.")
        select, klass_info = compiler.select, compiler.klass_info
        if klass_info is None:
            raise ValueError("Only a queryset of model instances can be compiled here.")
        self.model: type[M] = klass_info["model"]
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model_columns = (first, last)
        self.init_list = [s[0].target.attname for s in select[first:last]]
        # (The stubs describe a later Django, whose populators take a fetch mode too.)
        self.related = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]
        self.annotations = dict(compiler.annotation_col_map)
        self.columns = compiler.col_count
        self.converters = compiler.get_converters([s[0] for s in select[: self.columns]])
        self.apply_converters = compiler.apply_converters

    def run(self, values: Mapping[str, Any]) -> list[M]:
        params = [values[s.name] if s.name else s.fixed for s in self.slots]
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows: Any = [row[: self.columns] for row in cursor.fetchall()]
        if self.converters:
            rows = self.apply_converters(rows, self.converters)
        first, last = self.model_columns
        found: list[M] = []
        for row in rows:
            obj = self.model.from_db(self.using, self.init_list, row[first:last])
            for populator in self.related:
                populator.populate(row, obj)
            for name, position in self.annotations.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found

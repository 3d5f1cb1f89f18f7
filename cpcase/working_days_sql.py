"""A timescale's due date computed by the database, row by row, as :mod:`cpcase.working_days`
computes it in Python (``add_period``).

The authority's working days over a span of years go to PostgreSQL as one sorted
``date[]`` parameter (sent as its text, ``{2025-01-02,...}``). ``width_bucket(day, days)`` is then the number of working days on or
before ``day`` (a binary search), so the N-th working day after ``start`` is
``days[width_bucket(start, days) + N]``, and a date in months brought forward to the
working day before is ``days[width_bucket(start + N months, days)]``. A due date outside
the span is NULL (none), so the span must reach past every due date asked about (its last
working day is a fence: a date in months on or after it is NULL too).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from django.db.models import Case, DateField, Expression, Func, Value, When
from django.db.models.expressions import Combinable

from cpcase.models import TimeUnit
from cpcase.working_days import WorkingCalendar


def working_days(calendar: WorkingCalendar, first: dt.date, last: dt.date) -> list[dt.date]:
    """The calendar's working days from ``first`` to ``last``, in order."""
    days = []
    day = first
    while day <= last:
        if calendar.is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def longest_span(value: int, unit: str) -> dt.timedelta:
    """At most how long a timescale can run in calendar days: for index-friendly bounds."""
    if unit == TimeUnit.WORKING_DAYS:
        return dt.timedelta(days=2 * value + 30)
    if unit == TimeUnit.WEEKS:
        return dt.timedelta(weeks=value)
    if unit == TimeUnit.MONTHS:
        return dt.timedelta(days=31 * value)
    return dt.timedelta(days=value)


def array_text(days: list[dt.date]) -> str:
    """The days as PostgreSQL's text of a ``date[]``: one string parameter, which the
    driver sends as it is, where a list of dates is adapted date by date on every use (a
    statement names the span a few times; a statement per measure, per refresh)."""
    return _array_text(tuple(days))


@lru_cache(maxsize=64)
def _array_text(days: tuple[dt.date, ...]) -> str:
    return "{" + ",".join(day.isoformat() for day in days) + "}"


class DueOn(Func):
    """``start`` plus ``value`` of ``unit`` (a fixed unit; see :func:`due_on` for a unit
    held per row), in the working days given."""

    output_field = DateField()

    def __init__(
        self, start: Any, value: Any, *, unit: str, days: list[dt.date], **extra: Any
    ) -> None:
        if unit not in TimeUnit.values:
            raise ValueError(f"unknown unit {unit!r}")
        if not days:
            raise ValueError("a span of no working days")
        value = value if isinstance(value, Combinable | Expression) else Value(int(value))
        super().__init__(start, value, **extra)
        self.unit = unit
        self.days = array_text(days)
        self.length = len(days)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        start_sql, start_params = compiler.compile(self.source_expressions[0])
        value_sql, value_params = compiler.compile(self.source_expressions[1])
        start, value = f"({start_sql})::date", f"({value_sql})::integer"
        if self.unit == TimeUnit.CALENDAR_DAYS:
            return f"({start} + {value})", (*start_params, *value_params)
        if self.unit == TimeUnit.WEEKS:
            return f"({start} + 7 * {value})", (*start_params, *value_params)
        # ``start`` appears once: it may be a subquery. Before the span, width_bucket is 0
        # and NULLIF makes the due date NULL. Past its end: for working days (a timescale
        # is at least 1: the profiles' and plans' constraints) the subscript is out of
        # range and NULL too; for months, width_bucket gives the last working day's
        # place for any later date, so the span's last working day is its fence, NULL.
        if self.unit == TimeUnit.WORKING_DAYS:
            position = f"NULLIF(width_bucket({start}, %s::date[]), 0) + {value}"
            params = [*start_params, self.days, *value_params]
        else:
            landed = f"({start} + make_interval(months => {value}))::date"
            position = f"NULLIF(NULLIF(width_bucket({landed}, %s::date[]), 0), %s)"
            params = [*start_params, *value_params, self.days, self.length]
        return f"((%s::date[])[{position}])", (self.days, *params)


def due_on(
    start: Any, value: Any, *, days: list[dt.date], unit: str = "", unit_field: str = ""
) -> Expression:
    """The due date of a timescale counted from ``start``: in ``unit``, or in the unit
    each row holds in ``unit_field`` (an annotation: a plan's own visit interval, say)."""
    if not unit_field:
        return DueOn(start, value, unit=unit, days=days)
    return Case(
        *(
            When(**{unit_field: each}, then=DueOn(start, value, unit=each, days=days))
            for each in TimeUnit.values
        ),
        output_field=DateField(),
    )

"""The database's due dates (:mod:`cpcase.working_days_sql`, which the measures' stored
deadlines are computed with) are the deadline engine's (:func:`add_period`), for every
unit, on weekends, bank holidays and an authority's closures."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.fields import DateField

from cpcase.models import Authority, TimeUnit
from cpcase.working_days import WorkingCalendar, add_period
from cpcase.working_days_sql import array_text, due_on, working_days

pytestmark = pytest.mark.django_db


def _in_sql(start: dt.date, value: int, unit: str, days: list[dt.date]) -> dt.date | None:
    expression = due_on(Value(start, output_field=DateField()), value, unit=unit, days=days)
    found = Authority.objects.none().query  # a compiler of the default connection
    compiler = found.get_compiler(connection=connection)
    sql, params = expression.resolve_expression(found).as_sql(compiler, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return cursor.fetchone()[0]


@pytest.mark.parametrize("nation", ["england", "scotland"])
def test_every_unit_gives_the_engine_s_date(nation):
    closures = frozenset({dt.date(2025, 12, 29), dt.date(2026, 2, 13), dt.date(2026, 6, 1)})
    calendar = WorkingCalendar(nation=nation, closures=closures)
    days = working_days(calendar, dt.date(2024, 1, 1), dt.date(2028, 12, 31))
    rng = random.Random(nation)
    cases = [
        (dt.date(2025, 12, 24), 3, TimeUnit.WORKING_DAYS),  # Christmas, a closure
        (dt.date(2026, 5, 29), 1, TimeUnit.WORKING_DAYS),  # a closure on the Monday
        (dt.date(2025, 11, 30), 3, TimeUnit.MONTHS),  # 28 February
        (dt.date(2026, 3, 2), 3, TimeUnit.MONTHS),  # a Tuesday after a bank holiday
    ]
    cases += [
        (
            dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 900)),
            rng.randint(1, 40),  # at least 1: the constraints'
            rng.choice(TimeUnit.values),
        )
        for _ in range(120)
    ]
    within = 0
    for start, value, unit in cases:
        expected = add_period(start, value, unit, calendar)
        if expected >= days[-1] and unit in (TimeUnit.WORKING_DAYS, TimeUnit.MONTHS):
            expected = None  # past the span: none, never a wrong date
        else:
            within += 1
        assert _in_sql(start, value, unit, days) == expected, (start, value, unit)
    assert within > 100


def test_a_due_date_outside_the_span_is_none():
    days = working_days(WorkingCalendar(), dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert _in_sql(dt.date(2025, 3, 20), 20, TimeUnit.WORKING_DAYS, days) is None
    assert _in_sql(dt.date(2024, 12, 1), 5, TimeUnit.WORKING_DAYS, days) is None
    assert _in_sql(dt.date(2025, 2, 20), 2, TimeUnit.MONTHS, days) is None
    assert _in_sql(dt.date(2025, 1, 20), 2, TimeUnit.MONTHS, days) == dt.date(2025, 3, 20)


def test_the_span_goes_as_one_text_of_the_array():
    days = [dt.date(2025, 1, 2), dt.date(2025, 1, 3)]
    assert array_text(days) == "{2025-01-02,2025-01-03}"

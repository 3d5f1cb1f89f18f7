"""The working-day calendar per nation (DOMAIN.md section 3)."""

import datetime as dt

import pytest

from cpcase.working_days import WorkingCalendar, add_months

D = dt.date
ENGLAND = WorkingCalendar("england")
SCOTLAND = WorkingCalendar("scotland")
NI = WorkingCalendar("northern_ireland")


def test_weekends_are_not_working_days():
    assert ENGLAND.is_working_day(D(2026, 11, 23))  # a Monday
    assert not ENGLAND.is_working_day(D(2026, 11, 21))
    assert not ENGLAND.is_working_day(D(2026, 11, 22))


def test_fifteen_working_days_across_christmas_in_england():
    # Thu 17 Dec 2026; 25 Dec (Fri) and 28 Dec (Boxing Day observed) and 1 Jan are holidays.
    assert ENGLAND.add_working_days(D(2026, 12, 17), 15) == D(2027, 1, 12)


def test_nations_differ():
    # St Andrew's Day (Mon 30 Nov 2026) is a Scottish bank holiday only.
    assert not SCOTLAND.is_working_day(D(2026, 11, 30))
    assert ENGLAND.is_working_day(D(2026, 11, 30))
    # Easter Monday is not a Scottish bank holiday; St Patrick's Day is Northern Ireland's.
    assert SCOTLAND.is_working_day(D(2026, 4, 6))
    assert not ENGLAND.is_working_day(D(2026, 4, 6))
    assert not NI.is_working_day(D(2026, 3, 17))
    assert ENGLAND.is_working_day(D(2026, 3, 17))


def test_an_authority_closure_and_a_struck_out_holiday():
    closed = WorkingCalendar("england", closures=frozenset({D(2026, 12, 29), D(2026, 12, 30)}))
    assert not closed.is_working_day(D(2026, 12, 29))
    assert closed.add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 31)
    works_easter_monday = WorkingCalendar("england", struck_out=frozenset({D(2026, 4, 6)}))
    assert works_easter_monday.is_working_day(D(2026, 4, 6))


def test_counting_between_dates_is_the_inverse_of_adding():
    start = D(2026, 12, 17)
    for n in range(0, 40):
        end = ENGLAND.add_working_days(start, n)
        assert ENGLAND.working_days_between(start, end) == n
    assert ENGLAND.working_days_between(D(2027, 1, 12), start) == -15


def test_counting_back():
    assert ENGLAND.add_working_days(D(2027, 1, 4), -1) == D(2026, 12, 31)


def test_next_working_day():
    assert ENGLAND.next_working_day(D(2026, 12, 24)) == D(2026, 12, 29)
    assert ENGLAND.on_or_after(D(2026, 12, 26)) == D(2026, 12, 29)
    assert ENGLAND.on_or_after(D(2026, 12, 24)) == D(2026, 12, 24)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2027, 1, 31), 1, D(2027, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 8, 31), 3, D(2026, 11, 30)),
        (D(2026, 11, 23), 6, D(2027, 5, 23)),
    ],
)
def test_calendar_months(start, months, expected):
    assert add_months(start, months) == expected


def test_unknown_nation_is_refused():
    with pytest.raises(ValueError, match="nation"):
        WorkingCalendar("atlantis").is_working_day(D(2026, 12, 25))


def _walk(calendar, start, days):
    """The plain definition, day by day, to check the indexed arithmetic against."""
    step = 1 if days >= 0 else -1
    day, remaining = start, abs(days)
    while remaining:
        day += dt.timedelta(days=step)
        if calendar.is_working_day(day):
            remaining -= 1
    return day


@pytest.mark.parametrize("nation", ["england", "wales", "scotland", "northern_ireland"])
def test_indexed_arithmetic_agrees_with_walking_day_by_day(nation):
    calendar = WorkingCalendar(
        nation, closures=frozenset({D(2026, 12, 29), D(2026, 12, 30), D(2027, 8, 2)})
    )
    start = D(2025, 11, 1)
    for offset in range(0, 800, 7):
        day = start + dt.timedelta(days=offset)
        for n in (-20, -1, 1, 5, 10, 15, 28, 130):
            assert calendar.add_working_days(day, n) == _walk(calendar, day, n), (day, n)
        end = day + dt.timedelta(days=offset % 90)
        assert calendar.working_days_between(day, end) == sum(
            calendar.is_working_day(day + dt.timedelta(days=i + 1)) for i in range((end - day).days)
        )

"""Working days per nation, and calendar months (DOMAIN.md section 3).

Working days exclude weekends and the bank holidays of the authority's own
nation, from the pinned ``holidays`` package with the nation's subdivision
(never the UK-wide default). An authority can add its own non-working days
(an office closure between Christmas and New Year) or strike out a listed
holiday that its own calendar does not keep.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta

SUBDIVISION = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern_ireland": "NIR",
}


@lru_cache(maxsize=256)
def bank_holidays(nation: str, year: int) -> dict[dt.date, str]:
    try:
        subdiv = SUBDIVISION[nation]
    except KeyError as e:
        raise ValueError(f"unknown nation {nation!r}") from e
    return dict(holidays.country_holidays("GB", subdiv=subdiv, years=year).items())


@dataclass(frozen=True)
class WorkingCalendar:
    nation: str = "england"
    closures: frozenset[dt.date] = field(default_factory=frozenset)
    struck_out: frozenset[dt.date] = field(default_factory=frozenset)

    def holiday_name(self, day: dt.date) -> str | None:
        if day in self.closures:
            return "Authority closure"
        if day in self.struck_out:
            return None
        return bank_holidays(self.nation, day.year).get(day)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and self.holiday_name(day) is None

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself is not counted).

        ``add_working_days(d, 0)`` is ``d``. Negative ``days`` counts back.
        """
        if days == 0:
            return start
        index = _index_for(self, start, days)
        if days > 0:
            return index.working_day(index.rank(start) + days - 1)
        return index.working_day(index.rank(start - dt.timedelta(days=1)) + days)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
        index = _index_for(self, min(start, end), abs((end - start).days))
        return index.rank(end) - index.rank(start)

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        return self.add_working_days(day, 1)

    def on_or_after(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the next one."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def on_or_before(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the working day before it."""
        return day if self.is_working_day(day) else self.add_working_days(day, -1)

    def why_not_working(self, day: dt.date) -> str | None:
        """Why ``day`` is not a working day (the weekend, a holiday's name), or None."""
        if day.weekday() >= 5:
            return "weekend"
        return self.holiday_name(day)


class _Index:
    """Working days of a calendar over a span of years, for O(1) arithmetic.

    The daily scan adds working days to hundreds of thousands of dates; walking
    day by day would dominate it.
    """

    def __init__(self, calendar: WorkingCalendar, first_year: int, last_year: int):
        self.first = dt.date(first_year, 1, 1)
        self.last = dt.date(last_year, 12, 31)
        self.days: list[dt.date] = []
        self.ranks: list[int] = []  # working days on or before each calendar day
        day = self.first
        while day <= self.last:
            if calendar.is_working_day(day):
                self.days.append(day)
            self.ranks.append(len(self.days))
            day += dt.timedelta(days=1)

    def covers(self, low: dt.date, high: dt.date) -> bool:
        return self.first <= low and high <= self.last

    def rank(self, day: dt.date) -> int:
        return self.ranks[(day - self.first).days]

    def working_day(self, position: int) -> dt.date:
        if position < 0:
            raise IndexError("before the calendar's range")
        return self.days[position]


_indexes: dict[WorkingCalendar, _Index] = {}


def _index_for(calendar: WorkingCalendar, start: dt.date, days: int) -> _Index:
    # Generous margins: a working day is at least 1 of every 2 calendar days (a long
    # closure apart), so 2*|days| + 60 calendar days either side always suffices.
    margin = dt.timedelta(days=2 * abs(days) + 60)
    low, high = start - margin, start + margin
    index = _indexes.get(calendar)
    if index is None or not index.covers(low, high):
        first = min(low.year, index.first.year if index else low.year)
        last = max(high.year, index.last.year if index else high.year)
        index = _Index(calendar, first, last)
        if len(_indexes) > 512:  # calendars of many authorities; keep memory bounded
            _indexes.clear()
        _indexes[calendar] = index
    return index


# The daily scan asks for the same few hundred dates plus the same few periods many
# thousands of times (plans that started on the same day): both are pure, so remember them.
@lru_cache(maxsize=65536)
def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months: 31 January + 1 month is the last day of February."""
    return day + relativedelta(months=months)


@lru_cache(maxsize=65536)
def add_period(start: dt.date, value: int, unit: str, calendar: WorkingCalendar) -> dt.date:
    """``start`` plus a timescale in its own unit (working days, calendar days, weeks, months).

    A date in months that falls on a non-working day of the calendar (a weekend, a bank
    holiday of the nation, an authority's closure) is brought forward to the working day
    before: a review due "in 3 months" is held by then, not after.
    """
    if unit == "working_days":
        return calendar.add_working_days(start, value)
    if unit == "calendar_days":
        return start + dt.timedelta(days=value)
    if unit == "weeks":
        return start + dt.timedelta(weeks=value)
    if unit == "months":
        return calendar.on_or_before(add_months(start, value))
    raise ValueError(f"unknown unit {unit!r}")

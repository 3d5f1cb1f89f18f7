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
        step = 1 if days >= 0 else -1
        remaining = abs(days)
        day = start
        while remaining:
            day += dt.timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
        if end == start:
            return 0
        sign = 1 if end > start else -1
        low, high = (start, end) if sign > 0 else (end, start)
        count = 0
        day = low + dt.timedelta(days=1)
        while day <= high:
            if self.is_working_day(day):
                count += 1
            day += dt.timedelta(days=1)
        return sign * count

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        return self.add_working_days(day, 1)

    def on_or_after(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the next one."""
        return day if self.is_working_day(day) else self.next_working_day(day)


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months: 31 January + 1 month is the last day of February."""
    return day + relativedelta(months=months)


def add_period(start: dt.date, value: int, unit: str, calendar: WorkingCalendar) -> dt.date:
    """``start`` plus a timescale in its own unit (working days, calendar days, weeks, months)."""
    if unit == "working_days":
        return calendar.add_working_days(start, value)
    if unit == "calendar_days":
        return start + dt.timedelta(days=value)
    if unit == "weeks":
        return start + dt.timedelta(weeks=value)
    if unit == "months":
        return add_months(start, value)
    raise ValueError(f"unknown unit {unit!r}")

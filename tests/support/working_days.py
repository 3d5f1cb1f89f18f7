"""Working days for tests: conferences meet only on an authority's working days, so a test
that records one "today" or "30 days ago" picks the working day on or before it (the
tests pass on any day they are run, a weekend or a bank holiday included)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cpcase.working_days import WorkingCalendar


def last_working_day(day: dt.date | None = None, nation: str = "england") -> dt.date:
    """``day`` (default today) if it is a working day of the nation, else the one before."""
    return WorkingCalendar(nation).on_or_before(day or timezone.localdate())


def next_working_day(day: dt.date, nation: str = "england") -> dt.date:
    """``day`` if it is a working day of the nation, else the one after."""
    return WorkingCalendar(nation).on_or_after(day)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A meeting time on ``day``, in the local time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

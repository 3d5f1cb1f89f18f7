"""The demo seeded on a weekend or a bank holiday is as alive as on any working day.

In a module of its own: tests/core/test_seed_demo.py seeds the demo once for its module
inside a transaction that stays open until the module ends, and a seed inside that would
find the demo already there (seeded for the real today)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.core.test_seed_demo import _LIVING_DEMO_CHECKS, _seed


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(dt.date(2026, 12, 27), id="a Sunday between Christmas bank holidays"),
        pytest.param(dt.date(2027, 4, 5), id="an Easter Monday"),
    ],
)
def test_the_demo_lives_whatever_the_day(db, day):
    """Dates count back from today on the working calendar: seeded on a weekend or a bank
    holiday, the demo is as alive, and as much on time, as on any working day."""
    from unittest import mock

    fixed = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))
    with mock.patch.object(timezone, "now", lambda: fixed):
        assert timezone.localdate() == day
        _seed()
        assert "Demo casework already there." in _seed()
        for check in _LIVING_DEMO_CHECKS:
            check(None)

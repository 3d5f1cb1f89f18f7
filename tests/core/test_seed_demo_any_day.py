"""The living demo seeded on a weekend and on a bank holiday (``seed_demo``).

Its own module: ``test_seed_demo`` seeds the demo once for its whole module (today), and
a demo seeded on another day must start from an empty database.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from tests.core import test_seed_demo as checks

_LIVING_DEMO_CHECKS = (
    checks.test_every_conference_core_group_and_visit_is_on_a_working_day,
    checks.test_only_a_handful_of_children_have_something_overdue,
    checks.test_most_deadlines_were_met_on_time,
    checks.test_plans_at_every_stage_and_every_ending,
    checks.test_every_child_on_a_plan_has_an_episode_before_the_strategy_discussion,
    checks.test_the_front_door_follows_the_census_rules,
    checks.test_every_child_has_a_upn_or_the_reason_and_census_codes,
    checks.test_the_two_authorities_are_isolated,
)


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
    fixed = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))
    with mock.patch.object(timezone, "now", lambda: fixed):
        assert timezone.localdate() == day
        checks._seed()
        assert "Demo casework already there." in checks._seed()
        for check in _LIVING_DEMO_CHECKS:
            check(None)

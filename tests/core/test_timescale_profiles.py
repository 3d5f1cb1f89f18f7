"""Timescale profiles are data: nation defaults, authority overrides, an authority's calendar."""

import datetime as dt

import pytest

from cpcase import selectors, services
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import AuditEvent, CalendarDay, TimescaleRule
from cpcase.working_days import add_period

pytestmark = pytest.mark.django_db


def _values(rules):
    return {kind: (rule.value, rule.unit) for kind, rule in rules.items()}


def test_england_defaults_are_those_of_the_domain(authority):
    rules = _values(selectors.timescale_rules_for(authority=authority))
    assert rules["icpc"] == (15, "working_days")
    assert rules["first_core_group"] == (10, "working_days")
    assert rules["first_review_conference"] == (3, "months")
    assert rules["review_conference"] == (6, "months")
    assert rules["statutory_visit"] == (15, "working_days")


def test_scotland_has_its_own_defaults(authority):
    authority.nation = "scotland"
    authority.save()
    rules = _values(selectors.timescale_rules_for(authority=authority))
    assert rules["icpc"] == (28, "calendar_days")
    assert rules["first_core_group"] == (15, "working_days")
    assert rules["first_review_conference"] == (6, "months")
    assert "plan_authorisation" not in rules


def test_an_override_wins_for_that_authority_only(authority, other_authority, unit_manager):
    services.timescale_rule_set(
        actor=unit_manager,
        authority=authority,
        kind="statutory_visit",
        value=10,
        unit="working_days",
    )
    ours = selectors.timescale_rules_for(authority=authority)
    assert (ours["statutory_visit"].value, ours["statutory_visit"].profile_name) == (
        10,
        "Northbrook Borough Council (local)",
    )
    theirs = selectors.timescale_rules_for(authority=other_authority)
    assert theirs["statutory_visit"].value == 15
    assert AuditEvent.objects.filter(action="update", object_type="timescalerule").exists()


@pytest.mark.parametrize(
    ("value", "unit", "field"),
    [
        (0, "working_days", "value"),
        (-3, "months", "value"),
        (5, "fortnights", "unit"),
        (900, "working_days", "value"),
        ("5", "months", "value"),
    ],
)
def test_nonsense_overrides_are_refused_and_change_nothing(
    authority, unit_manager, value, unit, field
):
    with pytest.raises(DomainError) as caught:
        services.timescale_rule_set(
            actor=unit_manager, authority=authority, kind="icpc", value=value, unit=unit
        )
    assert field in caught.value.errors
    assert not TimescaleRule.objects.filter(profile__authority=authority).exists()


def test_only_the_unit_manager_or_admin_of_the_authority_sets_timescales(
    authority, social_worker, other_authority_worker, system_admin
):
    for actor in (social_worker, other_authority_worker):
        with pytest.raises(NotPermitted):
            services.timescale_rule_set(
                actor=actor, authority=authority, kind="icpc", value=10, unit="working_days"
            )
    services.timescale_rule_set(
        actor=system_admin, authority=authority, kind="icpc", value=10, unit="working_days"
    )


def test_the_authority_calendar_moves_deadlines(authority, unit_manager):
    rules = selectors.timescale_rules_for(authority=authority)
    icpc = rules["icpc"]
    start = dt.date(2026, 12, 14)
    calendar = selectors.working_calendar_for(authority=authority)
    assert add_period(start, icpc.value, icpc.unit, calendar) == dt.date(2027, 1, 7)
    services.calendar_day_set(
        actor=unit_manager,
        authority=authority,
        day=dt.date(2026, 12, 29),
        kind="closure",
        reason="Office closed between Christmas and New Year",
    )
    calendar = selectors.working_calendar_for(authority=authority)
    assert add_period(start, icpc.value, icpc.unit, calendar) == dt.date(2027, 1, 8)
    services.calendar_day_set(
        actor=unit_manager, authority=authority, day=dt.date(2026, 12, 28), kind="working_day"
    )
    calendar = selectors.working_calendar_for(authority=authority)
    assert add_period(start, icpc.value, icpc.unit, calendar) == dt.date(2027, 1, 7)
    assert CalendarDay.objects.filter(authority=authority).count() == 2


def test_fifteen_working_days_from_14_december_2026_england_and_scotland(authority):
    # Worked by hand. England: 25 Dec, 28 Dec (Boxing Day substitute) and 1 Jan are bank
    # holidays, so the 15th working day after Mon 14 Dec is Thu 7 Jan. Scotland also keeps
    # 2 Jan (a Saturday in 2027, so Mon 4 Jan instead): Fri 8 Jan. Scotland's ICPC
    # timescale is 28 calendar days: Mon 11 Jan.
    start = dt.date(2026, 12, 14)
    england = selectors.working_calendar_for(authority=authority)
    assert england.add_working_days(start, 15) == dt.date(2027, 1, 7)
    authority.nation = "scotland"
    authority.save()
    scotland = selectors.working_calendar_for(authority=authority)
    assert scotland.add_working_days(start, 15) == dt.date(2027, 1, 8)
    icpc = selectors.timescale_rules_for(authority=authority)["icpc"]
    assert add_period(start, icpc.value, icpc.unit, scotland) == dt.date(2027, 1, 11)

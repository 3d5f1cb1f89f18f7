"""The measures in real Chromium: the service leader opens them, chooses another period
(a wrong one first), at desktop and phone width; axe-core finds nothing on each page."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import (
    TEST_PASSWORD,
    ConferenceFactory,
    PlanFactory,
    StrategyDiscussionFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_period(page, start: dt.date, end: dt.date) -> None:
    for legend, day in (("From", start), ("To", end)):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(day.day))
        group.get_by_label("Month").fill(str(day.month))
        group.get_by_label("Year").fill(str(day.year))
    page.get_by_role("button", name="Show the measures").click()


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (375, 667)])
def test_the_service_leader_reads_the_measures(
    page_for, axe_clean, child, service_leader, other_team, width, height
):
    StrategyDiscussionFactory(child=child, held_on=dt.date(2025, 6, 2))
    ConferenceFactory(held_on=dt.date(2025, 6, 23), children=[child])
    PlanFactory(child=child, started_on=dt.date(2025, 6, 23))
    page = page_for(width, height)
    sign_in(page, "sl", TEST_PASSWORD)
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():  # a phone: the menu opens first
        menu.click()
    page.get_by_role("link", name="Measures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Measures")
    expect(page.get_by_role("img", name="Initial conferences within the timescale")).to_be_visible()
    axe_clean(page, f"the measures, last 12 months, {width}px")

    # The end before the start: a clear error, linked to the field.
    _fill_period(page, dt.date(2025, 9, 30), dt.date(2025, 4, 1))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The end of the period must be after its start.")
    axe_clean(page, f"the measures, a wrong period, {width}px")

    _fill_period(page, dt.date(2025, 4, 1), dt.date(2025, 9, 30))
    expect(page.get_by_text("From 1 April 2025 to 30 September 2025, by team.")).to_be_visible()
    table = page.get_by_role("table", name="Initial conferences within the timescale")
    expect(table.get_by_role("row", name="North locality team 1 1 100%")).to_be_visible()
    expect(table.get_by_role("row", name="South locality team 0 0")).to_be_visible()
    chart = page.get_by_role("img", name="Initial conferences within the timescale")
    assert "North locality team: 100% (1 of 1)" in chart.locator("desc").text_content()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe_clean(page, f"the measures, April to September 2025, {width}px")

"""A weak match in real Chromium: the enquirer, on a phone, is told to call the duty team
and named no child; the unit manager reviews it with a note. Each page scanned by axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from registry.models import PossibleMatch
from tests.browser.conftest import sign_in
from tests.factories import TEST_PASSWORD, PlanFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_possible_match_names_nobody_and_the_unit_manager_reviews_it(
    page_for, axe_clean, child, police_enquirer, unit_manager
):
    PlanFactory(
        child=child, started_on=timezone.localdate() - dt.timedelta(days=30), latest_category="NEG"
    )
    phone = page_for(375, 667)
    sign_in(phone, "police", TEST_PASSWORD)
    phone.goto("/register/")
    phone.get_by_label("Your name").fill("PC Alex Example")
    phone.get_by_label("Your agency").fill("Testshire Police")
    phone.get_by_label("Your role").fill("Response officer")
    phone.get_by_label("A phone number we can call you back on").fill("01632 960555")
    phone.get_by_label("Why are you asking?").fill("Concern for welfare call at 02:40")
    # Amelia's first name and birthday, but another surname: a different child, perhaps.
    phone.get_by_label("Child's first name").fill("Amelia")
    phone.get_by_label("Child's last name").fill("Pendragon")
    phone.get_by_label("Day").fill("17")
    phone.get_by_label("Month").fill("5")
    phone.get_by_label("Year").fill("2018")
    phone.get_by_role("button", name="Search").click()
    heading = phone.get_by_role("heading", level=1)
    assert heading.inner_text() == "A possible match: call the duty team"
    main = phone.locator("main").inner_text()
    assert "Testchild" not in main and "Has a plan now" not in main and "NEG" not in main
    call = phone.get_by_role("link", name="01632 960999")
    expect(call).to_be_visible()
    assert call.get_attribute("href") == "tel:01632960999"
    # Nothing is wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    axe_clean(phone, "a possible match, phone")

    page = page_for()
    sign_in(page, "sum", TEST_PASSWORD)
    page.goto("/register/log/")
    page.get_by_role("link", name="1 possible match").click()
    axe_clean(page, "possible matches to review")
    page.get_by_role("link", name="Amelia Testchild").click()
    expect(page.get_by_role("heading", name="A possible match to review")).to_be_visible()
    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say what was done")
    axe_clean(page, "review a possible match, with an error")
    page.get_by_label("What was done?").fill("Called PC Example back at 02:55: not Amelia.")
    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.get_by_text("The possible match is marked as reviewed.")).to_be_visible()
    row = PossibleMatch.objects.get()
    assert row.reviewed_by_id == unit_manager.pk and "not Amelia" in row.review_note

"""Journeys in real headless Chromium, each page scanned by axe-core."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import TEST_PASSWORD, PlanFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_social_worker_finds_a_child_and_opens_the_record(
    page_for, axe_clean, child, social_worker
):
    page = page_for()
    page.goto("/accounts/login/")
    axe_clean(page, "sign in")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    axe_clean(page, "sign in with errors")
    sign_in(page, "sw.allocated", TEST_PASSWORD)
    assert page.get_by_role("heading", name=re.compile("Hello")).is_visible()
    axe_clean(page, "home")
    page.get_by_label("Find a child").fill("Amelia Testchlid")  # a typing slip
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Amelia Testchild").click()
    assert page.get_by_role("heading", name="Amelia Testchild", level=1).is_visible()
    assert page.get_by_text(child.nhs_number_display).is_visible()
    axe_clean(page, "child record")


def test_adding_a_child_keeps_what_was_typed_on_an_error(page_for, axe_clean, social_worker):
    page = page_for()
    sign_in(page, "sw.allocated", TEST_PASSWORD)
    page.goto("/children/new/")
    axe_clean(page, "add a child")
    page.get_by_label("First name", exact=True).fill("Noah")
    page.get_by_label("Last name", exact=True).fill("Fictional")
    page.get_by_label("Day").first.fill("3")
    page.get_by_label("Month").first.fill("4")
    page.get_by_label("Year").first.fill("2019")
    page.get_by_label("NHS number").fill("999 765 4324")  # wrong check digit
    page.get_by_label("Address line 1").fill("7 Pretend Lane")
    page.get_by_label("Town or city").fill("Testford")
    page.get_by_label("Postcode").fill("zz1 1zz")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    assert "check digit" in summary.inner_text()
    assert page.get_by_label("Last name", exact=True).input_value() == "Fictional"
    assert page.get_by_label("Address line 1").input_value() == "7 Pretend Lane"
    axe_clean(page, "add a child, with an error")
    page.get_by_label("NHS number").fill("999 765 4323")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("heading", name="Noah Fictional", level=1).is_visible()
    assert "ZZ1 1ZZ" in page.locator(".govuk-summary-list").inner_text()  # normalised


def test_a_police_enquirer_searches_the_register_on_a_phone(
    page_for, axe_clean, child, police_enquirer
):
    PlanFactory(
        child=child, started_on=timezone.localdate() - dt.timedelta(days=30), latest_category="NEG"
    )
    page = page_for(375, 667)
    sign_in(page, "police", TEST_PASSWORD)
    page.get_by_role("button", name="Start a search").click()
    axe_clean(page, "register search, phone")
    page.get_by_label("Your name").fill("PC Alex Example")
    page.get_by_label("Your agency").fill("Testshire Police")
    page.get_by_label("Your role").fill("Response officer")
    page.get_by_label("A phone number we can call you back on").fill("01632 960555")
    page.get_by_label("Why are you asking?").fill("Concern for welfare call at 02:40")
    page.get_by_label("Child's first name").fill("Amelia")
    page.get_by_label("Child's last name").fill("Tetschild")
    page.get_by_label("Day").fill("17")
    page.get_by_label("Month").fill("5")
    page.get_by_label("Year").fill("2018")
    page.get_by_role("button", name="Search").click()
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "1 record found", page.locator("main").inner_text()
    assert page.get_by_text("Has a plan now").is_visible()
    axe_clean(page, "register results, phone")
    # The enquirer reaches no case content.
    assert page.goto(f"/children/{child.pk}/").status == 404


@pytest.mark.parametrize(("width", "height"), [(375, 667), (1280, 900)], ids=["phone", "desktop"])
def test_recording_a_statutory_visit(page_for, axe_clean, child, social_worker, width, height):
    from visits.models import Visit

    page = page_for(width, height)
    sign_in(page, "sw.allocated", TEST_PASSWORD)
    page.goto(f"/children/{child.pk}/")
    axe_clean(page, "the child's record")  # WCAG 2.2: "cannot be made in time" a 24px target
    page.get_by_role("button", name="Record a visit").click()
    axe_clean(page, "record a visit")
    page.get_by_label("Statutory visit (child protection)").check()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    visit_date = page.get_by_role("group", name="Date of the visit")
    visit_date.get_by_label("Day").fill(str(yesterday.day))
    visit_date.get_by_label("Month").fill(str(yesterday.month))
    visit_date.get_by_label("Year").fill(str(yesterday.year))
    page.get_by_label("Time of the visit").fill("16:30")
    page.get_by_label("What did you observe?").fill(
        "Amelia was asleep upstairs; I did not see her."
    )
    page.get_by_role("button", name="Complete the visit").click()
    summary = page.locator(".govuk-error-summary")
    assert "statutory visit is one in which the child was seen" in summary.inner_text()
    # Nothing typed is lost.
    assert page.get_by_label("What did you observe?").input_value().startswith("Amelia was asleep")
    axe_clean(page, "record a visit, with an error")
    page.get_by_label("I saw the child", exact=True).check()
    page.get_by_label("I saw the child alone").check()
    page.get_by_role("button", name="Complete the visit").click()
    expect(page.get_by_text("The visit has been recorded.")).to_be_visible()
    visit = Visit.objects.get()
    assert visit.is_statutory_visit and visit.seen_alone


def test_the_unit_managers_register_and_log(
    page_for, axe_clean, child, unit_manager, police_enquirer
):
    from registry.selectors import Search
    from registry.services import Enquirer, enquiry_make

    PlanFactory(
        child=child, started_on=timezone.localdate() - dt.timedelta(days=30), latest_category="EMO"
    )
    enquiry_make(
        actor=police_enquirer,
        enquirer=Enquirer(
            "PC Alex Example", "Testshire Police", "Response officer", "01632 960555"
        ),
        reason="Welfare check",
        search=Search(nhs_number=child.nhs_number),
    )
    page = page_for()
    sign_in(page, "sum", TEST_PASSWORD)
    page.goto("/register/children/")
    assert "Amelia Testchild" in page.locator("main").inner_text()
    axe_clean(page, "the register with charts")
    page.get_by_text("Filter the register").click()
    page.get_by_label("Category").select_option("EMO")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2018")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert "Amelia Testchild" in page.locator("main").inner_text()  # category still applied
    axe_clean(page, "the register filtered, with an error")
    page.get_by_role("link", name="Correct the entry of Amelia Testchild").click()
    page.get_by_role("button", name="Save the correction").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why")
    axe_clean(page, "correct a register entry, with an error")
    page.get_by_label("Latest category of abuse").select_option("NEG")
    page.get_by_label("Why is the entry corrected?").fill(
        "Neglect was agreed; EMO typed by mistake"
    )
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_text("is corrected and recorded")).to_be_visible()
    page.get_by_role("link", name="Enquiry log").click()
    assert "PC Alex Example" in page.locator("main").inner_text()
    axe_clean(page, "enquiry log")
    page.get_by_role("button", name=re.compile("Mark reviewed")).click()
    expect(page.get_by_text("The enquiry is marked as reviewed.")).to_be_visible()


def test_a_warning_before_the_session_ends_so_nothing_typed_is_lost(
    page_for, child, social_worker, settings
):
    settings.SESSION_COOKIE_AGE = 122  # the warning comes two minutes before the end
    page = page_for(375, 667)
    sign_in(page, "sw.allocated", TEST_PASSWORD)
    page.goto(f"/children/{child.pk}/visits/new/")
    warning = page.locator("#session-warning")
    expect(warning).to_be_visible(timeout=10_000)
    assert "Save a draft now" in warning.inner_text()


def test_the_second_factor_is_set_up_then_asked_for(page_for, axe_clean, social_worker):
    import base64

    from tests.browser.conftest import app_code

    page = page_for()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("sw.allocated")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name="Set up your second factor").is_visible()
    assert page.locator(".app-qr-code svg").is_visible()
    axe_clean(page, "set up the second factor")
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    axe_clean(page, "set up the second factor, with an error")
    # Nothing else opens until it is done.
    page.goto("/children/")
    assert "/accounts/second-factor/set-up/" in page.url
    key = page.locator("#manual-key").inner_text().replace(" ", "")
    page.get_by_label("Code").fill(app_code(base64.b32decode(key + "=" * (-len(key) % 8))))
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("heading", name="Your recovery codes").is_visible()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    axe_clean(page, "recovery codes")
    page.get_by_role("link", name=re.compile("I have kept my recovery codes")).click()
    assert page.get_by_role("heading", name="Find a child").is_visible()

    # The next sign-in asks for a code; a recovery code does instead, once.
    page.get_by_role("button", name=re.compile("Sign out")).click()
    page.get_by_label("Username").fill("sw.allocated")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name=re.compile("Enter the code")).is_visible()
    axe_clean(page, "enter the code")
    page.get_by_label("Code").fill("000000" if codes[0] != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    axe_clean(page, "enter the code, with an error")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", name=re.compile("Hello")).is_visible()


@pytest.mark.parametrize(("width", "height"), [(375, 667), (1280, 900)], ids=["phone", "desktop"])
def test_reading_and_filtering_a_childs_chronology(
    page_for, axe_clean, child, social_worker, width, height
):
    from tests.factories import StrategyDiscussionFactory, VisitFactory

    StrategyDiscussionFactory(child=child, recorded_by=social_worker)
    VisitFactory(child=child, recorded_by=social_worker)
    page = page_for(width, height)
    sign_in(page, "sw.allocated", TEST_PASSWORD)
    page.goto(f"/children/{child.pk}/")
    page.get_by_role("link", name=re.compile("^Chronology")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(child.name)
    axe_clean(page, "chronology")
    page.get_by_label("Visits").check()
    page.get_by_role("button", name="Apply filters").click()
    assert "kinds=Visits" in page.url
    expect(page.get_by_label("Visits")).to_be_checked()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    axe_clean(page, "chronology, filtered")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download as a PDF")).click()
    assert download.value.suggested_filename.endswith(".pdf")

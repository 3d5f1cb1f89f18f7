"""The front door in real headless Chromium, each new page scanned by axe-core: a
referral, an assessment the team manager authorises into a child in need plan, a
strategy discussion and a section 47 enquiry that needs no conference."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.conftest import sign_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_date(page, legend: str, day: dt.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_the_front_door_journey(page_for, axe_clean, child, social_worker, team_manager):
    from conferences.models import Section47Enquiry
    from cpcase.models import Assessment, ChildInNeedPlan, Referral

    today = timezone.localdate()
    page = page_for()
    sign_in(page, "sw.allocated", TEST_PASSWORD)

    # The referral, with an error first: nothing typed is lost.
    page.goto(f"/children/{child.pk}/")
    axe_clean(page, "child record, no episode")
    page.get_by_role("button", name="Record a referral").click()
    axe_clean(page, "record a referral")
    _fill_date(page, "When was the referral received?", today - dt.timedelta(days=12))
    page.get_by_label("Who made the referral?").select_option("2A")
    page.get_by_label("Referrer's name").fill("Ms Fictional Teacher")
    page.get_by_label("Their agency").fill("Anytown Primary")
    page.get_by_label("What did they say?").fill("Amelia came to school hungry.")
    page.get_by_label("Child and family assessment").check()
    page.get_by_role("button", name="Save the referral").click()
    assert "primary need" in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_label("Referrer's name").input_value() == "Ms Fictional Teacher"
    axe_clean(page, "record a referral, with an error")
    page.get_by_label("What is the child's primary need?").select_option("N1")
    page.get_by_role("button", name="Save the referral").click()
    assert page.get_by_text("The referral about Amelia Testchild is recorded.").is_visible()
    assert Referral.objects.filter(child=child, closed_on__isnull=True).exists()
    axe_clean(page, "child record, episode open")

    # The worker starts the assessment.
    page.get_by_role("link", name="Start an assessment").click()
    axe_clean(page, "start an assessment")
    _fill_date(page, "When did the assessment start?", today - dt.timedelta(days=11))
    page.get_by_role("button", name="Start the assessment").click()
    assert page.get_by_text("Awaiting authorisation").is_visible()
    assessment = Assessment.objects.get(child=child)

    # The team manager authorises it, with factors and a child in need plan.
    manager = page_for()
    sign_in(manager, "tm.north", TEST_PASSWORD)
    manager.goto(f"/children/{child.pk}/")
    manager.get_by_role("link", name="Authorise").click()
    axe_clean(manager, "authorise an assessment")
    _fill_date(manager, "When was the assessment authorised?", today - dt.timedelta(days=5))
    manager.get_by_label("Domestic abuse: concerns about the parent or carer").check()
    manager.get_by_label("Neglect", exact=True).check()
    manager.get_by_role("button", name="Authorise the assessment").click()
    assert "Choose the outcome" in manager.locator(".govuk-error-summary").inner_text()
    assert manager.get_by_label("Neglect", exact=True).is_checked()
    axe_clean(manager, "authorise an assessment, with an error")
    manager.get_by_label("Child in need plan").check()
    manager.get_by_role("button", name="Authorise the assessment").click()
    assert manager.get_by_text("The assessment is authorised: Child in need plan.").is_visible()
    assessment.refresh_from_db()
    assert assessment.factors == ["3B", "16A"]
    assert ChildInNeedPlan.objects.filter(child=child, ended_on__isnull=True).exists()

    # The worker records the strategy discussion and the enquiry: no conference needed.
    page.goto(f"/children/{child.pk}/strategy-discussions/new/")
    _fill_date(page, "When was the strategy discussion held?", today - dt.timedelta(days=3))
    page.get_by_label("Start a child protection enquiry (section 47)").check()
    page.get_by_role("button", name="Save the strategy discussion").click()
    page.goto(f"/children/{child.pk}/")
    page.get_by_role("link", name="Record a section 47 enquiry").click()
    axe_clean(page, "record a section 47 enquiry")
    _fill_date(page, "When did the enquiry start?", today - dt.timedelta(days=3))
    page.get_by_label("No: no conference is needed").check()
    page.get_by_role("button", name="Save the enquiry").click()
    assert "Say why" in page.locator(".govuk-error-summary").inner_text()
    axe_clean(page, "record a section 47 enquiry, with an error")
    page.get_by_label("Why is no conference needed?").fill(
        "The bruise was explained; support continues under the child in need plan."
    )
    page.get_by_role("button", name="Save the enquiry").click()
    enquiry = Section47Enquiry.objects.get(child=child)
    assert enquiry.conference_required is False

    # The child's page shows the episode and its steps.
    episode = page.locator("main").inner_text()
    assert "Child in need episode" in episode
    assert "Received" in episode and "Schools" in episode
    assert "authorised" in episode and "Child in need plan" in episode
    assert "no conference needed: The bruise was explained" in episode
    axe_clean(page, "child record, the episode's steps")

    # The remaining pages: the child in need plan's end, and closing the episode.
    page.get_by_role("link", name="End the child in need plan").click()
    axe_clean(page, "end the child in need plan")
    page.goto(f"/children/{child.pk}/")
    page.get_by_role("link", name="Close the episode").click()
    axe_clean(page, "close the episode")
    page.goto(f"/children/{child.pk}/edit/")
    axe_clean(page, "the child's form, with UPN and disabilities")

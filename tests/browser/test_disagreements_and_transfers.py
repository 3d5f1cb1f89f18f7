"""A professional disagreement raised and resolved, and a notice of a move in recorded, in
real Chromium. Each page scanned by axe-core, with and without its error summary."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conferences import services as conference_services
from conferences.models import Disagreement, TransferNotice
from cpcase.roles import Role
from plans.models import Plan
from tests.browser.conftest import sign_in
from tests.conferences.test_services import _outcome, _schedule
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.working_days import last_working_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TODAY = timezone.localdate()


@pytest.fixture
def plan(chair, child, social_worker, core_group_member):
    conference = _schedule(chair, child)
    conference_services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=_outcome(
            child,
            social_worker,
            core_group_member,
            held_on=last_working_day(TODAY - dt.timedelta(days=20)),
        ),
    )
    conference_services.conference_finalise(actor=chair, conference_id=conference.pk)
    return Plan.objects.get(child=child)


def test_a_disagreement_raised_and_resolved(
    page_for, axe_clean, plan, social_worker, service_leader
):
    worker = page_for()
    sign_in(worker, "sw.allocated", TEST_PASSWORD)
    worker.goto(f"/plans/{plan.pk}/")
    worker.get_by_role("link", name="Record a professional disagreement with the chair").click()
    axe_clean(worker, "raise a disagreement")
    worker.get_by_role("button", name="Record the disagreement").click()
    summary = worker.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Say what you disagree with.")
    expect(summary).to_contain_text("Say what you want instead.")
    axe_clean(worker, "raise a disagreement, with errors")
    worker.get_by_label("What do you disagree with?").fill("The first review is too far away")
    worker.get_by_label("What do you want instead?").fill("A review within six weeks")
    worker.get_by_role("button", name="Record the disagreement").click()
    expect(
        worker.get_by_role("heading", name="Disagreement with the conference chair")
    ).to_be_visible()
    axe_clean(worker, "the disagreement, open")

    leader = page_for()
    sign_in(leader, "sl", TEST_PASSWORD)
    leader.get_by_role("link", name="Disagreements").click()
    axe_clean(leader, "the list of disagreements")
    leader.get_by_role("link", name=re.compile("Amelia Testchild")).click()
    leader.get_by_role("radio", name="Upheld", exact=True).check()
    leader.get_by_role("button", name="Record the outcome").click()
    expect(leader.locator(".govuk-error-summary")).to_contain_text("Give the reasons")
    axe_clean(leader, "the outcome, with errors")
    leader.get_by_role("radio", name="Upheld", exact=True).check()
    leader.get_by_label("The reasons").fill("The review comes forward to six weeks.")
    leader.get_by_role("button", name="Record the outcome").click()
    expect(leader.get_by_text("Upheld, recorded by")).to_be_visible()
    axe_clean(leader, "the disagreement, resolved")
    assert Disagreement.objects.get().status == "resolved"


def test_a_notice_of_a_move_in(page_for, axe_clean, plan, child, other_authority):
    UserFactory(
        username="sum.south",
        authority=other_authority,
        roles=[Role.SAFEGUARDING_UNIT_MANAGER],
    )
    page = page_for()
    sign_in(page, "sum.south", TEST_PASSWORD)
    page.goto(f"/children/{child.pk}/transfer-notices/new/")
    axe_clean(page, "notice of a move in")
    page.get_by_label("Address line 1").fill("7 Makebelieve Lane")
    page.get_by_role("button", name="Record the notice").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the town or city")
    axe_clean(page, "notice of a move in, with errors")
    page.get_by_label("Town or city").fill("Southmere")
    page.get_by_label("Postcode").fill("ZZ3 3ZZ")
    page.get_by_role("button", name="Record the notice").click()
    expect(page.get_by_text("a transfer-in conference is due")).to_be_visible()
    expect(page.get_by_text("Transfer-in conference").first).to_be_visible()
    axe_clean(page, "the child's record after the notice")
    assert TransferNotice.objects.get().address.postcode == "ZZ3 3ZZ"

"""Historic plans across authorities in real Chromium: asked for, granted, read; and the
designated managers. Each page scanned by axe-core."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm
from playwright.sync_api import expect

from cpcase.models import AuditEvent
from cpcase.roles import Role
from plans.models import PlanVersion
from registry.models import DesignatedManager, HistoricPlanRequest
from tests.browser.conftest import sign_in
from tests.factories import TEST_PASSWORD, PlanFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def moved_child(child, social_worker, other_authority_worker):
    """Amelia had a plan in Northbrook; she has moved to Southmere, whose worker may see her."""
    plan = PlanFactory(
        child=child,
        started_on=dt.date(2024, 1, 10),
        status="ended",
        stage="authorised",
        ended_on=dt.date(2025, 2, 1),
        end_reason="conference",
    )
    PlanVersion.objects.create(
        plan=plan,
        number=1,
        reason="Authorised",
        created_by=social_worker,
        content={
            "latest_category": "NEG",
            "cause_of_harm": "No food in the house on three visits",
            "actions": [],
        },
    )
    assign_perm("cpcase.view_child", other_authority_worker, child)
    return child


def test_a_worker_asks_the_manager_grants_the_worker_reads(
    page_for, axe_clean, moved_child, other_authority_worker, unit_manager
):
    worker = page_for()
    sign_in(worker, "sw.southmere", TEST_PASSWORD)
    worker.goto(f"/children/{moved_child.pk}/")
    worker.get_by_role("link", name="Ask Northbrook Borough Council for the historic plans").click()
    axe_clean(worker, "ask for historic plans")
    worker.get_by_role("radio", name="No").check()
    worker.get_by_role("button", name="Send the request").click()
    summary = worker.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Say why the historic plans are needed.")
    axe_clean(worker, "ask for historic plans, with errors")
    worker.get_by_label("Why do you need the historic plans?").fill(
        "New concerns reported by school; the family moved here in March"
    )
    worker.get_by_label("If not, why not?").fill("Telling the father would raise the risk")
    worker.get_by_role("button", name="Send the request").click()
    expect(worker.get_by_text("Your request has been sent")).to_be_visible()
    axe_clean(worker, "the request, awaiting a decision")
    request = HistoricPlanRequest.objects.get()
    assert request.parents_told is False

    manager = page_for()
    sign_in(manager, "sum", TEST_PASSWORD)
    manager.goto("/register/children/")
    manager.get_by_role("link", name="Historic plan requests").click()
    axe_clean(manager, "historic plan requests")
    manager.get_by_role("link", name=re.compile("Amelia Testchild")).click()
    manager.get_by_role("radio", name="Grant access for a limited time").check()
    manager.get_by_label("For how many days (when granting)?").fill("0")
    manager.get_by_role("button", name="Record the decision").click()
    expect(manager.locator(".govuk-error-summary")).to_contain_text("between 1 and 90 days")
    axe_clean(manager, "decide, with errors")
    manager.get_by_label("For how many days (when granting)?").fill("14")
    manager.get_by_label("Reason for the decision").fill("A new concern in the receiving area")
    manager.get_by_role("button", name="Record the decision").click()
    expect(manager.get_by_text("The request is granted")).to_be_visible()
    axe_clean(manager, "the request, granted")

    worker.goto(f"/register/releases/{request.pk}/")
    worker.get_by_role("button", name="Read the released plans").click()
    expect(worker.get_by_text("No food in the house on three visits")).to_be_visible()
    axe_clean(worker, "the released plans")
    assert AuditEvent.objects.filter(
        action="view", actor=other_authority_worker, object_id=str(request.pk)
    ).exists()

    HistoricPlanRequest.objects.filter(pk=request.pk).update(
        access_until=timezone.now() - dt.timedelta(minutes=1)
    )
    worker.reload()
    expect(
        worker.get_by_role("heading", name="The historic plans are not available")
    ).to_be_visible()
    assert "No food in the house" not in worker.locator("main").inner_text()
    axe_clean(worker, "the released plans, after the time ran out")


def test_the_unit_manager_records_a_designated_manager(
    page_for, axe_clean, unit_manager, authority
):
    UserFactory(
        username="sum.deputy",
        first_name="Morgan",
        last_name="Deputy",
        authority=authority,
        roles=[Role.SAFEGUARDING_UNIT_MANAGER],
    )
    page = page_for()
    sign_in(page, "sum", TEST_PASSWORD)
    page.goto("/register/log/")
    page.get_by_role("link", name="Designated managers").click()
    axe_clean(page, "designated managers, none yet")
    today = timezone.localdate()
    start = page.get_by_role("group", name="Designated manager from")
    start.get_by_label("Day").fill(str(today.day))
    start.get_by_label("Month").fill(str(today.month))
    start.get_by_label("Year").fill(str(today.year))
    told = page.get_by_role("group", name="Date the national department was told")
    told.get_by_label("Day").fill(str(today.day))
    told.get_by_label("Month").fill(str(today.month))
    told.get_by_label("Year").fill(str(today.year + 1))
    page.get_by_role("button", name="Record the change").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose the new designated manager"
    )
    axe_clean(page, "designated managers, with errors")
    assert page.get_by_role("group", name="Designated manager from").get_by_label(
        "Year"
    ).input_value() == str(today.year)
    page.get_by_label("New designated manager").select_option(label="Morgan Deputy")
    told.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Record the change").click()
    expect(page.get_by_text("Morgan Deputy is recorded as designated manager.")).to_be_visible()
    axe_clean(page, "designated managers")
    assert DesignatedManager.objects.get().department_notified_on == today

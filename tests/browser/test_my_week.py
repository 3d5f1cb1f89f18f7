"""My week in real Chromium, at desktop and phone width, each page scanned by axe-core."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cpcase.models import Notification, RunningDeadline
from tests.browser.conftest import sign_in
from tests.core.test_my_week import _child, _due
from tests.factories import TEST_PASSWORD, PlanFactory, VisitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = (1280, 900)
PHONE = (375, 667)


@pytest.fixture
def busy_week(social_worker, team_manager):
    """A worker with a visit overdue, a core group due today, a plan waiting for the team
    manager, a draft visit and a notification not read."""
    today = timezone.localdate()
    amelia = _child(social_worker, first_name="Amelia", last_name="Overdue")
    noah = _child(social_worker, first_name="Noah", last_name="Waiting")
    plan = PlanFactory(
        child=noah,
        started_on=today - dt.timedelta(days=60),
        stage="awaiting_authorisation",
        submitted_on=today - dt.timedelta(days=3),
    )
    VisitFactory(
        child=amelia,
        recorded_by=social_worker,
        status="draft",
        kind="home_visit",
        child_seen=False,
        visited_at=None,
    )
    RunningDeadline.objects.filter(child__in=[amelia, noah]).delete()
    _due(amelia, "statutory_visit", today - dt.timedelta(days=10))
    _due(noah, "core_group", today)
    Notification.objects.create(
        recipient=social_worker,
        title="A conference has been scheduled",
        body="Amelia Overdue: a review conference.",
        url=f"/children/{amelia.pk}/",
        child_id=amelia.pk,
        dedupe_key="browser-my-week",
    )
    return {"amelia": amelia, "noah": noah, "plan": plan}


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _open_my_week(page) -> None:
    page.locator("main").get_by_role("link", name="My week").click()
    expect(page.get_by_role("heading", name="My week", level=1)).to_be_visible()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_social_worker_opens_my_week(page_for, axe_clean, busy_week, size):
    page = page_for(*size)
    sign_in(page, "sw.allocated", TEST_PASSWORD)
    _open_my_week(page)
    lines = page.locator(".app-week__line")
    expect(lines).to_have_count(4)
    # The most urgent first: the overdue visit, in words as well as colour.
    expect(lines.first).to_contain_text(re.compile(r"Overdue by \d+ working days?"))
    expect(lines.first).to_contain_text("Amelia Overdue")
    expect(lines.nth(1)).to_contain_text("Due today")
    assert _fits_the_screen(page)
    axe_clean(page, f"my week, social worker, {size[0]}px")
    lines.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Record a visit", level=1)).to_be_visible()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_team_manager_opens_my_week(page_for, axe_clean, busy_week, size):
    page = page_for(*size)
    sign_in(page, "tm.north", TEST_PASSWORD)
    _open_my_week(page)
    waiting = page.get_by_role("heading", name="Waiting for your authorisation")
    expect(waiting).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Robin Allocated"))).to_be_visible()
    first = page.locator(".app-week__line").first
    expect(first).to_contain_text("Detailed plan to authorise")
    expect(first).to_contain_text("Noah Waiting")
    assert _fits_the_screen(page)
    axe_clean(page, f"my week, team manager, {size[0]}px")
    first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(f"/plans/{busy_week['plan'].pk}/authorise/"))

"""The plan's journey in real Chromium, each page scanned by axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from plans import services
from plans.models import Plan, PlanAction
from tests.browser.conftest import sign_in
from tests.factories import TEST_PASSWORD
from tests.plans.test_views import DETAIL, start_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TODAY = timezone.localdate()
QUESTIONS = {
    "cause_of_harm": "What is causing the harm?",
    "short_term_goals": "Short term goals",
    "long_term_goals": "Long term goals",
    "daily_safety_check": "Who checks day to day that the child is safe and well?",
    "seen_alone_arrangements": "When and where will the child be seen alone?",
    "seen_with_family_arrangements": "When and where will the child be seen with their family?",
    "contingency_plan": "Contingency plan: what happens if the plan is not working?",
}


def _fill_action(page, description, *, due: dt.date, who="", professional=None):
    page.get_by_label("What will be done?").fill(description)
    page.get_by_label("Which issue is it for?").select_option(index=1)
    page.get_by_label("Who is responsible?").fill(who)
    if professional:
        page.get_by_label("Or choose a professional in the core group").select_option(
            label=professional
        )
        page.get_by_label("Their agency (for a professional)").fill("Testford Primary School")
    page.get_by_label("Day").fill(str(due.day))
    page.get_by_label("Month").fill(str(due.month))
    page.get_by_label("Year").fill(str(due.year))
    page.get_by_label("What will show it has worked?").fill(
        "Attendance confirmed for six weeks in a row"
    )


def test_the_detailed_plan_from_draft_to_authorised(
    page_for, axe_clean, chair, child, social_worker, team_manager, core_group_member
):
    plan = start_plan(chair, child, social_worker, core_group_member)
    due = TODAY + dt.timedelta(days=28)

    # The social worker builds the detailed plan from the child's record.
    page = page_for()
    sign_in(page, "sw.allocated", TEST_PASSWORD)
    page.goto(f"/children/{child.pk}/")
    page.get_by_role("link", name="Child protection plan").click()
    assert page.get_by_role("heading", name="Child protection plan", level=1).is_visible()
    axe_clean(page, "the plan, outline")
    page.get_by_role("link", name="Edit the detailed plan").click()
    axe_clean(page, "edit the detailed plan")
    for field, question in QUESTIONS.items():
        page.get_by_label(question).fill(DETAIL[field])
    page.get_by_role("button", name="Save the detailed plan").click()
    assert "The detailed plan has been saved." in page.inner_text("main")

    page.get_by_role("link", name="Add an action").click()
    axe_clean(page, "add an action")
    _fill_action(page, "Mother to start at the alcohol service ASAP", due=due, who="Jo Example")
    page.get_by_role("button", name="Add the action").click()
    summary = page.locator(".govuk-error-summary")
    assert "“ASAP” is not a timescale" in summary.inner_text()
    assert (
        page.get_by_label("What will be done?").input_value()
        == "Mother to start at the alcohol service ASAP"
    )
    axe_clean(page, "add an action, with a vague timescale")
    page.get_by_label("What will be done?").fill("Mother attends the alcohol service weekly")
    page.get_by_role("button", name="Add the action").click()
    assert "The action has been added." in page.inner_text("main")

    page.get_by_role("link", name="Add an action").click()
    _fill_action(
        page,
        "The school reports attendance every Friday",
        due=due,
        professional=f"{core_group_member.name}, Testford Primary School",
    )
    page.get_by_role("button", name="Add the action").click()
    assert "The action has been added." in page.inner_text("main")

    page.get_by_role("link", name="Send the plan for authorisation").click()
    axe_clean(page, "send for authorisation")
    page.get_by_role("button", name="Send for authorisation").click()
    assert "Awaiting authorisation" in page.inner_text("main")
    assert page.get_by_role("link", name="Authorise or return the plan").count() == 0

    # The core group member records progress on their own action, and only theirs.
    member = page_for()
    sign_in(member, "cgm", TEST_PASSWORD)
    member.get_by_role("link", name="Amelia Testchild's child protection plan").click()
    assert member.get_by_role("heading", name="Child protection plan", level=1).is_visible()
    axe_clean(member, "the plan, for a core group member")
    progress_links = member.get_by_role("link", name="Record progress")
    assert progress_links.count() == 1
    progress_links.click()
    axe_clean(member, "record progress")
    member.get_by_label("On track").check()
    member.get_by_label("Note (optional)").fill("Attendance 97% this half term")
    member.get_by_role("button", name="Record the progress").click()
    assert "The progress has been recorded." in member.inner_text("main")
    assert PlanAction.objects.get(responsible_user=core_group_member).status == "on_track"

    # The team manager authorises.
    manager = page_for()
    sign_in(manager, "tm.north", TEST_PASSWORD)
    manager.goto(f"/plans/{plan.pk}/")
    manager.get_by_role("link", name="Authorise or return the plan").click()
    axe_clean(manager, "authorise")
    manager.get_by_label("Yes, authorise the plan").check()
    manager.get_by_role("button", name="Save the decision").click()
    assert "The plan is authorised." in manager.inner_text("main")
    assert Plan.objects.get(pk=plan.pk).stage == "authorised"

    # The versions page shows what changed.
    manager.get_by_role("link", name="Versions of the plan").click()
    axe_clean(manager, "versions")
    manager.get_by_label("Older version").select_option(value="1")
    manager.get_by_role("button", name="Compare").click()
    main = manager.inner_text("main")
    assert "Actions added" in main and "Mother attends the alcohol service weekly" in main
    assert DETAIL["contingency_plan"] in main
    axe_clean(manager, "compare versions")


def test_the_other_plan_pages(
    page_for, axe_clean, chair, child, social_worker, core_group_member, unit_manager
):
    plan = start_plan(chair, child, social_worker, core_group_member)
    services.plan_action_add(
        actor=social_worker,
        plan_id=plan.pk,
        version=None,
        data=services.ActionInput(
            description="Mother attends the alcohol service weekly",
            responsible="Jo Example (mother)",
            due_on=TODAY + dt.timedelta(days=30),
            evidence_of_success="Attendance confirmed by the service",
        ),
    )
    page = page_for()
    sign_in(page, "sw.allocated", TEST_PASSWORD)

    # A core group meeting, with progress on the action.
    page.goto(f"/plans/{plan.pk}/core-group-meetings/new/")
    axe_clean(page, "record a core group meeting")
    page.get_by_label("Who attended?").fill("Robin Allocated, lead social worker")
    page.get_by_label("Progress: Mother attends").select_option(value="at_risk")
    page.get_by_role("button", name="Record the meeting").click()
    assert "The core group meeting has been recorded." in page.inner_text("main")

    # Somebody else saves while the form is open: the conflict page keeps the text.
    page.goto(f"/plans/{plan.pk}/edit/")
    page.get_by_label(QUESTIONS["contingency_plan"]).fill("Mine: a legal planning meeting")
    current = Plan.objects.get(pk=plan.pk)
    services.plan_update_detail(
        actor=social_worker,
        plan_id=plan.pk,
        version=current.version,
        changes={"contingency_plan": "Theirs: an emergency strategy discussion"},
    )
    page.get_by_role("button", name="Save the detailed plan").click()
    assert "Somebody else changed this plan" in page.inner_text("main")
    assert "Theirs: an emergency strategy discussion" in page.inner_text("main")
    assert (
        page.get_by_label(QUESTIONS["contingency_plan"]).input_value()
        == "Mine: a legal planning meeting"
    )
    axe_clean(page, "edit the detailed plan, a conflict")

    # The unit manager ends the plan outside a conference: a move needs its conference.
    manager = page_for()
    sign_in(manager, "sum", TEST_PASSWORD)
    manager.goto(f"/plans/{plan.pk}/")
    manager.get_by_role("link", name="End the plan outside a conference").click()
    axe_clean(manager, "end the plan")
    manager.get_by_label("The child moved permanently").check()
    manager.locator("#id_ended_on_0").fill(str(TODAY.day))
    manager.locator("#id_ended_on_1").fill(str(TODAY.month))
    manager.locator("#id_ended_on_2").fill(str(TODAY.year))
    manager.get_by_role("button", name="End the plan").click()
    assert "transfer-in conference" in manager.locator(".govuk-error-summary").inner_text()
    axe_clean(manager, "end the plan, with errors")

    # After a conference discontinued it, the team records the step-down.
    services.plan_end(actor=chair, plan=plan, ended_on=TODAY, reason="conference")
    page.goto(f"/plans/{plan.pk}/")
    page.get_by_role("link", name="Record the support that follows the plan").click()
    axe_clean(page, "step-down")
    page.get_by_label("A child in need plan").check()
    page.get_by_role("button", name="Save").click()
    assert "Child in need plan" in page.inner_text("main")
    page.goto(f"/children/{child.pk}/plan/")
    axe_clean(page, "the child's plans, none current")

"""The conference chair's journey in real headless Chromium, each page scanned by axe-core:
a brother and sister at one address from a strategy discussion to an initial conference,
its outcome and letters, then a review that ends one child's plan."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cpcase.models import Relationship
from tests.browser.conftest import sign_in
from tests.factories import TEST_PASSWORD, AddressFactory, ChildFactory, PersonFactory
from tests.support.working_days import at, last_working_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TODAY = last_working_day()  # conferences meet on working days


def _fill_date(page, group: str, day: dt.date) -> None:
    box = page.get_by_role("group", name=group)
    box.get_by_label("Day").fill(str(day.day))
    box.get_by_label("Month").fill(str(day.month))
    box.get_by_label("Year").fill(str(day.year))


def _decide(page, child_name: str, decision: str) -> None:
    page.get_by_role(
        "group", name=f"What did the conference decide for {child_name}?"
    ).get_by_label(decision, exact=True).check()


def _pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def test_the_chair_takes_a_sibling_group_from_strategy_discussion_to_review(
    page_for, axe_clean, child, authority, team, social_worker, chair, core_group_member
):
    from conferences.models import Conference, Letter
    from plans.models import Plan

    sibling = ChildFactory(
        first_name="Ben",
        last_name="Testchild",
        date_of_birth=dt.date(2020, 2, 3),
        responsible_authority=authority,
        team=team,
        address=AddressFactory(line1="12 Imaginary Road", postcode="ZZ1 1ZZ"),
    )
    mother = PersonFactory(first_name="Jo", last_name="Testchild", authority=authority)
    for c in (child, sibling):
        Relationship.objects.create(
            child=c, person=mother, kind="mother", parental_responsibility=True
        )
    discussed_on = TODAY - dt.timedelta(days=20)
    icpc_on = last_working_day(TODAY - dt.timedelta(days=10))
    review_by = TODAY + dt.timedelta(days=60)

    # The social worker records the strategy discussion from Amelia's page.
    worker = page_for()
    sign_in(worker, "sw.allocated", TEST_PASSWORD)
    worker.goto(f"/children/{child.pk}/")
    worker.get_by_role("link", name="Record a strategy discussion").click()
    axe_clean(worker, "strategy discussion")
    worker.get_by_role("button", name="Save the strategy discussion").click()
    expect(worker.locator(".govuk-error-summary")).to_contain_text("Enter the date")
    axe_clean(worker, "strategy discussion, with errors")
    _fill_date(worker, "When was the strategy discussion held?", discussed_on)
    worker.get_by_label("Start a child protection enquiry (section 47)").check()
    worker.get_by_role("button", name="Save the strategy discussion").click()
    expect(
        worker.get_by_text("The strategy discussion about Amelia Testchild is recorded.")
    ).to_be_visible()
    axe_clean(worker, "child's conferences, social worker")

    # The chair schedules the initial conference for both children.
    page = page_for()
    sign_in(page, "chair", TEST_PASSWORD)
    page.get_by_role("link", name="Conferences").click()
    expect(page.get_by_role("heading", name="Conferences", level=1)).to_be_visible()
    axe_clean(page, "conferences list, empty")
    page.goto(f"/children/{child.pk}/")
    page.get_by_role("link", name="Strategy discussions and conferences").click()
    page.get_by_role("button", name="Schedule a conference").click()
    axe_clean(page, "schedule a conference")
    page.get_by_label("Initial child protection conference").check()
    expect(page.get_by_label("Amelia Testchild")).to_be_checked()
    page.get_by_label("Ben Testchild").check()
    _fill_date(page, "Date of the conference", icpc_on)
    page.get_by_label("Time of the conference").fill("9:30")
    page.get_by_label("Venue").fill("Testford Civic Centre, Room 2")
    page.get_by_role("button", name="Schedule the conference").click()
    expect(
        page.get_by_text("The initial child protection conference is scheduled.")
    ).to_be_visible()
    axe_clean(page, "conference page, scheduled")
    icpc = Conference.objects.get()
    assert icpc.subjects.count() == 2

    # The outcome: first with Ben's category missing, which is refused with all kept.
    page.get_by_role("button", name="Record the outcome").click()
    axe_clean(page, "record the outcome")
    page.get_by_role("group", name="Was the conference quorate?").get_by_label("Yes").check()
    _decide(page, "Amelia Testchild", "A child protection plan is needed")
    page.get_by_label("Category of abuse for Amelia Testchild").select_option("NEG")
    _decide(page, "Ben Testchild", "A child protection plan is needed")
    page.get_by_label("The reasons for the decision").fill(
        "Both children have often been hungry and alone at home."
    )
    professional = page.get_by_role("group", name="Professional 1")
    professional.get_by_label("Name", exact=True).fill("Dr Pat Example")
    professional.get_by_label("Agency").fill("Testford NHS Trust")
    professional.get_by_label("Submitted a report").check()
    parent = page.get_by_role("group", name="Parent or carer 1")
    expect(parent.get_by_label("Name", exact=True)).to_have_value("Jo Testchild")
    parent.get_by_label("Attended").check()
    parent.get_by_label("A member of the core group").check()
    page.get_by_label("The child's views").fill("Amelia said she wants more food at home.")
    page.get_by_role("group", name="How did the child give their views?").get_by_label(
        "Directly"
    ).check()
    page.get_by_role("group", name="Will the parents be told of the decision?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("group", name="Will the child be told of the decision?").get_by_label(
        "Yes"
    ).check()
    first = page.get_by_role("group", name="Issue 1")
    first.get_by_label("The issue (the risk)").fill("No food in the house on three visits")
    first.get_by_label("High risk indicator").check()
    first.get_by_label("Desired outcome").fill("Three meals a day, every day")
    first.get_by_label("Degree of improvement required").fill("Significant and sustained")
    second = page.get_by_role("group", name="Issue 2")
    second.get_by_label("The issue (the risk)").fill("Mother's low mood")
    second.get_by_label("Underlying risk factor").check()
    second.get_by_label("Desired outcome").fill("Mother is supported by her GP")
    second.get_by_label("Degree of improvement required").fill("Some")
    page.get_by_label("Lead social worker").select_option(str(social_worker.pk))
    page.locator(f'input[name="core_group_professionals"][value="{core_group_member.pk}"]').check()
    _fill_date(page, "Date of the next review conference", review_by)
    page.get_by_role("button", name="Save the outcome").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Record the category of abuse")
    axe_clean(page, "record the outcome, with an error")
    assert (
        page.get_by_label("The reasons for the decision").input_value().startswith("Both children")
    )
    assert (
        page.get_by_role("group", name="Issue 2").get_by_label("The issue (the risk)").input_value()
        == "Mother's low mood"
    )
    assert Conference.objects.get().status == "scheduled"
    page.get_by_label("Category of abuse for Ben Testchild").select_option("NEG")
    page.get_by_role("button", name="Save the outcome").click()

    # Finalise: what will happen, then the chair's act.
    expect(page.get_by_role("heading", name="Finalise the conference")).to_be_visible()
    expect(page.locator("main")).to_contain_text("an outcome letter to Jo Testchild")
    axe_clean(page, "finalise")
    page.get_by_role("button", name="Finalise the conference").click()
    expect(page.get_by_text("The conference is finalised.")).to_be_visible()
    expect(page.get_by_text("The record is read only")).to_be_visible()
    axe_clean(page, "conference page, finalised")
    assert Plan.objects.filter(status="active").count() == 2

    # The letters: download Amelia's parent letter and read it; open the print view.
    page.get_by_role("link", name="Letters").click()
    axe_clean(page, "letters")
    with page.expect_download() as download:
        page.get_by_role(
            "link", name="Download the PDF of the letter to Jo Testchild about Amelia Testchild"
        ).click()
    text = _pdf_text(download.value.path())
    assert "What the child protection conference decided about Amelia Testchild" in text
    assert "neglect" in text
    assert review_by.strftime("%-d %B %Y") in text
    page.get_by_role(
        "link", name="Print view of the letter to Jo Testchild about Amelia Testchild"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amelia Testchild")
    expect(page.locator("body")).to_contain_text("neglect")
    axe_clean(page, "letter print view")

    # The review: Amelia's plan continues, Ben's ends.
    page.goto(f"/children/{child.pk}/conferences/")
    axe_clean(page, "child's conferences, chair")
    page.get_by_role("button", name="Schedule a conference").click()
    page.get_by_label("Review conference").check()
    page.get_by_label("Ben Testchild").check()
    _fill_date(page, "Date of the conference", TODAY)
    page.get_by_label("Time of the conference").fill("14:00")
    page.get_by_role("button", name="Schedule the conference").click()
    expect(page.get_by_text("The review conference is scheduled.")).to_be_visible()
    page.get_by_role("button", name="Record the outcome").click()
    _decide(page, "Amelia Testchild", "Continue the plan")
    page.get_by_label("Latest category of abuse for Amelia Testchild").select_option("NEG")
    _decide(page, "Ben Testchild", "Discontinue the plan")
    page.get_by_role("group", name="What support follows for Ben Testchild?").get_by_label(
        "Child in need plan"
    ).check()
    page.get_by_label("The reasons for the decision").fill(
        "Ben is no longer at risk of significant harm."
    )
    page.get_by_role("group", name="Will the parents be told of the decision?").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("Lead social worker").select_option(str(social_worker.pk))
    axe_clean(page, "record the review's outcome")
    page.get_by_role("button", name="Save the outcome").click()
    expect(page.locator("main")).to_contain_text("The plan ends.")
    page.get_by_role("button", name="Finalise the conference").click()
    expect(page.get_by_text("The conference is finalised.")).to_be_visible()
    page.get_by_role("link", name="Letters").click()
    ended = page.get_by_role("row").filter(has_text="The plan has ended")
    expect(ended.first).to_contain_text("Jo Testchild")
    expect(ended.first).to_contain_text("Ben Testchild")
    axe_clean(page, "review letters")
    review = Conference.objects.get(kind="review")
    assert Letter.objects.filter(conference=review, child=sibling, kind="discontinuation").exists()
    assert Plan.objects.get(child=sibling).status == "ended"
    assert Plan.objects.get(child=sibling).step_down == "child_in_need"
    with page.expect_download() as download:
        page.get_by_role(
            "link", name="Download the PDF of the letter to Jo Testchild about Ben Testchild"
        ).click()
    text = _pdf_text(download.value.path())
    assert "continues under a child in need plan" in " ".join(text.split())
    assert Plan.objects.get(child=child).status == "active"


def test_letters_sent_a_disagreement_reviewed_and_a_looked_after_event(
    page_for,
    axe_clean,
    child,
    authority,
    social_worker,
    chair,
    core_group_member,
    unit_manager,
    senior_officer,
):
    from conferences import services
    from conferences.models import Complaint, Letter, LookedAfterEvent
    from conferences.services import AttendeeInput, DecisionInput, OutcomeInput, ParentInput
    from cpcase.roles import Role
    from plans.services import CoreGroupInput, IssueInput
    from tests.factories import UserFactory

    attended = UserFactory(
        username="senior.attended",
        first_name="Morgan",
        last_name="Attended",
        authority=authority,
        roles=[Role.SENIOR_OFFICER],
    )
    conference = services.conference_schedule(
        actor=chair,
        kind="initial",
        child_ids=[child.pk],
        scheduled_for=at(last_working_day(TODAY - dt.timedelta(days=3))),
        chair=chair,
    )
    services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=OutcomeInput(
            held_on=last_working_day(TODAY - dt.timedelta(days=3)),
            decisions=[DecisionInput(child_id=child.pk, decision="plan", category="EMO")],
            attendees=[AttendeeInput(name=attended.name, user=attended, agency="Children's")],
            parents=[ParentInput(name="Jo Testchild", relationship="Mother", attended=True)],
            outline_plan=[
                IssueInput(
                    description="Shouting at home",
                    risk_type="HRI",
                    desired_outcome="A calm home",
                    improvement_required="Significant",
                )
            ],
            lead_social_worker=social_worker,
            core_group=[CoreGroupInput(kind="professional", user=core_group_member)],
            quorate=True,
            parents_informed=True,
        ),
    )
    services.conference_finalise(actor=chair, conference_id=conference.pk)
    type(child).objects.filter(pk=child.pk).update(looked_after=True, looked_after_since=TODAY)

    # The chair's list, with a finalised conference; a letter recorded as sent.
    page = page_for()
    sign_in(page, "chair", TEST_PASSWORD)
    page.goto("/conferences/")
    expect(page.get_by_role("link", name="Initial child protection conference")).to_be_visible()
    axe_clean(page, "conferences list")
    page.goto(f"/conferences/{conference.pk}/letters/")
    page.get_by_role("link", name="Record sending the letter to Jo Testchild").click()
    axe_clean(page, "letter sent")
    _fill_date(page, "When was the letter sent?", TODAY + dt.timedelta(days=2))
    page.get_by_label("Post").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("cannot be sent in the future")
    axe_clean(page, "letter sent, with an error")
    _fill_date(page, "When was the letter sent?", timezone.localdate())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The letter to Jo Testchild is recorded as sent.")).to_be_visible()
    assert Letter.objects.get(recipient="Jo Testchild").sent_by == "post"

    # The social worker records the mother's disagreement.
    worker = page_for()
    sign_in(worker, "sw.allocated", TEST_PASSWORD)
    worker.goto(f"/conferences/{conference.pk}/")
    axe_clean(worker, "conference page, social worker")
    worker.get_by_role("link", name="Record a disagreement with a decision").click()
    axe_clean(worker, "record a disagreement")
    worker.get_by_label("Who disagrees?").fill("Jo Testchild")
    worker.get_by_role("button", name="Record the disagreement").click()
    expect(worker.locator(".govuk-error-summary")).to_contain_text("Say what they disagree with.")
    assert worker.get_by_label("Who disagrees?").input_value() == "Jo Testchild"
    axe_clean(worker, "record a disagreement, with an error")
    worker.get_by_label("What do they disagree with, and why?").fill(
        "There was no shouting: the neighbours are wrong."
    )
    worker.get_by_role("button", name="Record the disagreement").click()
    expect(worker.get_by_text("The disagreement from Jo Testchild is recorded.")).to_be_visible()
    axe_clean(worker, "complaint page")
    complaint = Complaint.objects.get()

    # The unit manager assigns a senior officer who was not at the meeting.
    manager = page_for()
    sign_in(manager, "sum", TEST_PASSWORD)
    manager.goto(f"/complaints/{complaint.pk}/")
    manager.get_by_label("Reviewing senior officer").select_option(str(attended.pk))
    manager.get_by_role("button", name="Assign the reviewer").click()
    expect(manager.locator(".govuk-error-summary")).to_contain_text("took part in the conference")
    axe_clean(manager, "assign a reviewer, with an error")
    manager.get_by_label("Reviewing senior officer").select_option(str(senior_officer.pk))
    manager.get_by_role("button", name="Assign the reviewer").click()
    expect(manager.get_by_text("will review the complaint")).to_be_visible()

    # The senior officer decides, and the letter says why.
    senior = page_for()
    sign_in(senior, "senior", TEST_PASSWORD)
    senior.goto(f"/complaints/{complaint.pk}/")
    axe_clean(senior, "decide a complaint")
    senior.get_by_label("Not upheld").check()
    senior.get_by_label("The reasons").fill("Three visits saw and heard the shouting.")
    senior.get_by_role("button", name="Record the decision and produce the letter").click()
    expect(senior.get_by_text("The decision is recorded and the letter produced.")).to_be_visible()
    with senior.expect_download() as download:
        senior.get_by_role("link", name="Download the outcome letter (PDF)").click()
    text = _pdf_text(download.value.path())
    assert "I do not agree with your complaint" in text and "Three visits saw" in text

    # A looked after event from the child's page tells the chair.
    worker.goto(f"/children/{child.pk}/conferences/")
    worker.get_by_role("link", name="Record a looked after event that needs a review").click()
    axe_clean(worker, "looked after event")
    worker.get_by_label("Removed from accommodation by the parents").check()
    _fill_date(worker, "When did it happen?", TODAY)
    worker.get_by_role("button", name="Record the event").click()
    expect(worker.get_by_text("the chair has been told")).to_be_visible()
    assert LookedAfterEvent.objects.get().child_id == child.pk

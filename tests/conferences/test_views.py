"""Conference pages in the browser (Django client): each page for the right persona, the
wrong persona refused, bad input shown as errors with nothing saved and nothing typed lost."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from conferences import services
from conferences.models import (
    Complaint,
    Conference,
    ConferenceChild,
    Letter,
    LookedAfterEvent,
    StrategyDiscussion,
)
from conferences.services import AttendeeInput, DecisionInput, OutcomeInput, ParentInput
from cpcase.models import AuditEvent, Notification, Relationship
from cpcase.roles import Role
from plans.models import Plan
from plans.services import CoreGroupInput, IssueInput
from tests.factories import AddressFactory, ChildFactory, PersonFactory, UserFactory
from tests.support.working_days import at, last_working_day, next_working_day

pytestmark = pytest.mark.django_db
TODAY = last_working_day()  # conferences meet on working days
HOST = {"HTTP_HOST": "localhost"}


@pytest.fixture
def web():
    """A browser signed in as ``user``: each its own client, so personas never mix."""

    def as_(user):
        client = Client()
        client.force_login(user)
        return client

    return as_


@pytest.fixture
def sibling(child, authority, team):
    """Amelia's brother, at the same address (typed differently)."""
    return ChildFactory(
        first_name="Ben",
        last_name="Testchild",
        date_of_birth=dt.date(2020, 2, 3),
        responsible_authority=authority,
        team=team,
        address=AddressFactory(line1="12 imaginary road", postcode="ZZ1 1ZZ"),
    )


@pytest.fixture
def mother(child, sibling, authority):
    person = PersonFactory(first_name="Jo", last_name="Testchild", authority=authority)
    for c in (child, sibling):
        Relationship.objects.create(
            child=c, person=person, kind="mother", parental_responsibility=True
        )
    return person


def _date(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


def _schedule(chair, children, kind="initial"):
    return services.conference_schedule(
        actor=chair,
        kind=kind,
        child_ids=[c.pk for c in children],
        scheduled_for=at(TODAY),
        chair=chair,
        venue="Testford Civic Centre",
    )


def _outcome_post(children, social_worker, core_group_member, decisions=None, **overrides):
    """The outcome form as the browser posts it: two children, an HRI and a URF issue."""
    decisions = decisions or [("plan", "NEG")] * len(children)
    data = {
        **_date("held_on", TODAY),
        "quorate": "yes",
        "reasons": "Both children have often been hungry and alone at home.",
        "unmet_needs": "Speech and language assessment for Ben",
        "decision-TOTAL_FORMS": str(len(children)),
        "decision-INITIAL_FORMS": str(len(children)),
        "attendee-TOTAL_FORMS": "2",
        "attendee-INITIAL_FORMS": "0",
        "attendee-0-name": "Dr Pat Example",
        "attendee-0-agency": "Testford NHS Trust",
        "attendee-0-role": "GP",
        "attendee-0-attendance": "attended",
        "attendee-0-report_submitted": "on",
        "attendee-1-attendance": "attended",
        "parent-TOTAL_FORMS": "1",
        "parent-INITIAL_FORMS": "0",
        "parent-0-name": "Jo Testchild",
        "parent-0-relationship": "Mother",
        "parent-0-invited": "on",
        "parent-0-attended": "on",
        "parent-0-core_group": "on",
        "childs_views": "Amelia said she wants more food at home.",
        "views_given": "directly",
        "parents_informed": "yes",
        "child_informed": "yes",
        "issue-TOTAL_FORMS": "3",
        "issue-INITIAL_FORMS": "0",
        "issue-0-description": "No food in the house on three visits",
        "issue-0-risk_type": "HRI",
        "issue-0-desired_outcome": "Three meals a day",
        "issue-0-improvement_required": "Significant and sustained",
        "issue-1-description": "Mother's low mood",
        "issue-1-risk_type": "URF",
        "issue-1-desired_outcome": "Mother is supported by her GP",
        "issue-1-improvement_required": "Some",
        "lead_social_worker": str(social_worker.pk),
        "core_group_professionals": [str(core_group_member.pk)],
        **_date("next_review_on", TODAY + dt.timedelta(days=84)),
        "save": "1",
    }
    for i, (_child, (decision, category)) in enumerate(zip(children, decisions, strict=True)):
        data[f"decision-{i}-decision"] = decision
        data[f"decision-{i}-category"] = category
        data[f"decision-{i}-latest_category"] = category
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _summary(response) -> str:
    html = response.content.decode()
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert match, "no error summary on the page"
    return re.sub(r"<[^>]+>", " ", match.group(0))


def _finalised(chair, children, social_worker, core_group_member, capture):
    conference = _schedule(chair, children)
    services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=OutcomeInput(
            held_on=TODAY,
            decisions=[
                DecisionInput(child_id=c.pk, decision="plan", category="NEG") for c in children
            ],
            attendees=[AttendeeInput(name="Dr Pat Example", agency="Testford NHS Trust")],
            parents=[ParentInput(name="Jo Testchild", relationship="Mother", attended=True)],
            outline_plan=[
                IssueInput(
                    description="No food in the house",
                    risk_type="HRI",
                    desired_outcome="Three meals a day",
                    improvement_required="Significant",
                )
            ],
            lead_social_worker=social_worker,
            core_group=[CoreGroupInput(kind="professional", user=core_group_member)],
            next_review_on=TODAY + dt.timedelta(days=84),
            quorate=True,
            parents_informed=True,
            child_informed=True,
        ),
    )
    with capture(execute=True):
        services.conference_finalise(actor=chair, conference_id=conference.pk)
    return conference


# --- Strategy discussion ---------------------------------------------------------------


def test_a_strategy_discussion_from_the_childs_page(
    web, child, social_worker, chair, other_team_worker, police_enquirer
):
    client = web(social_worker)
    page = client.get(f"/children/{child.pk}/", **HOST).content.decode()
    assert f"/children/{child.pk}/strategy-discussions/new/" in page
    url = f"/children/{child.pk}/strategy-discussions/new/"
    assert client.get(url, **HOST).status_code == 200
    r = client.post(
        url,
        {
            **_date("held_on", TODAY + dt.timedelta(days=2)),
            "outcome": "s47_enquiry",
            "notes": "Bruise",
        },
        **HOST,
    )
    assert r.status_code == 200
    assert "cannot be recorded in the future" in _summary(r)
    assert "Bruise" in r.content.decode()  # what was typed is kept
    assert not StrategyDiscussion.objects.exists()
    r = client.post(url, {**_date("held_on", TODAY), "outcome": "s47_enquiry"}, **HOST)
    assert r.status_code == 302 and r["Location"] == f"/children/{child.pk}/conferences/"
    assert StrategyDiscussion.objects.get().child == child
    assert "Start a child protection enquiry" in client.get(r["Location"], **HOST).content.decode()
    # A chair sees the child but does not record the discussion; the link is not offered.
    chair_page = web(chair).get(f"/children/{child.pk}/", **HOST).content.decode()
    assert "strategy-discussions/new/" not in chair_page
    assert web(chair).get(url, **HOST).status_code == 403
    assert web(other_team_worker).get(url, **HOST).status_code == 404
    assert (
        web(other_team_worker).get(f"/children/{child.pk}/conferences/", **HOST).status_code == 404
    )
    assert web(police_enquirer).get(url, **HOST).status_code == 404


# --- Scheduling ------------------------------------------------------------------------


def test_scheduling_a_sibling_group(web, child, sibling, mother, chair, social_worker):
    other = ChildFactory(first_name="Zed", responsible_authority=child.responsible_authority)
    client = web(chair)
    url = f"/children/{child.pk}/conferences/new/"
    page = client.get(url, **HOST)
    assert page.status_code == 200
    choices = dict(page.context["form"].fields["children"].choices)
    assert choices == {str(child.pk): "Amelia Testchild", str(sibling.pk): "Ben Testchild"}
    assert str(other.pk) not in choices
    html = page.content.decode()
    assert f'name="children" type="checkbox" value="{sibling.pk}"' in html  # not radios
    when = next_working_day(TODAY + dt.timedelta(days=7))
    post = {
        "kind": "review",
        "children": [str(child.pk), str(sibling.pk)],
        **_date("scheduled_on", when),
        "scheduled_time": "10:30",
        "chair": str(chair.pk),
        "venue": "Testford Civic Centre, Room 4",
    }
    r = client.post(url, post, **HOST)
    assert r.status_code == 200
    summary = _summary(r)
    assert "Amelia Testchild has no active plan to review" in summary
    assert "Ben Testchild has no active plan to review" in summary
    assert "Testford Civic Centre, Room 4" in r.content.decode()
    assert not Conference.objects.exists()
    r = client.post(url, {**post, "kind": "pre_birth"}, **HOST)
    assert "is born: a pre-birth conference is for an unborn baby" in _summary(r)
    r = client.post(url, {**post, "scheduled_time": "25:99"}, **HOST)
    assert "Enter the time like 10:00." in _summary(r)
    assert not Conference.objects.exists()
    r = client.post(url, {**post, "kind": "initial"}, **HOST)
    assert r.status_code == 302
    conference = Conference.objects.get()
    assert r["Location"] == f"/conferences/{conference.pk}/"
    assert {s.child_id for s in conference.subjects.all()} == {child.pk, sibling.pk}
    assert timezone.localtime(conference.scheduled_for).strftime("%H:%M") == "10:30"
    detail = client.get(r["Location"], **HOST).content.decode()
    assert "Ben Testchild" in detail and "Record the outcome" in detail


def test_scheduling_invites_professionals_who_are_told(
    web, child, chair, social_worker, core_group_member, police_enquirer
):
    client = web(chair)
    url = f"/children/{child.pk}/conferences/new/"
    page = client.get(url, **HOST)
    staff = dict(page.context["form"].fields["invite_staff"].choices)
    assert str(core_group_member.pk) in staff and str(social_worker.pk) in staff
    assert str(police_enquirer.pk) not in staff  # enquirers have no part in case work
    post = {
        "kind": "initial",
        "children": [str(child.pk)],
        **_date("scheduled_on", next_working_day(TODAY + dt.timedelta(days=5))),
        "scheduled_time": "14:00",
        "chair": str(chair.pk),
        "venue": "Testford Civic Centre, Room 2",
        "invite_staff": [str(core_group_member.pk), str(social_worker.pk)],
        "invitation-TOTAL_FORMS": "3",
        "invitation-INITIAL_FORMS": "0",
        "invitation-0-name": "Dr Pat Example",
        "invitation-0-agency": "",
        "invitation-0-role": "GP",
    }
    r = client.post(url, post, **HOST)
    assert r.status_code == 200
    assert "Enter the agency of Dr Pat Example." in _summary(r)
    assert "Dr Pat Example" in r.content.decode()  # what was typed is kept
    assert not Conference.objects.exists()
    assert not Notification.objects.exists()
    # "Add another professional" gives a fourth row and saves nothing.
    r = client.post(url, {**post, "add": "invitation"}, **HOST)
    assert len(r.context["others"].forms) == 4 and not Conference.objects.exists()
    r = client.post(url, {**post, "invitation-0-agency": "Testford Health Centre"}, **HOST)
    assert r.status_code == 302
    conference = Conference.objects.get()
    invited = {a.name: a for a in conference.attendees.all()}
    assert set(invited) == {"Dr Pat Example", core_group_member.name, social_worker.name}
    assert {a.attendance for a in invited.values()} == {"invited"}
    assert invited["Dr Pat Example"].agency == "Testford Health Centre"
    told = Notification.objects.filter(kind="conference_invitation")
    assert {n.recipient_id for n in told} == {core_group_member.pk, social_worker.pk}
    assert "Testford Civic Centre, Room 2" in told.first().body
    # The outcome page starts from the invitations, for the chair to mark who came.
    outcome = client.get(f"/conferences/{conference.pk}/outcome/", **HOST)
    names = [f.initial.get("name") for f in outcome.context["page"].attendees.forms]
    assert "Dr Pat Example" in names and core_group_member.name in names


def test_scheduling_is_refused_to_the_wrong_people(
    web, child, social_worker, other_team_worker, police_enquirer
):
    url = f"/children/{child.pk}/conferences/new/"
    assert web(social_worker).get(url, **HOST).status_code == 403
    assert web(other_team_worker).get(url, **HOST).status_code == 404
    assert web(police_enquirer).get(url, **HOST).status_code == 404


# --- The list ---------------------------------------------------------------------------


def test_the_chairs_conferences_list(
    web, child, sibling, chair, authority, police_enquirer, django_assert_max_num_queries
):
    other_chair = UserFactory(authority=authority, roles=[Role.CONFERENCE_CHAIR])
    for _ in range(3):
        _schedule(chair, [child, sibling])
    _schedule(other_chair, [sibling])
    client = web(chair)
    with django_assert_max_num_queries(16):
        r = client.get("/conferences/", **HOST)
    assert r.status_code == 200
    assert len(r.context["mine"]) == 3 and len(r.context["others"]) == 1
    html = r.content.decode()
    assert 'href="/conferences/"' in html  # in the navigation for the chair
    assert "Amelia Testchild, Ben Testchild" in html
    assert web(police_enquirer).get("/conferences/", **HOST).status_code == 403


# --- The outcome -----------------------------------------------------------------------


def test_recording_the_outcome_refuses_bad_input_and_keeps_what_was_typed(
    web, child, sibling, mother, chair, social_worker, core_group_member
):
    conference = _schedule(chair, [child, sibling])
    client = web(chair)
    url = f"/conferences/{conference.pk}/outcome/"
    page = client.get(url, **HOST)
    assert page.status_code == 200
    # The family is offered from the children's records.
    assert 'value="Jo Testchild"' in page.content.decode()

    def unchanged():
        conference.refresh_from_db()
        assert conference.status == "scheduled" and conference.held_on is None
        assert not ConferenceChild.objects.exclude(decision="").exists()
        assert not conference.attendees.exists() and not conference.parents.exists()

    # A plan without a category.
    r = client.post(
        url,
        _outcome_post(
            [child, sibling],
            social_worker,
            core_group_member,
            decisions=[("plan", "NEG"), ("plan", "")],
        ),
        **HOST,
    )
    assert r.status_code == 200
    assert "Record the category of abuse" in _summary(r)
    assert 'href="#id_decision-1-category"' in r.content.decode()
    assert "Both children have often been hungry" in r.content.decode()
    assert "Mother&#x27;s low mood" in r.content.decode()
    unchanged()
    # An exclusion without a reason.
    r = client.post(
        url,
        _outcome_post(
            [child, sibling],
            social_worker,
            core_group_member,
            **{"parent-0-excluded": "on", "parent-0-attended": None},
        ),
        **HOST,
    )
    assert "excluded by the chair for a recorded reason" in _summary(r)
    assert 'href="#id_parent-0-exclusion_reason"' in r.content.decode()
    unchanged()
    # The next review before the conference.
    r = client.post(
        url,
        _outcome_post(
            [child, sibling],
            social_worker,
            core_group_member,
            **_date("next_review_on", TODAY - dt.timedelta(days=1)),
        ),
        **HOST,
    )
    assert "The next review must be after the conference." in _summary(r)
    unchanged()
    # No outline plan at all.
    r = client.post(
        url,
        _outcome_post(
            [child, sibling],
            social_worker,
            core_group_member,
            **{
                f"issue-{i}-{f}": ""
                for i in (0, 1)
                for f in ("description", "risk_type", "desired_outcome", "improvement_required")
            },
        ),
        **HOST,
    )
    assert "Record the outline plan" in _summary(r)
    unchanged()
    # No date.
    r = client.post(
        url,
        _outcome_post(
            [child, sibling],
            social_worker,
            core_group_member,
            held_on_0="",
            held_on_1="",
            held_on_2="",
        ),
        **HOST,
    )
    assert "Enter the date the conference was held." in _summary(r)
    unchanged()
    # Adding a row re-renders the form with one more and saves nothing.
    r = client.post(
        url,
        {**_outcome_post([child, sibling], social_worker, core_group_member), "add": "issue"},
        **HOST,
    )
    assert len(r.context["page"].issues.forms) == 4
    assert "No food in the house on three visits" in r.content.decode()
    unchanged()

    r = client.post(url, _outcome_post([child, sibling], social_worker, core_group_member), **HOST)
    assert r.status_code == 302 and r["Location"] == f"/conferences/{conference.pk}/finalise/"
    conference.refresh_from_db()
    assert conference.status == "held" and conference.held_on == TODAY
    subject = conference.subjects.get(child=sibling)
    assert (subject.decision, subject.category) == ("plan", "NEG")
    assert [i["risk_type"] for i in subject.outline_plan] == ["HRI", "URF"]
    assert {m["name"] for m in subject.core_group} == {core_group_member.name, "Jo Testchild"}
    assert subject.lead_social_worker == social_worker
    attendee = conference.attendees.get()
    assert (attendee.name, attendee.report_submitted) == ("Dr Pat Example", True)
    # Correcting it starts from what was recorded.
    again = client.get(url, **HOST).content.decode()
    assert "Mother&#x27;s low mood" in again and "Dr Pat Example" in again


def test_only_the_chair_records_the_outcome(
    web, child, chair, social_worker, other_team_worker, police_enquirer, authority
):
    conference = _schedule(chair, [child])
    url = f"/conferences/{conference.pk}/outcome/"
    assert web(social_worker).get(url, **HOST).status_code == 403
    other_chair = UserFactory(authority=authority, roles=[Role.CONFERENCE_CHAIR])
    assert web(other_chair).post(url, {"save": "1"}, **HOST).status_code == 403
    assert web(other_team_worker).get(url, **HOST).status_code == 404
    assert web(police_enquirer).get(f"/conferences/{conference.pk}/", **HOST).status_code == 404
    assert web(other_team_worker).get(f"/conferences/{conference.pk}/", **HOST).status_code == 404


# --- Finalising ------------------------------------------------------------------------


def test_finalising_is_the_chairs_act_once(
    web,
    child,
    sibling,
    mother,
    chair,
    social_worker,
    core_group_member,
    django_capture_on_commit_callbacks,
):
    conference = _schedule(chair, [child, sibling])
    client = web(chair)
    r = client.post(
        f"/conferences/{conference.pk}/outcome/",
        _outcome_post([child, sibling], social_worker, core_group_member),
        **HOST,
    )
    assert r.status_code == 302
    url = f"/conferences/{conference.pk}/finalise/"
    assert web(social_worker).get(url, **HOST).status_code == 403
    assert web(social_worker).post(url, **HOST).status_code == 403
    page = web(chair).get(url, **HOST).content.decode()
    assert "A child protection plan starts: category neglect" in page
    assert "an outcome letter to Jo Testchild" in page
    assert f"the lead social worker ({social_worker.name})" in page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url, **HOST)
    assert r.status_code == 302
    assert Plan.objects.filter(status="active").count() == 2
    assert Letter.objects.filter(conference=conference).count() == 4  # mother and child, each
    events = AuditEvent.objects.count()
    r = client.post(url, **HOST)
    assert r.status_code == 200
    assert "This conference is already finalised." in _summary(r)
    assert Plan.objects.count() == 2 and AuditEvent.objects.count() == events
    # Read only in the browser: no outcome form, and a post changes nothing.
    detail = client.get(f"/conferences/{conference.pk}/", **HOST).content.decode()
    assert "read only" in detail and "Record the outcome" not in detail
    assert client.get(f"/conferences/{conference.pk}/outcome/", **HOST).status_code == 302
    client.post(
        f"/conferences/{conference.pk}/outcome/",
        _outcome_post([child, sibling], social_worker, core_group_member, reasons="Changed"),
        **HOST,
    )
    assert not ConferenceChild.objects.filter(decision_reasons="Changed").exists()


# --- Letters -----------------------------------------------------------------------------


def test_letters_download_print_and_sent(
    web,
    child,
    chair,
    social_worker,
    core_group_member,
    other_team_worker,
    django_capture_on_commit_callbacks,
):
    conference = _finalised(
        chair, [child], social_worker, core_group_member, django_capture_on_commit_callbacks
    )
    letter = Letter.objects.get(conference=conference, kind="outcome_parent")
    client = web(social_worker)
    page = client.get(f"/conferences/{conference.pk}/letters/", **HOST).content.decode()
    assert f"/letters/{letter.pk}/pdf/" in page and f"/letters/{letter.pk}/print/" in page
    r = client.get(f"/letters/{letter.pk}/pdf/", **HOST)
    assert r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    r = client.get(f"/letters/{letter.pk}/print/", **HOST)
    html = r.content.decode()
    assert "Amelia Testchild" in html and "neglect" in html and "Dear Jo Testchild" in html
    assert AuditEvent.objects.filter(
        action="letter", actor=social_worker, summary__startswith="Opened for printing"
    ).exists()
    # Recording the sending: not in the future, and the form keeps what was typed.
    url = f"/letters/{letter.pk}/sent/"
    r = client.post(
        url, {**_date("sent_on", TODAY + dt.timedelta(days=3)), "sent_by": "post"}, **HOST
    )
    assert "A letter cannot be sent in the future." in _summary(r)
    letter.refresh_from_db()
    assert letter.sent_on is None
    r = client.post(url, {**_date("sent_on", timezone.localdate()), "sent_by": "post"}, **HOST)
    assert r.status_code == 302
    letter.refresh_from_db()
    assert (letter.sent_on, letter.sent_by) == (timezone.localdate(), "post")
    for path in ("pdf", "print", "sent"):
        assert (
            web(other_team_worker).get(f"/letters/{letter.pk}/{path}/", **HOST).status_code == 404
        )


def test_a_tampered_letter_is_a_clear_error(
    web, child, chair, social_worker, core_group_member, django_capture_on_commit_callbacks
):
    conference = _finalised(
        chair, [child], social_worker, core_group_member, django_capture_on_commit_callbacks
    )
    letter = Letter.objects.filter(conference=conference).first()
    Letter.objects.filter(pk=letter.pk).update(sha256="0" * 64)
    r = web(chair).get(f"/letters/{letter.pk}/pdf/", **HOST)
    assert r.status_code == 409 and "does not match its checksum" in r.content.decode()


# --- Complaints ----------------------------------------------------------------------------


def test_a_disagreement_reviewed_by_a_senior_officer_not_at_the_meeting(
    web,
    child,
    chair,
    social_worker,
    core_group_member,
    unit_manager,
    senior_officer,
    authority,
    django_capture_on_commit_callbacks,
):
    conference = _finalised(
        chair, [child], social_worker, core_group_member, django_capture_on_commit_callbacks
    )
    attended = UserFactory(
        first_name="Morgan", last_name="Attended", authority=authority, roles=[Role.SENIOR_OFFICER]
    )
    conference.attendees.create(user=attended, name=attended.name, agency="Children's services")
    client = web(social_worker)
    url = f"/conferences/{conference.pk}/complaints/new/"
    r = client.post(
        url,
        {"child": str(child.pk), "complainant": "Jo Testchild", **_date("received_on", TODAY)},
        **HOST,
    )
    assert "Say what they disagree with." in _summary(r)
    assert not Complaint.objects.exists()
    r = client.post(
        url,
        {
            "child": str(child.pk),
            "complainant": "Jo Testchild",
            **_date("received_on", TODAY),
            "summary": "The category is wrong.",
        },
        **HOST,
    )
    assert r.status_code == 302
    complaint = Complaint.objects.get()
    detail = f"/complaints/{complaint.pk}/"
    assert r["Location"] == detail
    # The unit manager assigns the reviewer; one who attended is refused.
    manager = web(unit_manager)
    r = manager.post(detail, {"action": "assign", "reviewing_officer": str(attended.pk)}, **HOST)
    assert "took part in the conference" in _summary(r)
    complaint.refresh_from_db()
    assert complaint.reviewing_officer is None and complaint.status == "received"
    assert (
        web(social_worker)
        .post(detail, {"action": "assign", "reviewing_officer": str(senior_officer.pk)}, **HOST)
        .status_code
        == 403
    )
    r = manager.post(
        detail, {"action": "assign", "reviewing_officer": str(senior_officer.pk)}, **HOST
    )
    assert r.status_code == 302
    complaint.refresh_from_db()
    assert complaint.reviewing_officer == senior_officer
    # The senior officer decides; a decision before the complaint was received is refused.
    senior = web(senior_officer)
    assert "Your decision" in senior.get(detail, **HOST).content.decode()
    r = senior.post(
        detail,
        {
            "action": "decide",
            "outcome": "not_upheld",
            "reasons": "Neglect was evidenced by three visits.",
            **_date("decided_on", TODAY - dt.timedelta(days=3)),
        },
        **HOST,
    )
    assert "between receiving the complaint and today" in _summary(r)
    assert "Neglect was evidenced by three visits." in r.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == "under_review" and not complaint.letter_sha256
    r = senior.post(
        detail,
        {
            "action": "decide",
            "outcome": "not_upheld",
            "reasons": "Neglect was evidenced by three visits.",
            **_date("decided_on", TODAY),
        },
        **HOST,
    )
    assert r.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "not_upheld" and complaint.letter_sha256
    r = senior.get(f"/complaints/{complaint.pk}/letter/", **HOST)
    assert r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert web(unit_manager).post(detail, {"action": "decide"}, **HOST).status_code == 403


# --- Looked after events ------------------------------------------------------------------


def test_a_looked_after_event_from_the_childs_page(
    web, child, social_worker, chair, other_team_worker
):
    from tests.factories import PlanFactory

    type(child).objects.filter(pk=child.pk).update(looked_after=True, looked_after_since=TODAY)
    url = f"/children/{child.pk}/looked-after-events/new/"
    client = web(social_worker)
    assert url in client.get(f"/children/{child.pk}/conferences/", **HOST).content.decode()
    post = {"kind": "removed_by_parents", **_date("occurred_on", TODAY), "notes": "Taken home"}
    r = client.post(url, post, **HOST)
    assert "has no active plan" in _summary(r)
    assert "Taken home" in r.content.decode()
    assert not LookedAfterEvent.objects.exists()
    PlanFactory(child=child, started_on=TODAY - dt.timedelta(days=30), status="active")
    assert client.post(url, post, **HOST).status_code == 302
    assert LookedAfterEvent.objects.get().kind == "removed_by_parents"
    assert web(other_team_worker).get(url, **HOST).status_code == 404


def test_a_plan_cannot_end_on_the_day_it_started(
    web, child, chair, social_worker, core_group_member, django_capture_on_commit_callbacks
):
    _finalised(chair, [child], social_worker, core_group_member, django_capture_on_commit_callbacks)
    review = _schedule(chair, [child], kind="review")
    services.conference_record_outcome(
        actor=chair,
        conference_id=review.pk,
        data=OutcomeInput(
            held_on=TODAY,
            decisions=[DecisionInput(child_id=child.pk, decision="discontinue")],
            parents_informed=True,
        ),
    )
    client = web(chair)
    events = AuditEvent.objects.count()
    r = client.post(f"/conferences/{review.pk}/finalise/", **HOST)
    assert r.status_code == 200
    assert "A plan cannot start and end on the same day." in _summary(r)
    review.refresh_from_db()
    assert review.status == "held"
    assert Plan.objects.get(child=child).status == "active"
    assert AuditEvent.objects.count() == events


def test_a_complaint_letter_is_read_only_when_it_is_intact(
    web,
    child,
    chair,
    social_worker,
    core_group_member,
    unit_manager,
    senior_officer,
    django_capture_on_commit_callbacks,
):
    conference = _finalised(
        chair, [child], social_worker, core_group_member, django_capture_on_commit_callbacks
    )
    complaint = services.complaint_record(
        actor=social_worker,
        conference_id=conference.pk,
        child_id=child.pk,
        complainant="Jo Testchild",
        complainant_is_child=False,
        received_on=TODAY,
        summary="The category is wrong.",
    )
    url = f"/complaints/{complaint.pk}/letter/"
    assert web(unit_manager).get(url, **HOST).status_code == 404  # no letter yet
    services.complaint_assign_reviewer(
        actor=unit_manager, complaint_id=complaint.pk, reviewer=senior_officer
    )
    services.complaint_decide(
        actor=senior_officer,
        complaint_id=complaint.pk,
        outcome="upheld",
        reasons="The category should be emotional abuse.",
        decided_on=TODAY,
    )
    assert web(unit_manager).get(url, **HOST).status_code == 200
    Complaint.objects.filter(pk=complaint.pk).update(letter_sha256="0" * 64)
    r = web(unit_manager).get(url, **HOST)
    assert r.status_code == 409 and "does not match its checksum" in r.content.decode()


def test_a_review_starts_from_the_plan(
    web, child, chair, social_worker, core_group_member, django_capture_on_commit_callbacks
):
    _finalised(chair, [child], social_worker, core_group_member, django_capture_on_commit_callbacks)
    review = _schedule(chair, [child], kind="review")
    r = web(chair).get(f"/conferences/{review.pk}/outcome/", **HOST)
    html = r.content.decode()
    assert "Initial category: neglect; latest: neglect." in html
    assert "Continue the plan" in html and "A child protection plan is needed" not in html
    assert r.context["page"].main["lead_social_worker"].value() == str(social_worker.pk)
    assert r.context["page"].decisions.forms[0]["latest_category"].value() == "NEG"


def test_the_outcome_page_does_not_query_per_member_of_staff(
    web, child, sibling, mother, chair, authority, django_assert_max_num_queries
):
    for _ in range(8):
        UserFactory(authority=authority, roles=[Role.SOCIAL_WORKER])
    conference = _schedule(chair, [child, sibling])
    # a fixed 21: the page, the staff lists in one query each, and the read audit insert
    client = web(chair)
    with django_assert_max_num_queries(21):
        r = client.get(f"/conferences/{conference.pk}/outcome/", **HOST)
    assert r.status_code == 200
    # "Choose", the allocated worker and the eight others
    assert len(r.context["page"].main.fields["lead_social_worker"].choices) == 10

"""Plan pages in the browser: every page for the right persona, the wrong ones refused."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cpcase.errors import DomainError
from cpcase.models import AuditEvent
from plans import services
from plans.models import Plan, PlanAction, PlanVersion
from plans.services import ActionInput, CoreGroupInput, IssueInput

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
H = {"HTTP_HOST": "localhost"}
DETAIL = {
    "cause_of_harm": "Parental alcohol misuse leaves Amelia without care in the evenings.",
    "short_term_goals": "Amelia is fed and supervised every evening.",
    "long_term_goals": "Amelia lives safely at home without the need for a plan.",
    "daily_safety_check": "Testford Primary School checks in with Amelia each morning.",
    "seen_alone_arrangements": "At school, every two weeks, by the lead social worker.",
    "seen_with_family_arrangements": "At home, every two weeks, by the lead social worker.",
    "contingency_plan": "If the plan is not working, a legal planning meeting will be held.",
}


@pytest.fixture
def web(client):
    def as_(user):
        client.logout()
        client.force_login(user)
        return client

    return as_


@pytest.fixture
def plan(chair, child, social_worker, core_group_member):
    return start_plan(chair, child, social_worker, core_group_member)


def start_plan(chair, child, social_worker, core_group_member):
    """An outline plan, as an initial conference's chair starts one."""
    return services.plan_start(
        actor=chair,
        child=child,
        started_on=TODAY - dt.timedelta(days=10),
        category="NEG",
        issues=[
            IssueInput(
                "Amelia is left alone in the evenings",
                "HRI",
                "An adult is always with her",
                "Significant",
            )
        ],
        lead_social_worker=social_worker,
        core_group=[
            CoreGroupInput(
                kind="professional", user=core_group_member, agency="Testford Primary School"
            )
        ],
    )


def _action(plan, actor, **overrides):
    data = {
        "description": "Mother attends the alcohol service weekly",
        "responsible": "Jo Example (mother), with Testford Recovery Service",
        "due_on": TODAY + dt.timedelta(days=42),
        "evidence_of_success": "Attendance confirmed by the service for six weeks",
        "issue_id": plan.issues.get().pk,
    }
    data.update(overrides)
    return services.plan_action_add(
        actor=actor, plan_id=plan.pk, version=None, data=ActionInput(**data)
    )


def detailed(plan, social_worker, core_group_member):
    """The detailed plan written, with one action for the school and one for the mother."""
    plan = services.plan_update_detail(
        actor=social_worker, plan_id=plan.pk, version=plan.version, changes=DETAIL
    )
    _action(plan, social_worker)
    _action(
        plan,
        social_worker,
        description="The school reports attendance to the lead social worker every Friday",
        responsible="",
        responsible_user=core_group_member,
        responsible_agency="Testford Primary School",
        evidence_of_success="Attendance at school is above 95% for six weeks",
    )
    plan.refresh_from_db()
    return plan


def _authorised(plan, social_worker, team_manager, core_group_member):
    plan = detailed(plan, social_worker, core_group_member)
    plan = services.plan_submit(actor=social_worker, plan_id=plan.pk, version=plan.version)
    return services.plan_authorise(actor=team_manager, plan_id=plan.pk, version=plan.version)


def _date(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


# --- The plan ---------------------------------------------------------------------------


def test_the_plan_page_for_the_team(web, plan, social_worker, team_manager, core_group_member):
    detailed(plan, social_worker, core_group_member)
    page = web(social_worker).get(f"/plans/{plan.pk}/", **H)
    assert page.status_code == 200
    body = page.content.decode()
    for words in (
        "Detailed plan (draft)",
        "Amelia is left alone in the evenings",
        "HRI",
        DETAIL["contingency_plan"],
        "Mother attends the alcohol service weekly",
        "govuk-tag--orange",  # not started: amber
        "Testford Primary School",
        "First core group meeting",  # the next deadline
        "Edit the detailed plan",
        "Send the plan for authorisation",
    ):
        assert words in body, words
    assert "Authorise or return the plan" not in body
    assert "End the plan outside a conference" not in body
    assert AuditEvent.objects.filter(
        actor=social_worker, action="view", object_id=str(plan.pk)
    ).exists()
    # From the child's record to the plan.
    child_page = web(social_worker).get(f"/children/{plan.child_id}/", **H).content.decode()
    assert f"/children/{plan.child_id}/plan/" in child_page
    r = web(social_worker).get(f"/children/{plan.child_id}/plan/", **H)
    assert r.status_code == 302 and r["Location"] == f"/plans/{plan.pk}/"


def test_a_core_group_member_sees_the_plan_and_nothing_else(
    web, plan, social_worker, core_group_member
):
    detailed(plan, social_worker, core_group_member)
    client = web(core_group_member)
    home = client.get("/", **H).content.decode()
    assert f"/children/{plan.child_id}/plan/" in home
    page = client.get(f"/plans/{plan.pk}/", **H)
    assert page.status_code == 200
    body = page.content.decode()
    assert DETAIL["contingency_plan"] in body
    assert f'/children/{plan.child_id}/"' not in body  # no way into the case record
    assert "Edit the detailed plan" not in body and "Add an action" not in body
    mine = PlanAction.objects.get(responsible_user=core_group_member)
    other = PlanAction.objects.exclude(pk=mine.pk).get()
    assert f"/plans/{plan.pk}/actions/{mine.pk}/progress/" in body
    assert f"/plans/{plan.pk}/actions/{other.pk}/progress/" not in body
    assert client.get(f"/children/{plan.child_id}/", **H).status_code == 404
    assert client.get(f"/plans/{plan.pk}/edit/", **H).status_code == 403
    assert client.get(f"/plans/{plan.pk}/core-group-meetings/new/", **H).status_code == 403


def test_the_wrong_people_are_refused(
    web, plan, other_team_worker, police_enquirer, system_admin, social_worker, core_group_member
):
    detailed(plan, social_worker, core_group_member)
    action = plan.actions.first()
    urls = [
        f"/plans/{plan.pk}/",
        f"/plans/{plan.pk}/edit/",
        f"/plans/{plan.pk}/actions/new/",
        f"/plans/{plan.pk}/actions/{action.pk}/edit/",
        f"/plans/{plan.pk}/actions/{action.pk}/progress/",
        f"/plans/{plan.pk}/submit/",
        f"/plans/{plan.pk}/authorise/",
        f"/plans/{plan.pk}/versions/",
        f"/plans/{plan.pk}/versions/compare/?older=1&newer=1",
        f"/plans/{plan.pk}/core-group-meetings/new/",
        f"/plans/{plan.pk}/pdf/family/",
        f"/plans/{plan.pk}/pdf/professionals/",
        f"/plans/{plan.pk}/end/",
        f"/plans/{plan.pk}/step-down/",
        f"/children/{plan.child_id}/plan/",
    ]
    for user in (other_team_worker, police_enquirer, system_admin):
        client = web(user)
        for url in urls:
            assert client.get(url, **H).status_code == 404, (user.username, url)
    assert web(police_enquirer).get("/plans/not-a-plan/", **H).status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_plan_page_costs_the_same_queries_however_many_actions(
    web, plan, social_worker, core_group_member
):
    detailed(plan, social_worker, core_group_member)
    client = web(social_worker)
    client.get(f"/plans/{plan.pk}/", **H)  # warm the session and caches
    with CaptureQueriesContext(connection) as two:
        assert client.get(f"/plans/{plan.pk}/", **H).status_code == 200
    for n in range(6):
        _action(plan, social_worker, description=f"Weekly check number {n}")
    with CaptureQueriesContext(connection) as eight:
        page = client.get(f"/plans/{plan.pk}/", **H)
    assert len(page.context["actions"]) == 8
    assert len(eight) == len(two)
    assert len(two) <= 30, [q["sql"] for q in two.captured_queries]


def test_a_second_open_plan_is_refused(plan, chair, child, social_worker):
    with pytest.raises(DomainError) as caught:
        services.plan_start(
            actor=chair,
            child=child,
            started_on=TODAY,
            category="EMO",
            issues=[IssueInput("Another worry", "URF", "Better", "Some")],
            lead_social_worker=social_worker,
            core_group=[],
        )
    assert "already has an active plan" in caught.value.message
    assert Plan.objects.filter(child=child).count() == 1


# --- The detailed plan ------------------------------------------------------------------


def test_the_detailed_plan_is_written_in_the_browser(web, plan, social_worker):
    client = web(social_worker)
    page = client.get(f"/plans/{plan.pk}/edit/", **H)
    assert page.status_code == 200
    r = client.post(
        f"/plans/{plan.pk}/edit/",
        {**DETAIL, "version": page.context["form"]["version"].value()},
        **H,
    )
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.contingency_plan == DETAIL["contingency_plan"]
    assert plan.stage == "detailed_draft"


def test_two_people_save_the_same_version_the_first_wins_the_second_keeps_their_text(
    client, plan, social_worker, team_manager
):
    from django.test import Client

    first, second = Client(), Client()
    first.force_login(social_worker)
    second.force_login(team_manager)
    form_one = first.get(f"/plans/{plan.pk}/edit/", **H).context["form"]
    form_two = second.get(f"/plans/{plan.pk}/edit/", **H).context["form"]
    version = form_one["version"].value()
    assert form_two["version"].value() == version
    theirs = {**DETAIL, "contingency_plan": "First: an emergency strategy discussion."}
    mine = {**DETAIL, "contingency_plan": "Second: a legal planning meeting within a week."}
    assert (
        first.post(f"/plans/{plan.pk}/edit/", {**theirs, "version": version}, **H).status_code
        == 302
    )
    r = second.post(f"/plans/{plan.pk}/edit/", {**mine, "version": version}, **H)
    assert r.status_code == 200
    body = r.content.decode()
    assert "Somebody else changed this plan after you opened it" in body
    assert "Second: a legal planning meeting within a week." in body  # their own text, kept
    assert "First: an emergency strategy discussion." in body  # what is saved now, beside it
    plan.refresh_from_db()
    assert plan.contingency_plan == "First: an emergency strategy discussion."
    # The form now carries the current version: once merged, the second save goes through.
    assert r.context["form"].data["version"] == plan.version
    merged = {**mine, "contingency_plan": "First, then a legal planning meeting within a week."}
    r = second.post(f"/plans/{plan.pk}/edit/", {**merged, "version": plan.version}, **H)
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.contingency_plan == "First, then a legal planning meeting within a week."


def test_editing_an_authorised_plan_makes_a_new_draft_and_keeps_the_authorised_version(
    web, plan, social_worker, team_manager, core_group_member
):
    plan = _authorised(plan, social_worker, team_manager, core_group_member)
    authorised = PlanVersion.objects.get(plan=plan, reason__startswith="Authorised")
    kept = dict(authorised.content)
    client = web(social_worker)
    page = client.get(f"/plans/{plan.pk}/edit/", **H)
    assert "makes a new draft" in page.content.decode()
    r = client.post(
        f"/plans/{plan.pk}/edit/",
        {**DETAIL, "contingency_plan": "Changed after authorisation", "version": plan.version},
        **H,
    )
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.stage == "detailed_draft" and plan.contingency_plan == "Changed after authorisation"
    authorised.refresh_from_db()
    assert authorised.content == kept
    assert authorised.content["contingency_plan"] == DETAIL["contingency_plan"]


def test_a_plan_awaiting_authorisation_cannot_be_edited(
    web, plan, social_worker, core_group_member
):
    plan = detailed(plan, social_worker, core_group_member)
    plan = services.plan_submit(actor=social_worker, plan_id=plan.pk, version=plan.version)
    r = web(social_worker).post(
        f"/plans/{plan.pk}/edit/", {**DETAIL, "cause_of_harm": "x", "version": plan.version}, **H
    )
    assert r.status_code == 200 and "with the team manager" in r.content.decode()
    plan.refresh_from_db()
    assert plan.cause_of_harm == DETAIL["cause_of_harm"]


# --- SMART actions ----------------------------------------------------------------------


def _action_post(plan, **overrides):
    data = {
        "version": plan.version,
        "description": "Mother attends the alcohol service weekly",
        "issue": str(plan.issues.get().pk),
        "responsible": "Jo Example (mother)",
        "responsible_agency": "",
        "responsible_user": "",
        **_date("due_on", TODAY + dt.timedelta(days=30)),
        "evidence_of_success": "Attendance confirmed by the service for six weeks",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "field_words", "kept"),
    [
        (
            {"description": "Mother to see the alcohol service ASAP"},
            "“ASAP” is not a timescale",
            "Mother to see the alcohol service ASAP",
        ),
        (
            {"due_on_0": "", "due_on_1": "ongoing", "due_on_2": ""},
            "“ongoing” is not a timescale",
            "ongoing",
        ),
        ({"responsible": "TBC"}, "“TBC” is not a timescale", "Attendance confirmed"),
        (
            {"due_on_0": "", "due_on_1": "", "due_on_2": ""},
            "Give the date by which this will be done",
            "Mother attends the alcohol service weekly",
        ),
        ({"responsible": ""}, "Name who is responsible", "Mother attends the alcohol"),
        ({"evidence_of_success": ""}, "Say what will show the outcome", "Jo Example (mother)"),
    ],
)
def test_vague_or_missing_parts_of_an_action_are_refused_with_the_text_kept(
    web, plan, social_worker, overrides, field_words, kept
):
    r = web(social_worker).post(
        f"/plans/{plan.pk}/actions/new/", _action_post(plan, **overrides), **H
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert "There is a problem" in body and field_words in body
    assert kept in body
    assert not PlanAction.objects.exists()


def test_an_action_is_added_and_changed(web, plan, social_worker, core_group_member):
    client = web(social_worker)
    page = client.get(f"/plans/{plan.pk}/actions/new/", **H)
    assert "Testford Primary School" in page.content.decode()  # the core group to choose from
    r = client.post(
        f"/plans/{plan.pk}/actions/new/",
        _action_post(
            plan,
            responsible="",
            responsible_user=str(core_group_member.pk),
            responsible_agency="Testford Primary School",
        ),
        **H,
    )
    assert r.status_code == 302
    action = PlanAction.objects.get()
    assert action.responsible_user == core_group_member and action.responsible
    plan.refresh_from_db()
    r = client.post(
        f"/plans/{plan.pk}/actions/{action.pk}/edit/",
        _action_post(plan, description="Mother attends the alcohol service twice a week"),
        **H,
    )
    assert r.status_code == 302
    action.refresh_from_db()
    assert action.description == "Mother attends the alcohol service twice a week"
    # A stale version on a change is a conflict: their text kept, nothing overwritten.
    r = client.post(
        f"/plans/{plan.pk}/actions/{action.pk}/edit/",
        _action_post(plan, description="A stale change"),
        **H,
    )
    assert r.status_code == 200 and "Somebody else changed this plan" in r.content.decode()
    assert "A stale change" in r.content.decode()
    action.refresh_from_db()
    assert action.description == "Mother attends the alcohol service twice a week"


# --- Submit, authorise, return -------------------------------------------------------------


def test_submit_then_the_team_manager_returns_and_authorises(
    web, plan, social_worker, team_manager, other_team_manager, core_group_member
):
    client = web(social_worker)
    r = client.post(f"/plans/{plan.pk}/submit/", {"version": plan.version}, **H)
    assert r.status_code == 200 and "only a detailed draft is sent" in r.content.decode()
    plan = detailed(plan, social_worker, core_group_member)
    assert client.get(f"/plans/{plan.pk}/authorise/", **H).status_code == 403
    r = client.post(f"/plans/{plan.pk}/submit/", {"version": plan.version}, **H)
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.stage == "awaiting_authorisation"
    # A social worker authorising: refused, and no button for them; the plan is read only.
    waiting = client.get(f"/plans/{plan.pk}/", **H).content.decode()
    assert "Authorise or return" not in waiting and "Edit the detailed plan" not in waiting
    assert "with the team manager for authorisation" in waiting
    r = client.post(
        f"/plans/{plan.pk}/authorise/", {"version": plan.version, "decision": "authorise"}, **H
    )
    assert r.status_code == 403
    assert web(other_team_manager).get(f"/plans/{plan.pk}/authorise/", **H).status_code == 404
    manager = web(team_manager)
    assert "Authorise or return" in manager.get(f"/plans/{plan.pk}/", **H).content.decode()
    r = manager.post(
        f"/plans/{plan.pk}/authorise/", {"version": plan.version, "decision": "return"}, **H
    )
    assert r.status_code == 200 and "Say what needs to change." in r.content.decode()
    r = manager.post(
        f"/plans/{plan.pk}/authorise/",
        {"version": plan.version, "decision": "return", "comments": "Name the school's contact."},
        **H,
    )
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.stage == "detailed_draft"
    page = web(social_worker).get(f"/plans/{plan.pk}/", **H).content.decode()
    assert "Name the school&#x27;s contact." in page
    web(social_worker).post(f"/plans/{plan.pk}/submit/", {"version": plan.version}, **H)
    plan.refresh_from_db()
    r = web(team_manager).post(
        f"/plans/{plan.pk}/authorise/", {"version": plan.version, "decision": "authorise"}, **H
    )
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.stage == "authorised" and plan.authorised_by == team_manager


# --- Progress and core group meetings ----------------------------------------------------


def test_a_core_group_member_records_progress_only_on_their_own_action(
    web, plan, social_worker, core_group_member
):
    detailed(plan, social_worker, core_group_member)
    mine = PlanAction.objects.get(responsible_user=core_group_member)
    other = PlanAction.objects.exclude(pk=mine.pk).get()
    client = web(core_group_member)
    assert client.get(f"/plans/{plan.pk}/actions/{mine.pk}/progress/", **H).status_code == 200
    r = client.post(f"/plans/{plan.pk}/actions/{mine.pk}/progress/", {"note": "x"}, **H)
    assert r.status_code == 200 and "Choose how the action is going." in r.content.decode()
    r = client.post(
        f"/plans/{plan.pk}/actions/{mine.pk}/progress/",
        {"status": "on_track", "note": "Attendance 97% this half term"},
        **H,
    )
    assert r.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "on_track"
    assert mine.updates.get().note == "Attendance 97% this half term"
    r = client.post(
        f"/plans/{plan.pk}/actions/{other.pk}/progress/", {"status": "done", "note": "x"}, **H
    )
    assert r.status_code == 403
    other.refresh_from_db()
    assert other.status == "not_started" and not other.updates.exists()


def test_a_core_group_meeting_with_progress_on_each_action(
    web, plan, social_worker, core_group_member
):
    plan = detailed(plan, social_worker, core_group_member)
    actions = list(plan.actions.order_by("due_on", "created_at"))
    client = web(social_worker)
    page = client.get(f"/plans/{plan.pk}/core-group-meetings/new/", **H)
    assert page.status_code == 200
    # Tomorrow as the server sees it (TODAY is the module's import day: a run may cross midnight).
    future = _date("held_on", timezone.localdate() + dt.timedelta(days=1))
    r = client.post(
        f"/plans/{plan.pk}/core-group-meetings/new/",
        {**future, "attendees": "Robin Allocated", f"status_{actions[0].pk}": "at_risk"},
        **H,
    )
    assert r.status_code == 200 and "cannot be recorded in the future" in r.content.decode()
    assert "Robin Allocated" in r.content.decode()
    r = client.post(
        f"/plans/{plan.pk}/core-group-meetings/new/",
        {
            **_date("held_on", TODAY),
            "attendees": "Robin Allocated, lead social worker\nJo Example, mother",
            "notes": "Good progress at school.",
            f"status_{actions[0].pk}": "at_risk",
            f"note_{actions[0].pk}": "Missed two sessions",
        },
        **H,
    )
    assert r.status_code == 302
    meeting = plan.core_group_meetings.get()
    assert meeting.attendees == ["Robin Allocated, lead social worker", "Jo Example, mother"]
    actions[0].refresh_from_db()
    assert actions[0].status == "at_risk" and actions[0].updates.get().meeting == meeting
    assert actions[1].updates.count() == 0
    page = client.get(f"/plans/{plan.pk}/", **H).content.decode()
    assert "At risk" in page and "govuk-tag--orange" in page


# --- Versions ----------------------------------------------------------------------------


def test_the_versions_and_what_changed_between_two(
    web, plan, social_worker, team_manager, core_group_member
):
    plan = _authorised(plan, social_worker, team_manager, core_group_member)
    client = web(core_group_member)  # the core group reads the plan's history too
    page = client.get(f"/plans/{plan.pk}/versions/", **H)
    assert page.status_code == 200
    numbers = [v.number for v in page.context["versions"]]
    assert numbers == [1, 2, 3]
    r = client.get(f"/plans/{plan.pk}/versions/compare/?older=1&newer=3", **H)
    assert r.status_code == 200
    body = r.content.decode()
    assert "Actions added" in body and "Mother attends the alcohol service weekly" in body
    assert DETAIL["contingency_plan"] in body and "Authorised" in body
    assert (
        web(social_worker)
        .get(f"/plans/{plan.pk}/versions/compare/?older=1&newer=9", **H)
        .status_code
        == 404
    )


# --- Endings outside a conference ----------------------------------------------------------


def test_the_unit_manager_ends_a_plan_when_the_child_died(
    web, plan, child, unit_manager, chair, social_worker
):
    child.date_of_death = TODAY - dt.timedelta(days=2)
    child.save()
    for user in (chair, social_worker):
        assert web(user).get(f"/plans/{plan.pk}/end/", **H).status_code == 403
    client = web(unit_manager)
    assert (
        "End the plan outside a conference"
        in client.get(f"/plans/{plan.pk}/", **H).content.decode()
    )
    page = client.get(f"/plans/{plan.pk}/end/", **H)
    assert page.status_code == 200 and "conference" not in [
        v for v, _ in page.context["form"].fields["end_reason"].choices
    ]
    r = client.post(
        f"/plans/{plan.pk}/end/", {"end_reason": "conference", **_date("ended_on", TODAY)}, **H
    )
    assert r.status_code == 200
    r = client.post(
        f"/plans/{plan.pk}/end/",
        {"end_reason": "died", **_date("ended_on", TODAY - dt.timedelta(days=3))},
        **H,
    )
    assert r.status_code == 200 and "before the date of death" in r.content.decode()
    r = client.post(
        f"/plans/{plan.pk}/end/",
        {"end_reason": "died", **_date("ended_on", TODAY - dt.timedelta(days=2))},
        **H,
    )
    assert r.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.end_reason, plan.step_down) == ("ended", "died", "none")


def test_a_move_needs_the_transfer_in_conference(web, plan, unit_manager):
    client = web(unit_manager)
    r = client.post(
        f"/plans/{plan.pk}/end/", {"end_reason": "moved", **_date("ended_on", TODAY)}, **H
    )
    body = r.content.decode()
    assert r.status_code == 200 and "transfer-in conference" in body
    assert "Name the authority the child has moved to." in body
    r = client.post(
        f"/plans/{plan.pk}/end/",
        {
            "end_reason": "moved",
            **_date("ended_on", TODAY),
            **_date("transfer_conference_on", TODAY - dt.timedelta(days=1)),
            "transferred_to": "Southmere City Council",
        },
        **H,
    )
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.transferred_to == "Southmere City Council" and plan.end_reason == "moved"


def test_the_step_down_after_a_conference_discontinued_the_plan(
    web, plan, chair, social_worker, core_group_member
):
    services.plan_end(actor=chair, plan=plan, ended_on=TODAY, reason="conference")
    client = web(social_worker)
    assert (
        "Record the support that follows" in client.get(f"/plans/{plan.pk}/", **H).content.decode()
    )
    r = client.post(f"/plans/{plan.pk}/step-down/", {"step_down": "girfec"}, **H)
    assert r.status_code == 200  # not a choice in England
    r = client.post(f"/plans/{plan.pk}/step-down/", {"step_down": "child_in_need"}, **H)
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.step_down == "child_in_need"
    # An ended plan is no longer the core group member's to read, nor anyone's to change.
    assert web(core_group_member).get(f"/plans/{plan.pk}/", **H).status_code == 404
    assert web(social_worker).get(f"/plans/{plan.pk}/edit/", **H).status_code == 403

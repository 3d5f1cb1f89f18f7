"""My week (issue 14): whose children, which days, what order, where each line leads,
who may open it, what is audited, and a fixed number of queries however much is due."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cpcase import my_week
from cpcase.models import AuditEvent, CalendarDay, Child, Notification, RunningDeadline, User
from cpcase.roles import Role
from cpcase.selectors import my_week_for
from tests.factories import (
    AuthorityFactory,
    ChildFactory,
    PlanFactory,
    TeamFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

# A Wednesday with no bank holiday near: the week runs to Wednesday 9 December.
WEDNESDAY = dt.date(2026, 12, 2)
_keys = itertools.count()


def _child(worker: User, team=None, **kwargs) -> Child:
    team = team if team is not None else worker.team
    return ChildFactory(
        responsible_authority=worker.authority,
        team=team,
        lead_social_worker=worker,
        **kwargs,
    )


def _due(child: Child, kind: str, due_on: dt.date) -> RunningDeadline:
    """A running deadline as the deadline engine stores it (its copy of the child's facts)."""
    return RunningDeadline.objects.create(
        child=child,
        kind=kind,
        key=f"{kind}:test:{next(_keys)}",
        due_on=due_on,
        source="test",
        rules_authority_id=child.responsible_authority_id,
        responsible_authority_id=child.responsible_authority_id,
        resident_authority_id=child.resident_authority_id,
        team_id=child.team_id,
        lead_social_worker_id=child.lead_social_worker_id,
    )


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def _children(week: my_week.MyWeek) -> set:
    return {c.pk for c in week.children}


def _deadline_lines(week: my_week.MyWeek) -> list[my_week.WeekLine]:
    return [line for line in week.all_lines() if line.item.rank == my_week.RANK_DEADLINE]


# --- Whose children ----------------------------------------------------------------------


def test_a_social_worker_sees_only_the_children_they_are_lead_for(
    social_worker, other_team_worker, authority, team
):
    colleague = UserFactory(authority=authority, team=team, roles=[Role.SOCIAL_WORKER])
    mine = _child(social_worker)
    colleagues = _child(colleague)  # same team: visible to the worker, but not theirs
    elsewhere = _child(other_team_worker)
    for c in (mine, colleagues, elsewhere):
        _due(c, "statutory_visit", WEDNESDAY)

    week = my_week_for(user=_fresh(social_worker), today=WEDNESDAY)

    assert not week.team_week
    assert _children(week) == {mine.pk}


def test_a_team_manager_sees_the_whole_team_by_worker_and_no_other_team(
    social_worker, team_manager, other_team_worker, authority, team
):
    colleague = UserFactory(
        authority=authority,
        team=team,
        first_name="Ali",
        last_name="Aardvark",
        roles=[Role.SOCIAL_WORKER],
    )
    mine = _child(social_worker)
    colleagues = _child(colleague)
    unallocated = ChildFactory(responsible_authority=authority, team=team)
    elsewhere = _child(other_team_worker)
    for c in (mine, colleagues, unallocated, elsewhere):
        _due(c, "core_group", WEDNESDAY + dt.timedelta(days=1))

    week = my_week_for(user=_fresh(team_manager), today=WEDNESDAY)

    assert week.team_week
    assert _children(week) == {mine.pk, colleagues.pk, unallocated.pk}
    assert [g.name for g in week.by_worker] == [colleague.name, social_worker.name, "Not allocated"]
    assert [line.item.child.pk for line in week.by_worker[1].lines] == [mine.pk]


def test_a_worker_of_another_authority_sees_nothing_of_ours(social_worker, other_authority_worker):
    ours = _child(social_worker)
    _due(ours, "statutory_visit", WEDNESDAY - dt.timedelta(days=7))
    Notification.objects.create(
        recipient=social_worker, title="A visit is overdue", dedupe_key="ours", child_id=ours.pk
    )

    week = my_week_for(user=_fresh(other_authority_worker), today=WEDNESDAY)

    assert week.all_lines() == []


# --- Which days ---------------------------------------------------------------------------


def test_everything_overdue_appears_and_nothing_beyond_five_working_days(social_worker):
    child = _child(social_worker)
    long_overdue = _due(child, "statutory_visit", WEDNESDAY - dt.timedelta(days=200))
    last_day = _due(child, "core_group", dt.date(2026, 12, 9))  # the fifth working day
    _due(child, "review_conference", dt.date(2026, 12, 10))  # the sixth

    week = my_week_for(user=_fresh(social_worker), today=WEDNESDAY)

    assert week.last_day == dt.date(2026, 12, 9)
    assert [line.item.due_on for line in _deadline_lines(week)] == [
        long_overdue.due_on,
        last_day.due_on,
    ]


def test_weekends_and_bank_holidays_are_not_working_days(social_worker):
    child = _child(social_worker)
    # Christmas 2026 in England: Friday 25th, Boxing Day (Saturday) kept on Monday 28th,
    # New Year's Day on Friday 1st. From Thursday 24th the fifth working day is 5 January.
    _due(child, "statutory_visit", dt.date(2027, 1, 5))
    _due(child, "core_group", dt.date(2027, 1, 6))

    week = my_week_for(user=_fresh(social_worker), today=dt.date(2026, 12, 24))

    assert week.last_day == dt.date(2027, 1, 5)
    assert [line.item.due_on for line in _deadline_lines(week)] == [dt.date(2027, 1, 5)]
    (line,) = _deadline_lines(week)
    assert line.tag == "Due in 5 working days"  # 29, 30, 31 December, 4 and 5 January


def test_the_week_follows_the_authoritys_own_nation():
    """Scotland keeps 4 January 2027 as a bank holiday (2 January falls on a Saturday);
    England does not. From Wednesday 30 December the week ends a day later in Scotland."""
    ends = {}
    for nation in ("england", "scotland"):
        authority = AuthorityFactory(nation=nation)
        worker = UserFactory(
            authority=authority,
            team=TeamFactory(authority=authority),
            roles=[Role.SOCIAL_WORKER],
        )
        _due(_child(worker), "statutory_visit", dt.date(2027, 1, 8))
        week = my_week_for(user=_fresh(worker), today=dt.date(2026, 12, 30))
        ends[nation] = (week.last_day, len(_deadline_lines(week)))
    assert ends == {
        "england": (dt.date(2027, 1, 7), 0),
        "scotland": (dt.date(2027, 1, 8), 1),
    }


def test_overdue_is_counted_in_working_days(social_worker):
    child = _child(social_worker)
    _due(child, "statutory_visit", dt.date(2026, 12, 23))  # the Wednesday before Christmas

    week = my_week_for(user=_fresh(social_worker), today=dt.date(2026, 12, 29))

    (line,) = _deadline_lines(week)
    assert line.status == my_week.LineStatus.OVERDUE
    assert line.tag == "Overdue by 2 working days"  # 24 and 29 December (25 to 28 are not)


def test_an_authoritys_own_closure_days_shorten_its_week(social_worker):
    child = _child(social_worker)
    CalendarDay.objects.create(
        authority=social_worker.authority, date=dt.date(2026, 12, 4), kind="closure"
    )
    _due(child, "statutory_visit", dt.date(2026, 12, 10))

    week = my_week_for(user=_fresh(social_worker), today=WEDNESDAY)

    assert week.last_day == dt.date(2026, 12, 10)
    assert len(_deadline_lines(week)) == 1


def test_due_today_is_said_in_words(social_worker):
    _due(_child(social_worker), "statutory_visit", WEDNESDAY)

    (line,) = _deadline_lines(my_week_for(user=_fresh(social_worker), today=WEDNESDAY))

    assert (line.status, line.tag, line.colour) == ("due_today", "Due today", "orange")


# --- Order -----------------------------------------------------------------------------


def test_the_most_urgent_is_first(social_worker):
    a, b = _child(social_worker, last_name="Able"), _child(social_worker, last_name="Baker")
    VisitFactory(
        child=a,
        recorded_by=social_worker,
        status="draft",
        kind="home_visit",
        child_seen=False,
        visited_at=None,
    )
    RunningDeadline.objects.filter(child=a).delete()
    _due(b, "core_group", dt.date(2026, 12, 4))
    _due(a, "statutory_visit", WEDNESDAY)
    _due(b, "statutory_visit", dt.date(2026, 11, 20))
    _due(a, "review_conference", dt.date(2026, 11, 30))
    Notification.objects.create(recipient=social_worker, title="Read me", dedupe_key="n1")

    week = my_week_for(user=_fresh(social_worker), today=WEDNESDAY)

    assert [(line.status, line.item.due_on) for line in week.lines] == [
        ("overdue", dt.date(2026, 11, 20)),
        ("overdue", dt.date(2026, 11, 30)),
        ("due_today", WEDNESDAY),
        ("upcoming", dt.date(2026, 12, 4)),
        ("to_do", None),  # the draft
        ("to_do", None),  # the notification
    ]
    assert week.lines[4].item.rank == my_week.RANK_DRAFT
    assert week.lines[5].item.rank == my_week.RANK_NOTIFICATION


# --- Plans, drafts and notifications -------------------------------------------------------


def _plan(child: Child, **kwargs):
    plan = PlanFactory(child=child, started_on=dt.date(2026, 10, 1), **kwargs)
    RunningDeadline.objects.filter(child=child).delete()  # the test sets its own
    return plan


def test_plans_waiting_for_authorisation_come_first_for_the_team_manager(
    social_worker, team_manager, other_team_worker
):
    waiting = _plan(
        _child(social_worker),
        stage="awaiting_authorisation",
        submitted_on=dt.date(2026, 11, 27),
    )
    other_team = _plan(_child(other_team_worker), stage="awaiting_authorisation")
    _due(_child(social_worker), "statutory_visit", dt.date(2026, 11, 1))

    manager = my_week_for(user=_fresh(team_manager), today=WEDNESDAY)
    worker = my_week_for(user=_fresh(social_worker), today=WEDNESDAY)

    (line,) = manager.for_authorisation
    assert line.item.child.pk == waiting.child_id
    assert line.item.href == reverse("plan-authorise", args=[waiting.pk])
    assert line.tag == "Waiting 3 working days"  # 30 November, 1 and 2 December
    assert other_team.child_id not in _children(manager)
    # Not the worker's to do: they have sent it.
    assert not [ln for ln in worker.all_lines() if ln.item.for_authorisation]


def test_the_page_lists_plans_to_authorise_before_the_team(client, social_worker, team_manager):
    plan = _plan(_child(social_worker, first_name="Zed"), stage="awaiting_authorisation")
    _due(_child(social_worker, first_name="Yan"), "statutory_visit", timezone.localdate())
    client.force_login(team_manager)

    html = client.get(reverse("my-week")).content.decode()

    first = html.index("Waiting for your authorisation")
    assert (
        first
        < html.index(reverse("plan-authorise", args=[plan.pk]))
        < html.index("Your team, by worker")
    )


def test_a_returned_plan_is_the_workers_to_send_again(social_worker):
    plan = _plan(
        _child(social_worker),
        stage="detailed_draft",
        submitted_on=dt.date(2026, 11, 20),
        returned_comments="Add dates to the actions",
    )

    week = my_week_for(user=_fresh(social_worker), today=WEDNESDAY)

    (line,) = week.lines
    assert line.item.href == reverse("plan-detail", args=[plan.pk])
    assert "Add dates to the actions" in line.item.note


def test_each_line_leads_to_the_page_where_it_is_done(social_worker):
    child, other = _child(social_worker), _child(social_worker)
    plan = _plan(child, stage="detailed_draft")
    draft = VisitFactory(
        child=other,
        recorded_by=social_worker,
        status="draft",
        kind="statutory",
        child_seen=False,
        visited_at=None,
    )
    RunningDeadline.objects.filter(child=other).delete()  # the test sets its own
    expected = {
        _due(child, "statutory_visit", WEDNESDAY): reverse("visit-record", args=[child.pk]),
        _due(child, "core_group", WEDNESDAY): reverse("plan-meeting-record", args=[plan.pk]),
        _due(child, "plan_authorisation", WEDNESDAY): reverse("plan-submit", args=[plan.pk]),
        # The worker's own draft of the visit that is due, to finish.
        _due(other, "statutory_visit", WEDNESDAY): reverse("visit-draft", args=[draft.pk]),
        _due(other, "icpc", WEDNESDAY): reverse("child-detail", args=[other.pk]),
    }

    week = my_week_for(user=_fresh(social_worker), today=WEDNESDAY)

    found = {(ln.item.child.pk, ln.item.what): ln.item.href for ln in _deadline_lines(week)}
    assert found == {
        (row.child_id, my_week.what_of(row.kind)): href for row, href in expected.items()
    }
    (draft_line,) = [ln for ln in week.lines if ln.item.rank == my_week.RANK_DRAFT]
    assert draft_line.item.href == reverse("visit-draft", args=[draft.pk])


def test_only_unread_notifications_are_listed(social_worker, team_manager):
    Notification.objects.create(recipient=social_worker, title="Unread", dedupe_key="u")
    Notification.objects.create(
        recipient=social_worker, title="Read", dedupe_key="r", read_at=timezone.now()
    )
    Notification.objects.create(recipient=team_manager, title="Not yours", dedupe_key="t")

    week = my_week_for(user=_fresh(social_worker), today=WEDNESDAY)

    assert [line.item.what for line in week.lines] == ["Unread"]


def test_another_workers_drafts_stay_theirs(social_worker, team_manager):
    child = _child(social_worker)
    VisitFactory(
        child=child,
        recorded_by=social_worker,
        status="draft",
        kind="home_visit",
        child_seen=False,
        visited_at=None,
    )

    manager = my_week_for(user=_fresh(team_manager), today=WEDNESDAY)
    worker = my_week_for(user=_fresh(social_worker), today=WEDNESDAY)

    assert manager.all_lines() == []
    assert [line.item.rank for line in worker.lines] == [my_week.RANK_DRAFT]


# --- A fixed number of queries ------------------------------------------------------------


def _with_everything(worker: User, n: int) -> None:
    for i in range(n):
        child = _child(worker)
        PlanFactory(
            child=child,
            started_on=dt.date(2026, 10, 1),
            stage="awaiting_authorisation" if i % 2 else "detailed_draft",
            returned_comments="" if i % 2 else "More detail",
        )
        VisitFactory(
            child=child,
            recorded_by=worker,
            status="draft",
            kind="statutory",
            child_seen=False,
            visited_at=None,
        )
        RunningDeadline.objects.filter(child=child).delete()
        _due(child, "statutory_visit", timezone.localdate() - dt.timedelta(days=i))
        _due(child, "core_group", timezone.localdate())
        Notification.objects.create(
            recipient=worker,
            title=f"Notice {i}",
            dedupe_key=f"{worker.pk}:{next(_keys)}",
            child_id=child.pk,
            url=reverse("child-detail", args=[child.pk]),
        )


def _queries(client, user: User) -> tuple[int, int]:
    client.force_login(user)
    client.get(reverse("my-week"))  # caches filled once (content types, sessions)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("my-week"))
    assert response.status_code == 200
    return len(captured), response.content.decode().count('class="app-week__line"')


@pytest.mark.parametrize("persona", ["social_worker", "team_manager"])
def test_the_page_costs_the_same_queries_for_one_child_or_twenty(
    request, client, social_worker, team_manager, persona
):
    user = request.getfixturevalue(persona)
    _with_everything(social_worker, 1)
    few, few_lines = _queries(client, user)
    _with_everything(social_worker, 19)
    many, many_lines = _queries(client, user)

    assert many_lines > few_lines  # the page did list more
    assert few == many, f"{persona}: {few} queries for one child, {many} for twenty"


def test_the_selector_answers_in_a_fixed_number_of_queries(social_worker, team_manager):
    """The figure: the calendar (1), the team (a manager's), the deadlines, the plans and
    the drafts (each with the historic releases the gate asks for) and the notifications."""
    _with_everything(social_worker, 20)
    counts = {}
    for user in (social_worker, team_manager):
        fresh = _fresh(user)
        fresh.roles  # noqa: B018 (read once a request, by the gate)
        with CaptureQueriesContext(connection) as captured:
            week = my_week_for(user=fresh, today=timezone.localdate())
        assert len(week.all_lines()) >= 40
        counts[user.username] = len(captured)
    assert counts == {social_worker.username: 7, team_manager.username: 8}


# --- The page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona",
    [
        "service_leader",
        "chair",
        "unit_manager",
        "core_group_member",
        "police_enquirer",
        "health_enquirer",
        "senior_officer",
        "system_admin",
    ],
)
def test_other_roles_are_refused(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("my-week")).status_code == 403


def test_signed_out_goes_to_sign_in(client):
    response = client.get(reverse("my-week"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_every_child_listed_is_read_audited(client, social_worker):
    a, b = _child(social_worker), _child(social_worker)
    _due(a, "statutory_visit", timezone.localdate())
    _due(b, "core_group", timezone.localdate() - dt.timedelta(days=3))
    client.force_login(social_worker)

    html = client.get(reverse("my-week")).content.decode()

    assert a.name in html and b.name in html
    audited = set(
        AuditEvent.objects.filter(actor=social_worker, path=reverse("my-week")).values_list(
            "child_id", flat=True
        )
    )
    assert audited == {a.pk, b.pk}


def test_home_and_the_service_navigation_link_to_my_week(client, social_worker, service_leader):
    client.force_login(social_worker)
    assert client.get(reverse("home")).content.decode().count(f'href="{reverse("my-week")}"') == 2
    client.force_login(service_leader)
    assert f'href="{reverse("my-week")}"' not in client.get(reverse("home")).content.decode()

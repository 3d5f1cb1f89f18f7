"""The daily check: who is told what, when, and never twice."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpcase.models import Notification
from cpcase.services import timescales_check
from cpcase.timescales import reminders_due
from tests.factories import (
    ChildFactory,
    ConferenceFactory,
    CoreGroupMeetingFactory,
    PlanFactory,
    StrategyDiscussionFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def plan(child, chair):
    """ICPC 6 Jan 2027; first core group 19 Jan; a statutory visit on 20 Jan.

    Open deadlines: plan authorisation 26 Jan, statutory visit 10 Feb, core group
    16 Feb, review conference 6 Apr 2027.
    """
    StrategyDiscussionFactory(child=child, held_on=D(2026, 12, 14))
    ConferenceFactory(held_on=D(2027, 1, 6), chair=chair, children=[child])
    plan = PlanFactory(child=child, started_on=D(2027, 1, 6))
    CoreGroupMeetingFactory(plan=plan, held_on=D(2027, 1, 19))
    VisitFactory(child=child, visited_at=dt.datetime(2027, 1, 20, 11, tzinfo=dt.UTC))
    return plan


def _told(on):
    timescales_check(today=on)
    return sorted(
        (n.recipient.username, n.kind, n.title)
        for n in Notification.objects.filter(created_at__isnull=False).select_related("recipient")
    )


def test_lead_social_worker_is_reminded_three_working_days_ahead(plan, social_worker):
    assert timescales_check(today=D(2027, 1, 20)) == 0  # authorisation due in 4 working days
    assert _told(D(2027, 1, 21)) == [
        (
            "sw.allocated",
            "deadline_before",
            "Detailed plan sent for authorisation due on 26 January 2027",
        )
    ]


def test_on_the_day_and_overdue(plan, social_worker, team_manager, other_team_manager):
    timescales_check(today=D(2027, 1, 26))
    due = Notification.objects.get(kind="deadline_due")
    assert due.recipient == social_worker
    assert due.title == "Detailed plan sent for authorisation due today"
    timescales_check(today=D(2027, 1, 27))
    overdue = Notification.objects.filter(kind="deadline_overdue")
    assert {n.recipient.username for n in overdue} == {"sw.allocated", "tm.north"}
    # The manager of another team hears nothing.
    assert not Notification.objects.filter(recipient=other_team_manager).exists()


def test_service_leader_is_told_at_once_of_an_overdue_statutory_visit(
    plan, social_worker, team_manager, service_leader
):
    timescales_check(today=D(2027, 2, 11))
    told = Notification.objects.filter(recipient=service_leader)
    assert [n.title for n in told] == ["Overdue: Statutory visit was due on 10 February 2027"]
    assert told[0].child_id == plan.child_id


def test_chair_is_told_when_a_review_falls_due(plan, chair, social_worker):
    timescales_check(today=D(2027, 3, 25))  # 6 working days before 6 April (Easter between)
    (notice,) = Notification.objects.filter(recipient=chair)
    assert notice.title == "Review conference due on 06 April 2027"
    assert not Notification.objects.filter(
        recipient=social_worker, title__startswith="Review conference"
    ).exists()


def test_running_twice_tells_nobody_twice(plan, social_worker, team_manager, service_leader):
    first = timescales_check(today=D(2027, 2, 17))
    assert first > 0
    assert timescales_check(today=D(2027, 2, 17)) == 0
    assert Notification.objects.count() == first


def test_emails_name_no_child(plan, social_worker, mailoutbox):
    from cpcase.services import notification_emails_send

    timescales_check(today=D(2027, 1, 21))
    notification_emails_send()
    (email,) = mailoutbox
    assert plan.child.last_name not in email.subject + email.body
    assert f"/children/{plan.child_id}/" in email.body
    assert plan.child.last_name in Notification.objects.get().body


def test_the_command_runs_as_of_a_date(plan, social_worker):
    out = io.StringIO()
    call_command("check_timescales", "--date", "2027-01-21", stdout=out)
    assert "1 new notifications" in out.getvalue()


def test_a_malformed_date_is_refused_and_changes_nothing(plan, social_worker):
    with pytest.raises(CommandError, match="--date must be a date"):
        call_command("check_timescales", "--date", "21/01/2027")
    assert not Notification.objects.exists()


def test_the_scan_costs_the_same_queries_for_few_or_many_plans(
    authority, team, social_worker, team_manager
):
    def add_plans(n):
        for _ in range(n):
            child = ChildFactory(
                responsible_authority=authority, team=team, lead_social_worker=social_worker
            )
            StrategyDiscussionFactory(child=child, held_on=D(2026, 12, 14))
            plan = PlanFactory(child=child, started_on=D(2027, 1, 6))
            CoreGroupMeetingFactory(plan=plan, held_on=D(2027, 1, 19))
            VisitFactory(child=child, visited_at=dt.datetime(2027, 1, 20, 11, tzinfo=dt.UTC))

    add_plans(2)
    with CaptureQueriesContext(connection) as few:
        reminders = list(reminders_due(D(2027, 2, 17)))
    add_plans(20)
    with CaptureQueriesContext(connection) as many:
        more = list(reminders_due(D(2027, 2, 17)))
    assert len(more) == 11 * len(reminders)
    assert len(many) == len(few)

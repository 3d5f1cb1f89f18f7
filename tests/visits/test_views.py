"""Visit pages: the team's visits, drafts finished later, and 'cannot visit in time'."""

import datetime as dt

import pytest
from django.utils import timezone

from cpcase.models import Notification
from tests.factories import PlanFactory, VisitFactory
from visits.models import Visit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture
def web(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


def test_the_team_managers_visits_page(web, child, team_manager, social_worker, other_team_worker):
    PlanFactory(child=child, started_on=TODAY - dt.timedelta(days=60))
    VisitFactory(child=child, visited_at=timezone.now() - dt.timedelta(days=30), seen_alone=True)
    page = web(team_manager).get("/visits/", HTTP_HOST="localhost")
    assert page.status_code == 200
    (row,) = page.context["rows"]
    assert row.child == child and row.days_since == 30 and row.seen_alone is True
    assert row.status == "overdue"  # 15 working days after the visit passed about 9 days ago
    assert web(other_team_worker).get("/visits/", HTTP_HOST="localhost").context["rows"] == []


def test_a_draft_is_finished_from_the_visits_page(web, child, social_worker):
    client = web(social_worker)
    r = client.post(
        f"/children/{child.pk}/visits/new/",
        {
            "kind": "statutory",
            "visited_on_0": TODAY.day,
            "visited_on_1": TODAY.month,
            "visited_on_2": TODAY.year,
            "visited_time": "00:05",
            "observations": "Half written",
            "draft": "1",
        },
        HTTP_HOST="localhost",
    )
    assert r.status_code == 302
    draft = Visit.objects.get(status="draft")
    assert client.get("/visits/", HTTP_HOST="localhost").context["drafts"][0] == draft
    page = client.get(f"/visits/drafts/{draft.pk}/", HTTP_HOST="localhost")
    assert "Half written" in page.content.decode()
    r = client.post(
        f"/visits/drafts/{draft.pk}/",
        {
            "kind": "statutory",
            "visited_on_0": TODAY.day,
            "visited_on_1": TODAY.month,
            "visited_on_2": TODAY.year,
            "visited_time": "00:05",
            "observations": "Finished",
            "child_seen": "on",
            "version": draft.version,
            "complete": "1",
        },
        HTTP_HOST="localhost",
    )
    assert r.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "completed" and draft.observations == "Finished"


def test_cannot_visit_in_time_from_the_childs_page(
    web, child, social_worker, service_leader, django_capture_on_commit_callbacks
):
    client = web(social_worker)
    r = client.post(f"/children/{child.pk}/cannot-visit/", {"reason": ""}, HTTP_HOST="localhost")
    assert r.status_code == 200 and "Enter the date the visit is due." in r.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            f"/children/{child.pk}/cannot-visit/",
            {
                "due_on_0": TODAY.day,
                "due_on_1": TODAY.month,
                "due_on_2": TODAY.year,
                "reason": "Family away",
            },
            HTTP_HOST="localhost",
        )
    assert r.status_code == 302
    assert Notification.objects.filter(recipient=service_leader, kind="cannot_visit").exists()


def test_visits_pages_refuse_the_wrong_people(web, child, police_enquirer, other_team_worker):
    assert web(police_enquirer).get("/visits/", HTTP_HOST="localhost").status_code == 403
    assert (
        web(other_team_worker)
        .get(f"/children/{child.pk}/visits/new/", HTTP_HOST="localhost")
        .status_code
        == 404
    )

"""Notifications are stored exactly once per (event, recipient, stage)."""

import threading

import pytest
from django.core import mail
from django.db import connection

from cpcase import selectors, services
from cpcase.errors import NotFound
from cpcase.models import Notification
from cpcase.services import NotificationRequest


def _request(user, key="deadline:abc:icpc", stage="due"):
    return NotificationRequest(
        recipient_id=user.pk,
        kind="deadline_due",
        title="ICPC due today",
        body="The initial conference for a child on your caseload is due today.",
        url="/children/",
        dedupe_key=f"{key}:{user.pk}:{stage}",
    )


@pytest.mark.django_db
def test_raising_twice_stores_once(social_worker):
    first = services.notifications_raise(requests=[_request(social_worker)])
    second = services.notifications_raise(requests=[_request(social_worker)])
    assert len(first) == 1
    assert second == []
    assert Notification.objects.filter(recipient=social_worker).count() == 1


@pytest.mark.django_db
def test_each_stage_and_recipient_is_its_own_notification(social_worker, team_manager):
    created = services.notifications_raise(
        requests=[
            _request(social_worker, stage="before"),
            _request(social_worker, stage="due"),
            _request(team_manager, stage="overdue"),
            _request(team_manager, stage="overdue"),  # twice in one batch
        ]
    )
    assert len(created) == 3


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_store_it_once(social_worker):
    barrier = threading.Barrier(4)
    results = []

    def worker():
        barrier.wait()
        try:
            results.append(services.notifications_raise(requests=[_request(social_worker)]))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(r) for r in results) == [0, 0, 0, 1]
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_email_outbox_sends_each_once(social_worker, team_manager):
    services.notifications_raise(requests=[_request(social_worker), _request(team_manager)])
    assert services.notification_emails_send() == 2
    assert services.notification_emails_send() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([social_worker.email, team_manager.email])
    assert "/children/" in mail.outbox[0].body


@pytest.mark.django_db
def test_inbox_counts_and_marking_read(social_worker, team_manager):
    services.notifications_raise(requests=[_request(social_worker, stage=s) for s in "abc"])
    assert selectors.notifications_unread_count(user=social_worker) == 3
    one = selectors.notifications_for(user=social_worker).first()
    services.notification_mark_read(user=social_worker, notification_id=one.pk)
    assert selectors.notifications_unread_count(user=social_worker) == 2
    with pytest.raises(NotFound):
        services.notification_mark_read(user=team_manager, notification_id=one.pk)
    assert services.notifications_mark_all_read(user=social_worker) == 2
    assert selectors.notifications_unread_count(user=social_worker) == 0


@pytest.mark.django_db
def test_the_notifications_api(api_as, social_worker, team_manager):
    services.notifications_raise(requests=[_request(social_worker, stage=s) for s in "ab"])
    api = api_as(social_worker)
    body = api.get("/api/v1/notifications/").json()
    assert body["count"] == 2 and body["results"][0]["read"] is False
    first = body["results"][0]["id"]
    assert api_as(team_manager).post(f"/api/v1/notifications/{first}/read/").status_code == 404
    api = api_as(social_worker)  # the one client, signed in as the worker again
    assert api.post(f"/api/v1/notifications/{first}/read/").status_code == 204
    assert api.get("/api/v1/notifications/?unread=true").json()["count"] == 1
    assert api.post("/api/v1/notifications/not-an-id/read/").status_code == 404
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked_read": 1}
    assert api_as(team_manager).get("/api/v1/notifications/").json()["count"] == 0


def test_a_notification_of_a_kind_not_in_the_closed_set_is_refused_where_it_is_made(
    social_worker,
):
    with pytest.raises(ValueError, match="not_a_kind"):
        services.NotificationRequest(
            recipient_id=social_worker.pk, kind="not_a_kind", title="x", dedupe_key="x"
        )
    assert {k.value for k in Notification.Kind} >= {"deadline_before", "deadline_overdue"}

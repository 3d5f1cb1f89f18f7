"""Browser sessions: a 30-minute idle limit that use slides (the session saved at most
once a minute), an absolute limit from signing in, the warning two minutes before the
end, and no session stored for anyone who is not signed in."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from cpcase.middleware import SIGNED_IN_AT, SLID_AT
from cpcase.models import AuditEvent
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def set_in_session(client: Client, **values) -> None:
    session = client.session
    session.update(values)
    session.save()


def test_the_limits():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_MAX_HOURS == 10
    from cpcase import settings as production

    assert production.CPCASE_SESSION_SLIDE_SECONDS == 60


def test_no_session_is_stored_for_anyone_not_signed_in(social_worker, child):
    cache.clear()
    client = Client()
    client.get("/")
    client.get("/accounts/login/")
    client.post("/accounts/login/", {"username": "sw.allocated", "password": "wrong"})
    client.post("/accounts/login/", {"username": "", "password": ""})
    client.get(f"/children/{child.pk}/")
    client.get("/api/v1/me/")
    client.get("/admin/")
    client.get("/admin/login/")
    client.post("/api/v1/auth/token/", {"username": "sw.allocated", "password": "wrong"})
    client.get("/no-such-page/")
    assert Session.objects.count() == 0
    # Signing in stores one (and starts the absolute limit's clock).
    client.post("/accounts/login/", {"username": "sw.allocated", "password": TEST_PASSWORD})
    assert Session.objects.count() == 1
    assert SIGNED_IN_AT in client.session


def test_each_request_slides_the_idle_limit(client, social_worker):
    client.force_login(social_worker)
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get("/").status_code == 200
    expires = Session.objects.get().expire_date
    assert abs(expires - (timezone.now() + timedelta(minutes=30))) < timedelta(minutes=1)


def test_an_idle_session_has_ended(client, social_worker):
    client.force_login(social_worker)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/children/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/me/").status_code == 401


def test_the_absolute_limit_ends_a_busy_session(client, social_worker):
    client.force_login(social_worker)
    started = int(time.time()) - settings.SESSION_MAX_HOURS * 3600 - 1
    set_in_session(client, **{SIGNED_IN_AT: started})
    response = client.get("/children/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, actor=social_worker).exists()
    # Signed out for good: the next request is anonymous too.
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/me/").status_code == 401


def test_the_absolute_limit_ends_an_api_session(client, social_worker):
    client.force_login(social_worker)
    set_in_session(
        client, **{SIGNED_IN_AT: int(time.time()) - settings.SESSION_MAX_HOURS * 3600 - 1}
    )
    assert client.get("/api/v1/me/").status_code == 401


def _warning_seconds(page: str) -> int:
    return int(re.search(r'data-session-seconds="(\d+)"', page).group(1))


def test_the_warning_comes_two_minutes_before_the_end(client, social_worker):
    client.force_login(social_worker)
    page = client.get("/children/new/").content.decode()
    assert _warning_seconds(page) == 30 * 60
    assert "Your session ends in 2 minutes" in page
    # Near the absolute limit, the warning counts to that instead.
    set_in_session(
        client, **{SIGNED_IN_AT: int(time.time()) - settings.SESSION_MAX_HOURS * 3600 + 600}
    )
    left = _warning_seconds(client.get("/children/new/").content.decode())
    assert 590 <= left <= 600


def _session_writes(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return sum(
        q["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"]
        for q in queries.captured_queries
    )


@pytest.fixture
def a_minute(settings):
    """The production value (the suite slides on every request: see tests/conftest.py)."""
    from cpcase import settings as production

    settings.CPCASE_SESSION_SLIDE_SECONDS = production.CPCASE_SESSION_SLIDE_SECONDS


@pytest.mark.usefixtures("a_minute")
def test_the_idle_limit_slides_at_most_once_a_minute(client, social_worker):
    client.force_login(social_worker)
    assert _session_writes(client, "/") == 1  # the first request slides it
    for _ in range(3):
        assert _session_writes(client, "/children/") == 0  # within the minute: no write
    set_in_session(client, **{SLID_AT: int(time.time()) - 61})
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=29))
    assert _session_writes(client, "/") == 1  # a minute on: slid again
    expires = Session.objects.get().expire_date
    assert abs(expires - (timezone.now() + timedelta(minutes=30))) < timedelta(seconds=5)


@pytest.mark.usefixtures("a_minute")
@pytest.mark.parametrize("seconds_ago", [0, 20, 59])
def test_the_warning_counts_to_the_end_the_server_keeps(client, social_worker, seconds_ago):
    """Between two saves, the page's countdown is the time the stored session has left:
    nobody is signed out before their warning came."""
    client.force_login(social_worker)
    client.get("/")
    slid = int(time.time()) - seconds_ago
    set_in_session(client, **{SLID_AT: slid})
    Session.objects.update(expire_date=timezone.now() + timedelta(seconds=30 * 60 - seconds_ago))
    left = _warning_seconds(client.get("/children/new/").content.decode())
    stored = (Session.objects.get().expire_date - timezone.now()).total_seconds()
    assert left <= stored + 1
    assert stored - left <= 3


def test_the_suite_slides_on_every_request(client, social_worker):
    """What the query-counting tests rely on (tests/conftest.py)."""
    client.force_login(social_worker)
    assert _session_writes(client, "/") == 1
    assert _session_writes(client, "/children/") == 1

"""Browser sessions: a 30-minute idle limit that every request slides, an absolute limit
from signing in, the warning two minutes before the end, and no session stored for
anyone who is not signed in."""

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

from cpcase.middleware import SIGNED_IN_AT
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
    assert settings.SESSION_SAVE_EVERY_REQUEST


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

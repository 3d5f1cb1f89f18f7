"""API tokens end: idle and absolute limits, revocation by the holder, the owner or a
system administrator, and a changed password. Time is moved by setting ``created`` and
``expiry`` in the database, never by waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from cpcase import tasks
from cpcase.models import ApiToken, AuditEvent
from cpcase.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.second_factor import code_for, enrol

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
TOKENS = "/api/v1/auth/tokens/"
IDLE = timedelta(minutes=settings.API_TOKEN_IDLE_MINUTES)
ABSOLUTE = timedelta(hours=settings.API_TOKEN_MAX_HOURS)


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def issue(user) -> tuple[str, ApiToken]:
    response = APIClient().post(
        TOKEN, {"username": user.username, "password": TEST_PASSWORD, "otp": code_for(enrol(user))}
    )
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    return key, ApiToken.objects.get(user=user, token_key=key[:15])


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_defaults_suit_on_call_work():
    assert settings.REST_KNOX["TOKEN_TTL"] == IDLE == timedelta(minutes=60)
    assert settings.REST_KNOX["AUTO_REFRESH"] is True
    assert settings.REST_KNOX["AUTO_REFRESH_MAX_TTL"] == ABSOLUTE == timedelta(hours=12)
    assert settings.REST_KNOX["AUTH_HEADER_PREFIX"] == "Token"


def test_an_idle_token_expires(social_worker):
    key, token = issue(social_worker)
    assert abs(token.expiry - (timezone.now() + IDLE)) < timedelta(minutes=1)
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert with_token(key).get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_use_keeps_a_token_alive(social_worker):
    key, token = issue(social_worker)
    ApiToken.objects.filter(pk=token.pk).update(
        created=timezone.now() - timedelta(hours=1), expiry=timezone.now() + timedelta(minutes=5)
    )
    assert with_token(key).get("/api/v1/me/").status_code == 200
    token.refresh_from_db()
    assert abs(token.expiry - (timezone.now() + IDLE)) < timedelta(minutes=1)


def test_use_never_carries_a_token_past_the_absolute_limit(social_worker):
    key, token = issue(social_worker)
    created = timezone.now() - ABSOLUTE + timedelta(minutes=20)
    ApiToken.objects.filter(pk=token.pk).update(
        created=created, expiry=timezone.now() + timedelta(minutes=5)
    )
    assert with_token(key).get("/api/v1/me/").status_code == 200
    token.refresh_from_db()
    assert token.expiry == created + ABSOLUTE  # not now + the idle limit
    # Past it, the token is gone however recently it was used.
    ApiToken.objects.filter(pk=token.pk).update(
        created=timezone.now() - ABSOLUTE - timedelta(seconds=1),
        expiry=timezone.now() - timedelta(seconds=1),
    )
    assert with_token(key).get("/api/v1/me/").status_code == 401


def test_delete_revokes_the_token_presented(social_worker):
    key, token = issue(social_worker)
    other_key, _ = issue(social_worker)
    assert with_token(key).delete(TOKEN).status_code == 204
    assert with_token(key).get("/api/v1/me/").status_code == 401
    assert with_token(other_key).get("/api/v1/me/").status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_REVOKED)
    assert event.actor == social_worker
    assert event.object_id == str(token.pk)


def test_delete_needs_a_token(client, api, social_worker):
    assert api.delete(TOKEN).status_code == 401
    client.force_login(social_worker)  # a verified session has no token to revoke
    assert client.delete(TOKEN).status_code == 401


def test_a_user_lists_and_revokes_their_own(social_worker, team_manager):
    key, token = issue(social_worker)
    _, second = issue(social_worker)
    _, theirs = issue(team_manager)
    client = with_token(key)
    body = client.get(TOKENS).json()
    assert {t["id"] for t in body["results"]} == {str(token.pk), str(second.pk)}
    row = next(t for t in body["results"] if t["id"] == str(second.pk))
    assert set(row) == {"id", "user", "created_at", "expires_at", "ends_by"}
    assert "token" not in str(row)
    assert client.delete(f"{TOKENS}{second.pk}/").status_code == 204
    assert not ApiToken.objects.filter(pk=second.pk).exists()
    # Another person's token is not theirs to see or end: the same 404 as a missing one.
    assert client.delete(f"{TOKENS}{theirs.pk}/").status_code == 404
    assert client.delete(f"{TOKENS}not-an-id/").status_code == 404
    assert client.get(TOKENS, {"user": str(team_manager.pk)}).status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_a_system_administrator_revokes_anyones_in_their_authority(
    api_as, system_admin, social_worker, other_authority
):
    _, token = issue(social_worker)
    stranger = UserFactory(username="sw.far", authority=other_authority, roles=[Role.SOCIAL_WORKER])
    _, far = issue(stranger)
    client = api_as(system_admin)
    listed = client.get(TOKENS, {"user": str(social_worker.pk)}).json()["results"]
    assert [t["id"] for t in listed] == [str(token.pk)]
    assert client.delete(f"{TOKENS}{token.pk}/").status_code == 204
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_REVOKED)
    assert event.actor == system_admin
    # Another authority's staff are not theirs.
    assert client.delete(f"{TOKENS}{far.pk}/").status_code == 404
    assert client.get(TOKENS, {"user": str(stranger.pk)}).status_code == 404
    assert ApiToken.objects.filter(pk=far.pk).exists()


def test_a_password_change_revokes_every_token(social_worker):
    keys = [issue(social_worker)[0] for _ in range(3)]
    social_worker.set_password("a-new-long-passphrase-2026")
    social_worker.save()
    for key in keys:
        assert with_token(key).get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.filter(user=social_worker).exists()
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.TOKEN_REVOKED, summary__contains="password changed"
        ).count()
        == 3
    )


def test_a_deactivated_account_token_stops(social_worker):
    key, _ = issue(social_worker)
    social_worker.is_active = False
    social_worker.save()
    assert with_token(key).get("/api/v1/me/").status_code == 401


def test_expired_sessions_and_tokens_are_cleared_on_a_schedule(client, social_worker):
    from django.contrib.sessions.models import Session

    schedule = settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions-and-tokens"]
    assert schedule["task"] == "cpcase.clear_expired_sign_ins"
    _, live = issue(social_worker)
    _, dead = issue(social_worker)
    ApiToken.objects.filter(pk=dead.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    client.force_login(social_worker)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    client_two = APIClient()
    client_two.force_login(social_worker)
    assert Session.objects.count() == 2

    assert tasks.clear_expired_sign_ins.delay().get() == {"sessions": 1, "tokens": 1}
    assert Session.objects.count() == 1
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [live.pk]
    assert tasks.clear_expired_sign_ins.delay().get() == {"sessions": 0, "tokens": 0}


def test_a_token_request_asks_for_the_token_user_and_roles_once(social_worker):
    """One query finds the token, its user and the user's roles; nothing asks again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    key, _ = issue(social_worker)
    with_token(key).get("/api/v1/me/")  # the first use may renew the token's expiry
    with CaptureQueriesContext(connection) as queries:
        response = with_token(key).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["roles"] == [Role.SOCIAL_WORKER]
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("cpcase_apitoken" in s for s in sql) == 1, sql
    assert sum("auth_group" in s for s in sql) == 1, sql
    assert not any("cpcase_user" in s for s in sql if "cpcase_apitoken" not in s), sql


def test_an_expired_token_of_the_user_never_works_whatever_else_is_used(social_worker):
    """Another token's use does not keep an expired one: it is refused (and gone)."""
    live, _ = issue(social_worker)
    dead, dead_token = issue(social_worker)
    ApiToken.objects.filter(pk=dead_token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert with_token(live).get("/api/v1/me/").status_code == 200
    assert with_token(dead).get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.filter(pk=dead_token.pk).exists()


def test_the_token_s_query_reads_the_token_and_user_as_the_orm_does(social_worker, team_manager):
    """The token's query is written from the models' columns: every field of the token and
    of its user comes back as the ORM reads it, and the roles are the user's groups."""
    from cpcase.api_auth import _tokens_with_key

    _key, token = issue(social_worker)
    issue(team_manager)
    found = _tokens_with_key(token.token_key)
    assert len(found) == 1
    read, roles = found[0]
    fresh = ApiToken.objects.select_related("user").get(pk=token.pk)
    for model_field in ApiToken._meta.concrete_fields:
        assert getattr(read, model_field.attname) == getattr(fresh, model_field.attname)
    for model_field in type(fresh.user)._meta.concrete_fields:
        name = model_field.attname
        assert getattr(read.user, name) == getattr(fresh.user, name), name
    assert not read._state.adding and not read.user._state.adding
    assert sorted(roles) == sorted(social_worker.groups.values_list("name", flat=True))
    assert _tokens_with_key("no-such-key") == []

"""POST /api/v1/auth/token/, GET /api/v1/me/ and GET /api/v1/staff/ (API.md)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpcase.models import ApiToken, AuditEvent
from cpcase.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.second_factor import code_for, enrol, wrong_code

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # The token throttle counts in the cache; each test starts from nothing.
    cache.clear()
    yield
    cache.clear()


def sign_in_body(user, **extra) -> dict[str, str]:
    """A token request with the user's password and the code their app shows now."""
    return {
        "username": user.username,
        "password": TEST_PASSWORD,
        "otp": code_for(enrol(user)),
        **extra,
    }


# --- Tokens ---------------------------------------------------------------------------


def test_token_flow_end_to_end(api, social_worker, child):
    response = api.post(TOKEN, sign_in_body(social_worker))
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    token = body["token"]
    stored = ApiToken.objects.get(user=social_worker)
    assert token not in (stored.digest, stored.token_key)  # only a hash is kept
    assert body["expires_at"] == stored.expiry.isoformat().replace("+00:00", "Z")
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN)
    assert event.actor == social_worker
    assert event.object_id == str(stored.pk)

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").json()["username"] == "sw.allocated"
    assert api.get(f"/api/v1/children/{child.pk}/").status_code == 200

    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get("/api/v1/me/").status_code == 401


def test_asking_again_gives_another_token(api, social_worker):
    first = api.post(TOKEN, sign_in_body(social_worker)).json()
    second = api.post(TOKEN, sign_in_body(social_worker)).json()
    assert first["token"] != second["token"]
    assert ApiToken.objects.filter(user=social_worker).count() == 2
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN).count() == 2


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "sw.allocated", "password": "wrong"},
        {"username": "nobody", "password": TEST_PASSWORD},
    ],
)
def test_wrong_credentials_are_400(api, social_worker, credentials):
    response = api.post(TOKEN, credentials)
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["The username or password is not right."]}
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).count() == 1


def test_an_inactive_account_gets_no_token(api, social_worker):
    body = sign_in_body(social_worker)
    social_worker.is_active = False
    social_worker.save()
    response = api.post(TOKEN, body)
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"password": TEST_PASSWORD}, "username"),
        ({"username": "sw.allocated"}, "password"),
        ({"username": ["sw"], "password": TEST_PASSWORD}, "username"),
    ],
)
def test_missing_fields_are_400(api, social_worker, data, field):
    response = api.post(TOKEN, data)
    assert response.status_code == 400
    assert field in response.json()


def test_malformed_json_is_400(api):
    response = api.post(TOKEN, '{"username":', content_type="application/json")
    assert response.status_code == 400


def test_the_second_factor_is_required(api, social_worker):
    device = enrol(social_worker)
    credentials = {"username": "sw.allocated", "password": TEST_PASSWORD}

    missing = api.post(TOKEN, credentials)
    assert missing.status_code == 400
    assert "otp" in missing.json()

    wrong = api.post(TOKEN, {**credentials, "otp": wrong_code(device)})
    assert wrong.status_code == 400
    assert "otp" in wrong.json()
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.LOGIN_FAILED, actor=social_worker
    ).exists()

    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    right = api.post(TOKEN, {**credentials, "otp": code_for(device)})
    assert right.status_code == 200, right.content
    assert ApiToken.objects.filter(user=social_worker).count() == 1


def test_a_code_works_once(api, social_worker):
    device = enrol(social_worker)
    code = code_for(device)
    credentials = {"username": "sw.allocated", "password": TEST_PASSWORD, "otp": code}
    assert api.post(TOKEN, credentials).status_code == 200
    again = api.post(TOKEN, credentials)
    assert again.status_code == 400
    assert "otp" in again.json()


@pytest.mark.parametrize("confirmed", [False, None])
def test_an_account_with_no_second_factor_gets_no_token(api, social_worker, confirmed):
    if confirmed is not None:
        TOTPDevice.objects.create(user=social_worker, name="phone", confirmed=confirmed)
    response = api.post(TOKEN, {"username": "sw.allocated", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "second factor" in response.json()["otp"][0]
    assert not ApiToken.objects.exists()


def test_the_token_endpoint_is_throttled(api, social_worker):
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"]
    allowed = int(rate.split("/")[0])
    # A different name each time, so that the per-account lockout plays no part.
    statuses = [
        api.post(TOKEN, {"username": f"nobody{i}", "password": "wrong"}).status_code
        for i in range(allowed + 1)
    ]
    assert statuses[:allowed] == [400] * allowed
    assert statuses[-1] == 429
    # Even the right password and code wait.
    right = api.post(TOKEN, sign_in_body(social_worker))
    assert right.status_code == 429
    assert not ApiToken.objects.exists()


# --- Me -----------------------------------------------------------------------------------


def test_me(api_as, team_manager, team, authority):
    body = api_as(team_manager).get("/api/v1/me/").json()
    assert body["id"] == str(team_manager.pk)
    assert body["username"] == "tm.north"
    assert body["name"] == "Jordan Manager"
    assert body["roles"] == ["team_manager"]
    assert body["team"] == str(team.pk)
    assert body["team_name"] == "North locality team"
    assert body["authority"] == "990"


def test_me_without_team_or_authority(api_as, police_enquirer):
    body = api_as(police_enquirer).get("/api/v1/me/").json()
    assert body["roles"] == ["police_enquirer"]
    assert body["team"] is None
    assert body["authority"] is None


def test_me_needs_signing_in(api):
    assert api.get("/api/v1/me/").status_code == 401


# --- Staff --------------------------------------------------------------------------------

STAFF = "/api/v1/staff/"


def test_staff_lists_the_authority(
    api_as, team_manager, social_worker, other_team_worker, chair, other_authority_worker
):
    body = api_as(team_manager).get(STAFF).json()
    assert set(body) == {"count", "next", "previous", "results"}
    ids = {s["id"] for s in body["results"]}
    assert {str(social_worker.pk), str(other_team_worker.pk), str(chair.pk)} <= ids
    assert str(other_authority_worker.pk) not in ids
    row = next(s for s in body["results"] if s["id"] == str(social_worker.pk))
    assert row["name"] == "Robin Allocated"
    assert row["roles"] == ["social_worker"]
    assert row["team"] == str(social_worker.team_id)
    assert row["phone"] == "01632 960123"


def test_staff_by_role_and_team(
    api_as, team_manager, social_worker, other_team_worker, chair, team
):
    client = api_as(team_manager)

    def ids(**params):
        return {s["id"] for s in client.get(STAFF, params).json()["results"]}

    assert ids(role="conference_chair") == {str(chair.pk)}
    assert ids(role="social_worker", team=str(team.pk)) == {str(social_worker.pk)}
    assert ids(role="social_worker", team="South locality team") == {str(other_team_worker.pk)}


def test_an_unknown_role_is_400(api_as, team_manager):
    response = api_as(team_manager).get(STAFF, {"role": "wizard"})
    assert response.status_code == 400
    assert "role" in response.json()


@pytest.mark.parametrize("persona", ["police_enquirer", "health_enquirer", "system_admin"])
def test_enquirers_and_administrators_assign_nobody(request, api_as, social_worker, persona):
    body = api_as(request.getfixturevalue(persona)).get(STAFF).json()
    assert body["count"] == 0


def test_staff_queries_do_not_grow(api_as, team_manager, authority, team):
    client = api_as(team_manager)
    UserFactory.create_batch(2, authority=authority, team=team, roles=[Role.SOCIAL_WORKER])
    with CaptureQueriesContext(connection) as few:
        client.get(STAFF)
    UserFactory.create_batch(25, authority=authority, team=team, roles=[Role.SOCIAL_WORKER])
    team_manager.__dict__.pop("roles", None)
    with CaptureQueriesContext(connection) as many:
        assert client.get(STAFF).json()["count"] == 28
    assert len(many) == len(few)


def test_a_locked_account_gets_no_token(api, social_worker):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        api.post(TOKEN, {"username": "sw.allocated", "password": "wrong"})
    right = api.post(TOKEN, sign_in_body(social_worker))
    assert right.status_code == 429
    assert not ApiToken.objects.exists()

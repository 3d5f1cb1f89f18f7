"""The second factor: every route refuses a session that has only the password; set-up
with a QR code, a key and recovery codes; recovery codes work once; a system
administrator resets another user's (never their own)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpcase import second_factor
from cpcase.errors import NotPermitted
from cpcase.models import ApiToken, AuditEvent, Authority, Child, Team, User
from cpcase.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.second_factor import code_for, enrol, wrong_code

pytestmark = pytest.mark.django_db

# Sign-in routes: they ask for credentials themselves (the token endpoint is tested below).
OPEN = {"login", "logout", "second-factor", "second-factor-enrol", "api-token"}
SAMPLE_ID = str(uuid.UUID(int=7))

# --- Every route, from the URL configuration -------------------------------------------


def _fill_regex(pattern: str) -> str:
    """A concrete path for a regex route: each group its first alternative, or an id."""

    def group(match: re.Match) -> str:
        body = match.group(1)
        if re.fullmatch(r"[\w|]+", body):
            return body.split("|")[0]
        return SAMPLE_ID

    path = re.sub(r"\(\?P<\w+>((?:[^()]|\([^()]*\))*)\)", group, pattern)
    return path.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")


def _fill_route(route: str) -> str:
    return re.sub(
        r"<(?:(\w+):)?\w+>",
        lambda m: "1" if m.group(1) == "int" else SAMPLE_ID,
        route,
    )


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        pattern = entry.pattern
        part = (
            _fill_regex(pattern.regex.pattern)
            if isinstance(pattern, RegexPattern)
            else _fill_route(str(pattern))
        )
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + part)
        elif isinstance(entry, URLPattern):
            yield prefix + part, entry


def every_route() -> list[tuple[str, str]]:
    routes = []
    for path, entry in _walk(get_resolver().url_patterns):
        path = "/" + path
        try:
            match = resolve(path)
        except Exception:  # a route this filler cannot fill is a bug in the test
            raise AssertionError(f"could not make a path for {entry!r}: {path}") from None
        routes.append((path, match.url_name or ""))
    return routes


ROUTES = every_route()


def test_the_walk_finds_the_routes():
    paths = {path for path, _ in ROUTES}
    assert len(ROUTES) > 60
    assert "/api/v1/children/" in paths
    assert "/admin/" in paths
    assert any(p.startswith("/admin/cpcase/user/") for p in paths)
    assert "/api/v1/auth/tokens/" in paths


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_route_refuses_a_session_without_the_second_factor(
    unverified_client, social_worker, method
):
    enrol(social_worker)  # enrolled: sent to the code page
    client = unverified_client(social_worker)
    wrong: list[str] = []
    for path, name in ROUTES:
        if name in OPEN:
            continue
        response = getattr(client, method)(path)
        if path.startswith("/api/"):
            if response.status_code not in (401, 403):
                wrong.append(f"{method.upper()} {path}: {response.status_code}")
        elif response.status_code != 302 or not response["Location"].startswith(
            "/accounts/second-factor/?next="
        ):
            wrong.append(f"{method.upper()} {path}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_an_account_with_no_second_factor_is_sent_to_set_it_up(unverified_client, team_manager):
    client = unverified_client(team_manager)
    for path in ("/", "/children/", "/admin/", "/admin/cpcase/user/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/second-factor/set-up/?next=")


def test_the_api_refuses_the_session_alone(unverified_client, social_worker, child):
    client = unverified_client(social_worker)
    for path in ("/api/v1/me/", f"/api/v1/children/{child.pk}/", "/api/schema/"):
        assert client.get(path).status_code == 401, path
    # ... and cannot mint a token without the code either.
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "sw.allocated", "password": TEST_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    # Revoking and listing take a token, never the session.
    assert client.delete("/api/v1/auth/token/").status_code == 401
    assert client.get("/api/v1/auth/token/").status_code == 401


def test_a_verified_session_reaches_pages_and_the_api(client, social_worker, child):
    client.force_login(social_worker)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_the_admin_site_asks_for_the_second_factor():
    assert isinstance(admin.site, OTPAdminSite)
    assert admin.site.name == "admin"
    for model in (User, Authority, Team, Child, AuditEvent):
        assert admin.site.is_registered(model), model
    # Nobody reads another person's secret key through the admin.
    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)


def test_the_admin_needs_a_verified_session(unverified_client, system_admin):
    system_admin.is_staff = True
    system_admin.save()
    enrol(system_admin)
    assert unverified_client(system_admin).get("/admin/cpcase/user/").status_code == 302
    verified = Client()
    verified.force_login(system_admin)
    assert verified.get("/admin/cpcase/user/").status_code == 200


# --- Enrolment ---------------------------------------------------------------------------


def test_first_sign_in_sets_up_the_second_factor(social_worker):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "sw.allocated", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/second-factor/set-up/")
    page = response.content.decode()
    assert "<svg" in page and "QR code" in page
    device = TOTPDevice.objects.get(user=social_worker, confirmed=False)
    assert second_factor.manual_key(device) in page
    # The same key until it is confirmed (the app already has it).
    assert (
        second_factor.manual_key(device)
        in client.get("/accounts/second-factor/set-up/").content.decode()
    )

    wrong = client.post("/accounts/second-factor/set-up/", {"code": wrong_code(device)})
    assert wrong.status_code == 200
    assert "There is a problem" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=social_worker, confirmed=True).exists()

    empty = client.post("/accounts/second-factor/set-up/", {"code": ""})
    assert "Enter the code from your authenticator app" in empty.content.decode()

    device.throttle_reset()
    done = client.post("/accounts/second-factor/set-up/", {"code": code_for(device), "next": "/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert len(codes) == second_factor.RECOVERY_CODE_COUNT
    assert set(codes) == set(
        StaticToken.objects.filter(device__user=social_worker).values_list("token", flat=True)
    )
    assert TOTPDevice.objects.get(user=social_worker).confirmed
    event = AuditEvent.objects.get(action=AuditEvent.Action.SECOND_FACTOR_ENROLLED)
    assert event.actor == social_worker
    # Past the second factor now: the pages open.
    assert client.get("/").status_code == 200
    # The set-up page is done with: it sends on to the code page, never the key again.
    again = client.get("/accounts/second-factor/set-up/")
    assert again.status_code == 302


def test_an_enrolled_account_signs_in_with_the_app_code(social_worker):
    device = enrol(social_worker)
    client = Client()
    client.post("/accounts/login/", {"username": "sw.allocated", "password": TEST_PASSWORD})
    assert client.get("/children/")["Location"] == "/accounts/second-factor/?next=%2Fchildren%2F"

    wrong = client.post("/accounts/second-factor/", {"code": wrong_code(device)})
    assert wrong.status_code == 200
    assert "There is a problem" in wrong.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.LOGIN_FAILED, actor=social_worker, summary__contains="second"
    ).exists()

    device.throttle_reset()
    right = client.post(
        "/accounts/second-factor/", {"code": code_for(device), "next": "/children/"}
    )
    assert right.status_code == 302
    assert right["Location"] == "/children/"
    assert client.get("/children/").status_code == 200


def test_next_goes_nowhere_outside(social_worker):
    device = enrol(social_worker)
    client = Client()
    client.post("/accounts/login/", {"username": "sw.allocated", "password": TEST_PASSWORD})
    response = client.post(
        "/accounts/second-factor/", {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_recovery_code_works_once(social_worker):
    enrol_device = TOTPDevice.objects.create(user=social_worker, name="app", confirmed=False)
    _, codes = second_factor.second_factor_enrol(user=social_worker, code=code_for(enrol_device))

    def sign_in_with(code: str) -> int:
        client = Client()
        client.post("/accounts/login/", {"username": "sw.allocated", "password": TEST_PASSWORD})
        response = client.post("/accounts/second-factor/", {"code": code})
        return response.status_code

    assert sign_in_with(codes[0].upper()) == 302  # typed as shown, in either case
    assert sign_in_with(codes[0]) == 200  # used up
    StaticDevice.objects.filter(user=social_worker).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    assert sign_in_with(codes[1]) == 302
    assert second_factor.recovery_codes_left(social_worker) == len(codes) - 2
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.LOGIN, summary__startswith="Used a recovery code"
        ).count()
        == 2
    )


# --- Reset by a system administrator -----------------------------------------------------


def test_a_system_administrator_resets_a_lost_second_factor(system_admin, social_worker, api):
    enrol(social_worker)
    client = Client()
    client.force_login(social_worker)
    assert client.get("/").status_code == 200
    ApiToken.objects.create(user=social_worker)

    second_factor.second_factor_reset(actor=system_admin, user=social_worker)

    assert not TOTPDevice.objects.filter(user=social_worker).exists()
    assert not StaticDevice.objects.filter(user=social_worker).exists()
    assert not ApiToken.objects.filter(user=social_worker).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.SECOND_FACTOR_REMOVED)
    assert event.actor == system_admin
    assert event.object_id == str(social_worker.pk)
    # Their session no longer counts: they set it up again.
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/second-factor/set-up/")


def test_nobody_resets_their_own_second_factor(system_admin):
    enrol(system_admin)
    with pytest.raises(NotPermitted, match="your own"):
        second_factor.second_factor_reset(actor=system_admin, user=system_admin)
    assert TOTPDevice.objects.filter(user=system_admin).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SECOND_FACTOR_REMOVED).exists()


@pytest.mark.parametrize("persona", ["team_manager", "unit_manager", "other_authority_admin"])
def test_only_a_system_administrator_of_the_authority_resets(
    request, other_authority, social_worker, persona
):
    if persona == "other_authority_admin":
        actor = UserFactory(
            username="admin.south", authority=other_authority, roles=[Role.SYSTEM_ADMIN]
        )
    else:
        actor = request.getfixturevalue(persona)
    enrol(social_worker)
    with pytest.raises(NotPermitted):
        second_factor.second_factor_reset(actor=actor, user=social_worker)
    assert TOTPDevice.objects.filter(user=social_worker).exists()


def test_the_admin_action_resets_and_refuses_your_own(system_admin, social_worker):
    system_admin.is_staff = True
    system_admin.save()
    enrol(social_worker)
    client = Client()
    client.force_login(system_admin)
    response = client.post(
        "/admin/cpcase/user/",
        {
            "action": "reset_second_factor",
            "_selected_action": [str(social_worker.pk), str(system_admin.pk)],
        },
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Second factor reset for: sw.allocated" in page
    assert "cannot reset your own" in page
    assert not TOTPDevice.objects.filter(user=social_worker).exists()
    assert TOTPDevice.objects.filter(user=system_admin).exists()

"""Failed sign-ins: locked per username and address, slowed down per username, the
system administrators told; the client address is the one our own proxy saw."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.utils import timezone

from cpcase import lockout
from cpcase.models import AuditEvent, Notification
from cpcase.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"


def _sign_in(username, password, address="127.0.0.1"):
    request = RequestFactory().post("/", REMOTE_ADDR=address)
    return authenticate(request, username=username, password=password)


def _page_sign_in(username, password, address, **headers):
    return Client(REMOTE_ADDR=address, **headers).post(
        "/accounts/login/", {"username": username, "password": password}
    )


def _fail(username, address, times=1):
    for _ in range(times):
        assert _sign_in(username, "wrong password", address) is None


def _wait_passes(username):
    """Move the username's failures back past any back-off (instead of sleeping)."""
    AccessAttempt.objects.filter(username=username).update(
        attempt_time=timezone.now() - dt.timedelta(seconds=settings.CPCASE_BACKOFF_MAX_SECONDS)
    )


# --- Locked by username and address together -------------------------------------------


def test_five_failures_lock_the_account_even_with_the_right_password(
    police_enquirer, health_enquirer
):
    for _ in range(4):
        assert _sign_in("police", "wrong password") is None
    assert _sign_in("police", TEST_PASSWORD) == police_enquirer  # four are not enough
    _sign_in("police", "wrong password")
    assert _sign_in("police", TEST_PASSWORD) is None  # locked
    assert _sign_in("health", TEST_PASSWORD) == health_enquirer  # another account is not


def test_the_lock_is_for_that_address_only(social_worker, settings):
    _fail("sw.allocated", "198.51.100.7", settings.AXES_FAILURE_LIMIT)
    locked = _page_sign_in("sw.allocated", TEST_PASSWORD, "198.51.100.7")
    assert locked.status_code == 429
    assert "locked from this address" in locked.content.decode()
    # The person on call, elsewhere, still signs in.
    assert _page_sign_in("sw.allocated", TEST_PASSWORD, "203.0.113.20").status_code == 302


def test_a_lock_is_audited_and_the_authoritys_system_admins_are_told(
    social_worker, system_admin, other_authority, settings
):
    other_admin = UserFactory(authority=other_authority, roles=[Role.SYSTEM_ADMIN])
    _fail("sw.allocated", "198.51.100.7", settings.AXES_FAILURE_LIMIT)
    _page_sign_in("sw.allocated", TEST_PASSWORD, "198.51.100.7")  # refused while locked
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOCKOUT)
    assert event.actor_username == "sw.allocated"
    assert event.object_id == str(social_worker.pk)
    assert event.changes["locked"] == {"from": False, "to": True}
    assert event.changes["address"] == "198.51.100.7"
    told = Notification.objects.get(kind="account_lockout")
    assert told.recipient == system_admin
    assert "sw.allocated" in told.title
    assert not Notification.objects.filter(recipient=other_admin).exists()


# --- Slowed down when failing from many addresses ---------------------------------------


def test_a_username_failing_from_many_addresses_is_slowed_down_not_locked(social_worker, settings):
    addresses = [f"198.51.100.{n}" for n in range(1, settings.CPCASE_BACKOFF_ADDRESSES + 1)]
    for address in addresses:
        _fail("sw.allocated", address)
    # Right password, new address: wait first, and the refusal is not one more failure.
    assert _sign_in("sw.allocated", TEST_PASSWORD, "203.0.113.20") is None
    assert not AccessAttempt.objects.filter(ip_address="203.0.113.20").exists()
    slowed = _page_sign_in("sw.allocated", TEST_PASSWORD, "203.0.113.20")
    assert slowed.status_code == 429 and "Wait" in slowed.content.decode()
    _wait_passes("sw.allocated")
    assert _sign_in("sw.allocated", TEST_PASSWORD, "203.0.113.20") == social_worker


def test_the_wait_doubles_with_each_failure_up_to_the_maximum(social_worker, settings):
    settings.CPCASE_BACKOFF_MAX_SECONDS = 60
    addresses = [f"198.51.100.{n}" for n in range(1, 5)]
    waits = []
    for _round in range(4):
        for address in addresses:
            _wait_passes("sw.allocated")
            _fail("sw.allocated", address)
        waits.append(lockout.backoff_for("sw.allocated", "203.0.113.20").wait_seconds)
    assert waits[0] < waits[1] < waits[2]
    assert waits[-1] == 60
    # Sixteen failures from four addresses, fewer than five from each: nothing is locked.
    _wait_passes("sw.allocated")
    assert _sign_in("sw.allocated", TEST_PASSWORD, "198.51.100.1") == social_worker


def test_an_address_the_person_signed_in_from_is_not_slowed_down(social_worker, settings):
    assert _page_sign_in("sw.allocated", TEST_PASSWORD, "192.0.2.44").status_code == 302
    for n in range(1, settings.CPCASE_BACKOFF_ADDRESSES + 2):
        _fail("sw.allocated", f"198.51.100.{n}")
    assert _sign_in("sw.allocated", TEST_PASSWORD, "203.0.113.20") is None
    assert _sign_in("sw.allocated", TEST_PASSWORD, "192.0.2.44") == social_worker


def test_a_back_off_is_audited_once_and_the_system_admins_told(
    social_worker, system_admin, settings
):
    for n in range(1, settings.CPCASE_BACKOFF_ADDRESSES + 1):
        _fail("sw.allocated", f"198.51.100.{n}")
    for _ in range(3):
        _sign_in("sw.allocated", TEST_PASSWORD, "203.0.113.20")
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOCKOUT)
    assert event.changes["kind"] == "backoff"
    assert event.changes["addresses"] == settings.CPCASE_BACKOFF_ADDRESSES
    assert Notification.objects.get(kind="account_lockout").recipient == system_admin


def test_the_api_gets_json_when_slowed_down(api, social_worker, settings):
    for n in range(1, settings.CPCASE_BACKOFF_ADDRESSES + 1):
        _fail("sw.allocated", f"198.51.100.{n}")
    response = api.post(
        "/api/v1/auth/token/", {"username": "sw.allocated", "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
    assert "Wait" in response.json()["detail"]


# --- The client address -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "6.6.6.6", PROXY, PROXY),  # no proxy trusted: the header is ignored
        (1, "6.6.6.6, 203.0.113.9", PROXY, "203.0.113.9"),  # the proxy's entry, not the forged
        (1, "203.0.113.9", PROXY, "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", PROXY, "203.0.113.9"),
        (2, "203.0.113.9", PROXY, PROXY),  # shorter than the chain: not through our proxies
        (1, "not-an-address", PROXY, PROXY),
        (1, "", PROXY, PROXY),
    ],
)
def test_the_client_address_is_the_one_our_proxies_saw(
    settings, proxies, forwarded, remote, expected
):
    from cpcase.middleware import client_ip

    settings.CPCASE_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_a_forged_forwarded_address_does_not_reach_the_audit_trail(social_worker, settings):
    settings.CPCASE_TRUSTED_PROXY_COUNT = 1
    _page_sign_in(
        "sw.allocated", "wrong password", PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    _page_sign_in("sw.allocated", TEST_PASSWORD, PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    addresses = set(
        AuditEvent.objects.filter(action__in=["login", "login_failed"]).values_list(
            "ip_address", flat=True
        )
    )
    assert addresses == {"203.0.113.9"}


def test_a_forged_forwarded_address_does_not_escape_the_lock(social_worker, settings):
    settings.CPCASE_TRUSTED_PROXY_COUNT = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        _page_sign_in(
            "sw.allocated", "wrong", PROXY, HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 203.0.113.9"
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    locked = _page_sign_in(
        "sw.allocated", TEST_PASSWORD, PROXY, HTTP_X_FORWARDED_FOR="7.7.7.7, 203.0.113.9"
    )
    assert locked.status_code == 429


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CPCASE_TRUSTED_PROXY_COUNT", "-1"),
        ("CPCASE_BACKOFF_ADDRESSES", "1"),
        ("CPCASE_BACKOFF_MAX_SECONDS", "0"),
    ],
)
def test_a_bad_sign_in_setting_fails_loudly(tmp_path, name, value):
    from tests.core.test_settings import _load_settings

    result = _load_settings(tmp_path, **{name: value})
    assert result.returncode != 0
    assert name in result.stderr

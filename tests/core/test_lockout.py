"""Repeated failed sign-ins lock the account for a time."""

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(username, password):
    return authenticate(RequestFactory().post("/"), username=username, password=password)


def test_five_failures_lock_the_account_even_with_the_right_password(
    police_enquirer, health_enquirer
):
    for _ in range(4):
        assert _sign_in("police", "wrong password") is None
    assert _sign_in("police", TEST_PASSWORD) == police_enquirer  # four are not enough
    _sign_in("police", "wrong password")
    assert _sign_in("police", TEST_PASSWORD) is None  # locked
    assert _sign_in("health", TEST_PASSWORD) == health_enquirer  # another account is not

"""Named personas: who is asking matters more than anything else in these tests."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test.utils import override_settings
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from cpcase.celery import app
from cpcase.db_roles import connect_default_as
from cpcase.embedded_db import ensure_started
from cpcase.roles import Role
from tests.factories import (
    AddressFactory,
    AuthorityFactory,
    ChildFactory,
    TeamFactory,
    UserFactory,
)
from tests.support.worker import redis_url_for_tests


@pytest.fixture(scope="session", autouse=True)
def embedded_system():
    """The test session is an entry point: it starts the embedded database (without
    DATABASE_URL) and makes the secret key and folders before any test runs."""
    ensure_started()


@pytest.fixture(scope="session", autouse=True)
def _quick_password_hashing():
    """Django's PBKDF2 (1,000,000 iterations) takes about half a second of CPU a password,
    and every persona has a password: the tests hash with MD5 (Django's own advice for
    test speed). PBKDF2 stays second, so a hash made by a subprocess (``manage.py
    serve``, a real worker) is still read; production's hashers are unchanged."""
    fast = "django.contrib.auth.hashers.MD5PasswordHasher"
    with override_settings(PASSWORD_HASHERS=[fast, *settings.PASSWORD_HASHERS]):
        yield


@pytest.fixture(scope="session", autouse=True)
def _sessions_slide_on_every_request():
    """In production a signed-in request saves its session at most once a minute
    (``CPCASE_SESSION_SLIDE_SECONDS``), so whether a request writes depends on the clock.
    The tests that count a request's queries must not depend on how long the test took:
    here every signed-in request slides the session. ``tests/core/test_sessions.py``
    tests the minute itself, with the production value."""
    with override_settings(CPCASE_SESSION_SLIDE_SECONDS=0):
        yield


@pytest.fixture(scope="session")
def django_db_modify_db_settings(embedded_system, django_db_modify_db_settings_parallel_suffix):
    """The test database is created and migrated by the owner role..."""
    connect_default_as("owner")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """...and the tests run as the application's role, as production does."""
    with django_db_blocker.unblock():
        connect_default_as("default")
    yield
    with django_db_blocker.unblock():
        connect_default_as("owner")  # the owner drops the test database


@pytest.fixture
def authority(db):
    return AuthorityFactory(code="990", name="Northbrook Borough Council")


@pytest.fixture
def other_authority(db):
    return AuthorityFactory(code="991", name="Southmere City Council")


@pytest.fixture
def team(authority):
    return TeamFactory(authority=authority, name="North locality team")


@pytest.fixture
def other_team(authority):
    return TeamFactory(authority=authority, name="South locality team")


@pytest.fixture
def social_worker(authority, team):
    return UserFactory(
        username="sw.allocated",
        first_name="Robin",
        last_name="Allocated",
        authority=authority,
        team=team,
        roles=[Role.SOCIAL_WORKER],
    )


@pytest.fixture
def team_manager(authority, team):
    return UserFactory(
        username="tm.north",
        first_name="Jordan",
        last_name="Manager",
        authority=authority,
        team=team,
        roles=[Role.TEAM_MANAGER],
    )


@pytest.fixture
def other_team_worker(authority, other_team):
    return UserFactory(
        username="sw.south",
        first_name="Casey",
        last_name="Elsewhere",
        authority=authority,
        team=other_team,
        roles=[Role.SOCIAL_WORKER],
    )


@pytest.fixture
def other_team_manager(authority, other_team):
    return UserFactory(
        username="tm.south", authority=authority, team=other_team, roles=[Role.TEAM_MANAGER]
    )


@pytest.fixture
def service_leader(authority):
    return UserFactory(username="sl", authority=authority, roles=[Role.SERVICE_LEADER])


@pytest.fixture
def chair(authority):
    return UserFactory(username="chair", authority=authority, roles=[Role.CONFERENCE_CHAIR])


@pytest.fixture
def unit_manager(authority):
    return UserFactory(username="sum", authority=authority, roles=[Role.SAFEGUARDING_UNIT_MANAGER])


@pytest.fixture
def core_group_member(authority):
    return UserFactory(username="cgm", authority=None, roles=[Role.CORE_GROUP_MEMBER])


@pytest.fixture
def police_enquirer(db):
    return UserFactory(username="police", authority=None, roles=[Role.POLICE_ENQUIRER])


@pytest.fixture
def health_enquirer(db):
    return UserFactory(username="health", authority=None, roles=[Role.HEALTH_ENQUIRER])


@pytest.fixture
def senior_officer(authority):
    return UserFactory(username="senior", authority=authority, roles=[Role.SENIOR_OFFICER])


@pytest.fixture
def system_admin(authority):
    return UserFactory(username="admin", authority=authority, roles=[Role.SYSTEM_ADMIN])


@pytest.fixture
def other_authority_worker(other_authority):
    team = TeamFactory(authority=other_authority, name="Southmere team")
    return UserFactory(
        username="sw.southmere", authority=other_authority, team=team, roles=[Role.SOCIAL_WORKER]
    )


@pytest.fixture
def child(authority, team, social_worker):
    """A child allocated to ``social_worker`` in ``team``, living at a made-up address."""
    from cpcase.services import _grant_allocated_worker

    c = ChildFactory(
        first_name="Amelia",
        last_name="Testchild",
        responsible_authority=authority,
        team=team,
        lead_social_worker=social_worker,
        address=AddressFactory(line1="12 Imaginary Road", postcode="ZZ1 1ZZ"),
    )
    _grant_allocated_worker(c, None, social_worker)
    return c


@pytest.fixture
def core_group_child(child, core_group_member):
    assign_perm("cpcase.view_child_plan", core_group_member, child)
    return child


@pytest.fixture(autouse=True)
def _signed_in_sessions_pass_the_second_factor(monkeypatch):
    """``client.force_login(user)`` (and ``client.login``) gives a session that has passed
    the second factor with the user's own authenticator-app device, as a real sign-in
    would. A client with ``second_factor_passed = False`` stays at the password alone
    (see ``unverified_client``)."""
    from django.test.client import ClientMixin
    from django_otp import DEVICE_ID_SESSION_KEY

    from tests.support.second_factor import enrol

    original = ClientMixin._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        if getattr(self, "second_factor_passed", True):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = enrol(user).persistent_id
            session.save()

    monkeypatch.setattr(ClientMixin, "_login", _login)


@pytest.fixture
def unverified_client():
    """A browser client that signs in with the password alone (no second factor yet)."""
    from django.test import Client

    def make(user):
        client = Client()
        client.second_factor_passed = False
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(api):
    def _as(user):
        api.force_authenticate(user=user)
        return api

    return _as


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run in-process, except in tests that bring a real worker (marked ``worker``)."""
    from cpcase.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests flush every table, the migrations' rows too: put them back."""
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or "transactional_db" in request.fixturenames):
        from cpcase.reference_data import ensure_reference_data

        request.getfixturevalue("transactional_db")
        ensure_reference_data()


@pytest.fixture
def app_on_test_redis():
    """The application itself publishes to the test Redis, as it does in production."""
    saved = (app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.broker_transport_options = redis_url_for_tests(), {}
    app.conf.task_always_eager = False
    _reset_connections()
    yield
    app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager = saved
    _reset_connections()


def _reset_connections():
    """Forget pooled broker connections so the next publish uses the current broker_url
    (kombu keeps its pools globally, by connection)."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None

"""The user of a signed-in session's request is read with its authority, team and roles in
one query (cpcase.auth_backends.ModelBackend), and is the same user Django's own backend
reads: the same fields, the same roles, nobody for an inactive or unknown account."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpcase.auth_backends import ModelBackend
from cpcase.models import User
from cpcase.roles import Role
from tests.factories import UserFactory
from tests.support.personas import EVERY_PERSONA

pytestmark = pytest.mark.django_db

PERSONAS = EVERY_PERSONA


def _fields(user: User) -> dict[str, object]:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_session_s_user_is_django_s_with_roles_and_authority_in_one_query(
    request, persona, django_assert_num_queries
):
    expected = DjangoModelBackend().get_user(request.getfixturevalue(persona).pk)
    assert expected is not None
    roles, authority, team = expected.roles, expected.authority, expected.team
    with django_assert_num_queries(1):
        # As the session keeps it: the id as text.
        user = ModelBackend().get_user(str(expected.pk))
        assert user is not None
        assert _fields(user) == _fields(expected)
        assert user.roles == roles
        assert user.authority == authority
        assert user.authority is None or user.authority.name == authority.name
        assert user.team == team
        assert user.team is None or user.team.name == team.name


def test_several_roles_none_and_no_authority(authority):
    several = UserFactory(authority=authority, roles=[Role.SOCIAL_WORKER, Role.CONFERENCE_CHAIR])
    none = UserFactory(authority=None, roles=[])
    assert ModelBackend().get_user(several.pk).roles == {Role.SOCIAL_WORKER, Role.CONFERENCE_CHAIR}
    found = ModelBackend().get_user(none.pk)
    assert found.roles == frozenset()
    assert found.authority is None


def test_nobody_for_an_inactive_or_unknown_account(social_worker):
    social_worker.is_active = False
    social_worker.save(update_fields=["is_active"])
    assert ModelBackend().get_user(social_worker.pk) is None
    assert ModelBackend().get_user(uuid.uuid4()) is None


@pytest.mark.parametrize("user_id", ["", "not-a-uuid", None, "1", str(uuid.UUID(int=1))])
def test_nobody_for_a_malformed_id_without_a_query(db, user_id, django_assert_max_num_queries):
    """A session's id that is no UUID finds nobody (and asks nothing); the compiled
    query's own placeholder values find nobody either."""
    with django_assert_max_num_queries(0 if user_id != str(uuid.UUID(int=1)) else 1):
        assert ModelBackend().get_user(user_id) is None


@pytest.mark.parametrize("persona", ["social_worker", "team_manager", "unit_manager"])
def test_a_signed_in_page_reads_the_user_once(request, client, persona):
    """Neither the roles nor the authority's name in the header costs a query of its own."""
    client.force_login(request.getfixturevalue(persona))
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum('FROM "cpcase_user"' in s for s in sql) == 1, sql
    assert not any(s.startswith('SELECT "cpcase_team"') for s in sql), sql
    assert not any(s.startswith('SELECT "auth_group"') for s in sql), sql
    # The authority itself (its calendar, read with its days, is another matter).
    assert not any(
        s.startswith('SELECT "cpcase_authority"') and "ARRAY_AGG" not in s for s in sql
    ), sql

"""manage.py add_user: staff accounts with their roles, team and authority."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from cpcase.models import AuditEvent, User

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unguessable-phrase"


@pytest.fixture(autouse=True)
def _password(monkeypatch):
    monkeypatch.setenv("CPCASE_PASSWORD", PASSWORD)


def add_user(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("add_user", *args, stdout=out)
    return out.getvalue()


def test_creates_a_social_worker(authority, team):
    out = add_user(
        "robin.new",
        "--role",
        "social_worker",
        "--team",
        "North locality team",
        "--authority",
        "990",
        "--first-name",
        "Robin",
        "--last-name",
        "New",
        "--email",
        "robin.new@example.test",
        "--phone",
        "01632 960321",
    )
    assert "Created robin.new" in out
    user = User.objects.get(username="robin.new")
    assert user.roles == {"social_worker"}
    assert (user.team, user.authority) == (team, authority)
    assert (user.name, user.email, user.phone) == (
        "Robin New",
        "robin.new@example.test",
        "01632 960321",
    )
    assert user.check_password(PASSWORD)
    assert not user.is_staff and not user.is_superuser
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_id=str(user.pk))
    assert event.actor_username == "manage.py add_user"
    assert PASSWORD not in str(event.changes)


def test_the_team_gives_the_authority(authority, team):
    add_user("robin.new", "--role", "team_manager", "--team", "north locality team")
    assert User.objects.get(username="robin.new").authority == authority


def test_several_roles_and_admin_sign_in(authority):
    add_user(
        "admin.sum",
        "--role",
        "safeguarding_unit_manager",
        "--role",
        "system_admin",
        "--authority",
        "990",
    )
    user = User.objects.get(username="admin.sum")
    assert user.roles == {"safeguarding_unit_manager", "system_admin"}
    assert user.is_staff


def test_running_again_updates_and_is_idempotent(authority, team, other_team):
    add_user("robin.new", "--role", "social_worker", "--team", "North locality team")
    add_user("robin.new", "--role", "team_manager", "--team", "South locality team")
    user = User.objects.get(username="robin.new")
    assert user.roles == {"team_manager"}
    assert user.team == other_team
    assert User.objects.filter(username="robin.new").count() == 1
    updates = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_id=str(user.pk))
    assert set(updates.get().changes) >= {"roles", "team"}


def test_a_second_identical_run_records_only_the_password(authority, team, monkeypatch):
    args = ("robin.new", "--role", "social_worker", "--team", "North locality team")
    add_user(*args)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "")
    monkeypatch.delenv("CPCASE_PASSWORD")
    add_user(*args)  # a blank password keeps the current one
    user = User.objects.get(username="robin.new")
    assert user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()


def test_the_password_is_asked_twice(authority, monkeypatch):
    monkeypatch.delenv("CPCASE_PASSWORD")
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    add_user("robin.new", "--role", "social_worker", "--authority", "990")
    assert User.objects.get(username="robin.new").check_password(PASSWORD)


def test_passwords_that_differ_are_refused(authority, monkeypatch):
    monkeypatch.delenv("CPCASE_PASSWORD")
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="do not match"):
        add_user("robin.new", "--role", "social_worker", "--authority", "990")
    assert not User.objects.filter(username="robin.new").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--role", "wizard", "--authority", "990"), "Unknown role wizard"),
        (("--role", "social_worker", "--authority", "123"), "No authority has the code '123'"),
        (("--role", "social_worker", "--team", "Nowhere team"), "No team is named 'Nowhere team'"),
        (
            ("--role", "social_worker", "--authority", "991", "--team", "North locality team"),
            "No team is named",
        ),
        (("--role", "social_worker", "--email", "not-an-email"), "email"),
    ],
)
def test_bad_arguments_are_clear_errors(authority, team, other_authority, args, message):
    with pytest.raises(CommandError, match=message):
        add_user("robin.new", *args)
    assert not User.objects.filter(username="robin.new").exists()


def test_an_ambiguous_team_name_needs_the_authority(authority, team, other_authority):
    from tests.factories import TeamFactory

    TeamFactory(authority=other_authority, name="North locality team")
    with pytest.raises(CommandError, match="give --authority"):
        add_user("robin.new", "--role", "social_worker", "--team", "North locality team")
    add_user(
        "robin.new",
        "--role",
        "social_worker",
        "--team",
        "North locality team",
        "--authority",
        "990",
    )
    assert User.objects.get(username="robin.new").team == team


def test_a_weak_password_is_refused(authority, monkeypatch):
    monkeypatch.setenv("CPCASE_PASSWORD", "password")
    with pytest.raises(CommandError, match="password"):
        add_user("robin.new", "--role", "social_worker", "--authority", "990")
    assert not User.objects.filter(username="robin.new").exists()


def test_a_role_is_required(authority):
    with pytest.raises(CommandError):
        add_user("robin.new")

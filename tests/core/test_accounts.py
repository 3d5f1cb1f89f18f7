"""The system administrator runs accounts, not cases: through audited services, within
their own authority, never their own roles, never anybody's password, never a deletion."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpcase import accounts
from cpcase.errors import NotFound, NotPermitted
from cpcase.models import AuditEvent, User
from cpcase.roles import Role
from tests.factories import TEST_PASSWORD, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-and-unguessable-phrase"


def admin_client(user) -> Client:
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def account_events(user, action=None):
    events = AuditEvent.objects.filter(object_type="user", object_id=str(user.pk))
    return events.filter(action=action) if action else events


def change_form(user, **overrides) -> dict:
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "job_title": user.job_title,
        "authority": str(user.authority_id or ""),
        "team": str(user.team_id or ""),
        "agency": "",
        "staff_reference": user.staff_reference,
        "groups": [str(g.pk) for g in user.groups.all()],
        "is_active": "on" if user.is_active else "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def group_id(role) -> str:
    return str(Group.objects.get(name=role).pk)


@pytest.fixture
def other_admin(other_authority):
    return UserFactory(username="admin.south", authority=other_authority, roles=[Role.SYSTEM_ADMIN])


# --- Their own account ------------------------------------------------------------------


def test_a_system_admin_cannot_give_themselves_a_role_in_the_admin(system_admin, team):
    client = admin_client(system_admin)
    page = client.get(f"/admin/cpcase/user/{system_admin.pk}/change/").content.decode()
    assert 'name="groups"' not in page and 'name="is_active"' not in page
    response = client.post(
        f"/admin/cpcase/user/{system_admin.pk}/change/",
        change_form(
            system_admin,
            groups=[group_id(Role.SYSTEM_ADMIN), group_id(Role.SAFEGUARDING_UNIT_MANAGER)],
            team=str(team.pk),
            is_active="",
        ),
    )
    assert response.status_code == 302, response.content
    system_admin.refresh_from_db()
    system_admin.__dict__.pop("roles", None)
    assert system_admin.roles == {Role.SYSTEM_ADMIN}
    assert system_admin.team is None and system_admin.is_active


@pytest.mark.parametrize(
    "change",
    [
        lambda a: accounts.user_roles_change(
            actor=a, user=a, roles=[Role.SYSTEM_ADMIN, Role.SAFEGUARDING_UNIT_MANAGER]
        ),
        lambda a: accounts.user_deactivate(actor=a, user=a),
        lambda a: accounts.user_details_change(
            actor=a,
            user=a,
            details={},
            authority=a.authority,
            team=TeamFactory(authority=a.authority),
            agency=None,
        ),
    ],
    ids=["roles", "active", "team"],
)
def test_the_services_refuse_a_change_to_ones_own_account(system_admin, change):
    with pytest.raises(NotPermitted):
        change(system_admin)
    system_admin.refresh_from_db()
    assert system_admin.is_active and system_admin.team is None
    assert set(system_admin.groups.values_list("name", flat=True)) == {Role.SYSTEM_ADMIN}
    assert not account_events(system_admin).exists()


def test_a_system_admin_may_correct_their_own_name(system_admin):
    accounts.user_details_change(
        actor=system_admin,
        user=system_admin,
        details={"last_name": "Corrected"},
        authority=system_admin.authority,
        team=None,
        agency=None,
    )
    event = account_events(system_admin, AuditEvent.Action.UPDATE).get()
    assert event.changes == {"last_name": {"from": "Tester", "to": "Corrected"}}


# --- Passwords --------------------------------------------------------------------------


def test_no_password_is_set_in_the_admin(system_admin, social_worker):
    client = admin_client(system_admin)
    page = client.get(f"/admin/cpcase/user/{social_worker.pk}/change/").content.decode()
    assert "password/" not in page and 'name="password' not in page
    url = f"/admin/cpcase/user/{social_worker.pk}/password/"
    assert client.get(url).status_code == 403
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 403
    social_worker.refresh_from_db()
    assert social_worker.check_password(TEST_PASSWORD)
    add_page = client.get("/admin/cpcase/user/add/").content.decode()
    assert 'name="password1"' not in add_page


def test_a_one_time_reset_link_sets_a_new_password_and_a_new_second_factor(
    system_admin, social_worker, django_capture_on_commit_callbacks
):
    TOTPDevice.objects.create(user=social_worker, name="phone", confirmed=True)
    client = admin_client(system_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/cpcase/user/",
            {"action": "send_password_reset", "_selected_action": [str(social_worker.pk)]},
        )
    assert response.status_code == 302
    sent = account_events(social_worker, AuditEvent.Action.PASSWORD_RESET).get()
    assert sent.actor == system_admin
    assert sent.changes == {"password_reset": {"from": None, "to": "link sent"}}
    [email] = mail.outbox
    assert email.to == [social_worker.email]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", email.body).group(1)
    social_worker.refresh_from_db()
    assert social_worker.check_password(TEST_PASSWORD)  # nothing changes until they use it

    person = Client()
    form_page = person.get(link, follow=True)
    assert 'name="new_password1"' in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = person.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == "/accounts/reset/done/"

    social_worker.refresh_from_db()
    assert social_worker.check_password(NEW_PASSWORD)
    assert not TOTPDevice.objects.filter(user=social_worker).exists()
    completed = account_events(social_worker, AuditEvent.Action.PASSWORD_RESET).exclude(pk=sent.pk)
    assert completed.get().actor == social_worker
    assert completed.get().changes["second_factor"]["to"] == "enrol again"
    assert NEW_PASSWORD not in str(completed.get().changes)
    # The link works once.
    again = Client().get(link, follow=True).content.decode()
    assert "This link no longer works" in again


def test_a_reset_link_expires(system_admin, social_worker, settings):
    from django.contrib.auth.tokens import default_token_generator

    token = default_token_generator.make_token(social_worker)
    settings.PASSWORD_RESET_TIMEOUT = -1  # any age is now too old
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(social_worker.pk))
    page = Client().get(f"/accounts/reset/{uid}/{token}/", follow=True).content.decode()
    assert "This link no longer works" in page


def test_a_reset_needs_an_email_address(system_admin, social_worker):
    social_worker.email = ""
    social_worker.save()
    from cpcase.errors import DomainError

    with pytest.raises(DomainError) as refused:
        accounts.user_password_reset_send(actor=system_admin, user=social_worker)
    assert "email" in refused.value.errors
    assert not account_events(social_worker).exists()


# --- Creating, changing, deactivating, never deleting ----------------------------------


def test_the_admin_creates_an_account_through_the_service(
    system_admin, team, authority, django_capture_on_commit_callbacks
):
    client = admin_client(system_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/cpcase/user/add/",
            {
                "username": "robin.new",
                "first_name": "Robin",
                "last_name": "New",
                "email": "robin.new@example.test",
                "phone": "01632 960321",
                "job_title": "Social worker",
                "authority": str(authority.pk),
                "team": str(team.pk),
                "staff_reference": "",
                "groups": [group_id(Role.SOCIAL_WORKER)],
            },
        )
    assert response.status_code == 302, response.content
    user = User.objects.get(username="robin.new")
    assert user.roles == {Role.SOCIAL_WORKER}
    assert not user.has_usable_password()
    event = account_events(user, AuditEvent.Action.CREATE).get()
    assert event.actor == system_admin
    assert event.changes["roles"] == {"from": [], "to": [Role.SOCIAL_WORKER]}
    assert event.changes["team"] == {"from": None, "to": str(team.pk)}
    [email] = mail.outbox
    assert email.to == ["robin.new@example.test"] and "/accounts/reset/" in email.body


def test_a_role_change_is_audited_with_before_and_after(system_admin, social_worker):
    client = admin_client(system_admin)
    response = client.post(
        f"/admin/cpcase/user/{social_worker.pk}/change/",
        change_form(social_worker, groups=[group_id(Role.TEAM_MANAGER)]),
    )
    assert response.status_code == 302, response.content
    social_worker.refresh_from_db()
    assert social_worker.roles == {Role.TEAM_MANAGER}
    event = account_events(social_worker, AuditEvent.Action.UPDATE).get()
    assert event.actor == system_admin
    assert event.changes == {"roles": {"from": [Role.SOCIAL_WORKER], "to": [Role.TEAM_MANAGER]}}


def test_deactivating_keeps_the_person_and_stops_their_sign_in(system_admin, social_worker, api):
    from cpcase.api_tokens import api_token_issue
    from tests.support.second_factor import code_for, enrol

    their_session = Client()
    their_session.force_login(social_worker)
    _, key = api_token_issue(
        username=social_worker.username,
        password=TEST_PASSWORD,
        otp=code_for(enrol(social_worker)),
    )
    client = admin_client(system_admin)
    client.post(
        "/admin/cpcase/user/",
        {"action": "deactivate", "_selected_action": [str(social_worker.pk)]},
    )
    social_worker.refresh_from_db()
    assert not social_worker.is_active
    event = account_events(social_worker, AuditEvent.Action.UPDATE).get()
    assert event.changes == {"is_active": {"from": True, "to": False}}
    signed_in = Client().post(
        "/accounts/login/", {"username": "sw.allocated", "password": TEST_PASSWORD}
    )
    assert signed_in.status_code == 200  # the form again, not a redirect in
    assert their_session.get("/").status_code == 302  # the open session ends
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 401


def test_no_account_is_ever_deleted(system_admin, social_worker):
    client = admin_client(system_admin)
    assert client.get(f"/admin/cpcase/user/{social_worker.pk}/delete/").status_code == 403
    client.post(f"/admin/cpcase/user/{social_worker.pk}/delete/", {"post": "yes"})
    client.post(
        "/admin/cpcase/user/",
        {"action": "delete_selected", "_selected_action": [str(social_worker.pk)], "post": "yes"},
    )
    page = client.get("/admin/cpcase/user/").content.decode()
    assert "delete_selected" not in page
    assert User.objects.filter(pk=social_worker.pk).exists()


def test_add_user_creates_through_the_service(authority, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("CPCASE_PASSWORD", NEW_PASSWORD)
    call_command("add_user", "robin.new", "--role", "social_worker", "--authority", "990")
    user = User.objects.get(username="robin.new")
    event = account_events(user, AuditEvent.Action.CREATE).get()
    assert event.actor_username == "manage.py add_user"
    assert event.changes["roles"] == {"from": [], "to": [Role.SOCIAL_WORKER]}
    assert event.changes["authority"] == {"from": None, "to": str(authority.pk)}


# --- Their own authority only -----------------------------------------------------------


def test_the_account_list_is_the_admins_own_authority(
    system_admin, social_worker, other_authority_worker, other_admin, police_enquirer
):
    page = admin_client(system_admin).get("/admin/cpcase/user/").content.decode()
    assert "sw.allocated" in page
    assert "sw.southmere" not in page and "admin.south" not in page
    assert "police" in page  # partner-agency staff belong to no authority
    other_page = admin_client(other_admin).get("/admin/cpcase/user/").content.decode()
    assert "sw.southmere" in other_page and "sw.allocated" not in other_page


def test_another_authoritys_account_cannot_be_reached(
    system_admin, other_authority_worker, django_capture_on_commit_callbacks
):
    client = admin_client(system_admin)
    url = f"/admin/cpcase/user/{other_authority_worker.pk}/change/"
    assert client.get(url).status_code in (302, 404)
    client.post(url, change_form(other_authority_worker, is_active=""))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/cpcase/user/",
            {
                "action": "send_password_reset",
                "_selected_action": [str(other_authority_worker.pk)],
            },
        )
    for service in (
        accounts.user_deactivate,
        accounts.user_password_reset_send,
        lambda actor, user: accounts.user_roles_change(
            actor=actor, user=user, roles=[Role.TEAM_MANAGER]
        ),
    ):
        with pytest.raises(NotFound):
            service(actor=system_admin, user=other_authority_worker)
    other_authority_worker.refresh_from_db()
    assert other_authority_worker.is_active
    assert not mail.outbox
    assert not account_events(other_authority_worker).exists()


def test_accounts_are_created_in_the_admins_own_authority_only(system_admin, other_authority):
    with pytest.raises(NotPermitted):
        accounts.user_create(
            actor=system_admin,
            username="elsewhere",
            roles=[Role.SOCIAL_WORKER],
            authority=other_authority,
        )
    assert not User.objects.filter(username="elsewhere").exists()


def test_the_team_list_is_the_admins_own_authority(system_admin, team, other_authority_worker):
    page = admin_client(system_admin).get("/admin/cpcase/team/").content.decode()
    assert "North locality team" in page and "Southmere team" not in page


@pytest.mark.parametrize("persona", ["social_worker", "unit_manager", "police_enquirer"])
def test_only_a_system_admin_runs_accounts(request, persona, team_manager):
    actor = request.getfixturevalue(persona)
    with pytest.raises(NotPermitted):
        accounts.user_roles_change(actor=actor, user=team_manager, roles=[Role.SOCIAL_WORKER])
    with pytest.raises(NotPermitted):
        accounts.user_deactivate(actor=actor, user=team_manager)
    with pytest.raises(NotPermitted):
        accounts.user_password_reset_send(actor=actor, user=team_manager)
    with pytest.raises(NotPermitted):
        accounts.user_create(actor=actor, username="made.up", roles=[Role.SOCIAL_WORKER])

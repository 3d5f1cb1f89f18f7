"""The Django admin: reference data for system administrators, no case content."""

from __future__ import annotations

import pytest
from django.test import Client

from cpcase.models import AuditEvent, Authority
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def superuser_without_role(authority):
    return UserFactory(username="root", authority=authority, is_superuser=True, is_staff=True)


@pytest.mark.parametrize(
    "page",
    [
        "/admin/cpcase/authority/",
        "/admin/cpcase/team/",
        "/admin/cpcase/agency/",
        "/admin/cpcase/user/",
        "/admin/auth/group/",
        "/admin/cpcase/authority/add/",
        "/admin/cpcase/user/add/",
    ],
)
def test_the_system_administrator_manages_reference_data(system_admin, team, page):
    assert admin_client(system_admin).get(page).status_code == 200


def test_the_system_administrator_edits_an_account(system_admin, social_worker):
    response = admin_client(system_admin).get(f"/admin/cpcase/user/{social_worker.pk}/change/")
    assert response.status_code == 200
    assert "Roles" in response.content.decode()


def test_the_system_administrator_adds_an_authority(system_admin):
    response = admin_client(system_admin).post(
        "/admin/cpcase/authority/add/",
        {
            "code": "992",
            "name": "Westvale District Council",
            "nation": "england",
            "office_phone": "01632 960111",
            "out_of_hours_phone": "01632 960112",
        },
    )
    assert response.status_code == 302, response.content
    assert Authority.objects.filter(code="992").exists()


def test_roles_are_not_edited_in_the_admin(system_admin):
    from django.contrib.auth.models import Group

    group = Group.objects.get(name="social_worker")
    client = admin_client(system_admin)
    client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "renamed"})
    assert client.get("/admin/auth/group/add/").status_code == 403
    group.refresh_from_db()
    assert group.name == "social_worker"


@pytest.mark.parametrize("persona", ["social_worker", "unit_manager"])
def test_case_workers_do_not_manage_accounts(request, persona):
    client = admin_client(request.getfixturevalue(persona))
    assert client.get("/admin/cpcase/authority/").status_code == 403
    assert client.get("/admin/cpcase/user/").status_code == 403


@pytest.mark.parametrize("persona", ["system_admin", "superuser_without_role"])
def test_no_case_content_for_administrators(request, child, persona):
    client = admin_client(request.getfixturevalue(persona))
    assert client.get("/admin/cpcase/child/").status_code == 403
    assert client.get(f"/admin/cpcase/child/{child.pk}/change/").status_code in (403, 302)
    assert "Testchild" not in client.get("/admin/").content.decode()
    assert client.get("/admin/cpcase/auditevent/").status_code == 403


def test_children_in_the_admin_come_through_the_access_module(unit_manager, child, other_authority):
    from tests.factories import ChildFactory

    hidden = ChildFactory(last_name="Elsewherechild", responsible_authority=other_authority)
    client = admin_client(unit_manager)
    page = client.get("/admin/cpcase/child/").content.decode()
    assert "Testchild" in page
    assert "Elsewherechild" not in page
    assert client.get(f"/admin/cpcase/child/{hidden.pk}/change/").status_code in (302, 403, 404)


def test_children_are_read_only_in_the_admin(unit_manager, child):
    client = admin_client(unit_manager)
    assert client.get(f"/admin/cpcase/child/{child.pk}/change/").status_code == 200
    client.post(f"/admin/cpcase/child/{child.pk}/change/", {"first_name": "Changed"})
    assert client.get("/admin/cpcase/child/add/").status_code == 403
    client.post(f"/admin/cpcase/child/{child.pk}/delete/", {"post": "yes"})
    child.refresh_from_db()
    assert child.first_name == "Amelia"


def test_the_unit_manager_reads_the_audit_trail_and_nobody_edits_it(unit_manager, social_worker):
    event = AuditEvent.objects.create(actor=social_worker, action="view", summary="Viewed a record")
    client = admin_client(unit_manager)
    assert "Viewed a record" in client.get("/admin/cpcase/auditevent/").content.decode()
    assert client.get(f"/admin/cpcase/auditevent/{event.pk}/change/").status_code == 200
    assert client.get("/admin/cpcase/auditevent/add/").status_code == 403
    client.post(f"/admin/cpcase/auditevent/{event.pk}/change/", {"summary": "Nothing happened"})
    client.post(f"/admin/cpcase/auditevent/{event.pk}/delete/", {"post": "yes"})
    event.refresh_from_db()
    assert event.summary == "Viewed a record"

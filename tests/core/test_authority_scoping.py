"""The enquiry log and the audit trail show only the reader's own authority: tested from
both sides with two authorities."""

from __future__ import annotations

import pytest
from django.test import Client

from cpcase.models import AuditEvent
from cpcase.roles import Role
from registry.models import Enquiry
from tests.factories import ChildFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_unit_manager(other_authority):
    return UserFactory(
        username="sum.south", authority=other_authority, roles=[Role.SAFEGUARDING_UNIT_MANAGER]
    )


@pytest.fixture
def other_child(other_authority):
    return ChildFactory(
        first_name="Bethan", last_name="Southchild", responsible_authority=other_authority
    )


def _enquiry(enquirer, reason, *children):
    enquiry = Enquiry.objects.create(
        enquirer=enquirer,
        reason=reason,
        outcome=Enquiry.Outcome.MATCHED if children else Enquiry.Outcome.NO_MATCH,
    )
    enquiry.matched_children.set(children)
    return enquiry


@pytest.fixture
def enquiries(police_enquirer, unit_manager, other_unit_manager, child, other_child):
    _enquiry(police_enquirer, "About-our-child", child)
    _enquiry(police_enquirer, "About-their-child", other_child)
    _enquiry(police_enquirer, "Found-nobody")
    _enquiry(unit_manager, "Our-own-search")
    _enquiry(other_unit_manager, "Their-own-search")


def _log_reasons(user) -> dict[str, set[str]]:
    from rest_framework.test import APIClient

    client = Client()
    client.force_login(user)
    api = APIClient()
    api.force_authenticate(user)
    page = client.get("/register/log/").content.decode()
    listed = api.get("/api/v1/register/enquiries/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    csv = client.get("/register/log/export/").content.decode()
    names = ["About-our-child", "About-their-child", "Found-nobody", "Our-own-search"]
    names.append("Their-own-search")
    return {
        "page": {n for n in names if n in page},
        "api": {r["reason"] for r in rows},
        "csv": {n for n in names if n in csv},
    }


def test_the_enquiry_log_is_the_unit_managers_own_authority(
    enquiries, unit_manager, other_unit_manager
):
    ours = {"About-our-child", "Found-nobody", "Our-own-search"}
    theirs = {"About-their-child", "Found-nobody", "Their-own-search"}
    assert _log_reasons(unit_manager) == {"page": ours, "api": ours, "csv": ours}
    assert _log_reasons(other_unit_manager) == {"page": theirs, "api": theirs, "csv": theirs}


def test_an_enquiry_of_another_authority_cannot_be_marked_reviewed(enquiries, unit_manager):
    theirs = Enquiry.objects.get(reason="About-their-child")
    client = Client()
    client.force_login(unit_manager)
    assert client.post(f"/register/log/{theirs.pk}/reviewed/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.reviewed_at is None


def test_the_audit_trail_in_the_admin_is_the_unit_managers_own_authority(
    unit_manager, other_unit_manager, social_worker, other_authority_worker, child, other_child
):
    AuditEvent.objects.create(actor=social_worker, action="view", summary="Ours-viewed")
    AuditEvent.objects.create(actor=other_authority_worker, action="view", summary="Theirs-viewed")
    AuditEvent.objects.create(
        actor=None, action="view", child_id=other_child.pk, summary="Their-child-seen"
    )
    AuditEvent.objects.create(
        actor=other_authority_worker, action="view", child_id=child.pk, summary="Our-child-seen"
    )
    AuditEvent.objects.create(
        actor_username="sw.allocated",
        action="lockout",
        object_type="user",
        object_id=str(social_worker.pk),
        summary="Our-lockout",
    )
    AuditEvent.objects.create(
        actor_username="sw.southmere",
        action="lockout",
        object_type="user",
        object_id=str(other_authority_worker.pk),
        summary="Their-lockout",
    )
    summaries = [
        "Ours-viewed",
        "Theirs-viewed",
        "Their-child-seen",
        "Our-child-seen",
        "Our-lockout",
        "Their-lockout",
    ]

    def shown(user) -> set[str]:
        user.is_staff = True
        user.save()
        client = Client()
        client.force_login(user)
        page = client.get("/admin/cpcase/auditevent/").content.decode()
        return {s for s in summaries if s in page}

    assert shown(unit_manager) == {"Ours-viewed", "Our-child-seen", "Our-lockout"}
    assert shown(other_unit_manager) == {
        "Theirs-viewed",
        "Their-child-seen",
        "Our-child-seen",  # their worker did it
        "Their-lockout",
    }
    hidden = AuditEvent.objects.get(summary="Theirs-viewed")
    client = Client()
    client.force_login(unit_manager)
    assert client.get(f"/admin/cpcase/auditevent/{hidden.pk}/change/").status_code in (302, 404)

"""``manage.py seed_demo``: fictional, complete, idempotent, and never in production."""

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction

from cpcase import access, demo
from cpcase.models import (
    Address,
    AuditEvent,
    Authority,
    Child,
    ChildUserObjectPermission,
    Person,
    Relationship,
    Residence,
    Team,
    User,
)
from cpcase.roles import Role
from cpcase.selectors import children_at_same_address
from cpcase.validators import nhs_number_is_valid, normalise_postcode

COUNTED = (
    Authority,
    Team,
    User,
    Child,
    Person,
    Relationship,
    Residence,
    Address,
    AuditEvent,
    ChildUserObjectPermission,
)


def _seed(**kwargs) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **kwargs)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    """Seeded once for the module (it takes seconds), rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _seed()
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_seeded_once, db):
    return _seeded_once


def test_running_twice_changes_nothing(seeded):
    before = _counts()
    passwords = dict(User.objects.values_list("username", "password"))
    versions = dict(Child.objects.values_list("la_child_id", "version"))

    second = _seed()

    assert _counts() == before
    assert dict(User.objects.values_list("username", "password")) == passwords
    assert dict(Child.objects.values_list("la_child_id", "version")) == versions
    assert "0 children created, 50 already there" in second


def test_one_authority_two_teams_about_fifty_children(seeded):
    authority = Authority.objects.get(code=demo.AUTHORITY_CODE)
    assert authority.name == "Northbrook Borough Council"
    assert authority.office_phone.startswith("01632 96")
    assert authority.out_of_hours_phone.startswith("01632 96")
    assert set(authority.teams.values_list("name", flat=True)) == set(demo.TEAMS)
    children = Child.objects.filter(responsible_authority=authority)
    assert children.count() == 50
    for team in authority.teams.all():
        assert children.filter(team=team).count() >= 20
    assert "50 children created" in seeded


def test_every_role_has_an_account_that_signs_in_with_the_demo_password(seeded):
    for role in Role:
        users = User.objects.filter(groups__name=role, is_active=True)
        assert users.exists(), f"no demo account for {role}"
    for account in demo.ACCOUNTS:
        user = authenticate(username=account.username, password=demo.DEFAULT_DEMO_PASSWORD)
        assert user is not None, account.username
        assert user.has_role(account.role)
    assert User.objects.filter(groups__name=Role.SOCIAL_WORKER).count() == 2
    assert demo.DEFAULT_DEMO_PASSWORD in seeded


def test_every_nhs_number_is_a_valid_test_range_number(seeded):
    numbers = list(Child.objects.exclude(nhs_number="").values_list("nhs_number", flat=True))
    assert len(numbers) == len(set(numbers)) >= 40
    for number in numbers:
        assert number.startswith("999"), number
        assert nhs_number_is_valid(number), number


def test_unborn_babies_are_identified_by_their_mother(seeded):
    unborn = Child.objects.filter(date_of_birth__isnull=True)
    assert unborn.count() >= 3
    for child in unborn:
        assert child.expected_date_of_delivery is not None
        assert child.mother is not None
        assert child.relationships.filter(person=child.mother, kind="mother").exists()


def test_siblings_share_an_address_and_their_parents(seeded):
    child = Child.objects.get(la_child_id=f"{demo.LA_CHILD_ID_PREFIX}0001")
    siblings = list(children_at_same_address(child=child))
    assert siblings
    mother = child.relationships.get(kind="mother").person
    for sibling in siblings:
        assert sibling.relationships.filter(person=mother, kind="mother").exists()
    # One mother per family, not one per child.
    assert Person.objects.count() < Child.objects.count()


def test_addresses_are_made_up_but_valid(seeded):
    for address in Address.objects.all():
        assert address.postcode.startswith("NB"), address
        assert normalise_postcode(address.postcode) == address.postcode
        assert address.town == demo.TOWN


def test_children_are_recorded_through_the_services(seeded):
    """Allocated workers hold their grants, and every child's creation is audited."""
    for child in Child.objects.select_related("lead_social_worker"):
        worker = child.lead_social_worker
        assert worker is not None and worker.team_id == child.team_id
        assert access.can(worker, access.Action.EDIT, child)
        assert AuditEvent.objects.filter(
            child_id=child.pk, action=AuditEvent.Action.CREATE, object_type="child"
        ).exists()
    police = User.objects.get(username="police")
    assert not access.children_visible_to(police).exists()


def test_refuses_to_run_in_production(db, settings):
    settings.PRODUCTION = True
    before = _counts()
    with pytest.raises(CommandError, match="production"):
        _seed()
    assert _counts() == before


def test_a_weak_demo_password_is_refused(db, monkeypatch):
    monkeypatch.setenv("CPCASE_DEMO_PASSWORD", "12345")
    with pytest.raises(CommandError, match="CPCASE_DEMO_PASSWORD"):
        _seed(reset_passwords=True)


def test_the_demo_password_comes_from_the_environment(seeded, monkeypatch):
    monkeypatch.setenv("CPCASE_DEMO_PASSWORD", "violet-harbour-lantern")
    assert authenticate(username="sum", password="violet-harbour-lantern") is None
    output = _seed(reset_passwords=True)
    assert "violet-harbour-lantern" in output
    assert authenticate(username="sum", password="violet-harbour-lantern") is not None


def test_the_demo_has_casework_made_through_the_services(seeded):
    from conferences.models import Conference
    from plans.models import Plan
    from visits.models import Visit

    plans = Plan.objects.filter(child__responsible_authority__code=demo.AUTHORITY_CODE)
    assert plans.filter(status="active").count() == 14
    assert Conference.objects.filter(status="finalised").count() == 14
    assert Visit.objects.filter(kind="statutory", child_seen=True).exists()
    assert "Demo casework already there." in _seed()


# --- The demo's second factor ----------------------------------------------------------


def _demo_code(username: str) -> str:
    out = StringIO()
    call_command("demo_code", username, stdout=out)
    return out.getvalue().strip()


def test_every_demo_account_has_the_published_second_factor_key(seeded):
    import base64

    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert "demo_code USERNAME" in seeded
    for account in demo.ACCOUNTS:
        device = TOTPDevice.objects.get(user__username=account.username, confirmed=True)
        published = demo.demo_totp_base32(account.username)
        assert base64.b32decode(published) == device.bin_key
        code = _demo_code(account.username)
        assert re.fullmatch(r"\d{6}", code)
        assert int(code) == totp(device.bin_key)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.SECOND_FACTOR_ENROLLED, actor_username="manage.py seed_demo"
    ).count() == len(demo.ACCOUNTS)


def test_a_demo_account_signs_in_with_demo_code(seeded):
    from django.test import Client

    client = Client()
    client.post(
        "/accounts/login/", {"username": "sw.north", "password": demo.DEFAULT_DEMO_PASSWORD}
    )
    response = client.post("/accounts/second-factor/", {"code": _demo_code("sw.north")})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_demo_code_refuses_an_account_without_the_published_key(seeded):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with pytest.raises(CommandError, match="not a demo account"):
        _demo_code("nobody.at.all")
    TOTPDevice.objects.filter(user__username="tm.north").update(key="00" * 20)
    with pytest.raises(CommandError, match="not a demo account"):
        _demo_code("tm.north")
    # Seeding again leaves a key the account set up itself.
    _seed()
    assert TOTPDevice.objects.get(user__username="tm.north").key == "00" * 20


def test_demo_code_and_published_keys_never_in_production(seeded, settings):
    from cpcase.management.commands.seed_demo import _enrol_with_published_key

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        _demo_code("sw.north")
    with pytest.raises(CommandError, match="production"):
        _enrol_with_published_key(User.objects.get(username="sw.north"))


def test_demo_code_exits_non_zero_in_production(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "CPCASE_PRODUCTION": "1", "DJANGO_SECRET_KEY": "x" * 50}
    result = subprocess.run(
        [sys.executable, "manage.py", "demo_code", "sw.north"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "never runs in production" in result.stderr

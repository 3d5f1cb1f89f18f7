"""The core services, called directly: children, their people and addresses, allocation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from guardian.shortcuts import get_perms

from cpcase import services
from cpcase.errors import Conflict, DomainError, NotFound, NotPermitted
from cpcase.models import Address, AuditEvent, Child, Person, Relationship, Residence
from cpcase.services import AddressInput, PersonInput
from tests.factories import next_nhs_number

pytestmark = pytest.mark.django_db

ADDRESS = AddressInput(line1="3 Nowhere Street", town="Testford", postcode="zz3 3zz")


def test_create_a_child(social_worker, team, authority):
    nhs = next_nhs_number()
    child = services.child_create(
        actor=social_worker,
        changes={
            "first_name": "Noah",
            "last_name": "Newcase",
            "date_of_birth": dt.date(2019, 3, 2),
            "nhs_number": nhs,
            "address": ADDRESS,
        },
    )
    assert child.responsible_authority == authority == child.resident_authority
    assert (child.team, child.lead_social_worker) == (team, social_worker)
    assert child.address.postcode == "ZZ3 3ZZ"
    assert set(get_perms(social_worker, child)) >= {"view_child", "change_child"}
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, child_id=child.pk)
    assert event.changes["nhs_number"] == {"from": None, "to": nhs}


def test_create_an_unborn_baby_with_the_mother(social_worker):
    edd = timezone.localdate() + dt.timedelta(days=90)
    child = services.child_create(
        actor=social_worker,
        changes={
            "last_name": "Expecting",
            "expected_date_of_delivery": edd,
            "mother": PersonInput(first_name="Maya", last_name="Expecting"),
        },
    )
    assert child.is_unborn
    assert child.name == "Unborn Expecting"
    relationship = Relationship.objects.get(child=child)
    assert relationship.person == child.mother
    assert relationship.kind == "mother"
    assert relationship.parental_responsibility


def test_an_unborn_baby_without_the_mother_is_refused(social_worker):
    with pytest.raises(DomainError) as raised:
        services.child_create(
            actor=social_worker,
            changes={"last_name": "Expecting", "expected_date_of_delivery": dt.date(2031, 1, 1)},
        )
    assert "mother" in raised.value.errors
    assert not Child.objects.exists()


@pytest.mark.parametrize(
    "persona", ["police_enquirer", "system_admin", "chair", "core_group_member"]
)
def test_only_case_roles_create_children(request, persona):
    with pytest.raises(NotPermitted):
        services.child_create(
            actor=request.getfixturevalue(persona),
            changes={"first_name": "A", "last_name": "B", "date_of_birth": dt.date(2019, 1, 1)},
        )
    assert not Child.objects.exists()


def test_a_duplicate_nhs_number_is_refused_with_nothing_half_saved(social_worker, child):
    people, addresses = Person.objects.count(), Address.objects.count()
    with pytest.raises(DomainError) as raised:
        services.child_create(
            actor=social_worker,
            changes={
                "first_name": "Twin",
                "last_name": "Testchild",
                "date_of_birth": dt.date(2018, 5, 17),
                "nhs_number": child.nhs_number,
                "address": ADDRESS,
                "mother": PersonInput(first_name="Maya", last_name="Testchild"),
            },
        )
    assert "NHS number" in raised.value.message
    assert Child.objects.count() == 1
    assert (Person.objects.count(), Address.objects.count()) == (people, addresses)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CREATE).exists()


def test_a_duplicate_nhs_number_on_update_changes_nothing(social_worker, child, team):
    other = services.child_create(
        actor=social_worker,
        changes={"first_name": "Ola", "last_name": "Other", "date_of_birth": dt.date(2017, 1, 1)},
    )
    with pytest.raises(DomainError):
        services.child_update(
            actor=social_worker,
            child_id=other.pk,
            version=1,
            changes={"nhs_number": child.nhs_number, "first_name": "Olu"},
        )
    other.refresh_from_db()
    assert (other.nhs_number, other.first_name, other.version) == ("", "Ola", 1)


def test_an_address_change_keeps_the_history(social_worker, child):
    services.child_update(
        actor=social_worker, child_id=child.pk, version=1, changes={"address": ADDRESS}
    )
    residences = list(Residence.objects.filter(child=child).order_by("moved_in_on"))
    assert [r.address.line1 for r in residences] == ["12 Imaginary Road", "3 Nowhere Street"]
    assert residences[0].moved_out_on == timezone.localdate()
    assert residences[1].moved_out_on is None
    # The same address again is no move.
    services.child_update(
        actor=social_worker, child_id=child.pk, version=2, changes={"address": ADDRESS}
    )
    assert Residence.objects.filter(child=child).count() == 2


def test_allocation_grants_and_revokes_the_workers_permissions(
    team_manager, social_worker, other_team_worker, child
):
    assert set(get_perms(social_worker, child)) >= {"view_child", "change_child"}
    services.child_update(
        actor=team_manager,
        child_id=child.pk,
        version=1,
        changes={"lead_social_worker": other_team_worker},
    )
    assert set(get_perms(other_team_worker, child)) >= {"view_child", "change_child"}
    assert get_perms(social_worker, child) == []
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, child_id=child.pk)
    assert event.changes["lead_social_worker"] == {
        "from": str(social_worker.pk),
        "to": str(other_team_worker.pk),
    }


def test_a_social_worker_does_not_allocate(social_worker, other_team_worker, child):
    with pytest.raises(NotPermitted):
        services.child_update(
            actor=social_worker,
            child_id=child.pk,
            version=1,
            changes={"lead_social_worker": other_team_worker},
        )
    child.refresh_from_db()
    assert child.lead_social_worker == social_worker


def test_sending_back_the_same_allocation_is_no_allocation(social_worker, child, team, authority):
    updated = services.child_update(
        actor=social_worker,
        child_id=child.pk,
        version=1,
        changes={
            "lead_social_worker": social_worker,
            "team": team,
            "responsible_authority": authority,
            "first_name": "Amy",
        },
    )
    assert updated.first_name == "Amy"
    assert set(AuditEvent.objects.get(action=AuditEvent.Action.UPDATE).changes) == {"first_name"}


def test_a_stale_version_is_a_conflict(social_worker, team_manager, child):
    services.child_update(actor=team_manager, child_id=child.pk, version=1, changes={"sex": "F"})
    with pytest.raises(Conflict):
        services.child_update(
            actor=social_worker, child_id=child.pk, version=1, changes={"first_name": "Amy"}
        )
    child.refresh_from_db()
    assert (child.first_name, child.sex, child.version) == ("Amelia", "F", 2)


def test_a_missing_version_is_refused(social_worker, child):
    with pytest.raises(DomainError) as raised:
        services.child_update(actor=social_worker, child_id=child.pk, version=None, changes={})
    assert "version" in raised.value.errors


def test_a_child_the_actor_cannot_see_is_not_found(other_authority_worker, child):
    with pytest.raises(NotFound):
        services.child_update(
            actor=other_authority_worker, child_id=child.pk, version=1, changes={"sex": "F"}
        )


def test_add_a_person_living_with_the_child(social_worker, child):
    relationship = services.person_add_to_child(
        actor=social_worker,
        child_id=child.pk,
        person=PersonInput(first_name="Pat", last_name="Parent"),
        kind="father",
        parental_responsibility=True,
        lives_with_child=True,
    )
    assert relationship.person.residences.get().address == child.address
    child.refresh_from_db()
    assert child.version == 2


def test_an_api_token_is_issued_and_audited(social_worker):
    from cpcase.api_tokens import api_token_issue
    from tests.factories import TEST_PASSWORD
    from tests.support.second_factor import code_for, enrol

    token, key = api_token_issue(
        username="sw.allocated", password=TEST_PASSWORD, otp=code_for(enrol(social_worker))
    )
    assert token.user == social_worker
    assert key[:15] == token.token_key
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN, actor=social_worker).exists()

"""Who may see which child: the one access module, persona by persona."""

import pytest
from django.db import DatabaseError, connection, transaction
from guardian.shortcuts import assign_perm

from cpcase import access
from cpcase.access import Action
from cpcase.audit import audit_record
from cpcase.errors import NotFound, NotPermitted
from cpcase.models import AuditEvent
from tests.factories import ChildFactory
from tests.support.personas import EVERY_PERSONA

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("social_worker", True),
        ("team_manager", True),
        ("other_team_worker", False),
        ("other_team_manager", False),
        ("service_leader", True),
        ("chair", True),
        ("unit_manager", True),
        ("core_group_member", False),
        ("police_enquirer", False),
        ("health_enquirer", False),
        ("senior_officer", False),
        ("system_admin", False),
        ("other_authority_worker", False),
    ],
)
def test_who_sees_the_childs_record(request, child, persona, sees):
    user = request.getfixturevalue(persona)
    assert access.can(user, Action.VIEW, child) is sees
    assert (child in access.children_visible_to(user)) is sees


def test_core_group_member_reads_the_plan_only(core_group_child, core_group_member):
    assert access.can(core_group_member, Action.VIEW_PLAN, core_group_child)
    assert not access.can(core_group_member, Action.VIEW, core_group_child)
    with pytest.raises(NotFound):
        access.child_for(core_group_member, core_group_child.pk)


def test_allocated_worker_outside_the_team_sees_through_their_grant(child, other_team_worker):
    from cpcase.services import _grant_allocated_worker

    assert not access.can(other_team_worker, Action.VIEW, child)
    _grant_allocated_worker(child, None, other_team_worker)
    assert access.can(other_team_worker, Action.VIEW, child)


def test_service_leader_sees_but_may_not_edit(child, service_leader):
    with pytest.raises(NotPermitted):
        access.child_for(service_leader, child.pk, Action.EDIT)


def test_unknown_and_hidden_children_are_both_404(child, other_team_worker):
    with pytest.raises(NotFound):
        access.child_for(other_team_worker, child.pk)
    with pytest.raises(NotFound):
        access.child_for(other_team_worker, "not-a-uuid")


def test_child_placed_from_another_authority_is_seen_by_the_host_authority(
    other_authority, authority, unit_manager
):
    placed = ChildFactory(responsible_authority=other_authority, resident_authority=authority)
    assert access.can(unit_manager, Action.VIEW, placed)


def test_audit_rows_cannot_be_updated_or_deleted(social_worker, child):
    event = audit_record(actor=social_worker, action=AuditEvent.Action.VIEW, obj=child)
    for sql in (
        "UPDATE cpcase_auditevent SET summary = 'tampered' WHERE id = %s",
        "DELETE FROM cpcase_auditevent WHERE id = %s",
    ):
        with (
            # The application's role has no UPDATE or DELETE on it; the trigger refuses the
            # owner too (tests/core/test_audit_chain.py).
            pytest.raises(DatabaseError, match=r"append-only|permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.summary == ""


PERSONAS = EVERY_PERSONA


def test_can_answers_as_the_scope_does_for_every_persona_child_and_action(
    request, authority, other_authority, team, other_team, social_worker
):
    """``can`` decides from the child's own fields where they suffice, and asks the database
    otherwise: for every persona, every kind of child (the team's, another team's, led from
    outside the team, resident only, another authority's, granted one by one, with no
    team) and every action, its answer is the database scope's."""
    users = {name: request.getfixturevalue(name) for name in PERSONAS}
    children = [
        ChildFactory(responsible_authority=authority, team=team, lead_social_worker=None),
        ChildFactory(responsible_authority=authority, team=other_team),
        ChildFactory(
            responsible_authority=authority, team=other_team, lead_social_worker=social_worker
        ),
        ChildFactory(
            responsible_authority=other_authority, resident_authority=authority, team=None
        ),
        ChildFactory(responsible_authority=other_authority, resident_authority=other_authority),
        ChildFactory(responsible_authority=authority, team=None, lead_social_worker=None),
    ]
    granted = ChildFactory(
        responsible_authority=other_authority, resident_authority=other_authority
    )
    for name in ("other_team_worker", "senior_officer", "core_group_member"):
        assign_perm("cpcase.view_child", users[name], granted)
    assign_perm("cpcase.change_child", users["other_team_worker"], granted)
    assign_perm("cpcase.view_child_plan", users["core_group_member"], granted)
    children.append(granted)
    answers = set()
    for name, user in users.items():
        for child in children:
            for action in Action:
                expected = access.children_visible_to(user, action).filter(pk=child.pk).exists()
                assert access.can(user, action, child) is expected, (name, child.pk, action)
                answers.add(expected)
    assert answers == {True, False}


def test_children_led_by_is_the_visible_children_the_user_leads(
    request, authority, other_authority, team, other_team
):
    """For every persona, leading children of their own team, of another team, of another
    authority, with and without a team: the list read by the lead's index alone is exactly
    the scope's children that the user leads."""
    users = {name: request.getfixturevalue(name) for name in PERSONAS}
    for user in users.values():
        ChildFactory(responsible_authority=authority, team=team, lead_social_worker=user)
        ChildFactory(responsible_authority=authority, team=other_team, lead_social_worker=user)
        ChildFactory(responsible_authority=authority, team=None, lead_social_worker=user)
        ChildFactory(
            responsible_authority=other_authority,
            resident_authority=other_authority,
            team=None,
            lead_social_worker=user,
        )
    ChildFactory(responsible_authority=authority, team=team, lead_social_worker=None)
    counts = set()
    for name, user in users.items():
        expected = set(
            access.children_visible_to(user)
            .filter(lead_social_worker=user)
            .values_list("pk", flat=True)
        )
        assert set(access.children_led_by(user).values_list("pk", flat=True)) == expected, name
        counts.add(len(expected))
    assert 0 in counts and 4 in counts

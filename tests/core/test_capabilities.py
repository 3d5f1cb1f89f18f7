"""The named capabilities where the role checks had drifted apart: one answer each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client

from conferences import services as conference_services
from cpcase import access, selectors
from cpcase.errors import NotPermitted
from registry import selectors as registry_selectors
from registry import services as registry_services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "takes_part"),
    [
        ("social_worker", True),
        ("team_manager", True),
        ("service_leader", True),
        ("chair", True),
        ("unit_manager", True),
        ("core_group_member", True),
        ("senior_officer", True),
        ("police_enquirer", False),
        ("health_enquirer", False),
        ("system_admin", False),
    ],
)
def test_takes_part_in_case_work_is_one_rule(request, authority, chair, persona, takes_part):
    """The staff list, the invitations and the outcome page's attendees ask the same."""
    user = request.getfixturevalue(persona)
    assert access.takes_part_in_case_work(user) is takes_part
    invited = conference_services._invitation_errors(
        chair, [conference_services.AttendeeInput(name=user.name, user=user)]
    )
    if user.authority_id == chair.authority_id or access.is_outside_professional(user):
        assert (not invited) is takes_part, invited
    if user.authority_id is not None:
        assert selectors.staff_assignable(user=user).exists() is takes_part


def test_an_account_with_no_role_takes_no_part(authority, chair):
    nobody = UserFactory(username="norole", authority=authority, roles=[])
    assert not access.takes_part_in_case_work(nobody)
    assert not selectors.staff_assignable(user=nobody).exists()
    assert conference_services._invitation_errors(
        chair, [conference_services.AttendeeInput(name=nobody.name, user=nobody)]
    )


def test_the_designated_manager_is_the_unit_managers_record(system_admin, unit_manager):
    """The service and the selector agree: the unit manager keeps it, not the administrator."""
    with pytest.raises(NotPermitted):
        registry_selectors.designated_managers_for(user=system_admin)
    with pytest.raises(NotPermitted):
        registry_services.designated_manager_set(
            actor=system_admin,
            manager=unit_manager,
            from_date=dt.date(2026, 4, 1),
            department_notified_on=None,
        )
    assert registry_selectors.designated_managers_for(user=unit_manager) is not None
    registry_services.designated_manager_set(
        actor=unit_manager,
        manager=unit_manager,
        from_date=dt.date(2026, 4, 1),
        department_notified_on=None,
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("social_worker", 200),
        ("team_manager", 200),
        ("service_leader", 200),
        ("chair", 200),
        ("unit_manager", 200),
        ("senior_officer", 200),
        ("core_group_member", 403),
        ("police_enquirer", 403),
        ("system_admin", 403),
    ],
)
def test_the_visits_page_and_api_follow_the_children_list(request, api_as, child, persona, status):
    user = request.getfixturevalue(persona)
    web = Client()
    web.force_login(user)
    assert web.get("/visits/", HTTP_HOST="localhost").status_code == status
    assert api_as(user).get("/api/v1/visits/").status_code == status
    assert access.may_list_visits(user) is (status == 200)


def test_the_template_tag_asks_the_gate(child, social_worker, police_enquirer):
    template = Template(
        '{% load access %}{% if user|may:"search_register" %}search{% endif %}'
        '{% may_for user "record_visit" child as v %}{% if v %}visit{% endif %}'
    )
    assert template.render(Context({"user": police_enquirer, "child": child})) == "search"
    assert template.render(Context({"user": social_worker, "child": child})) == "visit"
    with pytest.raises(TemplateSyntaxError):
        Template('{% load access %}{{ user|may:"no_such_thing" }}').render(
            Context({"user": social_worker})
        )

"""Endings outside a conference, the step-down, and SMART checks on every path."""

import datetime as dt

import pytest
from django import forms
from django.contrib import admin
from django.utils import timezone

from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent
from plans import services
from plans.models import Plan, PlanAction
from tests.plans.test_views import start_plan

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def plan(chair, child, social_worker, core_group_member):
    return start_plan(chair, child, social_worker, core_group_member)


def _end(actor, plan, **kw):
    return services.plan_end(actor=actor, plan=plan, ended_on=kw.pop("ended_on", TODAY), **kw)


def test_only_the_unit_manager_ends_a_plan_outside_a_conference(
    plan, child, chair, social_worker, team_manager, other_authority_worker, unit_manager
):
    child.date_of_death = TODAY - dt.timedelta(days=1)
    child.save()
    for user in (chair, social_worker, team_manager):
        with pytest.raises(NotPermitted):
            _end(user, plan, reason="died")
    with pytest.raises(NotFound):
        _end(other_authority_worker, plan, reason="died")
    plan.refresh_from_db()
    assert plan.status == "active"
    ended = _end(unit_manager, plan, reason="died", ended_on=TODAY - dt.timedelta(days=1))
    assert (ended.status, ended.end_reason, ended.step_down) == ("ended", "died", "none")
    assert AuditEvent.objects.filter(
        actor=unit_manager, object_id=str(plan.pk), summary__startswith="Ended the plan"
    ).exists()
    assert ended.versions.order_by("-number").first().reason.startswith("Ended on")


def test_a_conference_discontinuation_stays_the_chairs(plan, unit_manager, chair):
    with pytest.raises(DomainError) as caught:
        _end(unit_manager, plan, reason="conference")
    assert "conference chair" in caught.value.message
    with pytest.raises(DomainError) as caught:
        _end(unit_manager, plan, reason="no_longer_needed")
    assert "turned 18, died, or moved" in caught.value.errors["end_reason"][0]
    assert _end(chair, plan, reason="conference", step_down="child_in_need").step_down == (
        "child_in_need"
    )


def test_turning_18(plan, child, unit_manager):
    born = TODAY.replace(year=TODAY.year - 18) - dt.timedelta(days=3)
    child.date_of_birth = born
    child.save()
    with pytest.raises(DomainError) as caught:
        _end(unit_manager, plan, reason="turned_18", ended_on=TODAY - dt.timedelta(days=4))
    assert "turns 18 on" in caught.value.errors["ended_on"][0]
    with pytest.raises(DomainError) as caught:
        _end(unit_manager, plan, reason="turned_18", step_down="child_in_need")
    assert "does not step down" in caught.value.errors["step_down"][0]
    assert _end(unit_manager, plan, reason="turned_18").end_reason == "turned_18"


def test_the_dates_of_an_ending(plan, child, unit_manager):
    child.date_of_death = None
    child.save()
    with pytest.raises(DomainError) as caught:
        _end(unit_manager, plan, reason="died")
    assert "date of death" in caught.value.errors["end_reason"][0]
    child.date_of_death = TODAY - dt.timedelta(days=5)
    child.save()
    for ended_on, words in (
        (TODAY + dt.timedelta(days=1), "in the future"),
        (plan.started_on - dt.timedelta(days=1), "before it starts"),
        (plan.started_on, "same day"),
        (TODAY - dt.timedelta(days=6), "before the date of death"),
    ):
        with pytest.raises(DomainError) as caught:
            _end(unit_manager, plan, reason="died", ended_on=ended_on)
        assert words in " ".join(caught.value.errors["ended_on"]), words
    plan.refresh_from_db()
    assert plan.status == "active"


def test_a_move_after_the_transfer_in_conference(plan, unit_manager):
    with pytest.raises(DomainError) as caught:
        _end(unit_manager, plan, reason="moved")
    assert set(caught.value.errors) == {"transfer_conference_on", "transferred_to"}
    with pytest.raises(DomainError) as caught:
        _end(
            unit_manager,
            plan,
            reason="moved",
            transfer_conference_on=TODAY + dt.timedelta(days=2),
            transferred_to="Southmere City Council",
        )
    assert "not been held yet" in caught.value.errors["transfer_conference_on"][0]
    with pytest.raises(DomainError) as caught:
        _end(
            unit_manager,
            plan,
            reason="moved",
            ended_on=TODAY - dt.timedelta(days=3),
            transfer_conference_on=TODAY - dt.timedelta(days=1),
            transferred_to="Southmere City Council",
        )
    assert "before the transfer-in conference" in caught.value.errors["ended_on"][0]
    ended = _end(
        unit_manager,
        plan,
        reason="moved",
        transfer_conference_on=TODAY - dt.timedelta(days=1),
        transferred_to="Southmere City Council",
    )
    assert (ended.transferred_to, ended.transfer_conference_on) == (
        "Southmere City Council",
        TODAY - dt.timedelta(days=1),
    )


def test_the_step_down_in_scotland_is_a_girfec_plan(plan, child, chair, social_worker):
    authority = child.responsible_authority
    authority.nation = "scotland"
    authority.save()
    services.plan_end(actor=chair, plan=plan, ended_on=TODAY, reason="conference")
    with pytest.raises(DomainError) as caught:
        services.plan_step_down_record(
            actor=social_worker, plan_id=plan.pk, step_down="child_in_need"
        )
    assert "GIRFEC" in caught.value.errors["step_down"][0]
    plan = services.plan_step_down_record(actor=social_worker, plan_id=plan.pk, step_down="girfec")
    assert Plan.objects.get(pk=plan.pk).step_down == "girfec"


def test_the_step_down_waits_for_the_end(plan, social_worker, core_group_member):
    with pytest.raises(DomainError):
        services.plan_step_down_record(actor=social_worker, plan_id=plan.pk, step_down="none")
    with pytest.raises(NotPermitted):
        services.plan_step_down_record(actor=core_group_member, plan_id=plan.pk, step_down="none")


def test_changing_an_action_is_checked_like_adding_one(plan, social_worker):
    action = services.plan_action_add(
        actor=social_worker,
        plan_id=plan.pk,
        version=None,
        data=services.ActionInput(
            description="Mother attends the alcohol service weekly",
            responsible="Jo Example (mother)",
            due_on=TODAY + dt.timedelta(days=30),
            evidence_of_success="Attendance confirmed by the service",
        ),
    )
    plan.refresh_from_db()
    with pytest.raises(DomainError) as caught:
        services.plan_action_change(
            actor=social_worker,
            plan_id=plan.pk,
            action_id=action.pk,
            version=plan.version,
            data=services.ActionInput(
                description="Mother attends the service, ongoing",
                responsible="Jo Example (mother)",
                due_on=TODAY + dt.timedelta(days=30),
                evidence_of_success="",
            ),
        )
    assert set(caught.value.errors) == {"description", "evidence_of_success"}
    action.refresh_from_db()
    assert action.description == "Mother attends the alcohol service weekly"


def test_the_admin_offers_no_way_round_the_smart_check(plan):
    # Case content is not the admin's business: no plan model is registered there...
    for model in (Plan, PlanAction):
        assert not admin.site.is_registered(model)

    # ...and a model form over actions (the admin's kind, or any other) runs the same check.
    class ActionForm(forms.ModelForm):
        class Meta:
            model = PlanAction
            fields = ["description", "responsible", "due_on", "evidence_of_success"]

    form = ActionForm(
        data={
            "description": "Parenting course ASAP",
            "responsible": "Jo Example (mother)",
            "due_on": (TODAY + dt.timedelta(days=10)).isoformat(),
            "evidence_of_success": "Certificate of completion",
        },
        instance=PlanAction(plan=plan),
    )
    assert not form.is_valid()
    assert "“ASAP” is not a timescale" in form.errors["description"][0]
    form = ActionForm(
        data={
            "description": "Parenting course by the end of term",
            "responsible": "Jo Example (mother)",
            "due_on": (TODAY + dt.timedelta(days=10)).isoformat(),
            "evidence_of_success": "Certificate of completion",
        },
        instance=PlanAction(plan=plan),
    )
    assert form.is_valid(), form.errors

"""The safeguarding unit manager is told of every change to the register (DOMAIN.md
section 2): a plan started, a plan ended for any reason, a category changed at a review
or by a register correction. One notification per change, to the unit manager(s) of the
authority where the child is resident, naming the child, the change and the date."""

import datetime as dt

import pytest
from django.utils import timezone

from conferences import services as conference_services
from conferences.services import DecisionInput
from cpcase.models import Notification
from cpcase.roles import Role
from plans import services
from plans.models import Plan
from plans.services.register import _tell_register_keepers
from tests.conferences.test_services import _outcome, _schedule
from tests.factories import AuthorityFactory, UserFactory
from tests.support.working_days import last_working_day

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def second_unit_manager(authority):
    return UserFactory(
        username="sum.two", authority=authority, roles=[Role.SAFEGUARDING_UNIT_MANAGER]
    )


def _told(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, kind="register_change")
        .order_by("created_at")
        .values_list("body", flat=True)
    )


def _conference(chair, child, sw, cgm, *, kind, held_on, decision, **decision_fields):
    conference = _schedule(chair, child, kind=kind)
    conference_services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=_outcome(
            child,
            sw,
            cgm,
            held_on=held_on,
            decisions=[DecisionInput(child_id=child.pk, decision=decision, **decision_fields)],
        ),
    )
    return conference_services.conference_finalise(actor=chair, conference_id=conference.pk)


def _icpc(chair, child, sw, cgm, held_on):
    _conference(
        chair, child, sw, cgm, kind="initial", held_on=held_on, decision="plan", category="NEG"
    )
    return Plan.objects.get(child=child, status="active")


def test_every_conference_path_that_changes_the_register_tells_the_unit_managers(
    chair,
    child,
    social_worker,
    core_group_member,
    unit_manager,
    second_unit_manager,
    team_manager,
    service_leader,
):
    started = last_working_day(TODAY - dt.timedelta(days=100))
    _icpc(chair, child, social_worker, core_group_member, started)
    expected = [
        f"Amelia Testchild: a child protection plan started (Neglect) on {started:%-d %B %Y}."
    ]
    assert _told(unit_manager) == _told(second_unit_manager) == expected

    # A review that keeps the category changes nothing on the register: nobody is told.
    _conference(
        chair,
        child,
        social_worker,
        core_group_member,
        kind="review",
        held_on=last_working_day(TODAY - dt.timedelta(days=60)),
        decision="continue",
        latest_category="NEG",
    )
    assert _told(unit_manager) == expected

    reviewed = last_working_day(TODAY - dt.timedelta(days=30))
    _conference(
        chair,
        child,
        social_worker,
        core_group_member,
        kind="review",
        held_on=reviewed,
        decision="continue",
        latest_category="EMO",
    )
    expected.append(
        "Amelia Testchild: the category changed from Neglect to Emotional abuse (by a review) "
        f"on {reviewed:%-d %B %Y}."
    )
    assert _told(unit_manager) == _told(second_unit_manager) == expected

    _conference(
        chair,
        child,
        social_worker,
        core_group_member,
        kind="review",
        held_on=last_working_day(),
        decision="discontinue",
        step_down="child_in_need",
    )
    expected.append(
        "Amelia Testchild: the plan ended (discontinued by a review conference) on "
        f"{last_working_day():%-d %B %Y}."
    )
    assert _told(unit_manager) == _told(second_unit_manager) == expected
    # The title goes by email: it never names the child.
    titles = Notification.objects.filter(kind="register_change").values_list("title", flat=True)
    assert titles and not any("Amelia" in t for t in titles)
    # Only the register's keepers are told of its changes.
    for other in (chair, social_worker, team_manager, service_leader):
        assert _told(other) == []


@pytest.mark.parametrize("reason", ["turned_18", "died", "moved"])
def test_an_ending_outside_a_conference_tells_the_other_unit_managers(
    reason, chair, child, social_worker, core_group_member, unit_manager, second_unit_manager
):
    plan = _icpc(
        chair,
        child,
        social_worker,
        core_group_member,
        last_working_day(TODAY - dt.timedelta(days=50)),
    )
    ended_on = TODAY - dt.timedelta(days=2)
    extra = {}
    if reason == "turned_18":
        child.date_of_birth = ended_on.replace(year=ended_on.year - 18)
    elif reason == "died":
        child.date_of_death = ended_on
    else:
        extra = {"transfer_conference_on": ended_on, "transferred_to": "Southmere City Council"}
    child.save()
    services.plan_end(actor=unit_manager, plan=plan, ended_on=ended_on, reason=reason, **extra)
    label = Plan.EndReason(reason).label.lower()
    told = _told(second_unit_manager)
    assert told[-1] == f"Amelia Testchild: the plan ended ({label}) on {ended_on:%-d %B %Y}."
    assert len(told) == 2  # the start, and the end
    # The unit manager who ended it is not told of their own change.
    assert len(_told(unit_manager)) == 1


def test_a_register_correction_tells_the_other_unit_managers_not_the_corrector(
    chair, child, social_worker, core_group_member, unit_manager, second_unit_manager
):
    plan = _icpc(
        chair,
        child,
        social_worker,
        core_group_member,
        last_working_day(TODAY - dt.timedelta(days=50)),
    )
    services.plan_register_correct(
        actor=unit_manager, plan_id=plan.pk, reason="Recorded wrongly", latest_category="PHY"
    )
    assert _told(second_unit_manager)[-1] == (
        "Amelia Testchild: the category changed from Neglect to Physical abuse "
        f"(by a register correction) on {TODAY:%-d %B %Y}."
    )
    assert len(_told(unit_manager)) == 1  # the start only
    new_start = TODAY - dt.timedelta(days=49)
    services.plan_register_correct(
        actor=second_unit_manager, plan_id=plan.pk, reason="Typed wrongly", started_on=new_start
    )
    assert "start date was corrected" in _told(unit_manager)[-1]
    assert len(_told(second_unit_manager)) == 2


def test_the_authority_of_residence_keeps_the_register(
    chair, child, social_worker, core_group_member, unit_manager
):
    """A child placed in another authority's area is on that authority's register: its
    unit manager is told, not the responsible authority's."""
    elsewhere = AuthorityFactory(code="993", name="Eastwick District Council")
    theirs = UserFactory(
        username="sum.east", authority=elsewhere, roles=[Role.SAFEGUARDING_UNIT_MANAGER]
    )
    child.resident_authority = elsewhere
    child.save()
    _icpc(
        chair,
        child,
        social_worker,
        core_group_member,
        last_working_day(TODAY - dt.timedelta(days=5)),
    )
    assert len(_told(theirs)) == 1
    assert _told(unit_manager) == []


def test_telling_twice_is_one_notification(
    chair, child, social_worker, core_group_member, unit_manager
):
    plan = _icpc(
        chair,
        child,
        social_worker,
        core_group_member,
        last_working_day(TODAY - dt.timedelta(days=5)),
    )
    _tell_register_keepers(
        actor=chair,
        plan=plan,
        change="a child protection plan started",
        on=plan.started_on,
        key="started",
    )
    assert len(_told(unit_manager)) == 1

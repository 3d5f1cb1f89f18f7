"""``manage.py seed_demo``: fictional, complete, idempotent, and never in production."""

import itertools
import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from conferences.models import Section47Enquiry
from cpcase import access, demo, front_door
from cpcase.errors import NotFound
from cpcase.models import (
    Address,
    Assessment,
    AuditEvent,
    Authority,
    Child,
    ChildInNeedPlan,
    ChildUserObjectPermission,
    Person,
    Referral,
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
    assert "0 children created, 56 already there" in second
    assert "Demo casework already there." in second


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
    assert "56 children created" in seeded


def test_a_second_authority_with_its_own_teams_staff_and_children(seeded):
    second = Authority.objects.get(code=demo.SECOND_AUTHORITY_CODE)
    assert second.name == "Southmere City Council"
    assert set(second.teams.values_list("name", flat=True)) == set(demo.SECOND_TEAMS)
    assert Child.objects.filter(responsible_authority=second).count() == 6
    for account in demo.SECOND_ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.authority == second
        assert user.has_role(account.role)
        assert authenticate(username=account.username, password=demo.DEFAULT_DEMO_PASSWORD)
    for role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.SAFEGUARDING_UNIT_MANAGER):
        assert User.objects.filter(authority=second, groups__name=role).exists(), role


def test_every_role_has_an_account_that_signs_in_with_the_demo_password(seeded):
    for role in Role:
        users = User.objects.filter(groups__name=role, is_active=True)
        assert users.exists(), f"no demo account for {role}"
    for account in demo.ALL_ACCOUNTS:
        user = authenticate(username=account.username, password=demo.DEFAULT_DEMO_PASSWORD)
        assert user is not None, account.username
        assert user.has_role(account.role)
    assert User.objects.filter(groups__name=Role.SOCIAL_WORKER).count() == 4
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
        assert address.town in (demo.TOWN, demo.SECOND_TOWN)


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
    assert plans.filter(status="active").count() >= 15
    assert Conference.objects.filter(status="finalised").count() >= 20
    assert Visit.objects.filter(kind="statutory", child_seen=True, seen_alone=True).exists()
    assert Visit.objects.filter(kind="statutory", child_seen=True, seen_alone=False).exists()
    assert Visit.objects.filter(kind="home_visit", child_seen=False).exists()
    # Every record of the casework was written by a service, which audits it.
    for model in (Plan, Conference, Visit, Referral, Assessment, Section47Enquiry):
        for pk in model.objects.values_list("pk", flat=True):
            assert AuditEvent.objects.filter(object_id=str(pk)).exists(), model


def _working_calendar(code: str):
    from cpcase.timescales import load_authority_timescales

    authority = Authority.objects.get(code=code)
    return load_authority_timescales([authority.pk])[authority.pk].calendar


def test_every_conference_core_group_and_visit_is_on_a_working_day(seeded):
    from conferences.models import Conference
    from plans.models import CoreGroupMeeting
    from visits.models import Visit

    conferences = Conference.objects.select_related("authority")
    assert conferences.count() >= 20
    for conference in conferences:
        calendar = _working_calendar(conference.authority.code)
        scheduled = timezone.localdate(conference.scheduled_for)
        assert calendar.is_working_day(scheduled), conference.scheduled_for
        assert conference.held_on is None or calendar.is_working_day(conference.held_on)
        assert conference.held_on is None or conference.held_on == scheduled
    calendar = _working_calendar(demo.AUTHORITY_CODE)
    for held_on in CoreGroupMeeting.objects.values_list("held_on", flat=True):
        assert calendar.is_working_day(held_on), held_on
    for visited_at in Visit.objects.filter(kind="statutory").values_list("visited_at", flat=True):
        assert calendar.is_working_day(timezone.localdate(visited_at)), visited_at


def _running_deadlines(code: str):
    from cpcase.timescales import DeadlineContext, deadlines, load_authority_timescales

    return [
        d
        for d in deadlines(
            DeadlineContext(
                children=Child.objects.filter(responsible_authority__code=code),
                today=timezone.localdate(),
                history=False,
                timescales=load_authority_timescales(),
            )
        )
        if d.is_open
    ]


def test_only_a_handful_of_children_have_something_overdue(seeded):
    """The dashboard's red: 2 or 3 children, each for one reason, and every kind of
    deadline still running somewhere (the demo is alive, not finished)."""
    running = _running_deadlines(demo.AUTHORITY_CODE)
    overdue = [d for d in running if d.status == "overdue"]
    assert 2 <= len({d.child_id for d in overdue}) <= 3, [(d.kind, d.due_on) for d in overdue]
    assert {d.kind for d in overdue} == {"statutory_visit", "core_group", "plan_authorisation"}
    assert {"icpc", "first_core_group", "statutory_visit", "review_conference"} <= {
        d.kind for d in running
    }
    assert not [d for d in _running_deadlines(demo.SECOND_AUTHORITY_CODE) if d.status == "overdue"]


def test_most_deadlines_were_met_on_time(seeded):
    from cpcase.timescales import deadlines_for

    met = late = 0
    for child in Child.objects.filter(plans__isnull=False).distinct():
        for deadline in deadlines_for(child, timezone.localdate()):
            met += deadline.status == "met"
            late += deadline.status == "met_late"
    assert met > 200
    assert late == 0


def test_plans_at_every_stage_and_every_ending(seeded):
    from plans.models import Plan

    plans = Plan.objects.filter(child__responsible_authority__code=demo.AUTHORITY_CODE)
    active = plans.filter(status="active")
    counts = {stage: active.filter(stage=stage).count() for stage in Plan.Stage.values}
    assert all(counts.values()), counts
    # Most authorised, and on time: submitted within the timescale of the first core group.
    assert counts["authorised"] > sum(counts.values()) / 2
    for plan in active.filter(stage="authorised"):
        assert plan.authorised_on is not None and plan.submitted_on <= plan.authorised_on
    stepped_down = plans.filter(status="ended", step_down="child_in_need")
    assert stepped_down.exists()
    for plan in stepped_down:
        assert ChildInNeedPlan.objects.filter(
            child=plan.child, started_on=plan.ended_on, ended_on__isnull=True
        ).exists()
    assert plans.filter(status="ended", step_down="none").exists()
    assert Referral.objects.filter(
        child__in=plans.filter(status="ended").values("child"), closure_reason="RC7"
    ).exists()


def test_every_child_on_a_plan_has_an_episode_before_the_strategy_discussion(seeded):
    from conferences.models import StrategyDiscussion
    from plans.models import Plan

    for plan in Plan.objects.select_related("child"):
        episode = front_door.open_episode(plan.child, on=plan.started_on)
        assert episode is not None, plan.child
        assert episode.received_on < plan.started_on
        discussion = (
            StrategyDiscussion.objects.filter(child=plan.child, held_on__lte=plan.started_on)
            .order_by("-held_on")
            .first()
        )
        assert discussion is not None and episode.received_on < discussion.held_on
        assert discussion.section47_enquiry.referral == episode
        # A section 47 enquiry in an episode has an assessment.
        assert episode.assessments.exists()


def test_the_front_door_follows_the_census_rules(seeded):
    referrals = Referral.objects.select_related("child")
    assert referrals.filter(nfa=True).count() >= 5
    assert referrals.filter(closure_reason="RC8").exists()
    assert referrals.filter(closure_reason="RC9").exists()
    assert ChildInNeedPlan.objects.filter(ended_on__isnull=True).count() >= 4
    no_conference = Section47Enquiry.objects.filter(conference_required=False)
    assert no_conference.count() >= 2
    assert all(e.reason_not_required for e in no_conference)
    assert Section47Enquiry.objects.filter(conference_required__isnull=True).exists()
    for referral in referrals:
        if referral.nfa:  # an NFA referral has no activity
            assert not referral.assessments.exists()
            assert not referral.section47_enquiries.exists()
            assert not referral.cin_plans.exists()
        if referral.closure_reason in ("RC8", "RC9"):
            assert referral.assessments.filter(authorised_on__isnull=False).exists()
        if referral.section47_enquiries.exists():
            assert referral.assessments.exists()
        if referral.closed_on:  # no activity after the closure
            for assessment in referral.assessments.all():
                assert (assessment.authorised_on or assessment.started_on) <= referral.closed_on
            for enquiry in referral.section47_enquiries.all():
                assert enquiry.started_on <= referral.closed_on
    # Episodes do not overlap.
    for child in Child.objects.all():
        episodes = list(child.referrals.filter(nfa=False).order_by("received_on"))
        for earlier, later in itertools.pairwise(episodes):
            assert earlier.closed_on is not None and earlier.closed_on < later.received_on
    assert Child.objects.filter(referrals__isnull=True).count() == 0


def test_every_child_has_a_upn_or_the_reason_and_census_codes(seeded):
    from cpcase.validators import normalise_upn, upn_check_letter

    today = timezone.localdate()
    upns = []
    for child in Child.objects.all():
        if child.date_of_birth is None:
            assert child.sex == "U" and child.upn == "" and child.upn_unknown == "UN8"
            continue
        assert child.sex in ("M", "F")
        assert child.disabilities and (
            child.disabilities == ["NONE"] or "NONE" not in child.disabilities
        )
        age = (today - child.date_of_birth).days / 365.25
        if child.upn:
            assert normalise_upn(child.upn) == child.upn
            assert upn_check_letter(child.upn) == child.upn[0]
            assert child.upn[1:4] == demo.UPN_LA_CODE
            upns.append(child.upn)
        else:
            assert child.upn_unknown == "UN1" and age < demo.UPN_FROM_AGE + 1
        if age >= demo.UPN_FROM_AGE + 0.01:
            assert child.upn, child
    assert len(upns) == len(set(upns)) >= 25
    assert Child.objects.filter(disabilities=["NONE"]).count() > 40


def test_the_two_authorities_are_isolated(seeded):
    first = Authority.objects.get(code=demo.AUTHORITY_CODE)
    second = Authority.objects.get(code=demo.SECOND_AUTHORITY_CODE)
    for username in ("sw.north", "sw.south", "tm.north", "sl", "chair", "sum"):
        visible = access.children_visible_to(User.objects.get(username=username))
        assert visible.exists()
        # Only a child who now lives in the first authority, never the second's others.
        assert (
            not visible.exclude(responsible_authority=first)
            .exclude(resident_authority=first)
            .exists()
        ), username
    for account in demo.SECOND_ACCOUNTS:
        visible = access.children_visible_to(User.objects.get(username=account.username))
        assert not visible.filter(responsible_authority=first).exists(), account.username
    worker = User.objects.get(username="sw.riverside")
    northbrook_child = Child.objects.filter(responsible_authority=first).first()
    with pytest.raises(NotFound):
        access.child_for(worker, northbrook_child.pk)
    assert access.children_visible_to(worker).filter(responsible_authority=second).exists()


def test_a_child_whose_plan_ended_in_the_second_authority_now_lives_in_the_first(seeded):
    from plans.models import Plan
    from registry import services as registry_services

    moved = Child.objects.get(
        responsible_authority__code=demo.SECOND_AUTHORITY_CODE,
        resident_authority__code=demo.AUTHORITY_CODE,
    )
    assert moved.team.name == demo.NORTH_TEAM
    assert moved.current_residence.address.town == demo.TOWN
    plan = Plan.objects.get(child=moved)
    assert plan.status == "ended" and plan.authority.code == demo.SECOND_AUTHORITY_CODE
    assert moved.referrals.get().closure_reason == "RC7"
    worker = User.objects.get(username="sw.north")
    request = registry_services.historic_plan_request(
        actor=worker, child_id=moved.pk, reason="New concerns at school", parents_told=True
    )
    assert request.originating_authority.code == demo.SECOND_AUTHORITY_CODE
    registry_services.historic_plan_decide(
        actor=User.objects.get(username="sum.southmere"),
        request_id=request.pk,
        grant=True,
        reason="A legitimate request",
    )
    released = registry_services.historic_plans_read(actor=worker, request_id=request.pk)
    assert released[0]["ended_on"] == plan.ended_on


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
    for account in demo.ALL_ACCOUNTS:
        device = TOTPDevice.objects.get(user__username=account.username, confirmed=True)
        published = demo.demo_totp_base32(account.username)
        assert base64.b32decode(published) == device.bin_key
        code = _demo_code(account.username)
        assert re.fullmatch(r"\d{6}", code)
        assert int(code) == totp(device.bin_key)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.SECOND_FACTOR_ENROLLED, actor_username="manage.py seed_demo"
    ).count() == len(demo.ALL_ACCOUNTS)


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


@pytest.mark.parametrize("username", ["tm.north", "sw.south", "sum", "sw.riverside"])
def test_the_demo_pages_open_for_its_accounts(seeded, username):
    """A newcomer's first screens: the dashboard, the conferences, and each child's
    record and plan, with the demo's own data."""
    from django.test import Client

    from plans.models import Plan

    client = Client()
    client.post("/accounts/login/", {"username": username, "password": demo.DEFAULT_DEMO_PASSWORD})
    client.post("/accounts/second-factor/", {"code": _demo_code(username)})
    assert client.get("/").status_code == 200
    assert client.get("/conferences/").status_code == 200
    user = User.objects.get(username=username)
    visible = Plan.objects.filter(child__in=access.children_visible_to(user)).order_by("pk")
    plans = visible.filter(authority=user.authority)[:4]
    assert plans
    for plan in plans:
        assert client.get(f"/children/{plan.child_id}/").status_code == 200
        assert client.get(f"/plans/{plan.pk}/").status_code == 200
    # The plan of the child who moved in is the other authority's: not without a release.
    for plan in visible.exclude(authority=user.authority):
        assert client.get(f"/children/{plan.child_id}/").status_code == 200
        assert client.get(f"/plans/{plan.pk}/").status_code == 404

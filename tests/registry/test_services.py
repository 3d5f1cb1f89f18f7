"""The register: out-of-hours enquiries, follow-up, the log, historic plans."""

import datetime as dt

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent, Notification
from plans.models import Plan
from registry import services
from registry.models import Enquiry, HistoricPlanRequest
from registry.selectors import Search, register_facts, register_search, register_statistics
from registry.services import Enquirer
from tests.factories import AddressFactory, ChildFactory, PlanFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
POLICE = Enquirer(
    name="PC Alex Example",
    agency="Testshire Police",
    role="Response officer",
    phone="01632 960555",
    reference="TP1234",
)


@pytest.fixture
def on_plan(child):
    """Amelia Testchild, born 17 May 2018, at 12 Imaginary Road ZZ1 1ZZ, with a plan."""
    PlanFactory(child=child, started_on=TODAY - dt.timedelta(days=60), latest_category="EMO")
    return child


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """An enquiry, with its follow-up run as the worker runs it: after the commit."""

    def _ask(actor, **search):
        with django_capture_on_commit_callbacks(execute=True):
            return services.enquiry_make(
                actor=actor,
                enquirer=POLICE,
                reason="Domestic incident at the address",
                search=Search(**search),
            )

    return _ask


def test_a_misspelt_name_and_date_of_birth_find_the_child_with_the_minimum(
    ask, police_enquirer, on_plan, social_worker
):
    enquiry = ask(
        police_enquirer,
        first_name="Amelia",
        last_name="Tetschild",
        date_of_birth=dt.date(2018, 5, 17),
    )
    (match,) = enquiry.matches
    assert match == {
        "child_ref": str(on_plan.pk),
        "name": "Amelia Testchild",
        "date_of_birth": "2018-05-17",
        "has_active_plan": True,
        "category": "EMO",
        "responsible_authority": {
            "name": "Northbrook Borough Council",
            "office_phone": "01632 960000",
            "out_of_hours_phone": "01632 960999",
        },
        "lead_social_worker": {"name": social_worker.name, "phone": social_worker.phone},
        "case_open": True,
    }
    assert Notification.objects.filter(recipient=social_worker, kind="register_enquiry").exists()
    assert AuditEvent.objects.filter(action="search", child_id=on_plan.pk).exists()


def test_accents_do_not_matter(ask, police_enquirer, authority):
    zoe = ChildFactory(
        first_name="Zoë",
        last_name="Ångström",
        responsible_authority=authority,
        date_of_birth=dt.date(2016, 2, 3),
    )
    PlanFactory(child=zoe, started_on=TODAY - dt.timedelta(days=5))
    enquiry = ask(
        police_enquirer, first_name="Zoe", last_name="Angstrom", date_of_birth=dt.date(2016, 2, 3)
    )
    assert [m["child_ref"] for m in enquiry.matches] == [str(zoe.pk)]


def test_surname_and_postcode_and_nhs_number(ask, police_enquirer, on_plan):
    born = dt.date(2018, 5, 17)
    assert ask(
        police_enquirer, last_name="Testchild", postcode="zz11zz", date_of_birth=born
    ).matches
    assert ask(police_enquirer, nhs_number=on_plan.nhs_number).matches
    # The surname and postcode without the date of birth: a household, not a child.
    household = ask(police_enquirer, last_name="Testchild", postcode="zz11zz")
    assert household.matches == [] and household.possible_match_count == 1


def test_no_match_says_so_and_is_recorded(ask, police_enquirer, on_plan):
    enquiry = ask(police_enquirer, last_name="Nobody", date_of_birth=dt.date(2001, 1, 1))
    assert enquiry.matches == [] and enquiry.outcome == "no_match"


@pytest.mark.parametrize(
    ("enquirer", "reason", "search", "field"),
    [
        (None, "Reason", {"nhs_number": "9990000018"}, "enquirer"),
        (
            Enquirer("", "Police", "Officer", "01632 960555"),
            "Reason",
            {"nhs_number": "9990000018"},
            "enquirer.name",
        ),
        (POLICE, " ", {"nhs_number": "9990000018"}, "reason"),
        (POLICE, "Reason", {"last_name": "T", "date_of_birth": dt.date(2018, 5, 17)}, "last_name"),
        (POLICE, "Reason", {"last_name": "Testchild"}, "search"),
        (POLICE, "Reason", {}, "search"),
        (POLICE, "Reason", {"postcode": "nonsense", "last_name": "Testchild"}, "postcode"),
    ],
)
def test_refused_enquiries_give_nothing_away_and_are_recorded(
    police_enquirer, on_plan, enquirer, reason, search, field
):
    with pytest.raises(DomainError) as caught:
        services.enquiry_make(
            actor=police_enquirer, enquirer=enquirer, reason=reason, search=Search(**search)
        )
    assert field in caught.value.errors
    refused = Enquiry.objects.get()
    assert refused.outcome == "refused" and refused.matches == []


def test_a_child_at_the_same_address_as_a_child_with_a_plan(
    ask, police_enquirer, on_plan, authority, social_worker
):
    home = on_plan.address
    sibling = ChildFactory(
        first_name="Oliver",
        last_name="Neighbour",
        responsible_authority=authority,
        date_of_birth=dt.date(2015, 1, 9),
    )
    from cpcase.models import Residence

    Residence.objects.create(
        child=sibling, address=AddressFactory(line1=home.line1.upper(), postcode=home.postcode)
    )
    enquiry = ask(
        police_enquirer,
        first_name="Oliver",
        last_name="Neighbour",
        date_of_birth=dt.date(2015, 1, 9),
    )
    assert enquiry.matches == []  # Oliver has no plan: nothing about him is given
    told = Notification.objects.get(kind="register_enquiry_same_address")
    assert told.recipient == social_worker and "Oliver Neighbour" in told.body


def test_three_enquiries_in_fourteen_days_alert_the_unit_manager(
    ask, police_enquirer, on_plan, unit_manager, social_worker
):
    for _ in range(2):
        ask(police_enquirer, nhs_number=on_plan.nhs_number)
    assert not Notification.objects.filter(kind="register_enquiry_cluster").exists()
    ask(police_enquirer, nhs_number=on_plan.nhs_number)
    alerted = set(
        Notification.objects.filter(kind="register_enquiry_cluster").values_list(
            "recipient__username", flat=True
        )
    )
    assert alerted == {"sum", "sw.allocated"}


def test_who_may_search(ask, social_worker, on_plan, unit_manager, health_enquirer):
    with pytest.raises(NotPermitted):
        ask(social_worker, nhs_number=on_plan.nhs_number)
    assert ask(health_enquirer, nhs_number=on_plan.nhs_number).matches
    assert ask(unit_manager, nhs_number=on_plan.nhs_number).matches


def test_the_log_reviewed_and_exported(ask, police_enquirer, on_plan, unit_manager, social_worker):
    enquiry = ask(police_enquirer, nhs_number=on_plan.nhs_number)
    with pytest.raises(NotPermitted):
        services.enquiries_export(actor=social_worker)
    services.enquiry_mark_reviewed(actor=unit_manager, enquiry_id=enquiry.pk)
    csv = services.enquiries_export(actor=unit_manager)
    assert "PC Alex Example" in csv and "Amelia Testchild" in csv
    assert AuditEvent.objects.filter(action="export", actor=unit_manager).exists()


def test_historic_plans_released_for_a_time(authority, other_authority_worker, unit_manager, child):
    PlanFactory(
        child=child,
        started_on=dt.date(2024, 1, 10),
        status="ended",
        ended_on=dt.date(2025, 2, 1),
        end_reason="conference",
    )
    with pytest.raises(NotFound):  # a child the worker may not see
        services.historic_plan_request(
            actor=other_authority_worker,
            child_id=child.pk,
            reason="Moved to our area",
            parents_told=True,
        )
    assert not HistoricPlanRequest.objects.exists()
    assign_perm("cpcase.view_child", other_authority_worker, child)  # moved to their area
    with pytest.raises(DomainError) as caught:
        services.historic_plan_request(
            actor=other_authority_worker,
            child_id=child.pk,
            reason="Moved to our area",
            parents_told=False,
        )
    assert "parents_not_told_reason" in caught.value.errors
    request = services.historic_plan_request(
        actor=other_authority_worker,
        child_id=child.pk,
        reason="Moved to our area; new concerns",
        parents_told=True,
    )
    with pytest.raises(NotPermitted):
        services.historic_plans_read(actor=other_authority_worker, request_id=request.pk)
    services.historic_plan_decide(
        actor=unit_manager, request_id=request.pk, grant=True, reason="Legitimate", days=7
    )
    plans = services.historic_plans_read(actor=other_authority_worker, request_id=request.pk)
    assert plans[0]["ended_on"] == dt.date(2025, 2, 1)
    with pytest.raises(NotFound):
        services.historic_plans_read(actor=unit_manager, request_id=request.pk)


def test_statistics(authority, team, unit_manager, on_plan):
    stats = register_statistics(authority=authority, today=TODAY)
    assert stats["total"] == 1 and stats["by_category"] == {"EMO": 1}
    assert stats["by_team"] == {"North locality team": 1}


def _age_band(dob, today):
    """The age bands as a person counts them: whole years, the birthday counted on the day."""
    if dob is None:
        return "unborn"
    age = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
    for label, upper in (("under 1", 1), ("1-4", 5), ("5-9", 10), ("10-15", 16)):
        if age < upper:
            return label
    return "16+"


@pytest.mark.parametrize("today", [TODAY, dt.date(2028, 2, 29), dt.date(2027, 3, 1)])
def test_statistics_count_ages_in_the_database_at_each_birthday(authority, today):
    from collections import Counter

    from dateutil.relativedelta import relativedelta

    dobs = [None]
    for years in (1, 5, 10, 16):
        born = today - relativedelta(years=years)
        dobs += [born, born + dt.timedelta(days=1), born - dt.timedelta(days=1)]
    dobs += [dt.date(2024, 2, 29), dt.date(2012, 2, 29)]
    for n, dob in enumerate(dobs):
        child = ChildFactory(
            first_name=f"Age{n}",
            responsible_authority=authority,
            date_of_birth=dob,
            expected_date_of_delivery=today + dt.timedelta(days=30) if dob is None else None,
            sex="U",
        )
        PlanFactory(child=child, started_on=today - dt.timedelta(days=10))
    stats = register_statistics(authority=authority, today=today)
    assert stats["by_age"] == dict(Counter(_age_band(dob, today) for dob in dobs))
    assert stats["total"] == len(dobs)


# --- The enquiry is recorded before the answer; telling people follows in the background --


def _siblings_on_plans(authority, social_worker, n):
    """``n`` children with plans at one address, each with a lead social worker."""
    home = AddressFactory(line1="3 Pretend Close", postcode="ZZ9 9ZZ")
    kids = []
    for i in range(n):
        kid = ChildFactory(
            first_name=f"Child{i}",
            last_name="Samehouse",
            responsible_authority=authority,
            lead_social_worker=social_worker,
            date_of_birth=dt.date(2015, 1, 9),
            address=home,
        )
        PlanFactory(child=kid, started_on=TODAY - dt.timedelta(days=30))
        kids.append(kid)
    return kids


@pytest.mark.parametrize("found", [1, 4])
def test_the_enquiry_request_is_a_fixed_few_queries_and_tells_nobody_before_commit(
    api_as,
    police_enquirer,
    authority,
    social_worker,
    unit_manager,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
    found,
):
    _siblings_on_plans(authority, social_worker, found)
    api = api_as(police_enquirer)
    body = {
        "enquirer": {
            "name": "PC Alex Example",
            "agency": "P",
            "role": "R",
            "phone": "01632 960555",
        },
        "reason": "Welfare",
        "search": {"last_name": "Samehouse", "postcode": "ZZ9 9ZZ", "date_of_birth": "2015-01-09"},
    }
    # The enquirer's roles, the search (with the latest plan of what it found), then in one
    # statement the enquiry, what it matched and the audit events: three, however many.
    with (
        django_capture_on_commit_callbacks(execute=False) as queued,
        django_assert_num_queries(3),
    ):
        r = api.post("/api/v1/register/enquiries/", body, format="json")
    assert r.status_code == 201 and len(r.json()["matches"]) == found
    enquiry = Enquiry.objects.get()
    assert enquiry.matched_children.count() == found and enquiry.followed_up_at is None
    assert AuditEvent.objects.filter(action="search", object_id=str(enquiry.pk)).count() == found
    assert not Notification.objects.exists()
    assert len(queued) == 1  # the follow-up, queued for after the commit
    queued[0]()  # what the worker does (tasks run in-process in these tests)
    enquiry.refresh_from_db()
    assert enquiry.followed_up_at is not None and enquiry.told == [str(social_worker.pk)]
    assert Notification.objects.filter(kind="register_enquiry").count() == found


@pytest.mark.parametrize("found", [1, 4])
def test_the_follow_up_is_a_fixed_few_queries_however_many_children(
    authority,
    social_worker,
    unit_manager,
    police_enquirer,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
    found,
):
    kids = _siblings_on_plans(authority, social_worker, found)
    for _ in range(3):  # the third enquiry about each makes a cluster
        with django_capture_on_commit_callbacks(execute=False):
            enquiry = services.enquiry_make(
                actor=police_enquirer,
                enquirer=POLICE,
                reason="Welfare",
                search=Search(
                    last_name="Samehouse", postcode="ZZ9 9ZZ", date_of_birth=dt.date(2015, 1, 9)
                ),
            )
    # In a transaction (a savepoint here): lock the enquiry, the children, the addresses'
    # neighbours, the cluster counts, the unit managers, the notifications (a savepoint of
    # their own), the enquiry marked followed up: eleven, however many children.
    with django_assert_num_queries(11):
        told = services.enquiry_follow_up(enquiry_id=enquiry.pk)
    assert told == found + 2 * found  # each lead told; the cluster to manager and lead
    assert {n.recipient for n in Notification.objects.filter(kind="register_enquiry_cluster")} == {
        unit_manager,
        social_worker,
    }
    assert set(Notification.objects.values_list("child_id", flat=True)) == {k.pk for k in kids}
    with django_assert_num_queries(3):  # again (the safety net racing the task): nothing
        assert services.enquiry_follow_up(enquiry_id=enquiry.pk) == 0


def test_the_safety_net_follows_up_an_enquiry_whose_task_never_ran(
    police_enquirer, on_plan, social_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down
        enquiry = services.enquiry_make(
            actor=police_enquirer,
            enquirer=POLICE,
            reason="Welfare",
            search=Search(nhs_number=on_plan.nhs_number),
        )
    assert services.enquiries_follow_up_missed() == 0  # too soon: the task may yet come
    later = timezone.now() + services.FOLLOW_UP_GRACE + dt.timedelta(seconds=1)
    assert services.enquiries_follow_up_missed(now=later) == 1
    told = Notification.objects.get(kind="register_enquiry")
    assert told.recipient == social_worker and told.child_id == on_plan.pk
    assert services.enquiries_follow_up_missed(now=later) == 0
    enquiry.refresh_from_db()
    assert enquiry.told == [str(social_worker.pk)]


def test_an_enquiry_that_finds_nobody_queues_nothing(
    police_enquirer, on_plan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        enquiry = services.enquiry_make(
            actor=police_enquirer,
            enquirer=POLICE,
            reason="Welfare",
            search=Search(last_name="Nobody", date_of_birth=dt.date(2001, 1, 1)),
        )
    assert queued == [] and enquiry.followed_up_at is not None


def test_the_safety_net_is_on_the_beat_schedule(settings):
    from cpcase.celery import app
    from registry import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["follow-up-missed-enquiries"]
    assert entry["task"] == tasks.follow_up_missed_enquiries.name
    assert entry["task"] in app.tasks and tasks.follow_up_enquiry.name in app.tasks


def test_what_the_search_says_of_each_child_comes_from_its_latest_plan(authority):
    """On the register, an active plan and the category: from the plan that started last,
    read with the search itself, for children with no plan, one active, one ended within
    the year or before it, and an active plan after an old one (or an ended after an older)."""
    today = timezone.localdate()
    day = dt.timedelta(days=1)

    def ended(child, started, ended_on, category):
        PlanFactory(
            child=child,
            started_on=started,
            ended_on=ended_on,
            status="ended",
            latest_category=category,
        )

    def active(child, started, category):
        PlanFactory(child=child, started_on=started, latest_category=category)

    kinds = {
        "no plan": lambda c: None,
        "active": lambda c: active(c, today - 30 * day, "PHY"),
        "ended this year": lambda c: ended(c, today - 300 * day, today - 100 * day, "EMO"),
        "ended over a year ago": lambda c: ended(c, today - 900 * day, today - 400 * day, "SEX"),
        "active after an old one": lambda c: (
            ended(c, today - 900 * day, today - 500 * day, "SEX"),
            active(c, today - 20 * day, "NEG"),
        ),
        "ended after an older one": lambda c: (
            ended(c, today - 900 * day, today - 700 * day, "PHY"),
            ended(c, today - 300 * day, today - 50 * day, "MUL"),
        ),
    }
    children = {}
    for kind, make in kinds.items():
        child = ChildFactory(responsible_authority=authority)
        make(child)
        children[kind] = child
    for kind, child in children.items():
        _, found = register_search(Search(nhs_number=child.nhs_number))
        facts = register_facts(found, today).get(child.pk)
        latest = Plan.objects.filter(child=child).order_by("-started_on").first()
        if latest is None:
            assert facts is None, kind
            continue
        is_active = latest.status == "active"
        recent = is_active or latest.ended_on >= today - dt.timedelta(days=365)
        assert facts == {
            "on_register": recent,
            "has_active_plan": is_active,
            "category": latest.latest_category,
        }, kind
    answers = {
        k: register_facts(register_search(Search(nhs_number=c.nhs_number))[1], today)
        for k, c in children.items()
    }
    assert (
        answers["ended over a year ago"][children["ended over a year ago"].pk]["on_register"]
        is False
    )
    assert (
        answers["ended after an older one"][children["ended after an older one"].pk]["category"]
        == "MUL"
    )

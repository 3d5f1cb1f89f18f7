"""Register pages: historic plans released across authorities, and the designated managers."""

import datetime as dt

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from cpcase.models import AuditEvent, Notification
from cpcase.roles import Role
from plans.models import PlanVersion
from registry import services
from registry.models import DesignatedManager, HistoricPlanRequest
from tests.factories import ChildFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def web(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


@pytest.fixture
def historic(child, social_worker):
    """Amelia's plan of 2024, ended, with its authorised version."""
    plan = PlanFactory(
        child=child,
        started_on=dt.date(2024, 1, 10),
        status="ended",
        stage="authorised",
        ended_on=dt.date(2025, 2, 1),
        end_reason="conference",
        latest_category="EMO",
    )
    PlanVersion.objects.create(
        plan=plan,
        number=1,
        reason="Authorised",
        created_by=social_worker,
        content={
            "latest_category": "EMO",
            "cause_of_harm": "Shouting and threats at home witnessed nightly",
            "short_term_goals": "Calm evenings",
            "actions": [
                {
                    "description": "Weekly parenting sessions",
                    "responsible": "Mother",
                    "responsible_agency": "",
                    "due_on": "2024-03-01",
                    "status": "done",
                }
            ],
        },
    )
    return child


@pytest.fixture
def receiving_worker(other_authority_worker, historic):
    """Southmere's social worker: Amelia has moved into their area and they may see her."""
    assign_perm("cpcase.view_child", other_authority_worker, historic)
    return other_authority_worker


@pytest.fixture
def other_unit_manager(other_authority):
    return UserFactory(
        username="sum.southmere", authority=other_authority, roles=[Role.SAFEGUARDING_UNIT_MANAGER]
    )


def _ask(child, **overrides):
    return {
        "reason": "Moved to our area; new concerns at school",
        "parents_told": "yes",
        "parents_not_told_reason": "",
        **overrides,
    }


@pytest.fixture
def release(receiving_worker, historic):
    return services.historic_plan_request(
        actor=receiving_worker,
        child_id=historic.pk,
        reason="Moved to our area; new concerns at school",
        parents_told=True,
    )


def _granted(release, unit_manager, days=7):
    return services.historic_plan_decide(
        actor=unit_manager, request_id=release.pk, grant=True, reason="Legitimate need", days=days
    )


# --- Asking ----------------------------------------------------------------------------


def test_the_receiving_worker_asks_from_the_childs_record(
    web, receiving_worker, historic, unit_manager
):
    client = web(receiving_worker)
    record = client.get(f"/children/{historic.pk}/").content.decode()
    assert "Ask Northbrook Borough Council for the historic plans" in record
    page = client.get(f"/children/{historic.pk}/historic-plans/request/")
    assert page.status_code == 200 and "Northbrook Borough Council" in page.content.decode()
    r = client.post(
        f"/children/{historic.pk}/historic-plans/request/",
        _ask(historic, parents_told="no", parents_not_told_reason="Telling the father raises risk"),
    )
    made = HistoricPlanRequest.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/register/releases/{made.pk}/"
    assert made.parents_told is False and made.parents_not_told_reason.startswith("Telling")
    assert made.originating_authority == historic.responsible_authority
    assert Notification.objects.get(kind="historic_plan_request").recipient == unit_manager
    page = client.get(r["Location"]).content.decode()
    assert "Awaiting a decision" in page and "Telling the father raises risk" in page
    assert "Decide the request" not in page


@pytest.mark.parametrize(
    ("data", "message", "kept"),
    [
        ({"reason": ""}, "Say why the historic plans are needed.", None),
        (
            {"parents_told": "no", "parents_not_told_reason": " "},
            "Say why the parents were not told",
            "Moved to our area; new concerns at school",
        ),
        ({"parents_told": ""}, "Say whether the parents were told of the request.", None),
    ],
)
def test_asking_with_something_missing_saves_nothing(
    web, receiving_worker, historic, data, message, kept
):
    r = web(receiving_worker).post(
        f"/children/{historic.pk}/historic-plans/request/", _ask(historic, **data)
    )
    body = r.content.decode()
    assert r.status_code == 200 and "There is a problem" in body and message in body
    if kept:
        assert kept in body  # what was typed is kept
    assert not HistoricPlanRequest.objects.exists()


def test_who_may_ask(
    web, historic, police_enquirer, unit_manager, social_worker, other_team_worker, other_authority
):
    url = f"/children/{historic.pk}/historic-plans/request/"
    assert web(police_enquirer).get(url).status_code == 403
    assert web(unit_manager).get(url).status_code == 403  # the unit decides; it does not ask
    assert web(other_team_worker).get(url).status_code == 404  # may not see Amelia
    stranger = UserFactory(authority=other_authority, roles=[Role.SOCIAL_WORKER])
    assert web(stranger).post(url, _ask(historic)).status_code == 404
    # Amelia's own authority needs no release: said on the form, nothing saved.
    r = web(social_worker).post(url, _ask(historic))
    assert r.status_code == 200 and "no release is needed" in r.content.decode()
    assert not HistoricPlanRequest.objects.exists()


def test_a_child_with_no_ended_plan_has_nothing_to_ask_for(web, other_authority_worker, authority):
    current = ChildFactory(last_name="Currentplan", responsible_authority=authority)
    PlanFactory(child=current, started_on=TODAY - dt.timedelta(days=10))
    assign_perm("cpcase.view_child", other_authority_worker, current)
    url = f"/children/{current.pk}/historic-plans/request/"
    page = web(other_authority_worker).get(url)
    assert page.status_code == 200 and "no historic plan to ask for" in page.content.decode()
    web(other_authority_worker).post(url, _ask(current))
    assert not HistoricPlanRequest.objects.exists()


# --- Listing and deciding ------------------------------------------------------------------


def test_the_requests_list_for_each_persona(
    web,
    release,
    receiving_worker,
    unit_manager,
    other_unit_manager,
    police_enquirer,
    django_assert_max_num_queries,
):
    for user in (unit_manager, receiving_worker):
        page = web(user).get("/register/releases/")
        assert page.status_code == 200 and list(page.context["requests"]) == [release]
    assert list(web(other_unit_manager).get("/register/releases/").context["requests"]) == []
    assert web(police_enquirer).get("/register/releases/").status_code == 403
    client = web(unit_manager)
    with django_assert_max_num_queries(12) as one:
        client.get("/register/releases/")
    for _ in range(3):
        services.historic_plan_request(
            actor=receiving_worker, child_id=release.child_id, reason="Again", parents_told=True
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get("/register/releases/").context["requests"]) == 4


def test_the_unit_manager_grants_for_a_limited_time(web, release, unit_manager, receiving_worker):
    client = web(unit_manager)
    page = client.get(f"/register/releases/{release.pk}/")
    assert page.status_code == 200 and "Decide the request" in page.content.decode()
    r = client.post(
        f"/register/releases/{release.pk}/",
        {"decision": "grant", "days": "7", "reason": "A legitimate need"},
    )
    assert r.status_code == 302
    release.refresh_from_db()
    assert release.status == "granted" and release.decided_by == unit_manager
    until = release.access_until - timezone.now()
    assert dt.timedelta(days=6, hours=23) < until <= dt.timedelta(days=7)
    told = Notification.objects.get(kind="historic_plan_decision")
    assert told.recipient == receiving_worker
    # Decided: no form any more; a second decision changes nothing.
    assert "Decide the request" not in client.get(r["Location"]).content.decode()
    client.post(f"/register/releases/{release.pk}/", {"decision": "refuse", "reason": "No"})
    release.refresh_from_db()
    assert release.status == "granted"


def test_the_unit_manager_refuses_with_a_reason(web, release, unit_manager, receiving_worker):
    web(unit_manager).post(
        f"/register/releases/{release.pk}/",
        {"decision": "refuse", "days": "", "reason": "Not needed for the present concern"},
    )
    release.refresh_from_db()
    assert release.status == "refused" and release.access_until is None
    r = web(receiving_worker).get(f"/register/releases/{release.pk}/plans/")
    assert r.status_code == 403 and "Not needed for the present concern" in r.content.decode()
    assert "Shouting and threats" not in r.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"decision": "grant", "days": "7", "reason": ""}, "reason", "Give the reason"),
        ({"decision": "grant", "days": "0", "reason": "Fine"}, "days", "between 1 and 90"),
        ({"decision": "grant", "days": "365", "reason": "Fine"}, "days", "between 1 and 90"),
        ({"decision": "grant", "days": "", "reason": "Fine"}, "days", "between 1 and 90"),
        ({"decision": "grant", "days": "a week", "reason": "Fine"}, "days", "whole number"),
        ({"days": "7", "reason": "Fine"}, "decision", "grant or refuse"),
    ],
)
def test_a_bad_decision_saves_nothing(web, release, unit_manager, data, field, message):
    r = web(unit_manager).post(f"/register/releases/{release.pk}/", data)
    assert r.status_code == 200
    assert any(message in e for e in r.context["form"].errors[field])
    assert "There is a problem" in r.content.decode()
    release.refresh_from_db()
    assert release.status == "requested" and release.decided_at is None
    assert not Notification.objects.filter(kind="historic_plan_decision").exists()


def test_who_may_decide(
    web, release, receiving_worker, social_worker, other_unit_manager, police_enquirer
):
    url = f"/register/releases/{release.pk}/"
    decision = {"decision": "grant", "days": "7", "reason": "Fine"}
    assert web(receiving_worker).post(url, decision).status_code == 403  # asked; cannot decide
    for stranger in (other_unit_manager, social_worker, police_enquirer):
        assert web(stranger).get(url).status_code == 404
        assert web(stranger).post(url, decision).status_code == 404
    assert web(receiving_worker).get("/register/releases/not-a-uuid/").status_code == 404
    release.refresh_from_db()
    assert release.status == "requested"


# --- Reading ---------------------------------------------------------------------------


def test_the_worker_reads_the_released_plans_until_the_time_runs_out(
    web, release, unit_manager, receiving_worker
):
    _granted(release, unit_manager)
    client = web(receiving_worker)
    assert (
        "Read the released plans"
        in client.get(f"/register/releases/{release.pk}/").content.decode()
    )
    for _ in range(2):
        page = client.get(f"/register/releases/{release.pk}/plans/")
        body = page.content.decode()
        assert page.status_code == 200
        assert "Shouting and threats at home witnessed nightly" in body
        assert "Weekly parenting sessions" in body
    reads = AuditEvent.objects.filter(
        action="view", actor=receiving_worker, object_id=str(release.pk)
    )
    assert reads.count() == 2 and {e.child_id for e in reads} == {release.child_id}
    HistoricPlanRequest.objects.filter(pk=release.pk).update(
        access_until=timezone.now() - dt.timedelta(minutes=1)
    )
    page = client.get(f"/register/releases/{release.pk}/plans/")
    body = page.content.decode()
    assert page.status_code == 403 and "Your access to" in body and "ended on" in body
    assert "Shouting and threats" not in body
    assert reads.count() == 2
    assert (
        "Read the released plans"
        not in client.get(f"/register/releases/{release.pk}/").content.decode()
    )


def test_only_the_requesting_worker_reads_the_plans(
    web, release, unit_manager, other_unit_manager, social_worker, police_enquirer
):
    _granted(release, unit_manager)
    url = f"/register/releases/{release.pk}/plans/"
    for user in (unit_manager, other_unit_manager, social_worker, police_enquirer):
        r = web(user).get(url)
        assert r.status_code == 404 and "Shouting and threats" not in r.content.decode()


def test_a_request_not_yet_decided_shows_no_plans(web, release, receiving_worker):
    r = web(receiving_worker).get(f"/register/releases/{release.pk}/plans/")
    assert r.status_code == 403 and "has not decided" in r.content.decode()


# --- Designated managers ---------------------------------------------------------------


@pytest.fixture
def deputy(authority):
    return UserFactory(
        username="sum.deputy",
        first_name="Morgan",
        last_name="Deputy",
        authority=authority,
        roles=[Role.SAFEGUARDING_UNIT_MANAGER],
    )


def _change(manager, start, told=None):
    data = {
        "manager": str(manager.pk),
        "from_date_0": start.day,
        "from_date_1": start.month,
        "from_date_2": start.year,
    }
    if told:
        data |= {
            "department_notified_on_0": told.day,
            "department_notified_on_1": told.month,
            "department_notified_on_2": told.year,
        }
    return data


def test_the_unit_manager_records_a_new_designated_manager(
    web, unit_manager, deputy, django_assert_max_num_queries
):
    client = web(unit_manager)
    page = client.get("/register/designated-managers/")
    assert page.status_code == 200 and "No designated manager is recorded yet" in (
        page.content.decode()
    )
    first = TODAY - dt.timedelta(days=400)
    r = client.post("/register/designated-managers/", _change(unit_manager, first, first))
    assert r.status_code == 302
    later = TODAY - dt.timedelta(days=10)
    client.post("/register/designated-managers/", _change(deputy, later, TODAY))
    old, new = DesignatedManager.objects.order_by("from_date")
    assert old.to_date == later - dt.timedelta(days=1) and new.to_date is None
    assert new.manager == deputy and new.department_notified_on == TODAY
    with django_assert_max_num_queries(12):
        body = client.get("/register/designated-managers/").content.decode()
    assert "Morgan Deputy" in body and "Current" in body
    assert AuditEvent.objects.filter(object_type="designatedmanager", action="create").count() == 2


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("told before the change", "department_notified_on", "on or after the change"),
        ("told in the future", "department_notified_on", "cannot be in the future"),
        ("starts before the current one", "from_date", "starts after the current one"),
        ("no manager", "manager", "Choose the new designated manager"),
        ("not a unit manager", "manager", "Choose a safeguarding unit manager"),
        ("no start", "from_date", "Enter the date the new designated manager starts"),
        ("not a real date", "from_date", "must be a real date"),
    ],
)
def test_a_bad_change_saves_nothing(
    web, unit_manager, deputy, social_worker, other_unit_manager, case, field, message
):
    DesignatedManager.objects.create(
        authority=unit_manager.authority,
        manager=unit_manager,
        from_date=TODAY - dt.timedelta(days=100),
        recorded_by=unit_manager,
    )
    start = TODAY - dt.timedelta(days=5)
    data = {
        "told before the change": _change(deputy, start, start - dt.timedelta(days=1)),
        "told in the future": _change(deputy, start, TODAY + dt.timedelta(days=3)),
        "starts before the current one": _change(deputy, TODAY - dt.timedelta(days=200)),
        "no manager": {**_change(deputy, start), "manager": ""},
        "not a unit manager": _change(social_worker, start),
        "no start": {
            **_change(deputy, start),
            "from_date_0": "",
            "from_date_1": "",
            "from_date_2": "",
        },
        "not a real date": {**_change(deputy, start), "from_date_0": "31", "from_date_1": "2"},
    }[case]
    r = web(unit_manager).post("/register/designated-managers/", data)
    assert r.status_code == 200 and "There is a problem" in r.content.decode()
    assert any(message in e for e in r.context["form"].errors[field])
    assert r.context["form"]["from_date"].value() is not None  # what was typed is kept
    assert DesignatedManager.objects.count() == 1
    assert DesignatedManager.objects.get().to_date is None


def test_who_keeps_the_designated_managers(
    web, unit_manager, other_unit_manager, social_worker, police_enquirer, deputy
):
    DesignatedManager.objects.create(
        authority=unit_manager.authority,
        manager=deputy,
        from_date=TODAY - dt.timedelta(days=100),
        recorded_by=unit_manager,
    )
    for user in (social_worker, police_enquirer):
        assert web(user).get("/register/designated-managers/").status_code == 403
        r = web(user).post("/register/designated-managers/", _change(user, TODAY))
        assert r.status_code == 403
    # Another authority's manager sees only their own, and cannot name ours.
    client = web(other_unit_manager)
    assert "Morgan Deputy" not in client.get("/register/designated-managers/").content.decode()
    r = client.post("/register/designated-managers/", _change(deputy, TODAY))
    assert r.status_code == 200 and "Choose a safeguarding unit manager" in r.content.decode()
    assert DesignatedManager.objects.count() == 1


def test_the_unit_managers_pages_link_to_each_other(web, unit_manager):
    client = web(unit_manager)
    for url in ("/register/", "/register/children/", "/register/log/", "/register/releases/"):
        body = client.get(url).content.decode()
        assert 'href="/register/designated-managers/"' in body, url
        assert 'href="/register/releases/"' in body, url


def test_every_problem_is_named_at_once(web, release, unit_manager, receiving_worker, historic):
    r = web(unit_manager).post(
        f"/register/releases/{release.pk}/", {"decision": "grant", "days": "0", "reason": ""}
    )
    assert set(r.context["form"].errors) == {"days", "reason"}
    r = web(receiving_worker).post(
        f"/children/{historic.pk}/historic-plans/request/",
        _ask(historic, reason="", parents_told="no"),
    )
    assert set(r.context["form"].errors) == {"reason", "parents_not_told_reason"}
    assert HistoricPlanRequest.objects.count() == 1


def test_the_register_shows_its_figures_as_charts(
    web, child, unit_manager, social_worker, authority, team
):
    today = timezone.localdate()
    PlanFactory(child=child, started_on=today - dt.timedelta(days=40), latest_category="EMO")
    for first in ("Ben", "Cara"):
        sibling = ChildFactory(
            first_name=first, responsible_authority=authority, resident_authority=authority
        )
        PlanFactory(child=sibling, started_on=today - dt.timedelta(days=40), latest_category="NEG")
    r = web(unit_manager).get("/register/children/")
    assert r.status_code == 200
    charts = dict(r.context["charts"])
    assert charts["By category"][:2] == [("Neglect", 2, 100), ("Emotional abuse", 1, 50)]
    started = {label: n for label, n, _ in charts["Plans started by month"]}
    assert len(started) == 12
    assert started[(today - dt.timedelta(days=40)).strftime("%B %Y")] == 3
    html = r.content.decode()
    assert "By age" in html and 'class="app-chart__bar app-chart__bar--100"' in html
    assert web(social_worker).get("/register/children/").status_code == 403


def test_the_register_pages_fifty_children_at_a_time(web, unit_manager, authority):
    today = timezone.localdate()
    for i in range(51):
        PlanFactory(
            child=ChildFactory(
                last_name=f"Pagetest{i:02d}",
                responsible_authority=authority,
                resident_authority=authority,
            ),
            started_on=today - dt.timedelta(days=10),
        )
    client = web(unit_manager)
    first = client.get("/register/children/").content.decode()
    assert "Pagetest49" in first and "Pagetest50" not in first
    assert "51 children on the register" in first and "Page 1 of 2" in first
    second = client.get("/register/children/?q=&page=2").content.decode()
    assert "Pagetest50" in second and 'rel="prev"' in second


def test_the_register_filters(web, unit_manager, authority, team, other_team):
    today = timezone.localdate()
    born = dt.date(2017, 3, 4)
    for last, category, where, dob in [
        ("Filterone", "NEG", team, born),
        ("Filtertwo", "EMO", other_team, dt.date(2019, 8, 1)),
    ]:
        PlanFactory(
            child=ChildFactory(
                last_name=last,
                responsible_authority=authority,
                resident_authority=authority,
                team=where,
                date_of_birth=dob,
            ),
            started_on=today - dt.timedelta(days=10),
            latest_category=category,
        )
    client = web(unit_manager)

    def names(query):
        r = client.get(f"/register/children/?{query}")
        assert r.status_code == 200
        return {c.last_name for c in r.context["entries"]}, r

    assert names("category=EMO")[0] == {"Filtertwo"}
    assert names(f"team={other_team.name}")[0] == {"Filtertwo"}
    assert names("date_of_birth_0=4&date_of_birth_1=3&date_of_birth_2=2017")[0] == {"Filterone"}
    assert names("q=Zebedee&category=NEG")[0] == set()
    # A date that does not exist is named; the other filters still apply.
    found, r = names("date_of_birth_0=31&date_of_birth_1=2&date_of_birth_2=2017&category=NEG")
    assert found == {"Filterone"}
    assert "There is a problem" in r.content.decode()
    # An unknown category is an error too, not a 500 and not the whole register hidden.
    found, r = names("category=XYZ")
    assert found == {"Filterone", "Filtertwo"} and "There is a problem" in r.content.decode()


def test_the_unit_manager_corrects_a_register_entry(
    web, child, unit_manager, social_worker, other_unit_manager
):
    today = timezone.localdate()
    started = today - dt.timedelta(days=30)
    plan = PlanFactory(child=child, started_on=started, latest_category="EMO")
    client = web(unit_manager)
    register = client.get("/register/children/").content.decode()
    url = f"/register/entries/{plan.pk}/correct/"
    assert url in register
    assert client.get(url).status_code == 200
    bad = {
        "latest_category": "NEG",
        "started_on_0": str((today + dt.timedelta(days=3)).day),
        "started_on_1": str((today + dt.timedelta(days=3)).month),
        "started_on_2": str((today + dt.timedelta(days=3)).year),
        "reason": "",
    }
    r = client.post(url, bad)
    assert r.status_code == 200
    html = r.content.decode()
    assert "A plan cannot start in the future." in html
    assert "Say why the register entry is corrected" in html
    plan.refresh_from_db()
    assert (plan.latest_category, plan.started_on) == ("EMO", started)  # nothing saved
    good = {
        **bad,
        "started_on_0": str(started.day),
        "started_on_1": str(started.month),
        "started_on_2": str(started.year),
        "reason": "Neglect was agreed at the conference; EMO was typed by mistake",
    }
    r = client.post(url, good)
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.latest_category == "NEG"
    assert plan.versions.order_by("-number").first().reason.startswith("Register correction")
    event = AuditEvent.objects.filter(summary__startswith="Corrected the register entry").get()
    assert event.changes["latest_category"] == {"from": "EMO", "to": "NEG"}
    assert Notification.objects.filter(recipient=social_worker, kind="register_correction").exists()
    # Nothing changed is said so; other people cannot correct.
    r = client.post(url, good)
    assert "Nothing was changed" in r.content.decode()
    web(social_worker)
    assert client.get(url).status_code == 403
    web(other_unit_manager)
    assert client.get(url).status_code == 404

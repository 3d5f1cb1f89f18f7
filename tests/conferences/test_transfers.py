"""Transfer-in: the receiving authority records the notice of a child's move, which starts
the transfer-in conference deadline; its transfer-in conference makes a plan and, once
finalised, the receiving authority is responsible, the original plan has ended as a move,
the new plan is active, and the register gives the receiving authority's numbers."""

import datetime as dt

import pytest
from django.utils import timezone

from conferences import services as conference_services
from conferences.models import TransferNotice
from conferences.services import DecisionInput
from cpcase import access
from cpcase.errors import DomainError, NotFound
from cpcase.models import AuditEvent, Notification
from cpcase.roles import Role
from cpcase.working_days import WorkingCalendar
from plans.models import Plan
from plans.services import CoreGroupInput
from tests.conferences.test_services import _outcome, _schedule
from tests.factories import TeamFactory, UserFactory
from tests.support.working_days import last_working_day

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NOTICE_ON = TODAY - dt.timedelta(days=3)


@pytest.fixture
def receiving(other_authority):
    other_authority.office_phone = "01632 961111"
    other_authority.out_of_hours_phone = "01632 962222"
    other_authority.save()
    team = TeamFactory(authority=other_authority, name="Southmere family team")
    return {
        "authority": other_authority,
        "team": team,
        "unit_manager": UserFactory(
            username="sum.south",
            authority=other_authority,
            roles=[Role.SAFEGUARDING_UNIT_MANAGER],
        ),
        "team_manager": UserFactory(
            username="tm.southmere",
            authority=other_authority,
            team=team,
            roles=[Role.TEAM_MANAGER],
        ),
        "social_worker": UserFactory(
            username="sw.southmere2",
            first_name="Sam",
            last_name="Receiving",
            authority=other_authority,
            team=team,
            roles=[Role.SOCIAL_WORKER],
        ),
        "chair": UserFactory(
            username="chair.south", authority=other_authority, roles=[Role.CONFERENCE_CHAIR]
        ),
    }


@pytest.fixture
def on_plan(chair, child, social_worker, core_group_member):
    conference = _schedule(chair, child)
    conference_services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=_outcome(
            child,
            social_worker,
            core_group_member,
            held_on=last_working_day(TODAY - dt.timedelta(days=60)),
        ),
    )
    conference_services.conference_finalise(actor=chair, conference_id=conference.pk)
    return child


def _notice(api, subject, **overrides):
    body = {
        "child": str(subject.pk),
        "notified_on": NOTICE_ON.isoformat(),
        "from_authority": "990",
        "address": {"line1": "7 Makebelieve Lane", "town": "Southmere", "postcode": "ZZ3 3ZZ"},
        **overrides,
    }
    return api.post("/api/v1/transfer-notices/", body, format="json")


def test_the_whole_transfer_in(
    api_as, on_plan, receiving, unit_manager, police_enquirer, core_group_member
):
    child = on_plan
    theirs = receiving["unit_manager"]
    old_plan = Plan.objects.get(child=child, status="active")
    # Before the notice the receiving authority cannot see the child.
    assert api_as(theirs).get(f"/api/v1/children/{child.pk}/").status_code == 404

    r = _notice(api_as(theirs), child)
    assert r.status_code == 201, r.json()
    assert r.json()["from_authority"] == "990" and r.json()["authority"] == "991"
    child.refresh_from_db()
    assert child.resident_authority_id == receiving["authority"].pk
    assert child.responsible_authority.code == "990"  # responsible until the conference
    assert child.address.postcode == "ZZ3 3ZZ"
    # The originating unit manager hears of the notice.
    assert Notification.objects.filter(recipient=unit_manager, kind="transfer_notice").exists()

    # The deadline runs, in the receiving authority's working days.
    r = api_as(theirs).get(f"/api/v1/children/{child.pk}/timescales/")
    assert r.status_code == 200
    (transfer,) = [d for d in r.json() if d["kind"] == "transfer_in"]
    due = WorkingCalendar(nation="england").add_working_days(NOTICE_ON, 15)
    assert transfer["due_on"] == due.isoformat()
    assert transfer["status"] == "upcoming"

    # The receiving authority's chair schedules, holds and finalises the conference.
    chair = receiving["chair"]
    conference = _schedule(chair, child, kind="transfer_in")
    conference_services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=_outcome(
            child,
            receiving["social_worker"],
            core_group_member,
            decisions=[DecisionInput(child_id=child.pk, decision="plan", category="PHY")],
            core_group=[CoreGroupInput(kind="professional", user=core_group_member)],
        ),
    )
    conference_services.conference_finalise(actor=chair, conference_id=conference.pk)

    child.refresh_from_db()
    assert child.responsible_authority_id == receiving["authority"].pk
    assert child.resident_authority_id == receiving["authority"].pk
    assert child.lead_social_worker == receiving["social_worker"]
    assert child.team == receiving["team"]
    old_plan.refresh_from_db()
    assert (old_plan.status, old_plan.end_reason, old_plan.ended_on) == ("ended", "moved", TODAY)
    assert old_plan.transfer_conference_on == TODAY
    assert old_plan.transferred_to == receiving["authority"].name
    new_plan = Plan.objects.get(child=child, status="active")
    assert new_plan.authority_id == receiving["authority"].pk
    assert new_plan.initial_category == "PHY"
    notice = TransferNotice.objects.get(child=child)
    assert (notice.status, notice.conference_id) == ("completed", conference.pk)
    assert Notification.objects.filter(recipient=unit_manager, kind="transfer_completed").exists()
    # The deadline is met.
    r = api_as(theirs).get(f"/api/v1/children/{child.pk}/timescales/")
    (transfer,) = [d for d in r.json() if d["kind"] == "transfer_in"]
    assert (transfer["status"], transfer["met_on"]) == ("met", TODAY.isoformat())
    # Enquirers are given the receiving authority's numbers.
    r = api_as(police_enquirer).post(
        "/api/v1/register/enquiries/",
        {
            "enquirer": {
                "name": "PC Example",
                "agency": "Testshire Police",
                "role": "Officer",
                "phone": "01632 960555",
            },
            "reason": "Welfare check",
            "search": {
                "first_name": "Amelia",
                "last_name": "Testchild",
                "date_of_birth": child.date_of_birth.isoformat(),
            },
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    (match,) = r.json()["matches"]
    assert match["responsible_authority"] == {
        "name": receiving["authority"].name,
        "office_phone": "01632 961111",
        "out_of_hours_phone": "01632 962222",
    }
    assert match["has_active_plan"] is True and match["category"] == "PHY"
    # The chronology shows the notice and its completion to the receiving authority.
    events = api_as(theirs).get(f"/api/v1/children/{child.pk}/chronology/").json()["results"]
    kinds = {e["kind"] for e in events}
    assert {"transfer_notice", "transfer_completed"} <= kinds


def test_who_records_a_notice(
    api_as, on_plan, receiving, team_manager, unit_manager, other_authority_worker
):
    child = on_plan
    # Staff of the authority responsible do not record a move into their own area.
    for user in (team_manager, unit_manager):
        assert _notice(api_as(user), child).status_code == 403
    # A social worker of the receiving authority may not either.
    assert _notice(api_as(other_authority_worker), child).status_code == 403
    assert not TransferNotice.objects.exists()
    # The receiving team manager may, and sees the child from then on.
    tm = receiving["team_manager"]
    assert not access.can(tm, access.Action.VIEW, child)
    assert _notice(api_as(tm), child).status_code == 201
    assert access.can(tm, access.Action.VIEW, child)
    assert AuditEvent.objects.filter(
        actor=tm, child_id=child.pk, summary__startswith="Recorded notice of a move in"
    ).exists()


def test_bad_notices_are_refused_and_change_nothing(api_as, on_plan, receiving, child):
    theirs = api_as(receiving["unit_manager"])
    cases = [
        ({"from_authority": "991"}, "from_authority"),
        ({"from_authority": "123"}, "from_authority"),
        ({"notified_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "notified_on"),
        ({"notified_on": "yesterday"}, "notified_on"),
        ({"address": {"line1": "1 Nowhere", "town": "X", "postcode": "NOT A POSTCODE"}}, None),
    ]
    for overrides, field in cases:
        r = _notice(theirs, child, **overrides)
        assert r.status_code == 400, (overrides, r.json())
        if field:
            assert field in r.json()
    child.refresh_from_db()
    assert child.resident_authority.code == "990"
    assert not TransferNotice.objects.exists()
    assert _notice(theirs, child).status_code == 201
    r = _notice(theirs, child)
    assert r.status_code == 400 and "child" in r.json()  # one open notice at a time


def test_a_child_not_on_the_register_is_not_found(api_as, child, receiving):
    r = _notice(api_as(receiving["unit_manager"]), child)
    assert r.status_code == 404
    r = _notice(api_as(receiving["unit_manager"]), child, child="not-a-uuid")
    assert r.status_code == 400


def test_a_transfer_in_conference_needs_the_notice(on_plan, receiving, chair):
    # The receiving authority does not see the child before the notice...
    with pytest.raises(NotFound):
        _schedule(receiving["chair"], on_plan, kind="transfer_in")
    # ...and no authority holds a transfer-in conference without a notice of its own.
    with pytest.raises(DomainError) as refused:
        _schedule(chair, on_plan, kind="transfer_in")
    assert "Record the notice" in refused.value.errors["children"][0]


def test_the_notice_page(client, on_plan, receiving):
    child = on_plan
    client.force_login(receiving["unit_manager"])
    url = f"/children/{child.pk}/transfer-notices/new/"
    r = client.get(url)
    assert r.status_code == 200
    assert "Record notice of a move in" in r.content.decode()
    assert AuditEvent.objects.filter(
        request_id=r["X-Request-ID"], child_id=child.pk, action="view"
    ).exists()
    r = client.post(url, {"from_authority": "990", "line1": "7 Makebelieve Lane"})
    page = r.content.decode()
    assert r.status_code == 200 and "govuk-error-summary" in page
    assert "Enter the date of the notice" in page and "Enter the town or city" in page
    assert not TransferNotice.objects.exists()
    r = client.post(
        url,
        {
            "notified_on_0": NOTICE_ON.day,
            "notified_on_1": NOTICE_ON.month,
            "notified_on_2": NOTICE_ON.year,
            "from_authority": "990",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert TransferNotice.objects.get().notified_on == NOTICE_ON
    # The child's record now offers no second notice link to the original authority.
    client.force_login(receiving["social_worker"])
    assert client.get(url).status_code == 404


def test_the_child_page_links_to_the_notice(client, on_plan, receiving, social_worker):
    child = on_plan
    client.force_login(social_worker)
    assert "Record notice of a move in" not in client.get(f"/children/{child.pk}/").content.decode()
    # A receiving team manager who already sees the child (granted one by one) is offered it.
    from guardian.shortcuts import assign_perm

    tm = receiving["team_manager"]
    assign_perm("cpcase.view_child", tm, child)
    client.force_login(tm)
    assert "Record notice of a move in" in client.get(f"/children/{child.pk}/").content.decode()


def test_a_transfer_in_conference_that_makes_no_plan(
    api_as, on_plan, receiving, unit_manager, core_group_member
):
    child = on_plan
    old_plan = Plan.objects.get(child=child, status="active")
    assert _notice(api_as(receiving["unit_manager"]), child).status_code == 201
    chair = receiving["chair"]
    conference = _schedule(chair, child, kind="transfer_in")
    conference_services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=_outcome(
            child,
            receiving["social_worker"],
            core_group_member,
            decisions=[DecisionInput(child_id=child.pk, decision="no_plan")],
            outline_plan=[],
            lead_social_worker=None,
            core_group=[],
        ),
    )
    conference_services.conference_finalise(actor=chair, conference_id=conference.pk)
    child.refresh_from_db()
    old_plan.refresh_from_db()
    # Nothing moves on its own: the original authority is told and decides about its plan.
    assert child.responsible_authority.code == "990" and old_plan.status == "active"
    assert TransferNotice.objects.get(child=child).status == "completed"
    (body,) = Notification.objects.filter(
        recipient=unit_manager, kind="transfer_no_plan"
    ).values_list("body", flat=True)
    assert "no plan is needed" in body


def test_the_registers_answer_offers_the_notice(client, on_plan, receiving, unit_manager):
    """The receiving unit manager finds the child on the register; the answer offers the
    notice of a move in (not to the responsible authority's own unit manager)."""
    child = on_plan
    born = child.date_of_birth
    search = {
        "name": "Alex Unit",
        "agency": "Southmere City Council",
        "role": "Safeguarding unit manager",
        "phone": "01632 963333",
        "reason": "A family moving into our area",
        "first_name": "Amelia",
        "last_name": "Testchild",
        "date_of_birth_0": born.day,
        "date_of_birth_1": born.month,
        "date_of_birth_2": born.year,
    }
    link = f"/children/{child.pk}/transfer-notices/new/"
    client.force_login(receiving["unit_manager"])
    r = client.post("/register/", search)
    assert r.status_code == 200 and "Amelia Testchild" in r.content.decode()
    assert link in r.content.decode()
    client.force_login(unit_manager)
    r = client.post("/register/", search)
    assert "Amelia Testchild" in r.content.decode() and link not in r.content.decode()

"""The statutory returns: the CIN census through the API, and Annex A (the census's
contents against the DfE's rules: test_cin_census.py)."""

import csv
import datetime as dt
import io
from xml.etree import ElementTree as ET

import pytest

from cpcase.models import Referral
from tests.factories import ConferenceFactory, PlanFactory, StrategyDiscussionFactory, VisitFactory

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def history(child, chair):
    child.la_child_id = "NB0001"
    child.save()
    # The episode the enquiry and the plan belong to (the census reports episodes).
    Referral.objects.create(
        child=child,
        authority=child.responsible_authority,
        received_on=D(2025, 5, 28),
        source="2A",
        primary_need="N1",
        next_step="strategy_discussion",
        recorded_by=chair,
    )
    StrategyDiscussionFactory(child=child, held_on=D(2025, 6, 2))  # a Monday
    ConferenceFactory(held_on=D(2025, 6, 20), chair=chair, children=[child])
    PlanFactory(
        child=child,
        started_on=D(2023, 1, 10),
        status="ended",
        ended_on=D(2024, 1, 5),
        end_reason="conference",
    )
    PlanFactory(
        child=child, started_on=D(2025, 6, 20), initial_category="NEG", latest_category="EMO"
    )
    ConferenceFactory(kind="review", held_on=D(2025, 9, 19), chair=chair, children=[child])
    VisitFactory(
        child=child, visited_at=dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), seen_alone=True
    )
    return child


def test_the_census_for_the_year_ending_march_2026(api_as, unit_manager, history):
    r = api_as(unit_manager).get("/api/v1/returns/cin-census/?year=2026")
    assert r.status_code == 200 and r["Content-Type"] == "application/xml"
    root = ET.fromstring(r.content)  # noqa: S314 - our own output
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2026-03-31"
    assert root.findtext("Header/Source/LEA") == "990"
    (child,) = root.findall("Children/Child")
    assert child.findtext("ChildIdentifiers/LAchildID") == "NB0001"
    s47 = child.find("CINdetails/Section47")
    assert s47.findtext("S47ActualStartDate") == "2025-06-02"
    assert s47.findtext("InitialCPCtarget") == "2025-06-23"  # 15 working days
    assert s47.findtext("DateOfInitialCPC") == "2025-06-20"
    (cpp,) = child.findall("CINdetails/ChildProtectionPlans")
    assert cpp.findtext("CPPstartDate") == "2025-06-20"
    assert cpp.find("CPPendDate") is None
    assert (cpp.findtext("InitialCategoryOfAbuse"), cpp.findtext("LatestCategoryOfAbuse")) == (
        "NEG",
        "EMO",
    )
    assert cpp.findtext("NumberOfPreviousCPP") == "1"
    assert [e.text for e in cpp.findall("Reviews/CPPreviewDate")] == ["2025-09-19"]


def test_annex_a(api_as, unit_manager, history):
    r = api_as(unit_manager).get("/api/v1/returns/annex-a/")
    assert r.status_code == 200 and r["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.content.decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["Child Unique ID"] == "NB0001"
    assert row["Child Protection Plan Start Date"] == "20/06/2025"
    assert row["Date of the Last Statutory Visit"] == "02/03/2026"
    assert row["Was the Child Seen Alone?"] == "a) Yes"
    assert row["Date of latest review conference"] == "19/09/2025"
    assert row["Number of Previous Child Protection Plans"] == "1"


@pytest.mark.parametrize(
    "persona", ["social_worker", "team_manager", "police_enquirer", "system_admin"]
)
def test_only_the_unit_manager_produces_returns(request, api_as, persona, history):
    api = api_as(request.getfixturevalue(persona))
    assert api.get("/api/v1/returns/cin-census/?year=2026").status_code == 403
    assert api.get("/api/v1/returns/annex-a/").status_code == 403


def test_a_bad_year_is_a_400(api_as, unit_manager):
    assert api_as(unit_manager).get("/api/v1/returns/cin-census/?year=twenty").status_code == 400
    assert api_as(unit_manager).get("/api/v1/returns/cin-census/").status_code == 400

"""Ofsted's Annex A lists 3 to 7 (registry.annex_a): the template's headings and labels,
dd/mm/yyyy, the rows each list holds, the workbook, who may produce them, the audit."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from xml.etree import ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conferences import services as conference_services
from conferences.models import ConferenceChild, StrategyDiscussion
from cpcase import front_door
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import AuditEvent
from cpcase.services import _grant_allocated_worker
from registry import annex_a
from tests.factories import ChildFactory, ConferenceFactory, PlanFactory, VisitFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def dmy(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(11), tzinfo=dt.UTC)


# The template's headings, written out here from liia-tools' Annex_A_schema.yml (not
# read from the module), so a changed heading fails.
EXPECTED = {
    3: "Child Unique ID|Gender|Ethnicity|Date of Birth|Age of Child (Years)|Date of referral|"
    "Referral Source|Referral NFA?|Number of Referrals in Last 12 Months|Allocated Team|"
    "Allocated Worker",
    4: "Child Unique ID|Gender|Ethnicity|Date of Birth|Age of Child (Years)|"
    "Does the Child have a Disability|Continuous Assessment Start Date|"
    "Child Seen During Continuous Assessment|Continuous Assessment Date of Authorisation|"
    "Was the child assessed as requiring LA children's social care support?|Allocated Team|"
    "Allocated Worker",
    5: "Child Unique ID|Gender|Ethnicity|Date of Birth|Age of Child (Years)|"
    "Does the Child have a Disability|"
    "Strategy discussion initiating Section 47 Enquiry Start Date|"
    "Was an Initial Child Protection Conference deemed unnecessary?|"
    "Date of Initial Child Protection Conference|"
    "Did the Initial Child Protection Conference Result in a Child Protection Plan|"
    "Number of Section 47 Enquiries in the last 12 months|Number of ICPCs in the last 12 months|"
    "Allocated Team|Allocated Worker",
    6: "Child Unique ID|Gender|Ethnicity|Date of Birth|Age of Child (Years)|"
    "Does the Child have a Disability|CIN Start Date|Primary Need Code|Date Child Was Last Seen|"
    "CIN Closure Date|Reason for Closure|Case Status|Allocated Team|Allocated Worker",
    7: "Child Unique ID|Gender|Ethnicity|Date of Birth|Age of Child (Years)|"
    "Does the Child have a Disability|Child Protection Plan Start Date|"
    "Initial Category of Abuse|Latest Category of Abuse|Date of the Last Statutory Visit|"
    "Was the Child Seen Alone?|Date of latest review conference|Child Protection Plan End Date|"
    "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months "
    "(Y/N)|Number of Previous Child Protection Plans|Allocated Team|Allocated Worker",
}


def _refer(actor, child, *, days_ago, nfa=False, next_step="assessment", source="2A"):
    return front_door.referral_record(
        actor=actor,
        child_id=child.pk,
        received_on=ago(days_ago),
        source=source,
        primary_need="" if nfa else "N1",
        nfa=nfa,
        next_step=next_step,
        referrer=front_door.ReferrerInput(name="Ms Test Teacher", agency="Anytown Primary"),
    )


def _s47(actor, child, *, days_ago, conference_required, reason=""):
    _refer(actor, child, days_ago=days_ago + 1, next_step="strategy_discussion")
    discussion = conference_services.strategy_discussion_record(
        actor=actor,
        child_id=child.pk,
        held_on=ago(days_ago),
        outcome=StrategyDiscussion.Outcome.S47_ENQUIRY,
    )
    return conference_services.section47_start(
        actor=actor,
        child_id=child.pk,
        strategy_discussion_id=discussion.pk,
        started_on=ago(days_ago),
        conference_required=conference_required,
        reason_not_required=reason,
    )


@pytest.fixture
def allocated(authority, team, social_worker):
    def make(**kwargs):
        kwargs.setdefault("responsible_authority", authority)
        c = ChildFactory(team=team, lead_social_worker=social_worker, **kwargs)
        _grant_allocated_worker(c, None, social_worker)
        return c

    return make


@pytest.fixture
def world(
    child, allocated, social_worker, team_manager, chair, other_authority, unit_manager
) -> dict:
    """Each list's cases, recorded through the services where cpcase has them."""
    # Amelia: an NFA referral, then a referral whose assessment is authorised into a
    # child in need plan.
    child.la_child_id, child.sex, child.ethnicity = "NB0001", "F", "WBRI"
    child.disabilities = ["NONE"]
    child.save()
    _refer(social_worker, child, days_ago=100, nfa=True, next_step="nfa", source="6")
    _refer(social_worker, child, days_ago=60)
    assessment = front_door.assessment_record(
        actor=social_worker, child_id=child.pk, started_on=ago(59)
    )
    VisitFactory(child=child, kind="home_visit", visited_at=at(ago(50)), recorded_by=social_worker)
    front_door.assessment_authorise(
        actor=team_manager,
        assessment_id=assessment.pk,
        authorised_on=ago(40),
        factors=["3B"],
        outcome="cin_plan",
    )
    # Ben: a section 47 enquiry with an initial conference that made a plan.
    ben = allocated(
        la_child_id="NB0002", sex="M", ethnicity="AIND", disabilities=["AUT"], last_name="Bee"
    )
    _s47(social_worker, ben, days_ago=50, conference_required=True)
    icpc = ConferenceFactory(held_on=ago(40), chair=chair, children=[ben])
    ConferenceChild.objects.filter(conference=icpc).update(decision="plan")
    PlanFactory(child=ben, started_on=ago(40), initial_category="PHY", latest_category="PHY")
    # Cara: a section 47 enquiry that needed no conference.
    cara = allocated(la_child_id="NB0003", last_name="Cee")
    _s47(
        social_worker,
        cara,
        days_ago=30,
        conference_required=False,
        reason="Concerns not substantiated.",
    )
    # Dan (living in another authority's area, ours to report): a plan that ended in the
    # period, then a second plan; each row has its own plan's visit and review.
    dan = allocated(la_child_id="NB0004", last_name="Dee", resident_authority=other_authority)
    PlanFactory(
        child=dan,
        started_on=ago(170),
        status="ended",
        ended_on=ago(100),
        end_reason="conference",
        initial_category="NEG",
        latest_category="EMO",
    )
    VisitFactory(child=dan, visited_at=at(ago(120)), seen_alone=True, recorded_by=social_worker)
    ConferenceFactory(kind="review", held_on=ago(110), chair=chair, children=[dan])
    PlanFactory(child=dan, started_on=ago(30), initial_category="SAB", latest_category="SAB")
    VisitFactory(child=dan, visited_at=at(ago(5)), seen_alone=False, recorded_by=social_worker)
    # a home visit where the child was not seen is not a statutory visit
    VisitFactory(
        child=dan,
        kind="home_visit",
        visited_at=at(ago(2)),
        child_seen=False,
        recorded_by=social_worker,
    )
    # An unborn baby with a pre-birth plan.
    unborn = allocated(
        la_child_id="NB0005",
        last_name="Eff",
        date_of_birth=None,
        expected_date_of_delivery=TODAY + dt.timedelta(days=40),
    )
    PlanFactory(child=unborn, started_on=ago(20), pre_birth=True)
    # Another authority's child placed in our area: not on our lists.
    placed = ChildFactory(
        la_child_id="SM0001",
        responsible_authority=other_authority,
        resident_authority=child.responsible_authority,
    )
    PlanFactory(child=placed, started_on=ago(15))
    # A plan that ended before the six months: not on list 7.
    old = allocated(la_child_id="NB0006", last_name="Gee")
    PlanFactory(child=old, started_on=ago(600), status="ended", ended_on=ago(200))
    return {"amelia": child, "ben": ben, "cara": cara, "dan": dan, "unborn": unborn}


def _rows(user, number) -> list[dict[str, str]]:
    text = annex_a.annex_a_list_csv(user=user, list_number=number, today=TODAY)
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("number", annex_a.LIST_NUMBERS)
def test_headings_are_the_templates_in_its_order(unit_manager, number):
    text = annex_a.annex_a_list_csv(user=unit_manager, list_number=number, today=TODAY)
    assert next(csv.reader(io.StringIO(text))) == EXPECTED[number].split("|")


def test_list_3_referrals(unit_manager, world, team, social_worker):
    rows = _rows(unit_manager, 3)
    amelia = [r for r in rows if r["Child Unique ID"] == "NB0001"]
    assert [r["Date of referral"] for r in amelia] == [dmy(ago(100)), dmy(ago(60))]
    nfa, second = amelia
    assert (nfa["Referral Source"], nfa["Referral NFA?"]) == ("q) 6: Police", "a) Yes")
    assert (second["Referral Source"], second["Referral NFA?"]) == ("e) 2A: Schools", "b) No")
    assert [r["Number of Referrals in Last 12 Months"] for r in amelia] == ["0", "1"]
    assert (nfa["Gender"], nfa["Ethnicity"]) == ("b) Female", "a) WBRI")
    assert nfa["Date of Birth"] == dmy(world["amelia"].date_of_birth)
    assert nfa["Age of Child (Years)"] == str(world["amelia"].age_on(TODAY))
    assert (nfa["Allocated Team"], nfa["Allocated Worker"]) == (team.name, social_worker.name)
    assert {r["Child Unique ID"] for r in rows} == {"NB0001", "NB0002", "NB0003"}


def test_list_4_assessments(unit_manager, world):
    (row,) = _rows(unit_manager, 4)
    assert row["Child Unique ID"] == "NB0001"
    assert row["Does the Child have a Disability"] == "b) No"
    assert row["Continuous Assessment Start Date"] == dmy(ago(59))
    assert row["Continuous Assessment Date of Authorisation"] == dmy(ago(40))
    assert row["Child Seen During Continuous Assessment"] == "a) Yes"
    assert row["Was the child assessed as requiring LA children's social care support?"] == (
        "a) Yes"
    )


def test_list_5_section_47_enquiries_with_and_without_a_conference(unit_manager, world):
    rows = {r["Child Unique ID"]: r for r in _rows(unit_manager, 5)}
    assert set(rows) == {"NB0002", "NB0003"}
    ben, cara = rows["NB0002"], rows["NB0003"]
    assert ben["Strategy discussion initiating Section 47 Enquiry Start Date"] == dmy(ago(50))
    assert ben["Was an Initial Child Protection Conference deemed unnecessary?"] == "b) No"
    assert ben["Date of Initial Child Protection Conference"] == dmy(ago(40))
    assert ben["Did the Initial Child Protection Conference Result in a Child Protection Plan"] == (
        "a) Yes"
    )
    assert ben["Does the Child have a Disability"] == "a) Yes"
    assert (ben["Gender"], ben["Ethnicity"]) == ("a) Male", "j) AIND")
    assert cara["Was an Initial Child Protection Conference deemed unnecessary?"] == "a) Yes"
    assert cara["Date of Initial Child Protection Conference"] == ""
    assert cara["Does the Child have a Disability"] == "c) Unknown"  # not recorded
    assert ben["Number of Section 47 Enquiries in the last 12 months"] == "0"


def test_list_6_children_in_need(unit_manager, world):
    rows = {r["Child Unique ID"]: r for r in _rows(unit_manager, 6)}
    # the NFA referral is not an episode; each open episode is a row
    assert set(rows) == {"NB0001", "NB0002", "NB0003"}
    amelia = rows["NB0001"]
    assert amelia["CIN Start Date"] == dmy(ago(60))
    assert amelia["Primary Need Code"] == "N1 - Abuse or neglect"
    assert amelia["Case Status"] == "c) Child in need plan"
    assert amelia["Date Child Was Last Seen"] == dmy(ago(50))
    assert rows["NB0002"]["Case Status"] == "b) Child Protection plan"
    assert amelia["CIN Closure Date"] == amelia["Reason for Closure"] == ""


def test_list_7_one_row_per_plan_with_that_plans_visit_and_review(unit_manager, world):
    rows = _rows(unit_manager, 7)
    ids = [r["Child Unique ID"] for r in rows]
    assert sorted(ids) == ["NB0002", "NB0004", "NB0004", "NB0005"]  # not SM0001 nor NB0006
    first, second = (r for r in rows if r["Child Unique ID"] == "NB0004")
    assert first["Child Protection Plan Start Date"] == dmy(ago(170))
    assert first["Child Protection Plan End Date"] == dmy(ago(100))
    assert first["Date of the Last Statutory Visit"] == dmy(ago(120))
    assert first["Was the Child Seen Alone?"] == "a) Yes"
    assert first["Date of latest review conference"] == dmy(ago(110))
    assert first["Number of Previous Child Protection Plans"] == "0"
    assert (first["Initial Category of Abuse"], first["Latest Category of Abuse"]) == (
        "a) Neglect",
        "d) Emotional abuse",
    )
    assert second["Date of the Last Statutory Visit"] == dmy(ago(5))
    assert second["Was the Child Seen Alone?"] == "b) No"
    assert second["Date of latest review conference"] == ""
    assert second["Child Protection Plan End Date"] == ""
    assert second["Number of Previous Child Protection Plans"] == "1"
    assert second["Initial Category of Abuse"] == "c) Sexual abuse"


def test_emergency_protection_in_the_last_six_months(unit_manager, world, social_worker):
    key = "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)"
    assert {r[key] for r in _rows(unit_manager, 7)} == {"b) No"}
    # Police protection that ended before the six months does not count; an order in force
    # during them does.
    front_door.emergency_protection_record(
        actor=social_worker,
        child_id=world["ben"].pk,
        kind="police_protection",
        started_on=ago(300),
        ended_on=ago(299),
    )
    assert {r[key] for r in _rows(unit_manager, 7)} == {"b) No"}
    front_door.emergency_protection_record(
        actor=social_worker,
        child_id=world["ben"].pk,
        kind="epo",
        started_on=ago(190),
        ended_on=ago(175),
    )
    by_child = {r["Child Unique ID"]: r[key] for r in _rows(unit_manager, 7)}
    assert by_child["NB0002"] == "a) Yes"
    assert by_child["NB0005"] == "b) No"


def test_an_unborn_child_has_no_date_of_birth_and_unborn_as_the_age(unit_manager, world):
    (row,) = (r for r in _rows(unit_manager, 7) if r["Child Unique ID"] == "NB0005")
    assert row["Date of Birth"] == ""
    assert row["Age of Child (Years)"] == "Unborn"
    assert row["Gender"] == "c) Not stated/recorded"
    assert row["Ethnicity"] == "t) NOBT"  # not yet obtained


@pytest.mark.parametrize("number", annex_a.LIST_NUMBERS)
def test_every_date_is_dd_mm_yyyy_and_unborn_only_in_the_age_column(unit_manager, world, number):
    rows = _rows(unit_manager, number)
    assert rows
    for row in rows:
        for heading, value in row.items():
            if "Date" in heading and value:
                assert re.fullmatch(r"\d\d/\d\d/\d{4}", value), (heading, value)
            if value == "Unborn":
                assert heading == "Age of Child (Years)"


def test_the_old_endpoint_gives_list_7_and_takes_the_list(api_as, unit_manager, world):
    api = api_as(unit_manager)
    r = api.get("/api/v1/returns/annex-a/")
    assert r.status_code == 200 and r["Content-Type"] == "text/csv"
    assert r.content.decode().splitlines()[0].startswith("Child Unique ID,Gender")
    assert "Child Protection Plan Start Date" in r.content.decode().splitlines()[0]
    r3 = api.get("/api/v1/returns/annex-a/?list=3")
    assert r3.status_code == 200 and "Referral Source" in r3.content.decode()


@pytest.mark.parametrize("bad", ["8", "two", "3.5", "1"])
def test_a_bad_list_is_a_400_naming_it(api_as, unit_manager, bad, client):
    r = api_as(unit_manager).get(f"/api/v1/returns/annex-a/?list={bad}")
    assert r.status_code == 400 and "list" in r.json()
    client.force_login(unit_manager)
    assert client.get(f"/register/annex-a/?list={bad}").status_code == 400
    with pytest.raises(DomainError) as e:
        annex_a.annex_a_list_csv(user=unit_manager, list_number=8)
    assert "list" in e.value.errors


@pytest.mark.parametrize(
    "persona", ["social_worker", "team_manager", "chair", "police_enquirer", "system_admin"]
)
def test_only_the_unit_manager_produces_the_lists(request, api_as, client, persona):
    user = request.getfixturevalue(persona)
    api = api_as(user)
    assert api.get("/api/v1/returns/annex-a/?list=3").status_code == 403
    assert api.get("/api/v1/returns/annex-a/workbook/").status_code == 403
    client.force_login(user)
    assert client.get("/register/annex-a/?list=5").status_code == 403
    assert client.get("/register/annex-a/workbook/").status_code == 403
    with pytest.raises(NotPermitted):
        annex_a.annex_a_workbook(user=user)
    assert not AuditEvent.objects.filter(action="export").exists()


def test_each_production_is_audited_with_its_children(unit_manager, world):
    annex_a.annex_a_list_csv(user=unit_manager, list_number=5, today=TODAY)
    exported = set(
        AuditEvent.objects.filter(action="export", child_id__isnull=False).values_list(
            "child_id", flat=True
        )
    )
    assert exported == {world["ben"].pk, world["cara"].pk}
    assert AuditEvent.objects.filter(
        action="export", actor=unit_manager, summary__contains="Annex A list 5"
    ).exists()
    AuditEvent.objects.filter(action="export")  # the workbook: every list's children
    annex_a.annex_a_workbook(user=unit_manager, today=TODAY)
    assert AuditEvent.objects.filter(summary__contains="workbook", action="export").exists()


# --- The workbook, read back as the XML it is --------------------------------------------

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _xml(book: zipfile.ZipFile, name: str) -> ET.Element:
    return ET.fromstring(book.read(name))  # noqa: S314 - our own output


def _read_workbook(data: bytes) -> dict[str, dict]:
    book = zipfile.ZipFile(io.BytesIO(data))
    strings = [
        "".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t"))
        for si in _xml(book, "xl/sharedStrings.xml").findall("m:si", NS)
    ]
    styles = _xml(book, "xl/styles.xml")
    formats = {
        f.get("numFmtId"): f.get("formatCode") for f in styles.findall("m:numFmts/m:numFmt", NS)
    }
    xfs = styles.findall("m:cellXfs/m:xf", NS)
    bold_fonts = {
        i
        for i, font in enumerate(styles.findall("m:fonts/m:font", NS))
        if font.find("m:b", NS) is not None
    }
    names = [s.get("name") for s in _xml(book, "xl/workbook.xml").findall("m:sheets/m:sheet", NS)]
    sheets = {}
    for i, name in enumerate(names, start=1):
        raw = book.read(f"xl/worksheets/sheet{i}.xml").decode()
        sheet = ET.fromstring(raw)  # noqa: S314
        rows = []
        for row in sheet.findall("m:sheetData/m:row", NS):
            cells = []
            for c in row.findall("m:c", NS):
                xf = xfs[int(c.get("s", "0"))]
                v = c.findtext("m:v", default="", namespaces=NS)
                if c.get("t") == "s":
                    value = strings[int(v)]
                elif formats.get(xf.get("numFmtId")) == "dd/mm/yyyy":
                    value = dt.date(1899, 12, 30) + dt.timedelta(days=int(float(v)))
                else:
                    value = int(float(v))
                cells.append((c.get("r"), value, int(xf.get("fontId", "0")) in bold_fonts))
            rows.append(cells)
        pane = sheet.find("m:sheetViews/m:sheetView/m:pane", NS)
        sheets[name] = {"rows": rows, "raw": raw, "pane": pane}
    return sheets


def test_the_workbook_has_a_sheet_per_list_bold_frozen_headings_and_date_cells(unit_manager, world):
    progress = []
    data = annex_a.annex_a_workbook(
        user=unit_manager, today=TODAY, progress=lambda done, total: progress.append((done, total))
    )
    assert progress == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    sheets = _read_workbook(data)
    assert list(sheets) == [annex_a.TITLES[n] for n in annex_a.LIST_NUMBERS]
    for number in annex_a.LIST_NUMBERS:
        sheet = sheets[annex_a.TITLES[number]]
        header = sheet["rows"][0]
        assert [value for _, value, _ in header] == EXPECTED[number].split("|")
        assert all(bold for _, _, bold in header)
        assert sheet["pane"].get("state") == "frozen" and sheet["pane"].get("ySplit") == "1"
        assert "<f>" not in sheet["raw"]
    list7 = sheets[annex_a.TITLES[7]]["rows"]
    headings = [v for _, v, _ in list7[0]]
    dan_rows = [
        {headings[_col(ref)]: v for ref, v, _ in row} for row in list7[1:] if row[0][1] == "NB0004"
    ]
    assert [r["Child Protection Plan Start Date"] for r in dan_rows] == [ago(170), ago(30)]
    assert dan_rows[1]["Number of Previous Child Protection Plans"] == 1


def _col(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group()
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def test_formula_like_text_is_text_in_the_workbook_and_quoted_in_the_csv(
    unit_manager, allocated, team
):
    hostile = allocated(la_child_id="=1+1", ethnicity="-ETH")
    team.name = "@Team"
    team.save()
    PlanFactory(child=hostile, started_on=ago(10))
    sheets = _read_workbook(annex_a.annex_a_workbook(user=unit_manager, today=TODAY))
    sheet = sheets[annex_a.TITLES[7]]
    assert "<f>" not in sheet["raw"]
    values = [v for _, v, _ in sheet["rows"][1]]
    assert "=1+1" in values and "@Team" in values  # a string cell, shown as typed
    text = annex_a.annex_a_list_csv(user=unit_manager, list_number=7, today=TODAY)
    for quoted in ("'=1+1", "'-ETH", "'@Team"):
        assert quoted in text


def _scenario(allocated, social_worker, team_manager, chair, n: int) -> None:
    for i in range(n):
        c = allocated(last_name=f"Many{i}")
        _refer(social_worker, c, days_ago=90, next_step="strategy_discussion")
        discussion = conference_services.strategy_discussion_record(
            actor=social_worker,
            child_id=c.pk,
            held_on=ago(80),
            outcome=StrategyDiscussion.Outcome.S47_ENQUIRY,
        )
        conference_services.section47_start(
            actor=social_worker,
            child_id=c.pk,
            strategy_discussion_id=discussion.pk,
            started_on=ago(80),
            conference_required=True,
        )
        ConferenceFactory(held_on=ago(70), chair=chair, children=[c])
        PlanFactory(child=c, started_on=ago(70))
        VisitFactory(child=c, visited_at=at(ago(7)), recorded_by=social_worker)
        ConferenceFactory(kind="review", held_on=ago(3), chair=chair, children=[c])


def test_queries_do_not_grow_with_the_children(
    authority, allocated, social_worker, team_manager, chair
):
    period = annex_a.Period(TODAY)

    def counts() -> list[int]:
        result = []
        for number in annex_a.LIST_NUMBERS:
            with CaptureQueriesContext(connection) as ctx:
                annex = annex_a.BUILDERS[number](authority.pk, period)
            assert annex.rows or number == 4
            result.append(len(ctx.captured_queries))
        return result

    _scenario(allocated, social_worker, team_manager, chair, 1)
    few = counts()
    _scenario(allocated, social_worker, team_manager, chair, 4)
    assert counts() == few


def test_months_before_keeps_to_calendar_months():
    assert annex_a.months_before(dt.date(2026, 8, 31), 6) == dt.date(2026, 2, 28)
    assert annex_a.months_before(dt.date(2026, 11, 30), 6) == dt.date(2026, 5, 30)
    assert annex_a.months_before(dt.date(2026, 3, 15), 12) == dt.date(2025, 3, 15)


def test_the_register_page_links_to_each_list_and_the_workbook(client, unit_manager):
    client.force_login(unit_manager)
    page = client.get("/register/children/").content.decode()
    assert 'href="/register/annex-a/workbook/"' in page
    for number in annex_a.LIST_NUMBERS:
        assert f'href="/register/annex-a/?list={number}"' in page


def test_the_browser_downloads(client, unit_manager, world):
    client.force_login(unit_manager)
    r = client.get("/register/annex-a/?list=6")
    assert r.status_code == 200 and r["Content-Type"] == "text/csv"
    assert r.content.decode().startswith("Child Unique ID,")
    r = client.get("/register/annex-a/workbook/")
    assert r.status_code == 200 and r["Content-Type"] == annex_a.XLSX
    assert set(_read_workbook(r.content)) == set(annex_a.TITLES.values())

"""The Children in Need census against the DfE's rules for 2026 to 2027.

An awkward authority is built through the services (referrals, assessments, strategy
discussions, section 47 enquiries, conferences, plan endings, a death) and its census is
run through the public validator of the DfE's rules (csc-validator-be-cin, in its own
virtualenv): it must find nothing, errors or queries. Then one test per family of rules
the export answers for, written from the rules, each reading the XML.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conferences import services as conference_services
from conferences import transfers
from conferences.services import AttendeeInput, DecisionInput, OutcomeInput, ParentInput
from cpcase import front_door
from cpcase.models import AuditEvent, Child, Role
from cpcase.services import _grant_allocated_worker, child_update
from cpcase.validators import upn_check_letter
from cpcase.working_days import WorkingCalendar
from plans import services as plan_services
from plans.models import Plan
from plans.services import CoreGroupInput, IssueInput
from registry.returns import cin_census_xml
from tests.factories import ChildFactory, PersonFactory, PlanFactory, UserFactory
from tests.support.cin_census import dfe_issues

pytestmark = pytest.mark.django_db
YEAR = 2027  # 1 April 2026 to 31 March 2027; every date below is before today
CALENDAR = WorkingCalendar("england")
ISSUE = IssueInput(
    description="Bruising seen on two occasions with no account given",
    risk_type="HRI",
    desired_outcome="The child is safe from physical harm at home",
    improvement_required="Significant and sustained",
)


def W(year: int, month: int, day: int) -> dt.date:
    """The working day on or after the date: conferences are held on working days."""
    return CALENDAR.on_or_after(dt.date(year, month, day))


def _upn(la: str, serial: int) -> str:
    body = f"{la}{serial:09d}"
    return upn_check_letter("X" + body) + body


@dataclass
class People:
    worker: Any
    manager: Any
    chair: Any
    unit_manager: Any
    professional: Any


class Authority:
    """Drives the services for one authority's children."""

    def __init__(self, people: People, authority: Any, team: Any):
        self.p = people
        self.authority = authority
        self.team = team

    def child(self, **fields: Any) -> Child:
        defaults: dict[str, Any] = {
            "responsible_authority": self.authority,
            "team": self.team,
            "lead_social_worker": self.p.worker,
            "sex": "F",
            "ethnicity": "WBRI",
            "disabilities": ["NONE"],
            "upn_unknown": "UN2",
        }
        defaults.update(fields)
        c = ChildFactory(**defaults)
        _grant_allocated_worker(c, None, self.p.worker)
        return c

    def refer(self, child: Child, on: dt.date, *, nfa: bool = False, source: str = "2A", **kw):
        return front_door.referral_record(
            actor=self.p.worker,
            child_id=child.pk,
            received_on=on,
            source=source,
            primary_need=kw.pop("primary_need", "" if nfa else "N1"),
            nfa=nfa,
            next_step=kw.pop("next_step", "nfa" if nfa else "assessment"),
            **kw,
        )

    def assess(self, child: Child, on: dt.date):
        return front_door.assessment_record(actor=self.p.worker, child_id=child.pk, started_on=on)

    def authorise(self, assessment: Any, on: dt.date, outcome: str, factors=("3B", "4B")):
        return front_door.assessment_authorise(
            actor=self.p.manager,
            assessment_id=assessment.pk,
            authorised_on=on,
            factors=list(factors),
            outcome=outcome,
        )

    def enquiry(self, child: Child, on: dt.date, *, required: bool | None = True):
        discussion = conference_services.strategy_discussion_record(
            actor=self.p.worker, child_id=child.pk, held_on=on, outcome="s47_enquiry"
        )
        return conference_services.section47_start(
            actor=self.p.worker,
            child_id=child.pk,
            strategy_discussion_id=discussion.pk,
            started_on=on,
            conference_required=required,
            reason_not_required="" if required is not False else "Concerns not substantiated",
        )

    def conference(
        self,
        children: list[Child],
        held_on: dt.date,
        kind: str,
        decision: str,
        category: str = "NEG",
        **decision_fields: Any,
    ):
        assert CALENDAR.is_working_day(held_on), held_on
        conference = conference_services.conference_schedule(
            actor=self.p.chair,
            kind=kind,
            child_ids=[c.pk for c in children],
            scheduled_for=dt.datetime.combine(held_on, dt.time(10), tzinfo=dt.UTC),
            chair=self.p.chair,
            venue="Northbrook Civic Centre, Room 2",
        )
        planning = decision in ("plan", "continue")
        conference_services.conference_record_outcome(
            actor=self.p.chair,
            conference_id=conference.pk,
            data=OutcomeInput(
                held_on=held_on,
                decisions=[
                    DecisionInput(
                        child_id=c.pk,
                        decision=decision,
                        category=category if decision == "plan" else "",
                        latest_category=category if decision == "continue" else "",
                        **decision_fields,
                    )
                    for c in children
                ],
                attendees=[AttendeeInput(name="Dr Example", agency="Testford NHS Trust")],
                parents=[ParentInput(name="Parent Example", relationship="Mother", attended=True)],
                outline_plan=[ISSUE] if decision == "plan" else [],
                lead_social_worker=self.p.worker if planning else None,
                core_group=[
                    CoreGroupInput(
                        kind="professional", user=self.p.professional, agency="Testford School"
                    )
                ]
                if decision == "plan"
                else [],
                quorate=True,
                parents_informed=True,
                child_informed=True,
            ),
        )
        conference_services.conference_finalise(actor=self.p.chair, conference_id=conference.pk)
        return conference

    def plan_of(self, child: Child) -> Plan:
        return Plan.objects.get(child=child, status=Plan.Status.ACTIVE)


@pytest.fixture
def people(authority, team, social_worker, team_manager, chair, unit_manager, core_group_member):
    return People(social_worker, team_manager, chair, unit_manager, core_group_member)


@pytest.fixture
def la(people, authority, team):
    return Authority(people, authority, team)


@pytest.fixture
def awkward(la, other_authority):
    """Every kind of child the census has to get right, built through the services."""
    elsewhere = other_authority
    kids: dict[str, Child] = {}

    # An ordinary child on a plan, reviewed twice, with three siblings at her
    # conferences. Between them they have eight disability codes (the DfE's query 2887Q
    # asks for more than seven across the return; the validator's version of it counts
    # NONE instead, so eight children here have no disability: see the report).
    ordinary = la.child(
        first_name="Olive",
        la_child_id="NB-0001",  # a hyphen the census cannot carry
        upn=_upn("201", 1),
        upn_unknown="",
        disabilities=["LD", "COMM", "HEAR", "VIS"],
    )
    sibling = la.child(
        first_name="Otto", sex="M", ethnicity="MWBC", disabilities=["MOB", "HAND", "PC", "INC"]
    )
    sister = la.child(first_name="Orla", ethnicity="", date_of_birth=dt.date(2023, 2, 1))
    brother = la.child(first_name="Oscar", sex="M", upn=_upn("201", 2), upn_unknown="")
    family = [ordinary, sibling, sister, brother]
    for c in family:
        la.refer(c, W(2026, 4, 13), next_step="strategy_discussion", source="2A")
        la.enquiry(c, W(2026, 4, 14))
        assessment = la.assess(c, W(2026, 4, 14))
        la.authorise(assessment, W(2026, 5, 12), "strategy_discussion")
    la.conference(family, W(2026, 4, 28), "initial", "plan", "PHY")
    la.conference(family, W(2026, 7, 21), "review", "continue", "PHY")
    la.conference(family, W(2026, 10, 20), "review", "continue", "MUL")
    kids.update(ordinary=ordinary, sibling=sibling, sister=sister, brother=brother)

    # An unborn baby: a pre-birth plan after an enquiry.
    mother = PersonFactory()
    unborn = la.child(
        first_name="",
        last_name="Baybee",
        date_of_birth=None,
        expected_date_of_delivery=dt.date(2027, 4, 20),
        mother=mother,
        disabilities=None,
        upn_unknown="",
    )
    la.refer(unborn, W(2026, 9, 1), source="3D", next_step="strategy_discussion")
    la.enquiry(unborn, W(2026, 9, 2))
    assessment = la.assess(unborn, W(2026, 9, 2))
    la.authorise(assessment, W(2026, 10, 13), "strategy_discussion", factors=("2B",))
    la.conference([unborn], W(2026, 9, 22), "pre_birth", "plan", "NEG")
    kids["unborn"] = unborn

    # A child who dies: the plan ends, the episode closes as died (RC2).
    died = la.child(first_name="Dora", sex="F", upn_unknown="UN3")
    la.refer(died, W(2026, 5, 5), source="6", next_step="strategy_discussion")
    la.enquiry(died, W(2026, 5, 5))
    assessment = la.assess(died, W(2026, 5, 5))
    la.authorise(assessment, W(2026, 6, 16), "strategy_discussion", factors=("3A",))
    la.conference([died], W(2026, 5, 19), "initial", "plan", "PHY")
    death = W(2026, 8, 10)
    died.refresh_from_db()
    child_update(
        actor=la.p.worker, child_id=died.pk, version=died.version, changes={"date_of_death": death}
    )
    plan_services.plan_end(
        actor=la.p.unit_manager, plan=la.plan_of(died), ended_on=death, reason="died"
    )
    front_door.episode_close(
        actor=la.p.worker,
        referral_id=front_door.open_episode(died, on=death).pk,
        closed_on=death,
        reason="RC2",
    )
    kids["died"] = died

    # A transfer-in: the child moved here on a plan; the transfer-in conference starts
    # this authority's plan, with no enquiry here.
    # Another authority is responsible until the conference; this one records the notice
    # of the move, then its referral.
    moved = la.child(
        first_name="Mo",
        sex="M",
        upn_unknown="UN4",
        ethnicity="BAFR",
        responsible_authority=elsewhere,
        resident_authority=elsewhere,
    )
    # On the other authority's register (its plan, recorded there).
    PlanFactory(child=moved, authority=elsewhere, started_on=W(2025, 11, 3), latest_category="EMO")
    transfers.transfer_notice_record(
        actor=la.p.unit_manager,
        child_id=moved.pk,
        notified_on=W(2026, 5, 29),
        from_authority=elsewhere.code,
    )
    la.refer(moved, W(2026, 6, 1), source="5C", next_step="strategy_discussion")
    la.conference([moved], W(2026, 6, 15), "transfer_in", "plan", "EMO")
    kids["transfer_in"] = moved

    # And one who moves away: the plan ends on the move once the receiving authority's
    # transfer-in conference is held; the episode closes as transferred (RC5).
    away = la.child(first_name="Ava", upn_unknown="UN2", ethnicity="WIRI")
    la.refer(away, W(2026, 4, 7), source="3B", next_step="strategy_discussion")
    la.enquiry(away, W(2026, 4, 7))
    assessment = la.assess(away, W(2026, 4, 7))
    la.authorise(assessment, W(2026, 5, 19), "strategy_discussion", factors=("3B",))
    la.conference([away], W(2026, 4, 21), "initial", "plan", "EMO")
    moved_on = W(2026, 9, 8)
    plan_services.plan_end(
        actor=la.p.unit_manager,
        plan=la.plan_of(away),
        ended_on=moved_on,
        reason="moved",
        transfer_conference_on=W(2026, 9, 7),
        transferred_to="Southmere City Council",
    )
    front_door.episode_close(
        actor=la.p.worker,
        referral_id=front_door.open_episode(away, on=moved_on).pk,
        closed_on=moved_on,
        reason="RC5",
    )
    kids["moved_away"] = away

    # A second plan: the first ends at a review with a step-down to a child in need
    # plan; new concerns bring a second enquiry and plan within the same episode.
    second = la.child(first_name="Sid", sex="M", ethnicity="APKN", upn_unknown="UN5")
    la.refer(second, W(2026, 4, 20), source="3E", next_step="strategy_discussion")
    la.enquiry(second, W(2026, 4, 20))
    assessment = la.assess(second, W(2026, 4, 20))
    la.authorise(assessment, W(2026, 5, 26), "strategy_discussion", factors=("2B", "3B"))
    la.conference([second], W(2026, 5, 5), "initial", "plan", "NEG")
    la.conference([second], W(2026, 8, 4), "review", "discontinue", step_down="child_in_need")
    la.enquiry(second, W(2026, 10, 5))
    la.conference([second], W(2026, 10, 19), "initial", "plan", "SAB")
    kids["second_plan"] = second

    # An episode that straddles 1 April: referred in February, a child in need plan from
    # March, closed in September.
    straddle = la.child(first_name="Stella", upn_unknown="UN6", date_of_birth=dt.date(2009, 3, 3))
    referral = la.refer(straddle, W(2026, 2, 2), source="1A", primary_need="N2")
    assessment = la.assess(straddle, W(2026, 2, 2))
    la.authorise(assessment, W(2026, 3, 10), "cin_plan", factors=("1B",))
    front_door.episode_close(
        actor=la.p.worker, referral_id=referral.pk, closed_on=W(2026, 9, 14), reason="RC7"
    )
    kids["straddle"] = straddle

    # A section 47 enquiry that ends with no conference; a child in need plan follows.
    no_conference = la.child(first_name="Nell", upn_unknown="UN2")
    la.refer(no_conference, W(2026, 7, 6), source="3C")
    assessment = la.assess(no_conference, W(2026, 7, 6))
    enquiry = la.enquiry(no_conference, W(2026, 7, 7), required=None)
    conference_services.section47_record_outcome(
        actor=la.p.worker,
        enquiry_id=enquiry.pk,
        conference_required=False,
        reason_not_required="Injury explained by the hospital",
    )
    la.authorise(assessment, W(2026, 8, 11), "cin_plan", factors=("3C", "4A"))
    kids["s47_no_conference"] = no_conference

    # A referral with no further action, the child's only contact this year.
    nfa = la.child(first_name="Nat", sex="M", upn_unknown="")
    la.refer(nfa, W(2026, 5, 11), nfa=True, source="1B")
    kids["nfa"] = nfa
    return kids


def _census(user: Any, year: int = YEAR) -> ET.Element:
    return ET.fromstring(cin_census_xml(user=user, year=year))  # noqa: S314 - our own output


def _child(root: ET.Element, child: Child) -> ET.Element:
    wanted = {re.sub(r"[^A-Za-z0-9]", "", child.la_child_id), child.pk.hex[:20]} - {""}
    for el in root.findall("Children/Child"):
        if el.findtext("ChildIdentifiers/LAchildID") in wanted:
            return el
    raise AssertionError(f"{child.name} is not in the census")


def _dates(el: ET.Element, path: str) -> list[str]:
    return [e.text or "" for e in el.findall(path)]


# --- The whole return against the DfE's rules ------------------------------------------


def test_the_awkward_authority_passes_every_dfe_rule(awkward, unit_manager):
    xml = cin_census_xml(user=unit_manager, year=YEAR)
    issues = dfe_issues(xml)
    assert issues == [], "\n".join(map(str, issues))
    root = ET.fromstring(xml)  # noqa: S314
    assert len(root.findall("Children/Child")) == len(awkward)


def test_the_validator_does_find_a_broken_return(awkward, unit_manager):
    """The check can fail: the same return with one plan starting after the census date
    and the reference date wrong breaks the DfE's rules 100 and 8720."""
    root = _census(unit_manager)
    root.find("Header/CollectionDetails/ReferenceDate").text = "2027-03-30"
    root.find(".//ChildProtectionPlans/CPPstartDate").text = "2027-05-03"
    rules = {i["rule"] for i in dfe_issues(ET.tostring(root))}
    assert {"100", "8720"} <= rules


def test_the_export_is_audited_and_reports_progress(awkward, unit_manager):
    seen: list[tuple[int, int]] = []
    cin_census_xml(user=unit_manager, year=YEAR, progress=lambda *p: seen.append(p))
    assert seen == [(n, len(awkward)) for n in range(1, len(awkward) + 1)]
    export = AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, child_id__isnull=True
    ).latest("id")
    assert export.changes["children"] == len(awkward)
    reads = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, child_id__isnull=False)
    assert {e.child_id for e in reads} == {c.pk for c in awkward.values()}


def test_queries_do_not_grow_with_the_children(la, unit_manager):
    def build(n: int) -> None:
        for _ in range(n):
            c = la.child()
            la.refer(c, W(2026, 6, 1), next_step="strategy_discussion")
            la.enquiry(c, W(2026, 6, 2))
            la.conference([c], W(2026, 6, 16), "initial", "plan")

    build(1)
    cin_census_xml(user=unit_manager, year=YEAR)  # the user's roles, read once and kept
    with CaptureQueriesContext(connection) as one:
        cin_census_xml(user=unit_manager, year=YEAR)
    build(4)
    with CaptureQueriesContext(connection) as five:
        cin_census_xml(user=unit_manager, year=YEAR)
    assert len(five) == len(one)


# --- Who is in the census --------------------------------------------------------------


def test_the_census_holds_the_children_of_the_year(la, unit_manager, other_authority):
    in_year = la.child(first_name="Inca")
    la.refer(in_year, W(2026, 6, 1), source="2A")
    closed_before = la.child(first_name="Early")
    referral = la.refer(closed_before, W(2026, 1, 5), source="2A")
    assessment = la.assess(closed_before, W(2026, 1, 5))
    la.authorise(assessment, W(2026, 3, 20), "nfa")  # closes the episode (RC8)
    nfa_before = la.child(first_name="Before")
    la.refer(nfa_before, W(2026, 3, 2), nfa=True)
    nfa_in = la.child(first_name="Within")
    la.refer(nfa_in, W(2026, 4, 1), nfa=True)
    open_since = la.child(first_name="Long")
    la.refer(open_since, W(2025, 3, 3), source="2A")
    elsewhere = ChildFactory(responsible_authority=other_authority)
    referral_elsewhere_by = UserFactory(authority=other_authority, roles=[Role.SOCIAL_WORKER])
    _grant_allocated_worker(elsewhere, None, referral_elsewhere_by)
    front_door.referral_record(
        actor=referral_elsewhere_by,
        child_id=elsewhere.pk,
        received_on=W(2026, 6, 1),
        source="2A",
        primary_need="N1",
        nfa=False,
        next_step="assessment",
    )
    referral.refresh_from_db()
    assert referral.closed_on == W(2026, 3, 20)

    root = _census(unit_manager)
    ids = {el.findtext("ChildIdentifiers/LAchildID") for el in root.findall("Children/Child")}
    assert ids == {c.pk.hex[:20] for c in (in_year, nfa_in, open_since)}
    # The year before holds the closed episode and the March NFA referral, not the June one.
    root = _census(unit_manager, YEAR - 1)
    ids = {el.findtext("ChildIdentifiers/LAchildID") for el in root.findall("Children/Child")}
    assert ids == {c.pk.hex[:20] for c in (closed_before, nfa_before, open_since)}


def test_a_child_on_a_plan_with_no_episode_is_counted_not_reported(la, unit_manager, awkward):
    from tests.factories import PlanFactory

    legacy = la.child(first_name="Legacy")
    PlanFactory(child=legacy, started_on=dt.date(2026, 5, 1))
    root = _census(unit_manager)
    assert len(root.findall("Children/Child")) == len(awkward)
    export = AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, child_id__isnull=True
    ).latest("id")
    assert export.changes["children_on_a_plan_without_an_episode"] == 1


# --- Identifiers and characteristics (rules 1510-1580, 4180, 4220, 8500-8540, 8750-8794) -


def test_identifiers(awkward, unit_manager):
    root = _census(unit_manager)
    ids = [el.findtext("ChildIdentifiers/LAchildID") for el in root.findall("Children/Child")]
    assert all(i and i.isalnum() and len(i) <= 20 for i in ids)  # 1570, 1580
    assert len(set(ids)) == len(ids)  # 8510
    ordinary = _child(root, awkward["ordinary"])
    assert ordinary.findtext("ChildIdentifiers/LAchildID") == "NB0001"  # the hyphen taken out
    assert ordinary.findtext("ChildIdentifiers/UPN") == awkward["ordinary"].upn
    assert ordinary.find("ChildIdentifiers/UPNunknown") is None
    assert ordinary.find("ChildIdentifiers/GenderCurrent") is None
    unborn = _child(root, awkward["unborn"])
    assert unborn.findtext("ChildIdentifiers/UPNunknown") == "UN8"
    assert unborn.findtext("ChildIdentifiers/Sex") == "U"  # 8750, whatever is recorded
    assert unborn.findtext("ChildIdentifiers/ExpectedPersonBirthDate") == "2027-04-20"
    assert unborn.find("ChildIdentifiers/PersonBirthDate") is None  # 8525Q
    nfa = _child(root, awkward["nfa"])
    assert nfa.findtext("ChildIdentifiers/UPNunknown") == "UN7"  # NFA only (8772)
    died = _child(root, awkward["died"])
    assert died.findtext("ChildIdentifiers/PersonDeathDate") == W(2026, 8, 10).isoformat()
    assert died.findtext("ChildIdentifiers/UPNunknown") == "UN3"
    sexes = {el.findtext("ChildIdentifiers/Sex") for el in root.findall("Children/Child")}
    assert sexes <= {"M", "F", "U"}  # 4180


def test_characteristics(awkward, unit_manager):
    root = _census(unit_manager)
    ordinary = _child(root, awkward["ordinary"])
    assert _dates(ordinary, "ChildCharacteristics/Disabilities/Disability") == [
        "LD",
        "COMM",
        "HEAR",
        "VIS",
    ]
    assert _dates(_child(root, awkward["sibling"]), "ChildCharacteristics/Ethnicity") == ["MWBC"]
    # Not yet obtained is NOBT (4220)
    assert _child(root, awkward["sister"]).findtext("ChildCharacteristics/Ethnicity") == "NOBT"
    assert _dates(_child(root, awkward["sister"]), ".//Disability") == ["NONE"]
    # An unborn child has no disabilities to record; not recorded is never made NONE.
    assert _child(root, awkward["unborn"]).find(".//Disabilities") is None


def test_disabilities_not_recorded_are_not_made_none(la, unit_manager):
    """A born child in an episode with no disabilities recorded has no Disabilities
    block: the DfE's rule 8540 then asks the authority for them. The census never turns
    "not recorded" into NONE (no disability)."""
    c = la.child(disabilities=None)
    la.refer(c, W(2026, 6, 1))
    assert _child(_census(unit_manager), c).find("ChildCharacteristics/Disabilities") is None


# --- Episodes, NFA and closure (8565-8869) ---------------------------------------------


def test_episode_dates_and_closure(awkward, unit_manager):
    root = _census(unit_manager)
    straddle = _child(root, awkward["straddle"])
    (details,) = straddle.findall("CINdetails")
    assert details.findtext("CINreferralDate") == W(2026, 2, 2).isoformat()
    assert details.findtext("ReferralSource") == "1A"
    assert details.findtext("PrimaryNeedCode") == "N2"
    assert details.findtext("CINclosureDate") == W(2026, 9, 14).isoformat()
    assert details.findtext("ReasonForClosure") == "RC7"
    assert details.findtext("ReferralNFA") == "0"
    # The assessment authorised before 1 April is last year's (8696); the plan running
    # on 1 April is this year's, ended with the episode.
    assert details.find("Assessments") is None
    assert _dates(details, "CINPlanDates/CINPlanStartDate") == [W(2026, 3, 10).isoformat()]
    assert _dates(details, "CINPlanDates/CINPlanEndDate") == [W(2026, 9, 14).isoformat()]
    died = _child(root, awkward["died"]).find("CINdetails")
    assert (died.findtext("CINclosureDate"), died.findtext("ReasonForClosure")) == (
        W(2026, 8, 10).isoformat(),
        "RC2",
    )
    open_one = _child(root, awkward["ordinary"]).find("CINdetails")
    assert open_one.find("CINclosureDate") is None and open_one.find("ReasonForClosure") is None


def test_a_closure_after_the_census_date_is_not_reported(la, unit_manager):
    c = la.child()
    referral = la.refer(c, W(2026, 2, 2))
    assessment = la.assess(c, W(2026, 2, 2))
    la.authorise(assessment, W(2026, 4, 7), "nfa")  # closed RC8 in the next year
    referral.refresh_from_db()
    assert referral.closure_reason == "RC8"
    details = _child(_census(unit_manager, YEAR - 1), c).find("CINdetails")
    assert details.find("CINclosureDate") is None and details.find("ReasonForClosure") is None
    # The assessment still open on 31 March 2026 is reported without its completion.
    assert details.find("Assessments/AssessmentAuthorisationDate") is None
    assert details.find("Assessments/FactorsIdentifiedAtAssessment") is None


def test_nfa_referrals(awkward, unit_manager):
    details = _child(_census(unit_manager), awkward["nfa"]).find("CINdetails")
    assert details.findtext("ReferralNFA") == "1"
    assert details.find("PrimaryNeedCode") is None  # needed only with further action
    assert details.findtext("ReferralSource") == "1B"
    for activity in ("Assessments", "CINPlanDates", "Section47", "ChildProtectionPlans"):
        assert details.find(activity) is None  # 4000, 8831, 8832


# --- Assessments (8608, 8614, 8696, 8736, 8869, 8897Q, 8898) ----------------------------


def test_assessments(awkward, unit_manager):
    root = _census(unit_manager)
    (assessment,) = _child(root, awkward["second_plan"]).findall("CINdetails/Assessments")
    assert assessment.findtext("AssessmentActualStartDate") == W(2026, 4, 20).isoformat()
    assert assessment.findtext("AssessmentAuthorisationDate") == W(2026, 5, 26).isoformat()
    assert _dates(assessment, "FactorsIdentifiedAtAssessment/AssessmentFactors") == ["2B", "3B"]
    (alone,) = _child(root, awkward["s47_no_conference"]).findall("CINdetails/Assessments")
    assert _dates(alone, "FactorsIdentifiedAtAssessment/AssessmentFactors") == ["3C", "4A"]


# --- Section 47 enquiries (2884, 2889, 8615, 8740, 8839, 8868, 8870Q, 8875, 8890) --------


def test_section47_enquiries(awkward, unit_manager):
    root = _census(unit_manager)
    (s47,) = _child(root, awkward["ordinary"]).findall("CINdetails/Section47")
    assert s47.findtext("S47ActualStartDate") == W(2026, 4, 14).isoformat()
    # 15 working days from the strategy discussion, on a working day (8870Q)
    target = dt.date.fromisoformat(s47.findtext("InitialCPCtarget"))
    assert target == CALENDAR.add_working_days(W(2026, 4, 14), 15)
    assert s47.findtext("DateOfInitialCPC") == W(2026, 4, 28).isoformat()
    assert s47.findtext("ICPCnotRequired") == "0"
    (none,) = _child(root, awkward["s47_no_conference"]).findall("CINdetails/Section47")
    assert none.findtext("ICPCnotRequired") == "1"
    assert none.find("DateOfInitialCPC") is None
    # Each initial conference is recorded once: on the enquiry, not also on the episode.
    assert _child(root, awkward["ordinary"]).find("CINdetails/DateOfInitialCPC") is None
    second = _child(root, awkward["second_plan"])
    assert _dates(second, "CINdetails/Section47/DateOfInitialCPC") == [
        W(2026, 5, 5).isoformat(),
        W(2026, 10, 19).isoformat(),
    ]


def test_a_strategy_discussion_without_an_enquiry_record_starts_one(la, unit_manager):
    c = la.child()
    la.refer(c, W(2026, 6, 1), next_step="strategy_discussion")
    conference_services.strategy_discussion_record(
        actor=la.p.worker, child_id=c.pk, held_on=W(2026, 6, 2), outcome="s47_enquiry"
    )
    la.conference([c], W(2026, 6, 16), "initial", "plan")
    (s47,) = _child(_census(unit_manager), c).findall("CINdetails/Section47")
    assert s47.findtext("S47ActualStartDate") == W(2026, 6, 2).isoformat()
    assert s47.findtext("DateOfInitialCPC") == W(2026, 6, 16).isoformat()


# --- Child protection plans (2883, 2885, 4001-4017, 8720-8730, 8840, 8905-8940) ---------


def test_child_protection_plans(awkward, unit_manager):
    root = _census(unit_manager)
    second = _child(root, awkward["second_plan"]).find("CINdetails")
    plans = second.findall("ChildProtectionPlans")
    assert [p.findtext("CPPstartDate") for p in plans] == [
        W(2026, 5, 5).isoformat(),
        W(2026, 10, 19).isoformat(),
    ]
    assert [p.findtext("CPPendDate") for p in plans] == [W(2026, 8, 4).isoformat(), None]
    assert [p.findtext("NumberOfPreviousCPP") for p in plans] == ["0", "1"]
    assert [p.findtext("InitialCategoryOfAbuse") for p in plans] == ["NEG", "SAB"]
    # The step-down child in need plan runs between the two plans, never alongside one.
    assert _dates(second, "CINPlanDates/CINPlanStartDate") == [W(2026, 8, 4).isoformat()]
    assert _dates(second, "CINPlanDates/CINPlanEndDate") == [W(2026, 10, 19).isoformat()]
    # Plans started by a conference with no enquiry here: the episode's initial conference.
    moved = _child(root, awkward["transfer_in"]).find("CINdetails")
    assert moved.findtext("DateOfInitialCPC") == W(2026, 6, 15).isoformat()
    assert moved.findtext("ChildProtectionPlans/CPPstartDate") == W(2026, 6, 15).isoformat()
    unborn = _child(root, awkward["unborn"]).find("CINdetails")
    assert unborn.findtext("ChildProtectionPlans/CPPstartDate") == W(2026, 9, 22).isoformat()
    assert unborn.findtext("Section47/DateOfInitialCPC") == W(2026, 9, 22).isoformat()
    died = _child(root, awkward["died"]).find("CINdetails/ChildProtectionPlans")
    assert died.findtext("CPPendDate") == W(2026, 8, 10).isoformat()  # 8920
    away = _child(root, awkward["moved_away"]).find("CINdetails")
    assert away.findtext("ChildProtectionPlans/CPPendDate") == W(2026, 9, 8).isoformat()
    assert (away.findtext("CINclosureDate"), away.findtext("ReasonForClosure")) == (
        W(2026, 9, 8).isoformat(),
        "RC5",
    )
    ordinary = _child(root, awkward["ordinary"]).find("CINdetails/ChildProtectionPlans")
    assert (
        ordinary.findtext("InitialCategoryOfAbuse"),
        ordinary.findtext("LatestCategoryOfAbuse"),
    ) == (
        "PHY",
        "MUL",
    )


# --- Reviews (8841, 8842Q, 4003) --------------------------------------------------------


def test_reviews(awkward, unit_manager):
    root = _census(unit_manager)
    ordinary = _child(root, awkward["ordinary"]).find("CINdetails/ChildProtectionPlans")
    assert _dates(ordinary, "Reviews/CPPreviewDate") == [
        W(2026, 7, 21).isoformat(),
        W(2026, 10, 20).isoformat(),
    ]
    # One review date in each Reviews element, as the validator reads them.
    assert all(len(r) == 1 for r in ordinary.findall("Reviews"))
    first, second = _child(root, awkward["second_plan"]).findall("CINdetails/ChildProtectionPlans")
    assert _dates(first, "Reviews/CPPreviewDate") == [W(2026, 8, 4).isoformat()]
    assert first.find("Reviews") is not None and second.find("Reviews") is None

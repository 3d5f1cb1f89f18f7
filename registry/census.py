"""The Children in Need census (England), as the DfE's specification for 2026 to 2027
has it: one ``Child`` for each child the authority is responsible for with a child in
need episode open at any time in the collection year (1 April to 31 March), or an NFA
referral received in it; one ``CINdetails`` for each such episode, with what happened
in it during the year.

Reading is separate from writing: ``census_records`` gathers the year in a fixed number
of queries (however many children), ``census_document`` turns it into the XML. Element
names, their nesting and their values are those the DfE's validation rules read (the
public validator, csc-validator-be-cin, checks every export in the tests).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from django.db.models import Q
from django.utils import timezone

from conferences.models import Conference, ConferenceChild, Section47Enquiry, StrategyDiscussion
from cpcase.models import Assessment, Authority, Child, ChildInNeedPlan, Referral
from cpcase.timescales import load_authority_timescales
from plans.models import Plan
from plans.selectors import plans_all, plans_of_children

SOFTWARE_CODE = "cpcase"
RELEASE = "1"
_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")
_HELD = (Conference.Status.HELD, Conference.Status.FINALISED)
_INITIAL_KINDS = (Conference.Kind.INITIAL, Conference.Kind.PRE_BIRTH)
# The census's booleans: the DfE's rules read "1" and "0" everywhere ("true" is not
# read as true by every rule, e.g. 2885 and 8740).
_TRUE, _FALSE = "1", "0"


# --- What goes in ----------------------------------------------------------------------


@dataclass
class CensusSection47:
    started_on: dt.date
    target: dt.date | None
    initial_conference_on: dt.date | None
    not_required: bool


@dataclass
class CensusPlan:
    started_on: dt.date
    ended_on: dt.date | None
    initial_category: str
    latest_category: str
    previous: int
    reviews: list[dt.date]


@dataclass
class CensusAssessment:
    started_on: dt.date
    authorised_on: dt.date | None
    factors: list[str]


@dataclass
class CensusEpisode:
    referral: Referral
    closed_on: dt.date | None
    closure_reason: str
    initial_conference_on: dt.date | None = None
    assessments: list[CensusAssessment] = field(default_factory=list)
    cin_plans: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)
    section47s: list[CensusSection47] = field(default_factory=list)
    plans: list[CensusPlan] = field(default_factory=list)


@dataclass
class CensusChild:
    child: Child
    la_child_id: str
    episodes: list[CensusEpisode]


@dataclass
class Census:
    authority: Authority
    year: int
    start: dt.date
    end: dt.date
    children: list[CensusChild]
    # Children on a plan in the year with no episode recorded: not in the return (the
    # census has no place for a plan outside an episode); counted in the export's audit.
    without_episode: int = 0


def _in_year(day: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return day is not None and start <= day <= end


def _la_child_id(child: Child, used: set[str]) -> str:
    """The LA child ID as the rules accept it (1 to 20 letters and digits, unique); a
    stable one from the record's own id when it is blank or taken."""
    cleaned = _ALPHANUMERIC.sub("", child.la_child_id)[:20]
    if not cleaned or cleaned in used:
        cleaned = child.pk.hex[:20]
    used.add(cleaned)
    return cleaned


def _without(
    period: tuple[dt.date, dt.date | None], plans: Iterable[Plan]
) -> list[tuple[dt.date, dt.date | None]]:
    """A child in need plan's dates less the child protection plans' (a child on a
    child protection plan is not also counted on a child in need plan: rules 4001,
    4016, 4017). A piece may end the day a plan starts and start the day it ends."""
    pieces = [period]
    for plan in plans:
        out: list[tuple[dt.date, dt.date | None]] = []
        for start, end in pieces:
            p_start, p_end = plan.started_on, plan.ended_on
            before = start < p_start and (end is None or p_start < end)
            if before:
                out.append((start, p_start))
            overlaps = (end is None or p_start < end) and (p_end is None or start < p_end)
            if not overlaps:
                out.append((start, end))
                continue
            if p_end is not None and (end is None or p_end < end):
                out.append((max(start, p_end), end))
        pieces = out
    return pieces


@dataclass
class _Gathered:
    """The year's steps, gathered once for every child: by referral (assessments, child in
    need plans) or by child (enquiries, plans, conferences)."""

    assessments: dict[Any, list[Assessment]]
    cin_plans: dict[Any, list[ChildInNeedPlan]]
    enquiries: dict[Any, list[tuple[dt.date, dt.date, bool | None]]]
    plans: dict[Any, list[Plan]]
    initial_conferences: dict[Any, list[dt.date]]
    reviews: dict[Any, list[dt.date]]
    icpc_target: Callable[[dt.date], dt.date | None]


def census_records(*, authority: Authority, year: int, start: dt.date, end: dt.date) -> Census:
    """The year's episodes, with their steps, in a fixed number of queries."""
    referrals = _referrals(authority, start, end)
    child_ids = {r.child_id for r in referrals}
    gathered = _gather(authority, [r.pk for r in referrals], child_ids, end)
    children = _census_children(referrals, gathered, start, end)
    return Census(
        authority=authority,
        year=year,
        start=start,
        end=end,
        children=children,
        without_episode=_without_episode(authority, child_ids, start, end),
    )


def _referrals(authority: Authority, start: dt.date, end: dt.date) -> list[Referral]:
    in_year = Q(nfa=False, received_on__lte=end) & (
        Q(closed_on__isnull=True) | Q(closed_on__gte=start)
    )
    nfa_in_year = Q(nfa=True, received_on__range=(start, end))
    return list(
        # The episodes this authority recorded: a child who moved away during the year is
        # still in this authority's census for the time it was responsible.
        Referral.objects.filter(authority=authority)
        .filter(in_year | nfa_in_year)
        .select_related("child")
        .order_by("child_id", "received_on", "created_at")
    )


def _gather(
    authority: Authority, referral_ids: list[Any], child_ids: set[Any], end: dt.date
) -> _Gathered:
    assessments: dict[Any, list[Assessment]] = defaultdict(list)
    for a in Assessment.objects.filter(referral_id__in=referral_ids).order_by("started_on"):
        assessments[a.referral_id].append(a)
    cin_plans: dict[Any, list[ChildInNeedPlan]] = defaultdict(list)
    for c in ChildInNeedPlan.objects.filter(referral_id__in=referral_ids).order_by("started_on"):
        cin_plans[c.referral_id].append(c)
    enquiries = _section47_enquiries(referral_ids, child_ids, end)
    plans: dict[Any, list[Plan]] = defaultdict(list)
    for p in plans_of_children(child_ids).order_by("started_on", "created_at"):
        plans[p.child_id].append(p)
    initial_conferences, reviews = _conferences_held(child_ids, end)
    timescales = load_authority_timescales([authority.pk])[authority.pk]
    return _Gathered(
        assessments=assessments,
        cin_plans=cin_plans,
        enquiries=enquiries,
        plans=plans,
        initial_conferences=initial_conferences,
        reviews=reviews,
        icpc_target=lambda day: (due := timescales.due("icpc", day)) and due[0],
    )


def _section47_enquiries(
    referral_ids: list[Any], child_ids: set[Any], end: dt.date
) -> dict[Any, list[tuple[dt.date, dt.date, bool | None]]]:
    """Each child's section 47 enquiries: (started on, discussed on, conference required)."""
    enquiries: dict[Any, list[tuple[dt.date, dt.date, bool | None]]] = defaultdict(list)
    for e in (
        Section47Enquiry.objects.filter(referral_id__in=referral_ids)
        .select_related("strategy_discussion")
        .order_by("started_on")
    ):
        enquiries[e.child_id].append(
            (e.started_on, e.strategy_discussion.held_on, e.conference_required)
        )
    # A strategy discussion that decided on an enquiry with no enquiry recorded: its date
    # is the enquiry's start (records from before enquiries were recorded).
    for d in StrategyDiscussion.objects.filter(
        child_id__in=child_ids,
        outcome=StrategyDiscussion.Outcome.S47_ENQUIRY,
        section47_enquiry__isnull=True,
        held_on__lte=end,
    ):
        enquiries[d.child_id].append((d.held_on, d.held_on, None))
    return enquiries


def _conferences_held(
    child_ids: set[Any], end: dt.date
) -> tuple[dict[Any, list[dt.date]], dict[Any, list[dt.date]]]:
    """Each child's initial (or pre-birth) conferences and review conferences held."""
    initial_conferences: dict[Any, list[dt.date]] = defaultdict(list)
    reviews: dict[Any, list[dt.date]] = defaultdict(list)
    for child_id, kind, held_on in ConferenceChild.objects.filter(
        child_id__in=child_ids,
        conference__status__in=_HELD,
        conference__held_on__lte=end,
    ).values_list("child_id", "conference__kind", "conference__held_on"):
        if held_on is None:
            continue
        if kind in _INITIAL_KINDS:
            initial_conferences[child_id].append(held_on)
        elif kind == Conference.Kind.REVIEW:
            reviews[child_id].append(held_on)
    return initial_conferences, reviews


def _census_children(
    referrals: list[Referral], gathered: _Gathered, start: dt.date, end: dt.date
) -> list[CensusChild]:
    """One entry for each child, its episodes in order, sorted and given LA child IDs."""
    by_child: dict[Any, list[Referral]] = defaultdict(list)
    for r in referrals:
        by_child[r.child_id].append(r)
    used_ids: set[str] = set()
    children: list[CensusChild] = []
    for child_referrals in by_child.values():
        child = child_referrals[0].child
        episodes = [_episode(r, start=start, end=end, gathered=gathered) for r in child_referrals]
        children.append(CensusChild(child=child, la_child_id="", episodes=episodes))
    children.sort(key=lambda c: (c.child.la_child_id or "~", str(c.child.pk)))
    for entry in children:
        entry.la_child_id = _la_child_id(entry.child, used_ids)
    return children


def _without_episode(
    authority: Authority, child_ids: set[Any], start: dt.date, end: dt.date
) -> int:
    """Children on a plan in the year with no episode recorded (see :class:`Census`)."""
    return (
        plans_all()
        .filter(child__responsible_authority=authority, started_on__lte=end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        .exclude(child_id__in=child_ids)
        .values("child_id")
        .distinct()
        .count()
    )


def _within(day: dt.date, referral: Referral, closed_on: dt.date | None, end: dt.date) -> bool:
    return referral.received_on <= day <= min(closed_on or end, end)


def _episode(
    referral: Referral, *, start: dt.date, end: dt.date, gathered: _Gathered
) -> CensusEpisode:
    # A closure after the census date is in the future as the return sees it.
    closed = referral.closed_on if referral.closed_on and referral.closed_on <= end else None
    episode = CensusEpisode(
        referral=referral,
        closed_on=closed,
        closure_reason=referral.closure_reason if closed else "",
    )
    if referral.nfa:
        return episode
    child_id = referral.child_id
    plans = gathered.plans[child_id]
    episode.assessments = _assessments(gathered.assessments[referral.pk], start, end)
    episode.cin_plans = _cin_plan_pieces(gathered.cin_plans[referral.pk], plans, start, end)
    episode.section47s = _section47s(
        gathered.enquiries[child_id],
        referral,
        closed,
        start,
        end,
        initial_conferences=sorted(gathered.initial_conferences[child_id]),
        icpc_target=gathered.icpc_target,
    )
    _add_plans(episode, plans, sorted(gathered.reviews[child_id]), start, end)
    return episode


def _assessments(
    assessments: list[Assessment], start: dt.date, end: dt.date
) -> list[CensusAssessment]:
    found: list[CensusAssessment] = []
    for a in assessments:
        if a.started_on > end:
            continue
        authorised = a.authorised_on if a.authorised_on and a.authorised_on <= end else None
        if authorised is not None and authorised < start:
            continue  # completed before the year: not this year's activity (rule 8696)
        found.append(
            CensusAssessment(
                started_on=a.started_on,
                authorised_on=authorised,
                factors=list(a.factors) if authorised else [],
            )
        )
    return found


def _cin_plan_pieces(
    cin_plans: list[ChildInNeedPlan], plans: list[Plan], start: dt.date, end: dt.date
) -> list[tuple[dt.date, dt.date | None]]:
    pieces: list[tuple[dt.date, dt.date | None]] = []
    for c in cin_plans:
        if c.started_on > end:
            continue
        ended = c.ended_on if c.ended_on and c.ended_on <= end else None
        for piece_start, piece_end in _without((c.started_on, ended), plans):
            if piece_end is not None and (piece_end < start or piece_end <= piece_start):
                continue
            if piece_start > end:
                continue
            pieces.append((piece_start, piece_end))
    return pieces


def _section47s(
    enquiries: list[tuple[dt.date, dt.date, bool | None]],
    referral: Referral,
    closed: dt.date | None,
    start: dt.date,
    end: dt.date,
    *,
    initial_conferences: list[dt.date],
    icpc_target: Callable[[dt.date], dt.date | None],
) -> list[CensusSection47]:
    found: list[CensusSection47] = []
    for started_on, discussed_on, required in enquiries:
        if not _within(started_on, referral, closed, end):
            continue
        icpc = None
        if required is not False:
            icpc = next((d for d in initial_conferences if d >= started_on), None)
            if icpc is not None and not _within(icpc, referral, closed, end):
                icpc = None
        # This year's: started in it, or its conference held in it, or still waiting on
        # 1 April for the conference it needs.
        if not (
            _in_year(started_on, start, end)
            or _in_year(icpc, start, end)
            or (icpc is None and required is not False)
        ):
            continue
        found.append(
            CensusSection47(
                started_on=started_on,
                target=icpc_target(discussed_on),
                initial_conference_on=icpc,
                not_required=required is False,
            )
        )
    return found


def _add_plans(
    episode: CensusEpisode, plans: list[Plan], reviews: list[dt.date], start: dt.date, end: dt.date
) -> None:
    """The episode's child protection plans, and the initial conference of a plan with no
    enquiry of the episode behind it."""
    referral, closed = episode.referral, episode.closed_on
    episode_plans = [
        p
        for p in plans
        # The plans this authority held (another authority's come before a transfer-in
        # and count only as previous plans).
        if p.authority_id in (None, referral.authority_id)
        and _within(p.started_on, referral, closed, end)
        and (p.ended_on is None or p.ended_on >= start)
    ]
    s47_conferences = {s.initial_conference_on for s in episode.section47s}
    for p in episode_plans:
        previous = sum(1 for other in plans if other.started_on < p.started_on)
        ended = p.ended_on if p.ended_on and p.ended_on <= end else None
        episode.plans.append(
            CensusPlan(
                started_on=p.started_on,
                ended_on=ended,
                initial_category=p.initial_category,
                latest_category=p.latest_category,
                previous=previous,
                reviews=[
                    r
                    for r in reviews
                    if p.started_on < r <= (ended or end) and _in_year(r, start, end)
                ],
            )
        )
        # A plan started by a conference with no enquiry of this episode behind it (a
        # pre-birth or transfer-in conference): its date is the episode's initial
        # conference (rules 2883, 2885).
        if _in_year(p.started_on, start, end) and p.started_on not in s47_conferences:
            episode.initial_conference_on = p.started_on


# --- The document ----------------------------------------------------------------------


def _sub(parent: ET.Element, tag: str, value: Any = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if value is not None:
        element.text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return element


def _header(message: ET.Element, census: Census) -> None:
    header = _sub(message, "Header")
    collection = _sub(header, "CollectionDetails")
    _sub(collection, "Collection", "CIN")
    _sub(collection, "Year", census.year)
    _sub(collection, "ReferenceDate", census.end)
    source = _sub(header, "Source")
    _sub(source, "SourceLevel", "L")
    _sub(source, "LEA", census.authority.code)
    _sub(source, "SoftwareCode", SOFTWARE_CODE)
    _sub(source, "Release", RELEASE)
    _sub(source, "SerialNo", "1")
    _sub(source, "DateTime", timezone.now().replace(microsecond=0, tzinfo=None))


def _identifiers(child_el: ET.Element, entry: CensusChild, end: dt.date) -> None:
    child = entry.child
    ids = _sub(child_el, "ChildIdentifiers")
    _sub(ids, "LAchildID", entry.la_child_id)
    if child.is_unborn:
        _sub(ids, "UPNunknown", "UN8")
    elif child.upn:
        _sub(ids, "UPN", child.upn)
    elif child.upn_unknown:
        _sub(ids, "UPNunknown", child.upn_unknown)
    elif all(e.referral.nfa for e in entry.episodes):
        _sub(ids, "UPNunknown", "UN7")
    if child.is_unborn:
        _sub(ids, "ExpectedPersonBirthDate", child.expected_date_of_delivery)
    else:
        _sub(ids, "PersonBirthDate", child.date_of_birth)
    # An unborn child's sex is U whatever is expected (rule 8750).
    _sub(ids, "Sex", "U" if child.is_unborn else child.sex or "U")
    if child.date_of_death and child.date_of_death <= end:
        _sub(ids, "PersonDeathDate", child.date_of_death)
    characteristics = _sub(child_el, "ChildCharacteristics")
    # NOBT: "information not yet obtained", which is what a blank ethnicity is.
    _sub(characteristics, "Ethnicity", child.ethnicity or "NOBT")
    # Not recorded (None) is left out, never turned into NONE: the rules (8540) then ask
    # the authority for it. An unborn child has none to record.
    if child.disabilities and not child.is_unborn:
        disabilities = _sub(characteristics, "Disabilities")
        for code in dict.fromkeys(child.disabilities):
            _sub(disabilities, "Disability", code)


def _details(child_el: ET.Element, episode: CensusEpisode) -> None:
    referral = episode.referral
    details = _sub(child_el, "CINdetails")
    _sub(details, "CINreferralDate", referral.received_on)
    _sub(details, "ReferralSource", referral.source)
    if referral.primary_need:
        _sub(details, "PrimaryNeedCode", referral.primary_need)
    if episode.closed_on:
        _sub(details, "CINclosureDate", episode.closed_on)
        _sub(details, "ReasonForClosure", episode.closure_reason)
    if episode.initial_conference_on:
        _sub(details, "DateOfInitialCPC", episode.initial_conference_on)
    _sub(details, "ReferralNFA", _TRUE if referral.nfa else _FALSE)
    for plan_start, plan_end in episode.cin_plans:
        dates = _sub(details, "CINPlanDates")
        _sub(dates, "CINPlanStartDate", plan_start)
        if plan_end:
            _sub(dates, "CINPlanEndDate", plan_end)
    for a in episode.assessments:
        assessment = _sub(details, "Assessments")
        _sub(assessment, "AssessmentActualStartDate", a.started_on)
        if a.authorised_on:
            _sub(assessment, "AssessmentAuthorisationDate", a.authorised_on)
            factors = _sub(assessment, "FactorsIdentifiedAtAssessment")
            for code in a.factors:
                _sub(factors, "AssessmentFactors", code)
    for s in episode.section47s:
        s47 = _sub(details, "Section47")
        _sub(s47, "S47ActualStartDate", s.started_on)
        if s.target:
            _sub(s47, "InitialCPCtarget", s.target)
        if s.initial_conference_on:
            _sub(s47, "DateOfInitialCPC", s.initial_conference_on)
        _sub(s47, "ICPCnotRequired", _TRUE if s.not_required else _FALSE)
    for p in episode.plans:
        cpp = _sub(details, "ChildProtectionPlans")
        _sub(cpp, "CPPstartDate", p.started_on)
        if p.ended_on:
            _sub(cpp, "CPPendDate", p.ended_on)
        _sub(cpp, "InitialCategoryOfAbuse", p.initial_category)
        _sub(cpp, "LatestCategoryOfAbuse", p.latest_category)
        _sub(cpp, "NumberOfPreviousCPP", p.previous)
        # One Reviews element for each review: the validator reads one date from each
        # (``Reviews[CPPreviewDate]``).
        for review in p.reviews:
            _sub(_sub(cpp, "Reviews"), "CPPreviewDate", review)


def census_document(census: Census, *, progress: Callable[[int], None] | None = None) -> bytes:
    message = ET.Element("Message")
    _header(message, census)
    children_el = _sub(message, "Children")
    for written, entry in enumerate(census.children, start=1):
        child_el = _sub(children_el, "Child")
        _identifiers(child_el, entry, census.end)
        for episode in entry.episodes:
            _details(child_el, episode)
        if progress is not None:
            progress(written)
    ET.indent(message)
    return ET.tostring(message, encoding="utf-8", xml_declaration=True)

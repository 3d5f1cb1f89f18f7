"""Ofsted's Annex A inspection lists (the inspection of local authority children's
services, ILACS): list 3 referrals, 4 assessments, 5 section 47 enquiries and initial
conferences, 6 children in need and 7 children on a child protection plan.

The headings, their order and the code labels ("a) Male", "t) NOBT", "a) Yes") are the
template's, as the public Annex A tools hold them: Social Finance's liia-tools
``liiatools/annex_a_pipeline/spec/Annex_A_schema.yml`` (commit a042cd5, the ``column_map``
of each list) and data-to-insight's SSD Annex A queries (the list descriptions quoted
beside each builder below, and the gender and ethnicity labels). Dates are dd/mm/yyyy.

Children are those the user's authority is responsible for, as the census counts them
(a child placed in the area by another authority is on that authority's lists). Each
list costs a fixed number of queries whatever the number of children. Lists 1 and 2
(contacts, early help) are not recorded in cpcase; list 8 (children in care) is out of
scope while looked after is a yes/no on the child.
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.utils import timezone

from conferences.models import Conference, ConferenceChild, Section47Enquiry
from cpcase import access, front_door, read_audit
from cpcase.audit import audit_record
from cpcase.csv_safe import csv_document
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import Assessment, AuditEvent, Child, ChildInNeedPlan, Referral, User
from plans.models import Plan
from plans.selectors import plans_all, plans_of_children
from visits.models import Visit

Cell = str | int | dt.date | None
LIST_NUMBERS = (3, 4, 5, 6, 7)

# --- The template's headings (liia-tools Annex_A_schema.yml, column_map) ---------------

_CHILD = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
]
_DISABILITY = "Does the Child have a Disability"
_ALLOCATED = ["Allocated Team", "Allocated Worker"]

HEADINGS: dict[int, list[str]] = {
    # column_map "List 3"
    3: [
        *_CHILD,
        "Date of referral",
        "Referral Source",
        "Referral NFA?",
        "Number of Referrals in Last 12 Months",
        *_ALLOCATED,
    ],
    # column_map "List 4"
    4: [
        *_CHILD,
        _DISABILITY,
        "Continuous Assessment Start Date",
        "Child Seen During Continuous Assessment",
        "Continuous Assessment Date of Authorisation",
        "Was the child assessed as requiring LA children's social care support?",
        *_ALLOCATED,
    ],
    # column_map "List 5"
    5: [
        *_CHILD,
        _DISABILITY,
        "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Was an Initial Child Protection Conference deemed unnecessary?",
        "Date of Initial Child Protection Conference",
        "Did the Initial Child Protection Conference Result in a Child Protection Plan",
        "Number of Section 47 Enquiries in the last 12 months",
        "Number of ICPCs in the last 12 months",
        *_ALLOCATED,
    ],
    # column_map "List 6"
    6: [
        *_CHILD,
        _DISABILITY,
        "CIN Start Date",
        "Primary Need Code",
        "Date Child Was Last Seen",
        "CIN Closure Date",
        "Reason for Closure",
        "Case Status",
        *_ALLOCATED,
    ],
    # column_map "List 7"
    7: [
        *_CHILD,
        _DISABILITY,
        "Child Protection Plan Start Date",
        "Initial Category of Abuse",
        "Latest Category of Abuse",
        "Date of the Last Statutory Visit",
        "Was the Child Seen Alone?",
        "Date of latest review conference",
        "Child Protection Plan End Date",
        "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six "
        "Months (Y/N)",
        "Number of Previous Child Protection Plans",
        *_ALLOCATED,
    ],
}

TITLES = {
    3: "List 3 Referrals",
    4: "List 4 Assessments",
    5: "List 5 S47 and ICPCs",
    6: "List 6 Children in need",
    7: "List 7 Child protection",
}

# --- The template's code labels -------------------------------------------------------

GENDER = {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded"}
_ETHNICITY_ORDER = [
    "WBRI",
    "WIRI",
    "WIRT",
    "WOTH",
    "WROM",
    "MWBC",
    "MWBA",
    "MWAS",
    "MOTH",
    "AIND",
    "APKN",
    "ABAN",
    "AOTH",
    "BCRB",
    "BAFR",
    "BOTH",
    "CHNE",
    "OOTH",
    "REFU",
    "NOBT",
]
ETHNICITY = {code: f"{chr(ord('a') + i)}) {code}" for i, code in enumerate(_ETHNICITY_ORDER)}
YES, NO, UNKNOWN = "a) Yes", "b) No", "c) Unknown"
REFERRAL_SOURCE = {
    "1A": "a) 1A: Individual",
    "1B": "b) 1B: Individual",
    "1C": "c) 1C: Individual",
    "1D": "d) 1D: Individual",
    "2A": "e) 2A: Schools",
    "2B": "f) 2B: Education services",
    "3A": "g) 3A: Health services",
    "3B": "h) 3B: Health services",
    "3C": "i) 3C: Health services",
    "3D": "j) 3D: Health services",
    "3E": "k) 3E: Health services",
    "3F": "l) 3F: Health services",
    "4": "m) 4: Housing",
    "5A": "n) 5A: LA services",
    "5B": "o) 5B: LA services",
    "5C": "p) 5C: LA services",
    "5D": "p1) 5D: LA services",
    "6": "q) 6: Police",
    "7": "r) 7: Other legal agency",
    "8": "s) 8: Other",
    "9": "t) 9: Anonymous",
    "10": "u) 10: Unknown",
}
PRIMARY_NEED = {
    "N1": "N1 - Abuse or neglect",
    "N2": "N2 - Child's disability",
    "N3": "N3 - Parental disability or illness",
    "N4": "N4 - Family in acute stress",
    "N5": "N5 - Family dysfunction",
    "N6": "N6 - Socially unacceptable behaviour",
    "N7": "N7 - Low income",
    "N8": "N8 - Absent parenting",
    "N9": "N9 - Cases other than children in need",
    "": "N0 - Not stated",
}
CLOSURE_REASON = {
    "RC1": "RC1 - Adopted",
    "RC2": "RC2 - Died",
    "RC3": "RC3 - Child arrangements order",
    "RC4": "RC4 - Special guardianship order",
    "RC5": "RC5 - Transferred to services of another local authority",
    "RC6": "RC6 - Transferred to adult social care services",
    "RC7": "RC7 - Services ceased for any other reason, including child no longer in need",
    "RC8": "RC8 - Case closed after assessment, no further action",
    "RC9": "RC9 - Case closed after assessment, referred to early help",
}
CASE_STATUS = {
    "looked_after": "a) Looked after child",
    "cp_plan": "b) Child Protection plan",
    "cin_plan": "c) Child in need plan",
    "assessment": "d) Open assessment",
    "closed": "e) Closed episode",
}
CATEGORY = {
    "NEG": "a) Neglect",
    "PHY": "b) Physical abuse",
    "SAB": "c) Sexual abuse",
    "EMO": "d) Emotional abuse",
    "MUL": "e) Multiple/not recommended",
}


def _yes_no(value: bool | None) -> str:
    return {True: YES, False: NO}.get(value, UNKNOWN)  # type: ignore[arg-type]


# --- Periods --------------------------------------------------------------------------


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (the month's last day if shorter)."""
    return day - relativedelta(months=months)


@dataclass(frozen=True)
class Period:
    """The six months before the inspection (``today``), and the twelve for counts."""

    today: dt.date

    @property
    def start(self) -> dt.date:
        return months_before(self.today, 6)


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


# --- The child's columns --------------------------------------------------------------


def _child_cells(child: Child, today: dt.date) -> list[Cell]:
    """Child Unique ID, Gender, Ethnicity, Date of Birth, Age of Child (Years). An unborn
    child has no date of birth; the age column says "Unborn" (the template's guidance)."""
    return [
        child.la_child_id or str(child.pk)[:20],
        GENDER.get(child.sex, GENDER["U"]),
        ETHNICITY.get(child.ethnicity, child.ethnicity) if child.ethnicity else ETHNICITY["NOBT"],
        child.date_of_birth,
        child.age_on(today) if child.date_of_birth else "Unborn",
    ]


def _allocated(child: Child, worker: User | None = None) -> list[Cell]:
    worker = child.lead_social_worker if child.lead_social_worker_id else worker
    return [child.team.name if child.team else "", worker.name if worker else ""]


_CHILD_RELATED = ("child__team", "child__lead_social_worker")


# --- The lists ------------------------------------------------------------------------


@dataclass
class AnnexList:
    number: int
    rows: list[list[Cell]]
    child_ids: set


def _list_3(authority_id: uuid.UUID, period: Period) -> AnnexList:
    """ "All referrals received in the six months before the inspection. Children may
    appear multiple times on this list if they have received multiple referrals.\""""
    referrals = list(
        Referral.objects.filter(
            authority_id=authority_id,
            child__responsible_authority_id=authority_id,
            received_on__range=(period.start, period.today),
        )
        .select_related(*_CHILD_RELATED)
        .order_by("received_on", "child__last_name", "child__first_name")
    )
    child_ids = {r.child_id for r in referrals}
    earlier: dict = defaultdict(list)
    for child_id, received in Referral.objects.filter(
        child_id__in=child_ids, received_on__gte=months_before(period.start, 12)
    ).values_list("child_id", "received_on"):
        earlier[child_id].append(received)
    rows = []
    for r in referrals:
        year_before = months_before(r.received_on, 12)
        count = sum(1 for d in earlier[r.child_id] if year_before <= d < r.received_on)
        rows.append(
            [
                *_child_cells(r.child, period.today),
                r.received_on,
                REFERRAL_SOURCE.get(r.source, r.source),
                YES if r.nfa else NO,
                count,
                *_allocated(r.child),
            ]
        )
    return AnnexList(3, rows, child_ids)


_SUPPORT_NEEDED: dict[str, str] = {
    Assessment.Outcome.CHILD_IN_NEED_PLAN: YES,
    Assessment.Outcome.STRATEGY_DISCUSSION: YES,
    Assessment.Outcome.EARLY_HELP: NO,
    Assessment.Outcome.NO_FURTHER_ACTION: NO,
}


def _seen_visits(child_ids: Iterable, since: dt.date) -> dict:
    """Each child's completed visits where the child was seen, oldest first."""
    seen: dict = defaultdict(list)
    for child_id, at, kind, alone in (
        Visit.objects.filter(
            child_id__in=child_ids,
            status=Visit.Status.COMPLETED,
            child_seen=True,
            visited_at__date__gte=since,
        )
        .order_by("visited_at")
        .values_list("child_id", "visited_at", "kind", "seen_alone")
    ):
        if at is not None:
            seen[child_id].append((_local_date(at), kind, alone))
    return seen


def _list_4(authority_id: uuid.UUID, period: Period) -> AnnexList:
    """ "Young people and children with assessments in the previous six months": started
    in the period, authorised in it, or still open."""
    assessments = list(
        Assessment.objects.filter(
            referral__authority_id=authority_id, child__responsible_authority_id=authority_id
        )
        .filter(
            Q(started_on__gte=period.start)
            | Q(authorised_on__gte=period.start)
            | Q(authorised_on__isnull=True)
        )
        .select_related(*_CHILD_RELATED)
        .order_by("started_on", "child__last_name", "child__first_name")
    )
    child_ids = {a.child_id for a in assessments}
    since = min((a.started_on for a in assessments), default=period.today)
    seen = _seen_visits(child_ids, since)
    rows = []
    for a in assessments:
        end = a.authorised_on or period.today
        was_seen = any(a.started_on <= d <= end for d, _, _ in seen[a.child_id])
        rows.append(
            [
                *_child_cells(a.child, period.today),
                _yes_no(a.child.has_disability),
                a.started_on,
                # A visit recorded here proves the child was seen; none proves nothing.
                YES if was_seen else UNKNOWN,
                a.authorised_on,
                _SUPPORT_NEEDED.get(a.outcome, "") if a.authorised_on else "",
                *_allocated(a.child),
            ]
        )
    return AnnexList(4, rows, child_ids)


def _initial_conferences(child_ids: Iterable) -> dict:
    """Each child's held initial (and pre-birth) conferences: date and decision."""
    held: dict = defaultdict(list)
    for child_id, on, decision in (
        ConferenceChild.objects.filter(
            child_id__in=child_ids,
            conference__kind__in=(Conference.Kind.INITIAL, Conference.Kind.PRE_BIRTH),
            conference__held_on__isnull=False,
        )
        .order_by("conference__held_on")
        .values_list("child_id", "conference__held_on", "decision")
    ):
        held[child_id].append((on, decision))
    return held


def _list_5(authority_id: uuid.UUID, period: Period) -> AnnexList:
    """ "All section 47 enquiries in the six months before the inspection. This includes
    open S47 enquiries yet to reach a decision where possible. Where a child has been the
    subject of multiple section 47 enquiries within the period, please provide one row for
    each enquiry.\""""
    enquiries = list(
        Section47Enquiry.objects.filter(
            referral__authority_id=authority_id,
            child__responsible_authority_id=authority_id,
            started_on__range=(period.start, period.today),
        )
        .select_related(*_CHILD_RELATED)
        .order_by("started_on", "child__last_name", "child__first_name")
    )
    child_ids = {e.child_id for e in enquiries}
    starts: dict = defaultdict(list)
    for child_id, started in (
        Section47Enquiry.objects.filter(
            child_id__in=child_ids, started_on__gte=months_before(period.start, 12)
        )
        .order_by("started_on")
        .values_list("child_id", "started_on")
    ):
        starts[child_id].append(started)
    icpcs = _initial_conferences(child_ids)
    rows = []
    for e in enquiries:
        year_before = months_before(e.started_on, 12)
        later = [s for s in starts[e.child_id] if s > e.started_on]
        # The enquiry's conference: the first initial conference from its start, before
        # the child's next enquiry.
        icpc = next(
            (
                (on, decision)
                for on, decision in icpcs[e.child_id]
                if on >= e.started_on and (not later or on < later[0])
            ),
            None,
        )
        plan_made = ""
        if icpc and icpc[1]:
            plan_made = YES if icpc[1] == ConferenceChild.Decision.PLAN else NO
        rows.append(
            [
                *_child_cells(e.child, period.today),
                _yes_no(e.child.has_disability),
                e.started_on,
                {True: NO, False: YES}.get(e.conference_required, ""),  # type: ignore[arg-type]
                icpc[0] if icpc else None,
                plan_made,
                sum(1 for s in starts[e.child_id] if year_before <= s < e.started_on),
                sum(1 for on, _ in icpcs[e.child_id] if year_before <= on < e.started_on),
                *_allocated(e.child),
            ]
        )
    return AnnexList(5, rows, child_ids)


def _list_6(authority_id: uuid.UUID, period: Period) -> AnnexList:
    """ "All those in receipt of services as a child in need at the point of inspection or
    in the six months before the inspection. This list does not include care leavers or
    children who are only the subject of a referral." One row per episode (a referral
    that went on to further action), open now or closed in the period."""
    episodes = list(
        Referral.objects.filter(
            authority_id=authority_id,
            child__responsible_authority_id=authority_id,
            nfa=False,
        )
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period.start))
        .select_related(*_CHILD_RELATED)
        .order_by("received_on", "child__last_name", "child__first_name")
    )
    child_ids = {r.child_id for r in episodes}
    episode_ids = [r.pk for r in episodes]
    since = min((r.received_on for r in episodes), default=period.today)
    seen = _seen_visits(child_ids, since)
    open_cp = set(
        plans_of_children(child_ids)
        .filter(status=Plan.Status.ACTIVE)
        .values_list("child_id", flat=True)
    )
    open_cin = set(
        ChildInNeedPlan.objects.filter(
            referral_id__in=episode_ids, ended_on__isnull=True
        ).values_list("referral_id", flat=True)
    )
    rows = []
    for r in episodes:
        end = r.closed_on or period.today
        last_seen = max(
            (d for d, _, _ in seen[r.child_id] if r.received_on <= d <= end), default=None
        )
        status = _case_status(r, open_cp, open_cin)
        rows.append(
            [
                *_child_cells(r.child, period.today),
                _yes_no(r.child.has_disability),
                r.received_on,
                PRIMARY_NEED.get(r.primary_need, r.primary_need),
                last_seen,
                r.closed_on,
                CLOSURE_REASON.get(r.closure_reason, r.closure_reason),
                CASE_STATUS[status],
                *_allocated(r.child),
            ]
        )
    return AnnexList(6, rows, child_ids)


def _case_status(episode: Referral, open_cp: set[Any], open_cin: set[Any]) -> str:
    """The episode's case status (a key of ``CASE_STATUS``)."""
    if episode.closed_on:
        return "closed"
    if episode.child.looked_after:
        return "looked_after"
    if episode.child_id in open_cp:
        return "cp_plan"
    if episode.pk in open_cin:
        return "cin_plan"
    # An open assessment or enquiry, or one about to start (an open episode with
    # nothing else open is waiting for its assessment).
    return "assessment"


def _list_7(authority_id: uuid.UUID, period: Period) -> AnnexList:
    """ "All those who are the subject of a child protection plan at the point of
    inspection. Include those who ceased to be the subject of a child protection plan in
    the six months before the inspection." One row per plan; its last statutory visit and
    latest review are that plan's (held between its start and its end)."""
    plans = list(
        plans_all()
        .filter(child__responsible_authority_id=authority_id)
        .filter(Q(status=Plan.Status.ACTIVE) | Q(ended_on__gte=period.start))
        .select_related(*_CHILD_RELATED, "lead_social_worker")
        .order_by("child__last_name", "child__first_name", "started_on")
    )
    child_ids = {p.child_id for p in plans}
    starts: dict = defaultdict(list)
    for child_id, started in plans_of_children(child_ids).values_list("child_id", "started_on"):
        starts[child_id].append(started)
    since = min((p.started_on for p in plans), default=period.today)
    seen = _seen_visits(child_ids, since)
    # "In the last six months": an order or police protection in force at any time since.
    protected = front_door.children_protected_since(child_ids, period.start)
    reviews: dict = defaultdict(list)
    for child_id, review_on in (
        ConferenceChild.objects.filter(
            child_id__in=child_ids,
            conference__kind=Conference.Kind.REVIEW,
            conference__held_on__gte=since,
        )
        .order_by("conference__held_on")
        .values_list("child_id", "conference__held_on")
    ):
        reviews[child_id].append(review_on)
    rows = []
    for p in plans:
        end = p.ended_on or period.today
        visits = [
            (d, alone)
            for d, kind, alone in seen[p.child_id]
            if kind == Visit.Kind.STATUTORY and p.started_on <= d <= end
        ]
        last_visit = visits[-1] if visits else None
        held = [d for d in reviews[p.child_id] if p.started_on < d <= end]
        rows.append(
            [
                *_child_cells(p.child, period.today),
                _yes_no(p.child.has_disability),
                p.started_on,
                CATEGORY.get(p.initial_category, p.initial_category),
                CATEGORY.get(p.latest_category, p.latest_category),
                last_visit[0] if last_visit else None,
                (YES if last_visit[1] else NO) if last_visit else "",
                held[-1] if held else None,
                p.ended_on,
                YES if p.child_id in protected else NO,
                bisect.bisect_left(sorted(starts[p.child_id]), p.started_on),
                *_allocated(p.child, p.lead_social_worker),
            ]
        )
    return AnnexList(7, rows, child_ids)


BUILDERS: dict[int, Callable[[uuid.UUID, Period], AnnexList]] = {
    3: _list_3,
    4: _list_4,
    5: _list_5,
    6: _list_6,
    7: _list_7,
}


# --- Production -----------------------------------------------------------------------


def _require_unit_manager(user: User) -> None:
    if not access.may_export_returns(user):
        raise NotPermitted("Only the safeguarding unit manager produces the returns.")


def _authority_id(user: User) -> uuid.UUID:
    if user.authority_id is None:
        raise NotPermitted("The returns are produced for an authority.")
    return user.authority_id


def _list_number(value: object) -> int:
    if value not in LIST_NUMBERS:
        raise DomainError(errors={"list": ["Choose list 3, 4, 5, 6 or 7."]})
    return int(value)  # type: ignore[call-overload]


def _audit(user: User, lists: Sequence[AnnexList], summary: str) -> None:
    children: set = set().union(*(annex.child_ids for annex in lists))
    read_audit.record_children(
        user=user, children=children, summary="In the Annex A lists", export=True
    )
    audit_record(
        actor=user,
        action=AuditEvent.Action.EXPORT,
        summary=summary,
        changes={f"list_{annex.number}": len(annex.rows) for annex in lists},
    )


def _csv_value(value: Cell) -> object:
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return "" if value is None else value


def annex_a_list_csv(*, user: User, list_number: int, today: dt.date | None = None) -> str:
    """One Annex A list as CSV, dates dd/mm/yyyy, every cell through csv_safe."""
    _require_unit_manager(user)
    number = _list_number(list_number)
    period = Period(today or timezone.localdate())
    annex = BUILDERS[number](_authority_id(user), period)
    _audit(user, [annex], f"Produced Annex A list {number} ({TITLES[number]})")
    return csv_document(
        HEADINGS[number], ([_csv_value(cell) for cell in row] for row in annex.rows)
    )


def annex_a_workbook(
    *,
    user: User,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """Lists 3 to 7 in one workbook: one sheet each, headings bold and frozen, dates as
    date cells shown dd/mm/yyyy, text always written as text (never a formula).
    ``progress(done, total)`` is called after each list."""
    _require_unit_manager(user)
    period = Period(today or timezone.localdate())
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = book.add_format({"bold": True})
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    lists = []
    for done, number in enumerate(LIST_NUMBERS, start=1):
        annex = BUILDERS[number](_authority_id(user), period)
        lists.append(annex)
        sheet = book.add_worksheet(TITLES[number])
        for col, heading in enumerate(HEADINGS[number]):
            sheet.write_string(0, col, heading, bold)
            sheet.set_column(col, col, max(12, min(len(heading), 40)))
        sheet.freeze_panes(1, 0)
        for r, row in enumerate(annex.rows, start=1):
            for col, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, col, value, date)
                elif isinstance(value, int):
                    sheet.write_number(r, col, value)
                else:
                    sheet.write_string(r, col, str(value))
        if progress:
            progress(done, len(LIST_NUMBERS))
    book.close()
    _audit(user, lists, "Produced the Annex A lists 3 to 7 (workbook)")
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

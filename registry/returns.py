"""The statutory returns: the Children in Need census (child protection items) and
Ofsted's Annex A list of children on a plan. Produced by the safeguarding unit manager,
each production audited."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from xml.etree import ElementTree as ET

from django.db.models import Q
from django.utils import timezone

from conferences.models import Conference, ConferenceChild, StrategyDiscussion
from cpcase import access, read_audit
from cpcase.audit import audit_record
from cpcase.csv_safe import csv_document
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import AuditEvent, Child, User
from plans.models import Plan
from visits.models import Visit


def _require_unit_manager(user: User) -> None:
    if not access.may_export_returns(user):
        raise NotPermitted("Only the safeguarding unit manager produces the returns.")


def census_period(year: int) -> tuple[dt.date, dt.date]:
    """The census year ending 31 March ``year``."""
    if not 2000 <= year <= 2100:
        raise DomainError(errors={"year": ["Give the year the census ends in, like 2026."]})
    return dt.date(year - 1, 4, 1), dt.date(year, 3, 31)


def _sub(parent: ET.Element, tag: str, value=None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if value is not None:
        element.text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return element


def cin_census_xml(*, user: User, year: int) -> bytes:
    """The child protection items of the CIN census for the authority's children."""
    _require_unit_manager(user)
    start, end = census_period(year)
    authority = user.authority
    children_qs = Child.objects.filter(responsible_authority=authority)
    enquiries = defaultdict(list)
    for d in StrategyDiscussion.objects.filter(
        child__in=children_qs, outcome="s47_enquiry", held_on__range=(start, end)
    ).order_by("held_on"):
        enquiries[d.child_id].append(d)
    plans = defaultdict(list)
    for p in Plan.objects.filter(child__in=children_qs).order_by("started_on"):
        plans[p.child_id].append(p)
    icpcs = defaultdict(list)
    reviews = defaultdict(list)
    for cc in ConferenceChild.objects.filter(
        child__in=children_qs, conference__held_on__isnull=False
    ).select_related("conference"):
        if cc.conference.kind in (Conference.Kind.INITIAL, Conference.Kind.PRE_BIRTH):
            icpcs[cc.child_id].append(cc.conference.held_on)
        elif cc.conference.kind == Conference.Kind.REVIEW:
            reviews[cc.child_id].append(cc.conference.held_on)

    def in_period(plan: Plan) -> bool:
        return plan.started_on <= end and (plan.ended_on is None or plan.ended_on >= start)

    wanted = set(enquiries) | {cid for cid, ps in plans.items() if any(in_period(p) for p in ps)}
    from cpcase.timescales import load_authority_timescales

    timescales = load_authority_timescales([authority.pk])[authority.pk]
    message = ET.Element("Message")
    header = _sub(message, "Header")
    collection = _sub(header, "CollectionDetails")
    _sub(collection, "Collection", "CIN")
    _sub(collection, "Year", year)
    _sub(collection, "ReferenceDate", end)
    source = _sub(header, "Source")
    _sub(source, "SourceLevel", "L")
    _sub(source, "LEA", authority.code)
    _sub(source, "SoftwareCode", "cpcase")
    _sub(source, "Release", "1")
    _sub(source, "SerialNo", "1")
    _sub(source, "DateTime", timezone.now().replace(microsecond=0))
    children_el = _sub(message, "Children")
    for child in children_qs.filter(pk__in=wanted).order_by("la_child_id", "last_name"):
        child_el = _sub(children_el, "Child")
        ids = _sub(child_el, "ChildIdentifiers")
        _sub(ids, "LAchildID", child.la_child_id or str(child.pk)[:20])
        if child.date_of_birth:
            _sub(ids, "PersonBirthDate", child.date_of_birth)
        else:
            _sub(ids, "ExpectedPersonBirthDate", child.expected_date_of_delivery)
        _sub(ids, "GenderCurrent", {"M": 1, "F": 2}.get(child.sex, 0))
        if child.date_of_death:
            _sub(ids, "PersonDeathDate", child.date_of_death)
        characteristics = _sub(child_el, "ChildCharacteristics")
        _sub(characteristics, "Ethnicity", child.ethnicity or "NOBT")
        details = _sub(child_el, "CINdetails")
        for discussion in enquiries.get(child.pk, []):
            s47 = _sub(details, "Section47")
            _sub(s47, "S47ActualStartDate", discussion.held_on)
            target = timescales.due("icpc", discussion.held_on)
            if target:
                _sub(s47, "InitialCPCtarget", target[0])
            held = [d for d in icpcs.get(child.pk, []) if d >= discussion.held_on]
            if held:
                _sub(s47, "DateOfInitialCPC", min(held))
            _sub(s47, "ICPCnotRequired", "false")
        for i, plan in enumerate(plans.get(child.pk, [])):
            if not in_period(plan):
                continue
            cpp = _sub(details, "ChildProtectionPlans")
            _sub(cpp, "CPPstartDate", plan.started_on)
            if plan.ended_on and plan.ended_on <= end:
                _sub(cpp, "CPPendDate", plan.ended_on)
            _sub(cpp, "InitialCategoryOfAbuse", plan.initial_category)
            _sub(cpp, "LatestCategoryOfAbuse", plan.latest_category)
            _sub(cpp, "NumberOfPreviousCPP", i)
            held_reviews = [
                r
                for r in reviews.get(child.pk, [])
                if plan.started_on < r <= (plan.ended_on or end) and start <= r <= end
            ]
            if held_reviews:
                reviews_el = _sub(cpp, "Reviews")
                for r in sorted(held_reviews):
                    _sub(reviews_el, "CPPreviewDate", r)
    read_audit.record_children(
        user=user, children=wanted, summary="In the CIN census return", export=True
    )
    audit_record(
        actor=user,
        action=AuditEvent.Action.EXPORT,
        summary=f"Produced the CIN census (child protection items) for the year ending {end:%d %B %Y}",
        changes={"year": year, "children": len(wanted)},
    )
    ET.indent(message)
    return ET.tostring(message, encoding="utf-8", xml_declaration=True)


ANNEX_A_COLUMNS = [
    "Child ID",
    "Sex",
    "Ethnicity",
    "Date of birth",
    "Age",
    "Disability",
    "Plan start date",
    "Initial category",
    "Latest category",
    "Date of last statutory visit",
    "Seen alone at last visit",
    "Date of latest review conference",
    "Plan end date",
    "Emergency protection order in the last six months",
    "Number of previous plans",
    "Allocated team",
    "Allocated worker",
]


def annex_a_csv(*, user: User, today: dt.date | None = None) -> str:
    """Children on a plan now, or whose plan ended in the last six months."""
    _require_unit_manager(user)
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=183)
    plans = (
        Plan.objects.filter(child__resident_authority=user.authority_id)
        .filter(Q(status=Plan.Status.ACTIVE) | Q(ended_on__gte=since))
        .select_related("child__team", "child__lead_social_worker")
        .order_by("child__last_name", "child__first_name")
    )
    plan_list = list(plans)
    child_ids = [p.child_id for p in plan_list]
    all_plans = defaultdict(list)
    for child_id, started in Plan.objects.filter(child_id__in=child_ids).values_list(
        "child_id", "started_on"
    ):
        all_plans[child_id].append(started)
    last_visit = {}
    for v in (
        Visit.objects.filter(
            child_id__in=child_ids, status="completed", kind="statutory", child_seen=True
        )
        .order_by("child_id", "-visited_at")
        .distinct("child_id")
    ):
        last_visit[v.child_id] = v
    last_review = {}
    for child_id, held in (
        ConferenceChild.objects.filter(
            child_id__in=child_ids, conference__kind="review", conference__held_on__isnull=False
        )
        .order_by("child_id", "-conference__held_on")
        .distinct("child_id")
        .values_list("child_id", "conference__held_on")
    ):
        last_review[child_id] = held
    rows = []
    for plan in plan_list:
        child = plan.child
        visit = last_visit.get(child.pk)
        rows.append(
            [
                child.la_child_id or str(child.pk)[:20],
                child.get_sex_display(),
                child.ethnicity,
                child.date_of_birth.isoformat() if child.date_of_birth else "Unborn",
                child.age_on(today) if child.date_of_birth else "",
                {True: "Yes", False: "No"}.get(child.has_disability, "Not recorded"),
                plan.started_on.isoformat(),
                plan.initial_category,
                plan.latest_category,
                visit.visited_at.date().isoformat() if visit else "",
                ("Yes" if visit.seen_alone else "No") if visit else "",
                last_review[child.pk].isoformat() if child.pk in last_review else "",
                plan.ended_on.isoformat() if plan.ended_on else "",
                "Not recorded",
                sum(1 for s in all_plans[child.pk] if s < plan.started_on),
                child.team.name if child.team_id else "",
                child.lead_social_worker.name if child.lead_social_worker_id else "",
            ]
        )
    read_audit.record_children(
        user=user, children=child_ids, summary="In the Annex A list", export=True
    )
    audit_record(
        actor=user,
        action=AuditEvent.Action.EXPORT,
        summary="Produced the Annex A list of children on a plan",
        changes={"rows": len(plan_list)},
    )
    return csv_document(ANNEX_A_COLUMNS, rows)

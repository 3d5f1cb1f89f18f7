"""The statutory returns: the Children in Need census (child protection items) and
Ofsted's Annex A list of children on a plan. Produced by the safeguarding unit manager,
each production audited."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from xml.etree import ElementTree as ET

from django.utils import timezone

from conferences.models import Conference, ConferenceChild, StrategyDiscussion
from cpcase import access, read_audit
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import AuditEvent, Child, User
from plans.models import Plan


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


def annex_a_csv(*, user: User, today: dt.date | None = None) -> str:
    """Annex A list 7 (children on a plan), as the first Annex A endpoint gave it; the
    lists themselves are in registry.annex_a."""
    from registry.annex_a import annex_a_list_csv

    return annex_a_list_csv(user=user, list_number=7, today=today)

"""The statutory returns: the Children in Need census (``registry.census``) and
Ofsted's Annex A list of children on a plan. Produced by the safeguarding unit manager,
each production audited."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from django.db.models import Q
from django.utils import timezone

from conferences.models import ConferenceChild
from cpcase import access, read_audit
from cpcase.audit import audit_record
from cpcase.csv_safe import csv_document
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import AuditEvent, User
from plans.models import Plan
from registry.census import census_document, census_records
from visits.models import Visit


def _require_unit_manager(user: User) -> None:
    if not access.may_export_returns(user):
        raise NotPermitted("Only the safeguarding unit manager produces the returns.")


def census_period(year: int) -> tuple[dt.date, dt.date]:
    """The census year ending 31 March ``year``."""
    if not 2000 <= year <= 2100:
        raise DomainError(errors={"year": ["Give the year the census ends in, like 2026."]})
    return dt.date(year - 1, 4, 1), dt.date(year, 3, 31)


def cin_census_xml(
    *, user: User, year: int, progress: Callable[[int], None] | None = None
) -> bytes:
    """The Children in Need census for the year ending 31 March ``year``: every child the
    authority is responsible for with an episode open in the year or an NFA referral
    received in it (``registry.census``). ``progress`` is told how many children are
    written so far."""
    _require_unit_manager(user)
    start, end = census_period(year)
    if user.authority is None:
        raise NotPermitted("The census is produced for the authority you work for.")
    census = census_records(authority=user.authority, year=year, start=start, end=end)
    document = census_document(census, progress=progress)
    read_audit.record_children(
        user=user,
        children=[entry.child.pk for entry in census.children],
        summary="In the CIN census return",
        export=True,
    )
    audit_record(
        actor=user,
        action=AuditEvent.Action.EXPORT,
        summary=f"Produced the CIN census for the year ending {end:%d %B %Y}",
        changes={
            "year": year,
            "children": len(census.children),
            "episodes": sum(len(entry.episodes) for entry in census.children),
            "children_on_a_plan_without_an_episode": census.without_episode,
        },
    )
    return document


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

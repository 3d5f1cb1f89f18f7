"""The measures' deadlines, stored (:class:`registry.models.TimescaleFact`): each deadline
an authority's measures count, with its due date, the day it was met and the day its plan
ends, so that a measure over any period reads an index range.

Each builder below gives, for the records of one authority (of some children, or of all
its children), one row per deadline, computed by the database from the authority's
timescale profile and working days (:mod:`cpcase.working_days_sql`); :func:`_insert`
stores them in one ``INSERT ... SELECT``. Nothing is computed in Python, and nothing here
depends on today's date: a row changes only when a record changes, or the authority's
profile or working days.

Kept current by :func:`refresh`, which :mod:`cpcase.running_deadlines` calls for the
children whose running deadlines the services refresh (every change to a record a
deadline depends on, and to the child's team), in the service's own transaction; and by
:func:`rebuild`, for an authority whose timescales or working days changed, or after a
bulk load (``manage.py refresh_deadlines``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Lead, TruncDate
from django.utils import timezone

from conferences.models import Conference, ConferenceChild, StrategyDiscussion
from cpcase.access import own_records_q
from cpcase.models import Authority, Child
from cpcase.timescales import AuthorityTimescales, Rule, load_authority_timescales
from cpcase.working_days_sql import due_on, working_days
from plans.models import CoreGroupMeeting, Plan
from registry.models import TimescaleFact
from visits.models import Visit

HELD = (Conference.Status.HELD, Conference.Status.FINALISED)
OPENING_KINDS = (Conference.Kind.INITIAL, Conference.Kind.PRE_BIRTH)
Measure = TimescaleFact.Measure
# A due date is computed for a start within the working days sent to the database: from
# the earliest record to the latest plus the longest timescale a profile may hold (500
# working days, 24 months).
SPAN_AFTER = dt.timedelta(days=3 * 366)


def statutory_visit_q() -> Q:
    return Q(status=Visit.Status.COMPLETED, kind=Visit.Kind.STATUTORY, child_seen=True)


@dataclass(frozen=True)
class FactContext:
    """One authority's rules and working days, and the children whose records are built
    (None: all the authority's records)."""

    authority_id: Any
    timescales: AuthorityTimescales
    days: list[dt.date]
    children: list[Any] | None

    def rule(self, kind: str) -> Rule | None:
        return self.timescales.rules.get(kind)

    def due(self, start: Any, rule: Rule) -> Any:
        return due_on(start, rule.value, unit=rule.unit, days=self.days)

    def records_q(self, *, child: str = "child", authority: str = "authority") -> Q:
        """The authority's own records, of the chosen children: in the caller's one
        ``filter()`` call, so that every condition on a joined plan is on the same plan."""
        found = own_records_q(self.authority_id, child=child, authority=authority)
        if self.children is not None:
            found &= Q(**{f"{child}_id__in": self.children})
        return found


@dataclass(frozen=True)
class Rows:
    """One row per deadline: ``due``, ``met`` and ``ended`` (the day the plan ends; None,
    not in a plan) as expressions over ``queryset``. ``counted``: which of the due date or
    the day met is compared with a measure's period. ``anchor``: which rows are deadlines
    (the others are there for a window to see). ``extra``: a visit's own columns."""

    measure: str
    queryset: QuerySet[Any]
    due: Any
    met: Any
    ended: Any = None
    counted: str = "due"
    anchor: Q | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def plan_ends() -> Any:
    """The day the plan ends: the latest date while it is open."""
    return Coalesce("ended_on", Value(dt.date.max), output_field=DateField())


def initial_conferences(f: FactContext) -> list[Rows]:
    """Each initial (or pre-birth) conference held after a strategy discussion that started
    an enquiry: due the icpc timescale after the latest such discussion before it."""
    rule = f.rule("icpc")
    if rule is None:
        return []
    discussion_on = Subquery(
        StrategyDiscussion.objects.filter(
            child_id=OuterRef("child_id"),
            outcome=StrategyDiscussion.Outcome.S47_ENQUIRY,
            held_on__lte=OuterRef("conference__held_on"),
        )
        .exclude(section47_enquiry__conference_required=False)
        .order_by("-held_on")
        .values("held_on")[:1]
    )
    subjects = ConferenceChild.objects.filter(
        f.records_q(authority="conference__authority"),
        conference__kind__in=OPENING_KINDS,
        conference__status__in=HELD,
    )
    return [
        Rows(
            Measure.INITIAL_CONFERENCE,
            subjects,
            due=f.due(discussion_on, rule),
            met=F("conference__held_on"),
            counted="met",
        )
    ]


def _first_core_group_on() -> Subquery:
    return Subquery(
        CoreGroupMeeting.objects.filter(plan_id=OuterRef("pk"))
        .order_by("held_on")
        .values("held_on")[:1]
    )


def first_core_groups(f: FactContext) -> list[Rows]:
    """Each plan's first core group: due the timescale after the plan's start."""
    rule = f.rule("first_core_group")
    if rule is None:
        return []
    plans = Plan.objects.filter(f.records_q())
    return [
        Rows(
            Measure.FIRST_CORE_GROUP,
            plans,
            due=f.due(F("started_on"), rule),
            met=_first_core_group_on(),
            ended=plan_ends(),
        )
    ]


def plans_authorised(f: FactContext) -> list[Rows]:
    """Each detailed plan's authorisation: due the timescale after the first core group."""
    rule = f.rule("plan_authorisation")
    if rule is None:
        return []
    plans = Plan.objects.filter(f.records_q()).annotate(first_on=_first_core_group_on())
    return [
        Rows(
            Measure.PLAN_AUTHORISATION,
            plans,
            due=f.due(F("first_on"), rule),
            met=F("authorised_on"),
            ended=plan_ends(),
        )
    ]


def reviews(f: FactContext) -> list[Rows]:
    """Each conference that started or continued a plan sets the next review: on the date
    it set, else the profile's first review (pre-birth review) or later review interval.
    Met by the next conference held for the child during a plan (a review, or the one that
    ended the plan): the next row of the child's conferences, in time."""
    rules = {
        Conference.Kind.INITIAL: f.rule("first_review_conference"),
        Conference.Kind.PRE_BIRTH: f.rule("pre_birth_review") or f.rule("first_review_conference"),
        Conference.Kind.REVIEW: f.rule("review_conference"),
    }
    if rules[Conference.Kind.INITIAL] is None or rules[Conference.Kind.REVIEW] is None:
        return []
    due = Coalesce(
        "next_review_on",
        Case(
            *(
                When(conference__kind=kind, then=f.due(F("conference__held_on"), rule))
                for kind, rule in rules.items()
                if rule is not None
            ),
            output_field=DateField(),
        ),
    )
    next_held = Window(
        Lead("conference__held_on"),
        partition_by=[F("child_id")],
        order_by=[F("conference__held_on").asc(), F("conference_id").asc()],
    )
    # Every conference held during a plan, each with the plan it was held during (in the
    # same filter call: one join).
    during_plans = ConferenceChild.objects.filter(
        f.records_q(authority="conference__authority"),
        Q(child__plans__ended_on__isnull=True)
        | Q(child__plans__ended_on__gte=F("conference__held_on")),
        child__plans__started_on__lte=F("conference__held_on"),
        conference__status__in=HELD,
        conference__kind__in=list(rules),
    ).annotate(
        plan_ends=Coalesce(
            F("child__plans__ended_on"), Value(dt.date.max), output_field=DateField()
        )
    )
    return [
        Rows(
            Measure.REVIEW,
            during_plans,
            due=due,
            met=next_held,
            ended=F("plan_ends"),
            anchor=Q(
                decision__in=[ConferenceChild.Decision.PLAN, ConferenceChild.Decision.CONTINUE]
            ),
        )
    ]


def _interval(rule: Rule | None, plan: str = "") -> dict[str, Any]:
    """The visit interval of each row's plan: the conference's, else the profile's (none
    without a profile's timescale: no due date)."""
    own = Q(**{f"{plan}visit_interval_value__isnull": False}) & ~Q(
        **{f"{plan}visit_interval_unit": ""}
    )
    return {
        "interval_value": Case(
            When(own, then=F(f"{plan}visit_interval_value")),
            default=Value(rule.value if rule else None),
            output_field=IntegerField(),
        ),
        "interval_unit": Case(
            When(own, then=F(f"{plan}visit_interval_unit")),
            default=Value(rule.unit if rule else ""),
            output_field=CharField(),
        ),
    }


def statutory_visits(f: FactContext) -> list[Rows]:
    """The deadline engine's visit deadlines: one from the plan's start (met by the first
    statutory visit on or after it) and one from each statutory visit during a plan (met
    by the next one), in the plan's own interval or the profile's. The visits' rows are
    kept without a profile's timescale too: they answer "seen alone at the last visit"."""
    rule = f.rule("statutory_visit")
    visit_day = TruncDate("visited_at")
    # One filter call, so that every condition on the plan is on the same plan: the one
    # the visit was made during.
    visits = (
        Visit.objects.filter(
            statutory_visit_q(),
            f.records_q(authority="child__plans__authority"),
            Q(child__plans__ended_on__isnull=True) | Q(child__plans__ended_on__gte=visit_day),
            child__plans__started_on__lte=visit_day,
        )
        .annotate(
            plan_ends=Coalesce(
                F("child__plans__ended_on"), Value(dt.date.max), output_field=DateField()
            ),
            plan_visit_interval_value=F("child__plans__visit_interval_value"),
            plan_visit_interval_unit=F("child__plans__visit_interval_unit"),
        )
        .annotate(**_interval(rule, plan="plan_"))
    )
    found = [
        Rows(
            Measure.VISIT_FROM_VISIT,
            visits,
            due=due_on(visit_day, F("interval_value"), unit_field="interval_unit", days=f.days),
            met=Window(
                Lead(visit_day),
                partition_by=[F("child_id")],
                order_by=[F("visited_at").asc(), F("id").asc()],
            ),
            ended=F("plan_ends"),
            extra={"anchor_on": visit_day, "flag": F("seen_alone")},
        )
    ]
    if rule is not None:
        found.append(_visits_from_plan_starts(f, rule))
    return found


def _visits_from_plan_starts(f: FactContext, rule: Rule) -> Rows:
    first_visit = Subquery(
        Visit.objects.filter(statutory_visit_q(), child_id=OuterRef("child_id"))
        .annotate(day=TruncDate("visited_at"))
        .filter(day__gte=OuterRef("started_on"))
        .order_by("visited_at")
        .values("day")[:1]
    )
    plans = Plan.objects.filter(f.records_q()).annotate(**_interval(rule))
    return Rows(
        Measure.VISIT_FROM_PLAN_START,
        plans,
        due=due_on(F("started_on"), F("interval_value"), unit_field="interval_unit", days=f.days),
        met=first_visit,
        ended=plan_ends(),
    )


def plan_starts_and_ends(f: FactContext) -> list[Rows]:
    """Each plan's start, with whether the child had a plan before (at any time, in any
    authority), and each plan's end, with whether it lasted two years or more (ended on
    or after the second anniversary of its start): the DfE's statistics' measures."""
    plans = Plan.objects.filter(f.records_q())
    earlier = Exists(
        Plan.objects.filter(child_id=OuterRef("child_id"), started_on__lt=OuterRef("started_on"))
    )
    two_years_on = Func(
        F("started_on"),
        template="(%(expressions)s + make_interval(years => 2))::date",
        output_field=DateField(),
    )
    nothing = Cast(Value(None), DateField())
    return [
        Rows(Measure.PLAN_START, plans, due=F("started_on"), met=nothing, extra={"flag": earlier}),
        Rows(
            Measure.PLAN_END,
            plans.filter(ended_on__isnull=False).annotate(two_years_on=two_years_on),
            due=F("ended_on"),
            met=nothing,
            extra={
                "flag": ExpressionWrapper(
                    Q(ended_on__gte=F("two_years_on")), output_field=BooleanField()
                )
            },
        ),
    ]


BUILDERS: tuple[Callable[[FactContext], list[Rows]], ...] = (
    initial_conferences,
    first_core_groups,
    plans_authorised,
    reviews,
    statutory_visits,
    plan_starts_and_ends,
)
FACTS = TimescaleFact._meta.db_table
# Where the repair rewrites some children's rows to compare them with the stored ones.
REWRITE = "measure_facts_rewrite"
COLUMNS = (
    "child_id",
    "authority_id",
    "team_id",
    "measure",
    "counted_on",
    "due_on",
    "met_on",
    "ends_on",
    "anchor_on",
    "superseded_on",
    "flag",
)


def _insert(f: FactContext, rows: Rows, table: str) -> int:
    """Store ``rows`` in one ``INSERT ... SELECT``. Each row's dates are computed once, in
    a subquery the planner may not flatten (``OFFSET 0``), and chosen outside it. A row
    with no due date is no deadline (kept for a visit: "seen alone" reads it)."""
    flags: dict[str, Any] = {}
    if rows.anchor is not None:
        flags["f_anchor"] = ExpressionWrapper(rows.anchor, output_field=BooleanField())
    visit = rows.measure == Measure.VISIT_FROM_VISIT
    values = rows.queryset.order_by().values(
        f_child=F("child_id"),
        f_team=F("child__team_id"),
        f_due=rows.due,
        f_met=rows.met,
        f_ended=rows.ended if rows.ended is not None else Cast(Value(None), DateField()),
        f_anchor_on=rows.extra.get("anchor_on", Cast(Value(None), DateField())),
        f_flag=rows.extra.get("flag", Cast(Value(None), BooleanField())),
        **flags,
    )
    sql, params = values.query.sql_with_params()
    kept = ["d.f_due IS NOT NULL"] if not visit else []
    if rows.anchor is not None:
        kept.append("d.f_anchor")
    superseded = "COALESCE(d.f_met, %s::date)" if visit else "NULL::date"
    # Django's own SQL of the queryset, and fixed text: every value is a parameter.
    query = (
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) "  # noqa: S608
        f"SELECT d.f_child, %s, d.f_team, %s, d.f_{rows.counted}, d.f_due, d.f_met, "
        f"d.f_ended, d.f_anchor_on, {superseded}, d.f_flag "
        f"FROM ({sql} OFFSET 0) AS d WHERE {' AND '.join(kept) or 'TRUE'}"
    )
    head = [f.authority_id, str(rows.measure)] + ([dt.date.max] if visit else [])
    with connection.cursor() as cursor:
        cursor.execute(query, [*head, *params])
        return int(cursor.rowcount)


def _span(children: list[Any] | None) -> tuple[dt.date, dt.date] | None:
    """From before the earliest day a deadline can count from, to past the latest due
    date: the records' dates (the children's, or everyone's), in one query."""
    parts, params = [], []
    for model, day in (
        (Plan, "started_on"),
        (StrategyDiscussion, "held_on"),
        (Visit, "visited_at::date"),
    ):
        where = "WHERE child_id = ANY(%s)" if children is not None else ""
        table = model._meta.db_table
        parts.append(f"SELECT min({day}) AS a, max({day}) AS b FROM {table} {where}")  # noqa: S608
        params += [children] if children is not None else []
    subjects, conferences = ConferenceChild._meta.db_table, Conference._meta.db_table
    where = "WHERE s.child_id = ANY(%s)" if children is not None else ""
    parts.append(
        f"SELECT min(c.held_on), max(c.held_on) FROM {subjects} s "  # noqa: S608
        f"JOIN {conferences} c ON c.id = s.conference_id {where}"
    )
    params += [children] if children is not None else []
    # Fixed text and the models' own table names: every value is a parameter.
    query = f"SELECT min(a), max(b) FROM ({' UNION ALL '.join(parts)}) AS spans"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        first, last = cursor.fetchone()
    if first is None:
        return None
    return first - dt.timedelta(days=7), max(last, timezone.localdate()) + SPAN_AFTER


def _build(authority_id: Any, children: list[Any] | None, table: str = FACTS) -> int:
    span = _span(children)
    if span is None:
        return 0
    timescales = load_authority_timescales([authority_id])[authority_id]
    f = FactContext(
        authority_id=authority_id,
        timescales=timescales,
        days=working_days(timescales.calendar, *span),
        children=children,
    )
    return sum(_insert(f, rows, table) for build in BUILDERS for rows in build(f))


def _authorities_of(children: list[Any]) -> list[Any]:
    """Every authority whose records of these children a measure may count: the plans'
    and conferences' own, and the responsible authority (for records made before records
    carried their authority)."""
    return list(
        Authority.objects.filter(
            Q(pk__in=Plan.objects.filter(child_id__in=children).values("authority_id"))
            | Q(
                pk__in=ConferenceChild.objects.filter(child_id__in=children).values(
                    "conference__authority_id"
                )
            )
            | Q(pk__in=Child.objects.filter(pk__in=children).values("responsible_authority_id"))
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def refresh(children: Iterable[Any]) -> int:
    """Rewrite the facts of ``children`` (ids): in the caller's transaction, which holds
    the children's locks (:func:`cpcase.running_deadlines.refresh`)."""
    ids = sorted(set(children))
    if not ids:
        return 0
    TimescaleFact.objects.filter(child_id__in=ids).delete()
    return sum(_build(authority_id, ids) for authority_id in _authorities_of(ids))


def drifted(children: list[Any]) -> list[Any]:
    """Those of ``children`` whose stored rows differ from a rewrite (for the weekly repair,
    which then rewrites them under their locks): the rewrite goes to a temporary table of
    the same columns, and the database compares the two (``EXCEPT ALL`` both ways)."""
    if not children:
        return []
    columns = ", ".join(COLUMNS)
    stored = f"SELECT {columns} FROM {FACTS} WHERE child_id = ANY(%s)"  # noqa: S608
    rewritten = f"SELECT {columns} FROM {REWRITE}"  # noqa: S608
    rewritten_from = f"SELECT {columns} FROM {FACTS}"  # noqa: S608 - its columns alone
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {REWRITE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {REWRITE} AS {rewritten_from} WITH NO DATA")
        for authority_id in _authorities_of(children):
            _build(authority_id, children, table=REWRITE)
        cursor.execute(
            f"SELECT DISTINCT child_id FROM (({stored} EXCEPT ALL {rewritten}) "  # noqa: S608
            f"UNION ALL ({rewritten} EXCEPT ALL {stored})) AS differ",
            [children, children],
        )
        found = sorted(row[0] for row in cursor.fetchall())
        cursor.execute(f"DROP TABLE {REWRITE}")
    return found


def children_of_authority(authority_id: Any) -> Iterable[Any]:
    """The children with facts of the authority's records: its timescales reach them."""
    return (
        TimescaleFact.objects.filter(authority_id=authority_id)
        .values_list("child_id", flat=True)
        .distinct()
    )


def rebuild(authority: Any = None) -> int:
    """Rewrite the facts of one authority's records (or of every authority's), all at
    once: after a bulk load that wrote records without the services (the benchmark's), or
    to repair. It takes no child's lock: run it when no service is writing."""
    ids = (
        [getattr(authority, "pk", authority)]
        if authority is not None
        else list(Authority.objects.order_by("pk").values_list("pk", flat=True))
    )
    stored = 0
    for authority_id in ids:
        TimescaleFact.objects.filter(authority_id=authority_id).delete()
        stored += _build(authority_id, None)
    return stored


def fill_if_missing(**kwargs: Any) -> None:
    """After ``migrate``: write every authority's rows if there are records but no rows
    yet (the upgrade that brought these rows), so that the measures are right at once.
    A few cheap queries otherwise; nothing while the tables are not both there (a
    migration back, or part of the way)."""
    tables = connection.introspection.table_names()
    if TimescaleFact._meta.db_table not in tables or Plan._meta.db_table not in tables:
        return
    if Plan.objects.exists() and not TimescaleFact.objects.exists():
        rebuild()

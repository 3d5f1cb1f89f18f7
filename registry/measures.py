"""The service's measures over a period, by team: the issue's "measures, as charts".

Each measure is a numerator and a denominator for each team of the authority and for
the authority as a whole, counted by the database in one query (a fixed number of
queries however many records: the teams, the authority's timescales, one per measure).
Due dates come from the authority's timescale profile and working days
(:mod:`cpcase.working_days_sql`), exactly as the deadlines on a child's page; nothing
here holds a number the profile holds. The records counted are the authority's own
(:func:`cpcase.access.authority_records_q`); a record's team is its child's team now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, ExtractHour, NullIf, TruncDate

from conferences.models import Conference
from cpcase import access
from cpcase.errors import NotPermitted
from cpcase.models import Agency, Team, TimescaleKind, User
from cpcase.timescales import AuthorityTimescales, Rule, load_authority_timescales
from cpcase.working_days_sql import due_on, working_days
from plans.models import Plan
from plans.selectors import plans_all, plans_of_child
from registry.models import Enquiry
from registry.selectors import enquiry_log_q
from visits.models import Visit

HELD = (Conference.Status.HELD, Conference.Status.FINALISED)
OPENING_KINDS = (Conference.Kind.INITIAL, Conference.Kind.PRE_BIRTH)
LONDON = ZoneInfo("Europe/London")
NO_TEAM = "Not in a team"
# Working days go to the database for a span around the period: wide enough for the
# longest timescale a profile may hold (500 working days, 24 months) either side.
CALENDAR_MARGIN = dt.timedelta(days=3 * 366)


@dataclass(frozen=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def percent(self) -> int | None:
        """Whole per cent, rounded half up; None with nothing to count."""
        if not self.denominator:
            return None
        return (200 * self.numerator + self.denominator) // (2 * self.denominator)


@dataclass(frozen=True)
class Row:
    label: str
    ratio: Ratio


@dataclass(frozen=True)
class Measure:
    key: str
    title: str
    counted: str  # exactly how it is counted, in words
    numerator_label: str
    denominator_label: str
    rows: list[Row]  # one per team of the authority, then the children in no team
    total: Ratio
    missing_rule: str = ""  # the timescale the profile lacks, when it cannot be measured


@dataclass(frozen=True)
class Counts:
    key: str
    title: str
    row_header: str  # what each row counts by: the table's first column
    counted: str
    rows: list[tuple[str, int]]
    total: int


@dataclass(frozen=True)
class Measures:
    period_from: dt.date
    period_to: dt.date
    measures: list[Measure]
    enquiries: list[Counts]


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last 12 months, today included."""
    return today - relativedelta(months=12) + dt.timedelta(days=1), today


@dataclass
class MeasureContext:
    user: User
    start: dt.date
    end: dt.date
    timescales: AuthorityTimescales
    days: list[dt.date]
    teams: list[tuple[Any, str]]

    def rule(self, kind: str) -> Rule | None:
        return self.timescales.rules.get(kind)

    def due(self, start: Any, rule: Rule) -> Any:
        return due_on(start, rule.value, unit=rule.unit, days=self.days)

    def in_period(self, field: str) -> Q:
        # BETWEEN: a computed due date is computed once for both ends.
        return Q(**{f"{field}__range": (self.start, self.end)})

    def by_team(
        self, queryset: QuerySet[Any], team: str, numerator: Q, denominator: Q | None = None
    ) -> dict[Any, Ratio]:
        """One query: the ratio for each team of the records' children (None: no team)."""
        rows = (
            queryset.order_by()
            .values(team_id=F(team))
            .annotate(
                num=Count("pk", filter=numerator),
                den=Count("pk", filter=denominator) if denominator is not None else Count("pk"),
            )
            .values_list("team_id", "num", "den")
        )
        return {team_id: Ratio(num, den) for team_id, num, den in rows}

    def deadlines_by_team(
        self,
        queryset: QuerySet[Any],
        *,
        due: Any,
        met: Any,
        ended: Any = None,
        due_in_period: bool = True,
        anchor: Q | None = None,
    ) -> dict[Any, Ratio]:
        """One query: for each team of the records' children, the deadlines counted and
        those met by their due date.

        Each row's due date, the day it was met and the day its plan ends (the latest date,
        for a plan still open; none, for no plan) are computed once, in a subquery the
        planner may not flatten (``OFFSET 0``), and compared outside it. Counted: a
        deadline due in the period (``due_in_period``; else every row with a due date)
        that was met during its plan, or fell due before the plan ended. Met: by the due
        date, during the plan. ``anchor``: which rows are deadlines (the others are there
        for a window to see)."""
        flags = {}
        if anchor is not None:
            flags["measure_anchor"] = ExpressionWrapper(anchor, output_field=BooleanField())
        rows = queryset.order_by().values(
            measure_team=F("child__team_id"),
            measure_due=due,
            measure_met=met,
            measure_ended=ended if ended is not None else Cast(Value(None), DateField()),
            **flags,
        )
        sql, params = rows.query.sql_with_params()
        met_in_plan = "(d.measure_ended IS NULL OR d.measure_met <= d.measure_ended)"
        if due_in_period:
            counted = (
                "d.measure_due BETWEEN %s AND %s AND ((d.measure_met IS NOT NULL AND "
                "d.measure_met <= d.measure_ended) OR d.measure_ended >= d.measure_due)"
            )
            met_in_plan = "d.measure_met <= d.measure_ended"
            extra = [self.start, self.end]
        else:
            counted, extra = "d.measure_due IS NOT NULL", []
        if anchor is not None:
            counted += " AND d.measure_anchor"
        # Django's own SQL of the queryset, and fixed text: every value is a parameter.
        query = (
            "SELECT d.measure_team, "  # noqa: S608
            f"count(*) FILTER (WHERE d.measure_met <= d.measure_due AND {met_in_plan}), "
            f"count(*) FROM ({sql} OFFSET 0) AS d WHERE {counted} GROUP BY 1"
        )
        with connection.cursor() as cursor:
            cursor.execute(query, [*params, *extra])
            return {team_id: Ratio(num, den) for team_id, num, den in cursor.fetchall()}

    def share_by_team(self, queryset: QuerySet[Any], value: Any) -> dict[Any, Ratio]:
        """One query: for each team of the records' children, the rows where ``value`` is
        true, of those where it is known; ``value`` computed once per row (as above)."""
        rows = queryset.order_by().values(
            measure_team=F("child__team_id"),
            measure_value=ExpressionWrapper(value, output_field=BooleanField()),
        )
        sql, params = rows.query.sql_with_params()
        query = (
            "SELECT d.measure_team, count(*) FILTER (WHERE d.measure_value), count(*) "  # noqa: S608
            f"FROM ({sql} OFFSET 0) AS d WHERE d.measure_value IS NOT NULL GROUP BY 1"
        )
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return {team_id: Ratio(num, den) for team_id, num, den in cursor.fetchall()}

    def measure(self, found: dict[Any, Ratio], **described: Any) -> Measure:
        return _assemble(self.teams, found, **described)


def _assemble(teams: list[tuple[Any, str]], found: dict[Any, Ratio], **described: Any) -> Measure:
    """Every team of the authority in its own row (a team with nothing counted too); the
    children in no team of the authority in one row after them, if any."""
    known = {pk for pk, _ in teams}
    rows = [Row(name, found.get(pk, Ratio(0, 0))) for pk, name in teams]
    rest = [ratio for pk, ratio in found.items() if pk not in known]
    if rest:
        rows.append(
            Row(NO_TEAM, Ratio(sum(r.numerator for r in rest), sum(r.denominator for r in rest)))
        )
    total = Ratio(
        sum(r.numerator for r in found.values()), sum(r.denominator for r in found.values())
    )
    return Measure(rows=rows, total=total, **described)


def unmeasured(ctx: MeasureContext, kind: str, **described: Any) -> Measure:
    return _assemble(ctx.teams, {}, missing_rule=str(TimescaleKind(kind).label), **described)


def measures_for(*, user: User, period_from: dt.date, period_to: dt.date) -> Measures:
    """Every measure of the user's authority over [period_from, period_to]."""
    if not access.may_read_measures(user):
        raise NotPermitted(
            "Only the service leader and the safeguarding unit manager read the measures."
        )
    if period_from > period_to:
        raise ValueError("the period ends before it starts")
    authority_id = user.authority_id
    assert authority_id is not None  # noqa: S101 - may_read_measures: staff of an authority
    timescales = load_authority_timescales([authority_id])[authority_id]
    ctx = MeasureContext(
        user=user,
        start=period_from,
        end=period_to,
        timescales=timescales,
        days=working_days(
            timescales.calendar, period_from - CALENDAR_MARGIN, period_to + CALENDAR_MARGIN
        ),
        teams=list(
            Team.objects.filter(authority_id=authority_id)
            .order_by("name", "pk")
            .values_list("pk", "name")
        ),
    )
    # registry.measures_timescales imports this module (the context it measures in): a cycle.
    from registry import measures_timescales as timescale

    return Measures(
        period_from=period_from,
        period_to=period_to,
        measures=[
            timescale.initial_conferences_on_time(ctx),
            timescale.first_core_groups_on_time(ctx),
            timescale.plans_authorised_on_time(ctx),
            timescale.reviews_on_time(ctx),
            timescale.statutory_visits_on_time(ctx),
            seen_alone_at_last_visit(ctx),
            plans_lasting_two_years(ctx),
            second_or_later_plans(ctx),
        ],
        enquiries=enquiries_by_hour_and_agency(ctx),
    )


def authority_plans(ctx: MeasureContext) -> QuerySet[Plan]:
    return plans_all().filter(access.authority_records_q(ctx.user))


def statutory_visit_q(prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}status": Visit.Status.COMPLETED,
            f"{prefix}kind": Visit.Kind.STATUTORY,
            f"{prefix}child_seen": True,
        }
    )


def end_of_day(day: dt.date) -> dt.datetime:
    """The first moment after ``day``, UK time."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=LONDON)


def seen_alone_at_last_visit(ctx: MeasureContext) -> Measure:
    latest = (
        Visit.objects.filter(statutory_visit_q(), child_id=OuterRef("child_id"))
        .annotate(day=TruncDate("visited_at"))
        .filter(day__gte=OuterRef("started_on"), visited_at__lt=end_of_day(ctx.end))
        .order_by("-visited_at")
    )
    plans = (
        authority_plans(ctx)
        .filter(started_on__lte=ctx.end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=ctx.end))
    )
    found = ctx.share_by_team(plans, Subquery(latest.values("seen_alone")[:1]))
    return ctx.measure(
        found,
        key="seen_alone",
        title="Children seen alone at their last statutory visit",
        counted=(
            "Of the children with a plan open at the end of the period who had a statutory "
            "visit during that plan, those seen alone at the latest visit by the end of the "
            "period."
        ),
        numerator_label="Seen alone",
        denominator_label="Visited",
    )


# --- Plans, as the DfE's statistics report them -------------------------------------


def plans_lasting_two_years(ctx: MeasureContext) -> Measure:
    plans = (
        authority_plans(ctx)
        .filter(ctx.in_period("ended_on"))
        .annotate(two_years_on=_years_after("started_on", 2))
    )
    found = ctx.by_team(plans, "child__team_id", Q(ended_on__gte=F("two_years_on")))
    return ctx.measure(
        found,
        key="two_years",
        title="Plans that lasted two years or more",
        counted=(
            "Of the plans that ended in the period, those that had lasted two years or more "
            "(ended on or after the second anniversary of their start)."
        ),
        numerator_label="2 years or more",
        denominator_label="Ended",
    )


def _years_after(field: str, years: int) -> Any:
    return Func(
        F(field),
        template=f"(%(expressions)s + make_interval(years => {int(years)}))::date",
        output_field=DateField(),
    )


def second_or_later_plans(ctx: MeasureContext) -> Measure:
    earlier = plans_of_child(OuterRef("child_id")).filter(started_on__lt=OuterRef("started_on"))
    plans = (
        authority_plans(ctx).filter(ctx.in_period("started_on")).annotate(before=Exists(earlier))
    )
    rows = (
        plans.order_by()
        .values(team_id=F("child__team_id"))
        .annotate(
            num=Count("child_id", distinct=True, filter=Q(before=True)),
            den=Count("child_id", distinct=True),
        )
        .values_list("team_id", "num", "den")
    )
    found = {team_id: Ratio(num, den) for team_id, num, den in rows}
    return ctx.measure(
        found,
        key="second_plans",
        title="Children on a plan for the second or later time",
        counted=(
            "Of the children who started a plan in the period, those who had been the "
            "subject of a plan before, at any time and in any authority."
        ),
        numerator_label="Had a plan before",
        denominator_label="Started",
    )


# --- Enquiries of the register ------------------------------------------------------


def enquiries_by_hour_and_agency(ctx: MeasureContext) -> list[Counts]:
    enquiries = Enquiry.objects.filter(
        enquiry_log_q(ctx.user.authority_id),
        created_at__gte=dt.datetime.combine(ctx.start, dt.time(), tzinfo=LONDON),
        created_at__lt=end_of_day(ctx.end),
    ).order_by()
    by_hour = dict(
        enquiries.annotate(hour=ExtractHour("created_at", tzinfo=LONDON))
        .values("hour")
        .annotate(n=Count("pk"))
        .values_list("hour", "n")
    )
    by_kind = dict(
        enquiries.annotate(kind=Coalesce(NullIf(F("enquirer__agency__kind"), Value("")), Value("")))
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    hours = [(f"{hour:02d}:00 to {hour:02d}:59", by_hour.get(hour, 0)) for hour in range(24)]
    kinds = [(str(label), by_kind.get(value, 0)) for value, label in Agency.Kind.choices]
    if by_kind.get(""):
        kinds.append(("Agency not recorded", by_kind[""]))
    return [
        Counts(
            key="enquiries_by_hour",
            title="Enquiries of the register by hour of the day",
            row_header="Hour (UK time)",
            counted=(
                "Enquiries of the register in the period (those in the authority's enquiry "
                "log), by the hour they were made, UK time."
            ),
            rows=hours,
            total=sum(by_hour.values()),
        ),
        Counts(
            key="enquiries_by_agency",
            title="Enquiries of the register by agency",
            row_header="Agency",
            counted=(
                "Enquiries of the register in the period (those in the authority's enquiry "
                "log), by the kind of agency of the enquirer's account."
            ),
            rows=kinds,
            total=sum(by_kind.values()),
        ),
    ]

"""The service's measures over a period, by team: the issue's "measures, as charts".

Each measure is a numerator and a denominator for each team of the authority and for
the authority as a whole, counted by the database in one query (a fixed number of
queries however many records: the teams, the authority's timescales, one per measure).
Due dates come from the authority's timescale profile and working days
(:mod:`cpcase.working_days_sql`), exactly as the deadlines on a child's page, stored with
the day each was met (:mod:`registry.measure_facts`); nothing
here holds a number the profile holds. The records counted are the authority's own
(:func:`cpcase.access.own_records_q`); a record's team is its child's team now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, ExtractHour, NullIf

from cpcase import access
from cpcase.errors import NotPermitted
from cpcase.models import Agency, Team, TimescaleKind, User
from cpcase.timescales import AuthorityTimescales, Rule, load_authority_timescales
from registry.models import Enquiry, TimescaleFact
from registry.selectors import enquiry_log_q

LONDON = ZoneInfo("Europe/London")
NO_TEAM = "Not in a team"


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
    teams: list[tuple[Any, str]]

    def rule(self, kind: str) -> Rule | None:
        return self.timescales.rules.get(kind)

    @property
    def authority_id(self) -> Any:
        """The user's authority: the measures read its own records only."""
        return self.user.authority_id

    def facts(self, *measures: str) -> QuerySet[TimescaleFact]:
        """The stored rows of ``measures`` of the user's authority."""
        return TimescaleFact.objects.filter(authority_id=self.authority_id, measure__in=measures)

    def in_period(self, field: str) -> Q:
        return Q(**{f"{field}__range": (self.start, self.end)})

    def by_team(
        self, queryset: QuerySet[Any], team: str, numerator: Q, denominator: Q | None = None
    ) -> dict[Any, Ratio]:
        """One query: the ratio for each team of the records' children (None: no team)."""
        rows = (
            queryset.order_by()
            .values(measure_team=F(team))
            .annotate(
                # count(1), not of the id: an index-only scan reads no row's id.
                num=Count(Value(1), filter=numerator),
                den=Count(Value(1), filter=denominator),
            )
            .values_list("measure_team", "num", "den")
        )
        return {team_id: Ratio(num, den) for team_id, num, den in rows}

    def facts_by_team(self, measures: list[str], *, due_in_period: bool = True) -> dict[Any, Ratio]:
        """One query, one index range: for each team, the stored deadlines of ``measures``
        counted and those met by their due date (:mod:`registry.measure_facts`).

        Counted: a deadline due in the period that was met during its plan, or fell due
        before the plan ended (``due_in_period``); else, for the initial conference, each
        one held in the period. Met: by the due date, during the plan."""
        facts = self.facts(*measures).filter(self.in_period("counted_on"))
        if due_in_period:
            facts = facts.filter(
                Q(met_on__isnull=False, met_on__lte=F("ends_on")) | Q(ends_on__gte=F("due_on"))
            )
            met_in_plan = Q(met_on__lte=F("ends_on"))
        else:
            met_in_plan = Q(ends_on__isnull=True) | Q(met_on__lte=F("ends_on"))
        return self.by_team(facts, "team_id", Q(met_on__lte=F("due_on")) & met_in_plan)

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


def end_of_day(day: dt.date) -> dt.datetime:
    """The first moment after ``day``, UK time."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=LONDON)


def seen_alone_at_last_visit(ctx: MeasureContext) -> Measure:
    """From the stored visits: each plan's statutory visit that was the latest by the end
    of the period (made by then, the next one after it or none) in a plan still open then."""
    visits = ctx.facts(TimescaleFact.Measure.VISIT_FROM_VISIT).filter(
        superseded_on__gt=ctx.end, anchor_on__lte=ctx.end, ends_on__gt=ctx.end, flag__isnull=False
    )
    found = ctx.by_team(visits, "team_id", Q(flag=True))
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
    ended = ctx.facts(TimescaleFact.Measure.PLAN_END).filter(ctx.in_period("counted_on"))
    found = ctx.by_team(ended, "team_id", Q(flag=True))
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


def second_or_later_plans(ctx: MeasureContext) -> Measure:
    started = ctx.facts(TimescaleFact.Measure.PLAN_START).filter(ctx.in_period("counted_on"))
    rows = (
        started.order_by()
        .values(measure_team=F("team_id"))
        .annotate(
            num=Count("child_id", distinct=True, filter=Q(flag=True)),
            den=Count("child_id", distinct=True),
        )
        .values_list("measure_team", "num", "den")
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

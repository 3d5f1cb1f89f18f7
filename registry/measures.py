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

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractHour, NullIf, TruncDate

from conferences.models import Conference, ConferenceChild, StrategyDiscussion
from cpcase import access
from cpcase.errors import NotPermitted
from cpcase.models import Agency, Team, User
from cpcase.timescales import AuthorityTimescales, Rule, load_authority_timescales
from cpcase.working_days_sql import due_on, longest_span, working_days
from plans.models import CoreGroupMeeting, Plan
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
    from dateutil.relativedelta import relativedelta

    return today - relativedelta(months=12) + dt.timedelta(days=1), today


@dataclass
class _Context:
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
        return Q(**{f"{field}__gte": self.start, f"{field}__lte": self.end})

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


def _unmeasured(ctx: _Context, kind: str, **described: Any) -> Measure:
    from cpcase.models import TimescaleKind

    return _assemble(ctx.teams, {}, missing_rule=str(TimescaleKind(kind).label), **described)


def measures_for(*, user: User, period_from: dt.date, period_to: dt.date) -> Measures:
    """Every measure of the user's authority over [period_from, period_to]."""
    if not access.may_read_measures(user):
        raise NotPermitted(
            "Only the service leader and the safeguarding unit manager read the measures."
        )
    if period_from > period_to:
        raise ValueError("the period ends before it starts")
    timescales = load_authority_timescales([user.authority_id])[user.authority_id]
    ctx = _Context(
        user=user,
        start=period_from,
        end=period_to,
        timescales=timescales,
        days=working_days(
            timescales.calendar, period_from - CALENDAR_MARGIN, period_to + CALENDAR_MARGIN
        ),
        teams=list(
            Team.objects.filter(authority_id=user.authority_id)
            .order_by("name", "pk")
            .values_list("pk", "name")
        ),
    )
    return Measures(
        period_from=period_from,
        period_to=period_to,
        measures=[
            initial_conferences_on_time(ctx),
            first_core_groups_on_time(ctx),
            plans_authorised_on_time(ctx),
            reviews_on_time(ctx),
            statutory_visits_on_time(ctx),
            seen_alone_at_last_visit(ctx),
            plans_lasting_two_years(ctx),
            second_or_later_plans(ctx),
        ],
        enquiries=enquiries_by_hour_and_agency(ctx),
    )


# --- Timescales met ----------------------------------------------------------------


def _plans(ctx: _Context) -> QuerySet[Plan]:
    return Plan.objects.filter(access.authority_records_q(ctx.user))


def initial_conferences_on_time(ctx: _Context) -> Measure:
    described = {
        "key": "initial_conferences",
        "title": "Initial conferences within the timescale of the strategy discussion",
        "counted": (
            "Of the children whose initial (or pre-birth) conference was held in the period "
            "after a strategy discussion that started a child protection enquiry, those whose "
            "conference was held within the timescale of the latest such discussion before it."
        ),
        "numerator_label": "Held on time",
        "denominator_label": "Initial conferences",
    }
    rule = ctx.rule("icpc")
    if rule is None:
        return _unmeasured(ctx, "icpc", **described)
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
    subjects = (
        ConferenceChild.objects.filter(
            access.authority_records_q(ctx.user, authority="conference__authority"),
            ctx.in_period("conference__held_on"),
            conference__kind__in=OPENING_KINDS,
            conference__status__in=HELD,
        )
        .annotate(discussion_on=discussion_on)
        .filter(discussion_on__isnull=False)
        .annotate(due=ctx.due(F("discussion_on"), rule))
    )
    found = ctx.by_team(subjects, "child__team_id", Q(conference__held_on__lte=F("due")))
    return ctx.measure(found, **described)


def first_core_groups_on_time(ctx: _Context) -> Measure:
    described = {
        "key": "first_core_groups",
        "title": "First core groups within the timescale of the initial conference",
        "counted": (
            "Of the plans whose first core group fell due in the period (counted from the "
            "conference that started the plan), those whose first core group was held by "
            "then. A first core group not yet held counts as late; a plan that ended before "
            "its first core group fell due is not counted."
        ),
        "numerator_label": "Held on time",
        "denominator_label": "First core groups due",
    }
    rule = ctx.rule("first_core_group")
    if rule is None:
        return _unmeasured(ctx, "first_core_group", **described)
    plans = (
        _plans(ctx)
        .filter(
            started_on__lte=ctx.end, started_on__gte=ctx.start - longest_span(rule.value, rule.unit)
        )
        .annotate(due=ctx.due(F("started_on"), rule))
        .filter(ctx.in_period("due"))
        .annotate(first_on=_first_core_group_on())
        .filter(Q(first_on__isnull=False) | Q(ended_on__isnull=True) | Q(ended_on__gte=F("due")))
    )
    found = ctx.by_team(plans, "child__team_id", Q(first_on__lte=F("due")))
    return ctx.measure(found, **described)


def _first_core_group_on() -> Subquery:
    return Subquery(
        CoreGroupMeeting.objects.filter(plan_id=OuterRef("pk"))
        .order_by("held_on")
        .values("held_on")[:1]
    )


def plans_authorised_on_time(ctx: _Context) -> Measure:
    described = {
        "key": "plans_authorised",
        "title": "Detailed plans authorised on time",
        "counted": (
            "Of the detailed plans due for authorisation in the period (the profile's "
            "timescale after the first core group), those the team manager authorised by "
            "then. A plan not yet authorised counts as late; a plan that ended before it "
            "fell due is not counted."
        ),
        "numerator_label": "Authorised on time",
        "denominator_label": "Plans due for authorisation",
    }
    rule = ctx.rule("plan_authorisation")
    if rule is None:
        return _unmeasured(ctx, "plan_authorisation", **described)
    plans = (
        _plans(ctx)
        .filter(started_on__lte=ctx.end)
        .filter(
            Q(ended_on__isnull=True)
            | Q(ended_on__gte=ctx.start - longest_span(rule.value, rule.unit))
        )
        .annotate(first_on=_first_core_group_on())
        .filter(first_on__isnull=False)
        .annotate(due=ctx.due(F("first_on"), rule))
        .filter(ctx.in_period("due"))
        .filter(
            Q(authorised_on__isnull=False) | Q(ended_on__isnull=True) | Q(ended_on__gte=F("due"))
        )
    )
    found = ctx.by_team(plans, "child__team_id", Q(authorised_on__lte=F("due")))
    return ctx.measure(found, **described)


def reviews_on_time(ctx: _Context) -> Measure:
    """Each conference that started or continued a plan sets the next review: on the date
    it set, else the profile's first review (pre-birth review) or later review interval."""
    described = {
        "key": "reviews",
        "title": "Review conferences on time",
        "counted": (
            "Of the review conferences due in the period (on the date the previous conference "
            "set, else the profile's interval after it), those held by then. A review not yet "
            "held counts as late; one that fell due after the plan ended is not counted."
        ),
        "numerator_label": "Held on time",
        "denominator_label": "Reviews due",
    }
    rules = {
        Conference.Kind.INITIAL: ctx.rule("first_review_conference"),
        Conference.Kind.PRE_BIRTH: ctx.rule("pre_birth_review")
        or ctx.rule("first_review_conference"),
        Conference.Kind.REVIEW: ctx.rule("review_conference"),
    }
    if rules[Conference.Kind.INITIAL] is None or rules[Conference.Kind.REVIEW] is None:
        return _unmeasured(ctx, "review_conference", **described)
    longest = max(longest_span(r.value, r.unit) for r in rules.values() if r is not None)
    due = Coalesce(
        "next_review_on",
        Case(
            *(
                When(conference__kind=kind, then=ctx.due(F("conference__held_on"), rule))
                for kind, rule in rules.items()
                if rule is not None
            ),
            output_field=DateField(),
        ),
    )
    next_held = Subquery(
        ConferenceChild.objects.filter(
            child_id=OuterRef("child_id"),
            conference__kind=Conference.Kind.REVIEW,
            conference__status__in=HELD,
            conference__held_on__gt=OuterRef("conference__held_on"),
        )
        .order_by("conference__held_on")
        .values("conference__held_on")[:1]
    )
    plan_running = Exists(
        Plan.objects.filter(
            child_id=OuterRef("child_id"), started_on__lte=OuterRef("conference__held_on")
        ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=OuterRef("due")))
    )
    anchors = (
        ConferenceChild.objects.filter(
            access.authority_records_q(ctx.user, authority="conference__authority"),
            conference__status__in=HELD,
            conference__kind__in=list(rules),
            conference__held_on__lte=ctx.end,
            decision__in=[ConferenceChild.Decision.PLAN, ConferenceChild.Decision.CONTINUE],
        )
        .filter(
            Q(next_review_on__range=(ctx.start, ctx.end))
            | Q(conference__held_on__gte=ctx.start - longest)
        )
        .annotate(due=due)
        .filter(ctx.in_period("due"))
        .annotate(met_on=next_held)
        .filter(Q(met_on__isnull=False) | plan_running)
    )
    found = ctx.by_team(anchors, "child__team_id", Q(met_on__lte=F("due")))
    return ctx.measure(found, **described)


def _statutory(prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}status": Visit.Status.COMPLETED,
            f"{prefix}kind": Visit.Kind.STATUTORY,
            f"{prefix}child_seen": True,
        }
    )


def statutory_visits_on_time(ctx: _Context) -> Measure:
    """The visit deadlines of the deadline engine: each counted from the plan's start and
    from each statutory visit during the plan, in the plan's own interval or the profile's."""
    described = {
        "key": "statutory_visits",
        "title": "Statutory visits on time",
        "counted": (
            "Of the statutory visits due in the period (each counted from the start of the "
            "plan or the previous statutory visit, in the interval the conference set or the "
            "profile's), those made by then: a visit in which the child was seen. A visit not "
            "yet made counts as late; one that fell due after the plan ended is not counted."
        ),
        "numerator_label": "Made on time",
        "denominator_label": "Visits due",
    }
    rule = ctx.rule("statutory_visit")
    if rule is None:
        return _unmeasured(ctx, "statutory_visit", **described)
    # From the plan's start: met by the first statutory visit on or after it, in the plan.
    first_visit = Subquery(
        Visit.objects.filter(_statutory(), child_id=OuterRef("child_id"))
        .annotate(day=TruncDate("visited_at"))
        .filter(day__gte=OuterRef("started_on"))
        .order_by("visited_at")
        .values("day")[:1]
    )
    interval = _interval(ctx, rule)
    plans = (
        _plans(ctx)
        .filter(started_on__lte=ctx.end)
        .annotate(**interval)
        .annotate(
            due=due_on(
                F("started_on"), F("interval_value"), unit_field="interval_unit", days=ctx.days
            )
        )
        .filter(ctx.in_period("due"))
        .annotate(met_on=first_visit)
        .annotate(met_in_plan=_met_in_plan("met_on", "ended_on"))
        .filter(Q(met_in_plan__isnull=False) | Q(ended_on__isnull=True) | Q(ended_on__gte=F("due")))
    )
    found = ctx.by_team(plans, "child__team_id", Q(met_in_plan__lte=F("due")))
    # From each statutory visit during a plan: met by the next one, in the plan.
    next_visit = Subquery(
        Visit.objects.filter(
            _statutory(), child_id=OuterRef("child_id"), visited_at__gt=OuterRef("visited_at")
        )
        .order_by("visited_at")
        .annotate(day=TruncDate("visited_at"))
        .values("day")[:1]
    )
    # One filter call, so that every condition on the plan is on the same plan: the one
    # the visit was made during.
    visits = (
        Visit.objects.filter(
            _statutory(),
            access.authority_records_q(ctx.user, authority="child__plans__authority"),
            Q(child__plans__ended_on__isnull=True)
            | Q(child__plans__ended_on__gte=TruncDate("visited_at")),
            child__plans__started_on__lte=TruncDate("visited_at"),
            # A due date is computed for a start within the calendar's span alone.
            visited_at__gte=_end_of(ctx.start - CALENDAR_MARGIN),
            visited_at__lt=_end_of(ctx.end),
        )
        .annotate(
            day=TruncDate("visited_at"),
            plan_ended_on=F("child__plans__ended_on"),
            plan_visit_interval_value=F("child__plans__visit_interval_value"),
            plan_visit_interval_unit=F("child__plans__visit_interval_unit"),
        )
        .annotate(**_interval(ctx, rule, plan="plan_"))
        .annotate(
            due=due_on(F("day"), F("interval_value"), unit_field="interval_unit", days=ctx.days)
        )
        .filter(ctx.in_period("due"))
        .annotate(met_on=next_visit)
        .annotate(met_in_plan=_met_in_plan("met_on", "plan_ended_on"))
        .filter(
            Q(met_in_plan__isnull=False)
            | Q(plan_ended_on__isnull=True)
            | Q(plan_ended_on__gte=F("due"))
        )
    )
    for team_id, ratio in ctx.by_team(
        visits, "child__team_id", Q(met_in_plan__lte=F("due"))
    ).items():
        had = found.get(team_id, Ratio(0, 0))
        found[team_id] = Ratio(had.numerator + ratio.numerator, had.denominator + ratio.denominator)
    return ctx.measure(found, **described)


def _interval(ctx: _Context, rule: Rule, plan: str = "") -> dict[str, Any]:
    """The visit interval of each row's plan: the conference's, else the profile's."""
    own = Q(**{f"{plan}visit_interval_value__isnull": False}) & ~Q(
        **{f"{plan}visit_interval_unit": ""}
    )
    return {
        "interval_value": Case(
            When(own, then=F(f"{plan}visit_interval_value")),
            default=Value(rule.value),
            output_field=IntegerField(),
        ),
        "interval_unit": Case(
            When(own, then=F(f"{plan}visit_interval_unit")),
            default=Value(rule.unit),
            output_field=CharField(),
        ),
    }


def _met_in_plan(met: str, ended: str) -> Any:
    """The day a deadline was met, if within the plan (else None)."""
    return Case(
        When(Q(**{f"{ended}__isnull": True}) | Q(**{f"{met}__lte": F(ended)}), then=F(met)),
        default=None,
        output_field=DateField(),
    )


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=LONDON)


def seen_alone_at_last_visit(ctx: _Context) -> Measure:
    latest = (
        Visit.objects.filter(_statutory(), child_id=OuterRef("child_id"))
        .annotate(day=TruncDate("visited_at"))
        .filter(day__gte=OuterRef("started_on"), visited_at__lt=_end_of(ctx.end))
        .order_by("-visited_at")
    )
    plans = (
        _plans(ctx)
        .filter(started_on__lte=ctx.end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=ctx.end))
        .annotate(alone=Subquery(latest.values("seen_alone")[:1]))
        .filter(alone__isnull=False)
    )
    found = ctx.by_team(plans, "child__team_id", Q(alone=True))
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
        denominator_label="Children visited",
    )


# --- Plans, as the DfE's statistics report them -------------------------------------


def plans_lasting_two_years(ctx: _Context) -> Measure:
    plans = (
        _plans(ctx)
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
        numerator_label="Lasted two years or more",
        denominator_label="Plans ended",
    )


def _years_after(field: str, years: int) -> Any:
    return Func(
        F(field),
        template=f"(%(expressions)s + make_interval(years => {int(years)}))::date",
        output_field=DateField(),
    )


def second_or_later_plans(ctx: _Context) -> Measure:
    earlier = Plan.objects.filter(
        child_id=OuterRef("child_id"), started_on__lt=OuterRef("started_on")
    )
    plans = _plans(ctx).filter(ctx.in_period("started_on")).annotate(before=Exists(earlier))
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
        denominator_label="Children who started a plan",
    )


# --- Enquiries of the register ------------------------------------------------------


def enquiries_by_hour_and_agency(ctx: _Context) -> list[Counts]:
    from registry.models import Enquiry
    from registry.selectors import enquiry_log_q

    enquiries = Enquiry.objects.filter(
        enquiry_log_q(ctx.user.authority_id),
        created_at__gte=dt.datetime.combine(ctx.start, dt.time(), tzinfo=LONDON),
        created_at__lt=_end_of(ctx.end),
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
            counted=(
                "Enquiries of the register in the period (those in the authority's enquiry "
                "log), by the kind of agency of the enquirer's account."
            ),
            rows=kinds,
            total=sum(by_kind.values()),
        ),
    ]

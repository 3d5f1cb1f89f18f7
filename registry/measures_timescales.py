"""The measures of timescales met: each deadline that fell due in the period, as the
deadline engine sets it (the authority's profile and working days, computed per row by
:mod:`cpcase.working_days_sql`), met or not by its due date. See :mod:`registry.measures`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Case,
    CharField,
    DateField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Lead, TruncDate

from conferences.models import Conference, ConferenceChild, StrategyDiscussion
from cpcase import access
from cpcase.timescales import Rule
from cpcase.working_days_sql import due_on, longest_span
from plans.models import CoreGroupMeeting
from registry.measures import (
    CALENDAR_MARGIN,
    HELD,
    OPENING_KINDS,
    Measure,
    MeasureContext,
    Ratio,
    authority_plans,
    end_of_day,
    statutory_visit_q,
    unmeasured,
)
from visits.models import Visit


def initial_conferences_on_time(ctx: MeasureContext) -> Measure:
    described = {
        "key": "initial_conferences",
        "title": "Initial conferences within the timescale of the strategy discussion",
        "counted": (
            "Of the children whose initial (or pre-birth) conference was held in the period "
            "after a strategy discussion that started a child protection enquiry, those whose "
            "conference was held within the timescale of the latest such discussion before it."
        ),
        "numerator_label": "On time",
        "denominator_label": "Held",
    }
    rule = ctx.rule("icpc")
    if rule is None:
        return unmeasured(ctx, "icpc", **described)
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
        access.authority_records_q(ctx.user, authority="conference__authority"),
        ctx.in_period("conference__held_on"),
        conference__kind__in=OPENING_KINDS,
        conference__status__in=HELD,
    )
    found = ctx.deadlines_by_team(
        subjects,
        due=ctx.due(discussion_on, rule),
        met=F("conference__held_on"),
        due_in_period=False,
    )
    return ctx.measure(found, **described)


def first_core_groups_on_time(ctx: MeasureContext) -> Measure:
    described = {
        "key": "first_core_groups",
        "title": "First core groups within the timescale of the initial conference",
        "counted": (
            "Of the plans whose first core group fell due in the period (counted from the "
            "conference that started the plan), those whose first core group was held by "
            "then. A first core group not yet held counts as late; a plan that ended before "
            "its first core group fell due is not counted."
        ),
        "numerator_label": "On time",
        "denominator_label": "Due",
    }
    rule = ctx.rule("first_core_group")
    if rule is None:
        return unmeasured(ctx, "first_core_group", **described)
    plans = authority_plans(ctx).filter(
        started_on__lte=ctx.end, started_on__gte=ctx.start - longest_span(rule.value, rule.unit)
    )
    found = ctx.deadlines_by_team(
        plans,
        due=ctx.due(F("started_on"), rule),
        met=_first_core_group_on(),
        ended=_plan_ends(),
    )
    return ctx.measure(found, **described)


def _plan_ends() -> Any:
    """The day the plan ends: the latest date while it is open."""
    return Coalesce("ended_on", Value(dt.date.max), output_field=DateField())


def _first_core_group_on() -> Subquery:
    return Subquery(
        CoreGroupMeeting.objects.filter(plan_id=OuterRef("pk"))
        .order_by("held_on")
        .values("held_on")[:1]
    )


def plans_authorised_on_time(ctx: MeasureContext) -> Measure:
    described = {
        "key": "plans_authorised",
        "title": "Detailed plans authorised on time",
        "counted": (
            "Of the detailed plans due for authorisation in the period (the profile's "
            "timescale after the first core group), those the team manager authorised by "
            "then. A plan not yet authorised counts as late; a plan that ended before it "
            "fell due is not counted."
        ),
        "numerator_label": "On time",
        "denominator_label": "Due",
    }
    rule = ctx.rule("plan_authorisation")
    if rule is None:
        return unmeasured(ctx, "plan_authorisation", **described)
    plans = (
        authority_plans(ctx)
        .filter(started_on__lte=ctx.end)
        .filter(
            Q(ended_on__isnull=True)
            | Q(ended_on__gte=ctx.start - longest_span(rule.value, rule.unit))
        )
        .annotate(first_on=_first_core_group_on())
    )
    found = ctx.deadlines_by_team(
        plans,
        due=ctx.due(F("first_on"), rule),
        met=F("authorised_on"),
        ended=_plan_ends(),
    )
    return ctx.measure(found, **described)


def reviews_on_time(ctx: MeasureContext) -> Measure:
    """Each conference that started or continued a plan sets the next review: on the date
    it set, else the profile's first review (pre-birth review) or later review interval."""
    described = {
        "key": "reviews",
        "title": "Review conferences on time",
        "counted": (
            "Of the review conferences due in the period (on the date the previous conference "
            "set, else the profile's interval after it), those held by then: the next "
            "conference held during the plan, a review or the one that ended it. A review not "
            "yet held counts as late; one that fell due after the plan ended is not counted."
        ),
        "numerator_label": "On time",
        "denominator_label": "Due",
    }
    rules = {
        Conference.Kind.INITIAL: ctx.rule("first_review_conference"),
        Conference.Kind.PRE_BIRTH: ctx.rule("pre_birth_review")
        or ctx.rule("first_review_conference"),
        Conference.Kind.REVIEW: ctx.rule("review_conference"),
    }
    if rules[Conference.Kind.INITIAL] is None or rules[Conference.Kind.REVIEW] is None:
        return unmeasured(ctx, "review_conference", **described)
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
    # Met by the next conference held for the child (a review, or the one that ended the
    # plan): the next row of the child's conferences, in time.
    next_held = Window(
        Lead("conference__held_on"),
        partition_by=[F("child_id")],
        order_by=[F("conference__held_on").asc(), F("conference_id").asc()],
    )
    found = ctx.deadlines_by_team(
        _conferences_during_plans(ctx, rules),
        due=due,
        met=next_held,
        ended=F("plan_ends"),
        anchor=Q(decision__in=[ConferenceChild.Decision.PLAN, ConferenceChild.Decision.CONTINUE]),
    )
    return ctx.measure(found, **described)


def _conferences_during_plans(
    ctx: MeasureContext, rules: dict[Conference.Kind, Rule | None]
) -> QuerySet[ConferenceChild]:
    """Every conference held during a plan, that a window needs to see (each with the plan
    it was held during, in the same filter call: one join); those that started or
    continued the plan are the deadlines' anchors."""
    longest = max(longest_span(r.value, r.unit) for r in rules.values() if r is not None)
    return ConferenceChild.objects.filter(
        access.authority_records_q(ctx.user, authority="conference__authority"),
        Q(next_review_on__range=(ctx.start, ctx.end))
        | Q(conference__held_on__gte=ctx.start - longest),
        Q(child__plans__ended_on__isnull=True)
        | Q(child__plans__ended_on__gte=F("conference__held_on")),
        child__plans__started_on__lte=F("conference__held_on"),
        conference__status__in=HELD,
        conference__kind__in=list(rules),
        conference__held_on__lte=ctx.end,
    ).annotate(
        plan_ends=Coalesce(
            F("child__plans__ended_on"), Value(dt.date.max), output_field=DateField()
        )
    )


def statutory_visits_on_time(ctx: MeasureContext) -> Measure:
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
        "numerator_label": "On time",
        "denominator_label": "Due",
    }
    rule = ctx.rule("statutory_visit")
    if rule is None:
        return unmeasured(ctx, "statutory_visit", **described)
    found = _visits_from_plan_starts(ctx, rule)
    more = _visits_from_each_visit(ctx, rule)
    for team_id, ratio in more.items():
        had = found.get(team_id, Ratio(0, 0))
        found[team_id] = Ratio(had.numerator + ratio.numerator, had.denominator + ratio.denominator)
    return ctx.measure(found, **described)


def _visits_from_plan_starts(ctx: MeasureContext, rule: Rule) -> dict[Any, Ratio]:
    """From the plan's start: met by the first statutory visit on or after it, in the plan."""
    first_visit = Subquery(
        Visit.objects.filter(statutory_visit_q(), child_id=OuterRef("child_id"))
        .annotate(day=TruncDate("visited_at"))
        .filter(day__gte=OuterRef("started_on"))
        .order_by("visited_at")
        .values("day")[:1]
    )
    interval = _interval(ctx, rule)
    plans = authority_plans(ctx).filter(started_on__lte=ctx.end).annotate(**interval)
    return ctx.deadlines_by_team(
        plans,
        due=due_on(F("started_on"), F("interval_value"), unit_field="interval_unit", days=ctx.days),
        met=first_visit,
        ended=_plan_ends(),
    )


def _visits_from_each_visit(ctx: MeasureContext, rule: Rule) -> dict[Any, Ratio]:
    """From each statutory visit during a plan: met by the next one (the next row of the
    child's visits, in time: every visit of a plan is among them)."""
    next_visit = Window(
        Lead(TruncDate("visited_at")),
        partition_by=[F("child_id")],
        order_by=[F("visited_at").asc(), F("id").asc()],
    )
    # One filter call, so that every condition on the plan is on the same plan: the one
    # the visit was made during.
    visits = (
        Visit.objects.filter(
            statutory_visit_q(),
            access.authority_records_q(ctx.user, authority="child__plans__authority"),
            Q(child__plans__ended_on__isnull=True)
            | Q(child__plans__ended_on__gte=TruncDate("visited_at")),
            child__plans__started_on__lte=TruncDate("visited_at"),
            # A due date is computed for a start within the calendar's span alone.
            visited_at__gte=end_of_day(ctx.start - CALENDAR_MARGIN),
            visited_at__lt=end_of_day(ctx.end),
        )
        .annotate(
            plan_ends=Coalesce(
                F("child__plans__ended_on"), Value(dt.date.max), output_field=DateField()
            ),
            plan_visit_interval_value=F("child__plans__visit_interval_value"),
            plan_visit_interval_unit=F("child__plans__visit_interval_unit"),
        )
        .annotate(**_interval(ctx, rule, plan="plan_"))
    )
    return ctx.deadlines_by_team(
        visits,
        due=due_on(
            TruncDate("visited_at"), F("interval_value"), unit_field="interval_unit", days=ctx.days
        ),
        met=next_visit,
        ended=F("plan_ends"),
    )


def _interval(ctx: MeasureContext, rule: Rule, plan: str = "") -> dict[str, Any]:
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

"""The measures of timescales met: each deadline that fell due in the period, as the
deadline engine sets it (the authority's profile and working days, computed per row by
:mod:`cpcase.working_days_sql`), met or not by its due date. See :mod:`registry.measures`."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from conferences.models import Conference, ConferenceChild, StrategyDiscussion
from cpcase import access
from cpcase.timescales import Rule
from cpcase.working_days_sql import due_on, longest_span
from plans.models import CoreGroupMeeting, Plan
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
    plans = (
        authority_plans(ctx)
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
        .filter(first_on__isnull=False)
        .annotate(due=ctx.due(F("first_on"), rule))
        .filter(ctx.in_period("due"))
        .filter(
            Q(authorised_on__isnull=False) | Q(ended_on__isnull=True) | Q(ended_on__gte=F("due"))
        )
    )
    found = ctx.by_team(plans, "child__team_id", Q(authorised_on__lte=F("due")))
    return ctx.measure(found, **described)


def reviews_on_time(ctx: MeasureContext) -> Measure:
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
    # From the plan's start: met by the first statutory visit on or after it, in the plan.
    first_visit = Subquery(
        Visit.objects.filter(statutory_visit_q(), child_id=OuterRef("child_id"))
        .annotate(day=TruncDate("visited_at"))
        .filter(day__gte=OuterRef("started_on"))
        .order_by("visited_at")
        .values("day")[:1]
    )
    interval = _interval(ctx, rule)
    plans = (
        authority_plans(ctx)
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
            statutory_visit_q(),
            child_id=OuterRef("child_id"),
            visited_at__gt=OuterRef("visited_at"),
        )
        .order_by("visited_at")
        .annotate(day=TruncDate("visited_at"))
        .values("day")[:1]
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


def _met_in_plan(met: str, ended: str) -> Any:
    """The day a deadline was met, if within the plan (else None)."""
    return Case(
        When(Q(**{f"{ended}__isnull": True}) | Q(**{f"{met}__lte": F(ended)}), then=F(met)),
        default=None,
        output_field=DateField(),
    )

"""The measures of timescales met: each deadline that fell due in the period, as the
deadline engine sets it (the authority's profile and working days), met or not by its due
date. The deadlines are stored (:mod:`registry.measure_facts`): each measure reads one
index range of them. See :mod:`registry.measures`."""

from __future__ import annotations

from registry.measures import Measure, MeasureContext, unmeasured
from registry.models import TimescaleFact

Fact = TimescaleFact.Measure


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
    if ctx.rule("icpc") is None:
        return unmeasured(ctx, "icpc", **described)
    found = ctx.facts_by_team([Fact.INITIAL_CONFERENCE], due_in_period=False)
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
    if ctx.rule("first_core_group") is None:
        return unmeasured(ctx, "first_core_group", **described)
    found = ctx.facts_by_team([Fact.FIRST_CORE_GROUP])
    return ctx.measure(found, **described)


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
    if ctx.rule("plan_authorisation") is None:
        return unmeasured(ctx, "plan_authorisation", **described)
    found = ctx.facts_by_team([Fact.PLAN_AUTHORISATION])
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
    if ctx.rule("first_review_conference") is None or ctx.rule("review_conference") is None:
        return unmeasured(ctx, "review_conference", **described)
    found = ctx.facts_by_team([Fact.REVIEW])
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
    if ctx.rule("statutory_visit") is None:
        return unmeasured(ctx, "statutory_visit", **described)
    found = ctx.facts_by_team([Fact.VISIT_FROM_PLAN_START, Fact.VISIT_FROM_VISIT])
    return ctx.measure(found, **described)

"""What the chair records is checked before anything is written: the day, each child's
decision, the plan's parts, and the people at the conference."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from conferences.models import Conference, ConferenceAttendee, ConferenceChild
from conferences.services.common import (
    DECISIONS_BY_KIND,
    HELD_STATUSES,
    STEP_DOWN_VALUES,
    Decision,
    working_day_errors,
)
from conferences.services.inputs import DecisionInput, OutcomeInput
from cpcase.models import Child, Nation, TimeUnit
from plans.models import CORE_GROUP_INTERVAL_MAX, Category, StepDown

Errors = dict[str, list[str]]


def _first_review_since_looked_after(
    child: Child, conference: Conference, held_on: dt.date
) -> bool:
    """Whether this review, held on ``held_on``, is the first since the child became looked
    after (``looked_after_since``, required when the child is recorded as looked after)."""
    if not child.looked_after or child.looked_after_since is None:
        return False
    if held_on < child.looked_after_since:
        return False
    return (
        not ConferenceChild.objects.filter(
            child=child,
            conference__kind=Conference.Kind.REVIEW,
            conference__status__in=HELD_STATUSES,
            conference__held_on__gte=child.looked_after_since,
            conference__held_on__lt=held_on,
        )
        .exclude(conference=conference)
        .exists()
    )


def _dual_plan_justification_missing(
    conference: Conference, subjects: dict[str, ConferenceChild], data: OutcomeInput
) -> str:
    """A looked after child has a care plan; a child protection plan is only a supplement
    to it (DOMAIN.md), so keeping both is justified: at the conference that makes a plan for
    a child already looked after, and at the first review after the child became looked
    after. The message for the first child that needs it, or empty."""
    decisions = {str(d.child_id): d.decision for d in data.decisions}
    for key, subject in subjects.items():
        child = subject.child
        if not child.looked_after:
            continue
        if decisions.get(key) == Decision.PLAN:
            return (
                f"{child.name} is looked after: a child protection plan is only a supplement "
                "to the care plan. Record why this child needs both plans."
            )
        if (
            conference.kind == Conference.Kind.REVIEW
            and decisions.get(key) == Decision.CONTINUE
            and _first_review_since_looked_after(child, conference, data.held_on)
        ):
            return (
                f"{child.name} is looked after: this first review since then must justify "
                "keeping both the care plan and the child protection plan."
            )
    return ""


def _authority_of(conference: Conference, subjects: dict[str, ConferenceChild]) -> Any:
    if conference.authority_id:
        return conference.authority_id
    return next(iter(subjects.values())).child.responsible_authority_id


def _held_on_errors(
    conference: Conference, subjects: dict[str, ConferenceChild], held_on: dt.date
) -> Errors:
    """Held on a working day of the authority, and not in the future."""
    if held_on > timezone.localdate():
        return {"held_on": ["A conference cannot be recorded as held in the future."]}
    day_errors = working_day_errors(held_on, _authority_of(conference, subjects))
    return {"held_on": day_errors} if day_errors else {}


def _step_down_errors(key: str, d: DecisionInput, subject: ConferenceChild) -> Errors:
    """A step-down follows a plan that ends, and is the one of the child's nation."""
    if not d.step_down:
        return {}
    if d.decision != Decision.DISCONTINUE:
        return {f"{key}.step_down": ["A step-down is recorded only when the plan ends."]}
    scotland = subject.child.responsible_authority.nation == Nation.SCOTLAND
    if d.step_down not in STEP_DOWN_VALUES:
        message = "Choose a child in need plan, a GIRFEC plan, or no further plan."
    elif d.step_down == StepDown.GIRFEC and not scotland:
        message = "A GIRFEC plan is Scotland's: choose a child in need plan."
    elif d.step_down == StepDown.CHILD_IN_NEED and scotland:
        message = "In Scotland support continues under a GIRFEC plan: choose that."
    else:
        return {}
    return {f"{key}.step_down": [message]}


def _category_errors(key: str, d: DecisionInput) -> Errors:
    """A plan has its category of abuse; a continued plan its latest one."""
    errors: Errors = {}
    if d.decision == Decision.PLAN and d.category not in Category.values:
        errors[f"{key}.category"] = ["Record the category of abuse: NEG, PHY, SAB, EMO or MUL."]
    if d.decision == Decision.CONTINUE and (d.latest_category or d.category) not in Category.values:
        errors[f"{key}.latest_category"] = [
            "Record the latest category of abuse: NEG, PHY, SAB, EMO or MUL."
        ]
    return errors


def _interval_errors(key: str, d: DecisionInput) -> Errors:
    """The conference that starts the plan may set its own core group interval."""
    if d.core_group_interval_days is None:
        return {}
    if d.decision != Decision.PLAN:
        message = "The core group interval is set by the conference that starts the plan."
    elif not 1 <= d.core_group_interval_days <= CORE_GROUP_INTERVAL_MAX:
        message = f"Give the core group interval as 1 to {CORE_GROUP_INTERVAL_MAX} working days."
    else:
        return {}
    return {f"{key}.core_group_interval_days": [message]}


def _decision_errors(
    conference: Conference, subjects: dict[str, ConferenceChild], data: OutcomeInput
) -> Errors:
    """One decision for each child the conference is about, of the kinds it may make."""
    errors: Errors = {}
    allowed = DECISIONS_BY_KIND[Conference.Kind(conference.kind)]
    seen: set[str] = set()
    for i, d in enumerate(data.decisions):
        key = f"decisions[{i}]"
        subject = subjects.get(str(d.child_id))
        if subject is None:
            errors[f"{key}.child"] = ["This child is not one the conference is about."]
            continue
        if str(d.child_id) in seen:
            errors[f"{key}.child"] = ["Record one decision for each child."]
        seen.add(str(d.child_id))
        if d.decision not in allowed:
            errors[f"{key}.decision"] = [
                f"A {conference.get_kind_display().lower()} decides: "
                + " or ".join(sorted(str(a) for a in allowed))
                + "."
            ]
        errors.update(_category_errors(key, d))
        errors.update(_interval_errors(key, d))
        errors.update(_step_down_errors(key, d, subject))
    missing = set(subjects) - seen
    if missing:
        names = ", ".join(sorted(subjects[m].child.name for m in missing))
        errors.setdefault("decisions", []).append(f"Record a decision for {names}.")
    return errors


def _plan_errors(data: OutcomeInput) -> Errors:
    """A plan made or continued has its outline, its lead social worker and core group."""
    errors: Errors = {}
    planning = [d for d in data.decisions if d.decision in (Decision.PLAN, Decision.CONTINUE)]
    if any(d.decision == Decision.PLAN for d in data.decisions) and not data.outline_plan:
        errors["outline_plan"] = ["Record the outline plan: at least one issue."]
    if planning and data.lead_social_worker is None:
        errors["lead_social_worker"] = ["Name the lead social worker."]
    if any(d.decision == Decision.PLAN for d in data.decisions) and not any(
        m.user is not None for m in data.core_group
    ):
        errors["core_group"] = ["Name the core group, with at least one professional."]
    if data.next_review_on is not None and data.next_review_on <= data.held_on:
        errors["next_review_on"] = ["The next review must be after the conference."]
    return errors


def _people_errors(data: OutcomeInput) -> Errors:
    """The parents and carers, the professionals, and who is told of the outcome."""
    errors: Errors = {}
    for i, p in enumerate(data.parents):
        if not p.name.strip():
            errors[f"parents[{i}].name"] = ["Enter the parent's or carer's name."]
        if p.excluded and not p.exclusion_reason.strip():
            errors[f"parents[{i}].exclusion_reason"] = [
                "A parent can only be excluded by the chair for a recorded reason: record it."
            ]
        if p.excluded and p.attended:
            errors[f"parents[{i}].attended"] = ["An excluded parent did not attend."]
    for i, a in enumerate(data.attendees):
        if not a.name.strip():
            errors[f"attendees[{i}].name"] = ["Enter the name of each professional."]
        if a.attendance not in ConferenceAttendee.Attendance.values:
            errors[f"attendees[{i}].attendance"] = ["Choose attended, apologies or absent."]
    if data.parents_informed is False and not data.parents_not_informed_reason.strip():
        errors["parents_not_informed_reason"] = [
            "Record why the parents will not be told: the risk of significant harm or "
            "serious injury to the child, another child or an adult."
        ]
    if data.child_informed is False and not data.child_not_informed_reason.strip():
        errors["child_not_informed_reason"] = [
            "Record why the child will not be told (their age and understanding)."
        ]
    return errors


def outcome_errors(
    conference: Conference, subjects: dict[str, ConferenceChild], data: OutcomeInput
) -> Errors:
    """Everything wrong with the outcome, by field (empty when it can be recorded)."""
    errors = _held_on_errors(conference, subjects, data.held_on)
    errors.update(_decision_errors(conference, subjects, data))
    errors.update(_plan_errors(data))
    errors.update(_people_errors(data))
    if not data.dual_plan_justification.strip():
        message = _dual_plan_justification_missing(conference, subjects, data)
        if message:
            errors["dual_plan_justification"] = [message]
    if data.visit_interval is not None:
        value, unit = data.visit_interval
        if value < 1 or unit not in TimeUnit.values:
            errors["visit_interval"] = ["Give the visit interval as a number and a unit."]
    return errors

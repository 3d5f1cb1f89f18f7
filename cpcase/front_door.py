"""The front door: the child in need episode (the CIN census's ``CINdetails``).

A referral opens an episode; assessments, section 47 enquiries (conferences), child in
need plans and child protection plans (plans) happen within it; the closure ends it.
Services write (each checks the gate, validates, writes, audits); selectors read.

The core cannot see the domain apps, so what else keeps an episode open (a child
protection plan running, a section 47 enquiry waiting for its outcome) is asked of
providers the apps register from ``AppConfig.ready`` (``register_open_work``), and so is
what else happened in it beyond assessments (``register_episode_activity``): an episode
with a section 47 enquiry, an initial conference or a plan in it cannot close as "closed
after assessment" (RC8, RC9; the DfE's rule 2990).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cpcase import access, chronology
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import (
    Assessment,
    AuditEvent,
    Child,
    ChildInNeedPlan,
    EmergencyProtection,
    Referral,
    User,
)
from cpcase.reference import (
    ASSESSMENT_FACTOR_CODES,
    CLOSURE_REASON_CHOICES,
    NO_FACTORS_IDENTIFIED,
    PRIMARY_NEED_CHOICES,
    REFERRAL_SOURCE_CHOICES,
)

REFERRAL_SOURCES = frozenset(code for code, _ in REFERRAL_SOURCE_CHOICES)
PRIMARY_NEEDS = frozenset(code for code, _ in PRIMARY_NEED_CHOICES)
CLOSURE_REASONS = frozenset(code for code, _ in CLOSURE_REASON_CHOICES)
# A referral counts as a re-referral when an earlier one came within 12 months.
RE_REFERRAL_MONTHS = 12
# Next steps that end the referral at the front door (the census's ReferralNFA).
_NFA_STEPS = frozenset({Referral.NextStep.NO_FURTHER_ACTION, Referral.NextStep.EARLY_HELP})

# A provider names the work still open in an episode on a day: ["a child protection
# plan since 3 May 2026"]; an episode cannot close while any is open.
OpenWork = Callable[[Referral, dt.date], list[str]]
_open_work_providers: list[OpenWork] = []


def register_open_work(provider: OpenWork) -> None:
    if provider not in _open_work_providers:
        _open_work_providers.append(provider)


# A provider names the activity beyond assessments recorded in an episode up to a day
# (["the section 47 enquiry started on 3 May 2026"]): whatever it names, the episode was
# more than an assessment, so it cannot close with RC8 or RC9.
EpisodeActivity = Callable[[Referral, dt.date], list[str]]
_episode_activity_providers: list[EpisodeActivity] = []
# "Case closed after assessment": no further action (RC8) or referred to early help (RC9).
CLOSED_AFTER_ASSESSMENT = frozenset({"RC8", "RC9"})
# The reason for an episode that ends after more than an assessment.
SERVICES_CEASED = "RC7"


def register_episode_activity(provider: EpisodeActivity) -> None:
    if provider not in _episode_activity_providers:
        _episode_activity_providers.append(provider)


@dataclass(frozen=True)
class ReferrerInput:
    name: str = ""
    role: str = ""
    agency: str = ""
    phone: str = ""


# --- Selectors -------------------------------------------------------------------------


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    """Referrals of the children whose case record the user may see."""
    return Referral.objects.filter(child__in=access.children_visible_to(user))


def assessments_visible_to(user: User) -> QuerySet[Assessment]:
    return Assessment.objects.filter(child__in=access.children_visible_to(user))


def open_episode(child: Child | uuid.UUID | str, *, on: dt.date | None = None) -> Referral | None:
    """The child's episode open on ``on`` (today by default): the referral that went on
    to further action, received by then and not closed before then."""
    day = on or timezone.localdate()
    child_id = child.pk if isinstance(child, Child) else child
    return (
        Referral.objects.filter(child_id=child_id, nfa=False, received_on__lte=day)
        .exclude(closed_on__lt=day)
        .order_by("-received_on")
        .first()
    )


def episode_for(*, user: User, referral_id: Any) -> Referral:
    pk = access.as_uuid(referral_id)
    referral = (
        referrals_visible_to(user).select_related("child").filter(pk=pk).first() if pk else None
    )
    if referral is None:
        raise NotFound("No referral was found.")
    return referral


def assessment_for(*, user: User, assessment_id: Any) -> Assessment:
    pk = access.as_uuid(assessment_id)
    assessment = (
        assessments_visible_to(user).select_related("child", "referral").filter(pk=pk).first()
        if pk
        else None
    )
    if assessment is None:
        raise NotFound("No assessment was found.")
    return assessment


def is_re_referral(referral: Referral) -> bool:
    """Whether another referral for the child came in the 12 months before this one."""
    since = referral.received_on - relativedelta(months=RE_REFERRAL_MONTHS)
    earlier = Referral.objects.filter(
        child_id=referral.child_id, received_on__range=(since, referral.received_on)
    ).exclude(pk=referral.pk)
    return (
        earlier.filter(received_on__lt=referral.received_on).exists()
        or earlier.filter(
            received_on=referral.received_on, created_at__lt=referral.created_at
        ).exists()
    )


def re_referral_ids(referrals: Iterable[Referral]) -> set[Any]:
    """The ids of those referrals that are re-referrals (:func:`is_re_referral`), in one
    query for a whole page."""
    page = list(referrals)
    if not page:
        return set()
    by_child: dict[Any, list[tuple[dt.date, dt.datetime, Any]]] = {}
    for pk, child_id, received_on, created_at in Referral.objects.filter(
        child_id__in={r.child_id for r in page}
    ).values_list("pk", "child_id", "received_on", "created_at"):
        by_child.setdefault(child_id, []).append((received_on, created_at, pk))
    found = set()
    for referral in page:
        since = referral.received_on - relativedelta(months=RE_REFERRAL_MONTHS)
        for received_on, created_at, pk in by_child.get(referral.child_id, []):
            if pk == referral.pk or not since <= received_on <= referral.received_on:
                continue
            if received_on < referral.received_on or created_at < referral.created_at:
                found.add(referral.pk)
                break
    return found


def open_work(referral: Referral, on: dt.date) -> list[str]:
    """What keeps the episode open on ``on``: plans, enquiries, assessments."""
    work: list[str] = []
    for assessment in referral.assessments.filter(authorised_on__isnull=True):
        work.append(f"the assessment started on {assessment.started_on:%d %B %Y}")
    for provider in _open_work_providers:
        work.extend(provider(referral, on))
    return work


def episode_activity(referral: Referral, on: dt.date) -> list[str]:
    """The activity beyond assessments recorded in the episode up to ``on``: child in need
    plans here, section 47 enquiries, initial conferences and child protection plans from
    the providers. The DfE's rule 2990: an episode closed RC8 or RC9 has none of them."""
    activity = [
        f"the child in need plan started on {plan.started_on:%d %B %Y}"
        for plan in referral.cin_plans.filter(started_on__lte=on).order_by("started_on")
    ]
    for provider in _episode_activity_providers:
        activity.extend(provider(referral, on))
    return activity


def closure_after_assessment_reason(referral: Referral, on: dt.date, outcome: str) -> str:
    """The reason an episode closes with when an assessment ends it on ``on``: RC8 (no
    further action) or RC9 (early help) when the assessments were all that happened in
    it, else RC7 (services ceased for any other reason)."""
    if episode_activity(referral, on):
        return SERVICES_CEASED
    return "RC8" if outcome == Assessment.Outcome.NO_FURTHER_ACTION else "RC9"


# --- Services --------------------------------------------------------------------------


def _not_future(errors: dict[str, list[str]], field: str, day: dt.date | None, what: str) -> None:
    if day is not None and day > timezone.localdate():
        errors.setdefault(field, []).append(f"The {what} cannot be in the future.")


def _referral_errors(
    child: Child,
    *,
    received_on: dt.date,
    source: str,
    primary_need: str,
    nfa: bool,
    next_step: str,
) -> dict[str, list[str]]:
    """What is wrong with the referral's own fields (the census's lists, NFA and the next
    step agreeing, dates)."""
    errors: dict[str, list[str]] = {}
    _not_future(errors, "received_on", received_on, "referral date")
    if source not in REFERRAL_SOURCES:
        errors["source"] = ["Choose the source of the referral from the census list."]
    if next_step not in Referral.NextStep.values:
        errors["next_step"] = [
            "Choose the next step: assessment, strategy_discussion, early_help or nfa."
        ]
    elif nfa and next_step not in _NFA_STEPS:
        errors["nfa"] = [
            "A referral with no further action goes no further than early help: "
            "choose 'No further action' or 'Early help' as the next step."
        ]
    elif not nfa and next_step in _NFA_STEPS:
        errors["nfa"] = ["A referral whose next step is early help or no further action is NFA."]
    if primary_need and primary_need not in PRIMARY_NEEDS:
        errors["primary_need"] = ["Choose the primary need, N1 to N9."]
    elif not nfa and not primary_need:
        errors["primary_need"] = [
            "Choose the primary need: the referral goes on to further action."
        ]
    if child.date_of_death and received_on > child.date_of_death:
        errors.setdefault("received_on", []).append(
            "The referral cannot come after the child's date of death."
        )
    return errors


def _episode_overlap_errors(child: Child, received_on: dt.date) -> dict[str, list[str]]:
    """A referral that opens an episode overlaps no other episode of the child."""
    errors: dict[str, list[str]] = {}
    current = open_episode(child, on=received_on) or (
        Referral.objects.filter(child=child, nfa=False, closed_on__isnull=True).first()
    )
    if current is not None:
        errors["received_on"] = [
            f"{child.name} already has an episode open since "
            f"{current.received_on:%d %B %Y}: close it before a new referral opens "
            "another, or record this contact on it."
        ]
    later = (
        Referral.objects.filter(child=child, nfa=False, closed_on__gte=received_on)
        .order_by("-closed_on")
        .first()
    )
    if later is not None and "received_on" not in errors:
        errors["received_on"] = [
            f"An episode ran until {later.closed_on:%d %B %Y}: episodes cannot overlap."
        ]
    return errors


@transaction.atomic
def referral_record(
    *,
    actor: User,
    child_id: Any,
    received_on: dt.date,
    source: str,
    primary_need: str = "",
    nfa: bool,
    next_step: str,
    referrer: ReferrerInput = ReferrerInput(),
    details: str = "",
) -> Referral:
    """Record a referral. One that goes on to further action opens the child's episode;
    one with no further action (or early help) stands alone."""
    child = access.child_for(actor, child_id, access.Action.EDIT)
    if not access.may_record_front_door(actor, child):
        raise NotPermitted("You may not record a referral for this child.")
    errors = _referral_errors(
        child,
        received_on=received_on,
        source=source,
        primary_need=primary_need,
        nfa=nfa,
        next_step=next_step,
    )
    if not errors and not nfa:
        errors = _episode_overlap_errors(child, received_on)
    if errors:
        raise DomainError(errors=errors)
    referral = Referral.objects.create(
        child=child,
        authority_id=access.recording_authority(actor, child),
        received_on=received_on,
        source=source,
        primary_need=primary_need,
        nfa=nfa,
        next_step=next_step,
        referrer_name=referrer.name.strip(),
        referrer_role=referrer.role.strip(),
        referrer_agency=referrer.agency.strip(),
        referrer_phone=referrer.phone.strip(),
        details=details.strip(),
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=referral,
        child=child,
        summary=f"Recorded a referral: {referral.get_next_step_display()}",
        changes={
            "received_on": received_on,
            "source": source,
            "primary_need": primary_need,
            "nfa": nfa,
            "next_step": next_step,
        },
    )
    return referral


def _factor_errors(factors: Sequence[str]) -> list[str]:
    unknown = [code for code in factors if code not in ASSESSMENT_FACTOR_CODES]
    if unknown:
        return [f"Not a census assessment factor: {', '.join(unknown)}."]
    if len(set(factors)) != len(factors):
        return ["Each factor can be chosen once."]
    if NO_FACTORS_IDENTIFIED in factors and len(factors) > 1:
        return ["'No factors identified' cannot be chosen with other factors."]
    return []


def _assessment_referral(
    child: Child, referral_id: Any, started_on: dt.date, errors: dict[str, list[str]]
) -> Referral | None:
    """The referral an assessment starting on ``started_on`` follows: the one named, or the
    child's open episode; what stops it following that one is added to ``errors``."""
    if referral_id not in (None, ""):
        referral_pk = access.as_uuid(referral_id)
        referral = (
            Referral.objects.filter(pk=referral_pk, child=child).first() if referral_pk else None
        )
        if referral is None:
            errors["referral"] = ["Choose a referral of this child."]
    else:
        referral = open_episode(child, on=started_on)
        if referral is None:
            errors["referral"] = [
                f"{child.name} has no open episode on that day: record the referral first."
            ]
    if referral is not None:
        if referral.nfa:
            errors["referral"] = ["That referral was NFA: no assessment follows it."]
        elif started_on < referral.received_on:
            errors.setdefault("started_on", []).append(
                f"The assessment cannot start before the referral ({referral.received_on:%d %B %Y})."
            )
        elif referral.closed_on and started_on > referral.closed_on:
            errors.setdefault("started_on", []).append(
                f"The episode closed on {referral.closed_on:%d %B %Y}."
            )
    return referral


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    child_id: Any,
    started_on: dt.date,
    referral_id: Any = None,
    factors: Sequence[str] = (),
    summary: str = "",
) -> Assessment:
    """Start a child and family assessment in the child's open episode."""
    child = access.child_for(actor, child_id, access.Action.EDIT)
    if not access.may_record_front_door(actor, child):
        raise NotPermitted("You may not record an assessment for this child.")
    errors: dict[str, list[str]] = {}
    _not_future(errors, "started_on", started_on, "assessment's start date")
    referral = _assessment_referral(child, referral_id, started_on, errors)
    factor_errors = _factor_errors(list(factors))
    if factor_errors:
        errors["factors"] = factor_errors
    if errors:
        raise DomainError(errors=errors)
    assert referral is not None  # noqa: S101 - the errors above cover None
    assessment = Assessment.objects.create(
        child=child,
        referral=referral,
        started_on=started_on,
        factors=list(factors),
        summary=summary.strip(),
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=assessment,
        child=child,
        summary="Started a child and family assessment",
        changes={"started_on": started_on, "factors": list(factors)},
    )
    return assessment


def _authorisation_errors(
    assessment: Assessment, authorised_on: dt.date, factor_list: list[str], outcome: str
) -> dict[str, list[str]]:
    """What stops the assessment being authorised on that day with those factors."""
    errors: dict[str, list[str]] = {}
    if assessment.authorised_on is not None:
        errors["authorised_on"] = [
            f"This assessment was authorised on {assessment.authorised_on:%d %B %Y}."
        ]
    _not_future(errors, "authorised_on", authorised_on, "authorisation date")
    if authorised_on < assessment.started_on:
        errors.setdefault("authorised_on", []).append(
            "An assessment cannot be authorised before it starts."
        )
    if not factor_list:
        errors["factors"] = ["Choose the factors identified, or 'No factors identified' (21)."]
    else:
        factor_errors = _factor_errors(factor_list)
        if factor_errors:
            errors["factors"] = factor_errors
    if outcome not in Assessment.Outcome.values:
        errors["outcome"] = [
            "Choose the outcome: cin_plan, strategy_discussion, early_help or nfa."
        ]
    referral = assessment.referral
    if referral.closed_on and authorised_on > referral.closed_on:
        errors.setdefault("authorised_on", []).append(
            f"The episode closed on {referral.closed_on:%d %B %Y}."
        )
    return errors


@transaction.atomic
def assessment_authorise(
    *,
    actor: User,
    assessment_id: Any,
    authorised_on: dt.date,
    factors: Sequence[str],
    outcome: str,
    summary: str | None = None,
) -> Assessment:
    """The team manager authorises the assessment (the census's completion date) with
    the factors identified and the outcome. A child in need plan outcome starts the
    plan; no further action or early help closes the episode when nothing else is open
    in it: RC8 or RC9 when the episode was assessments only, RC7 when it had more (a
    section 47 enquiry, a conference, a plan), as the DfE's rule 2990 requires."""
    assessment = assessment_for(user=actor, assessment_id=assessment_id)
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    child = Child.objects.get(pk=assessment.child_id)
    if not access.may_authorise_assessment(actor, child):
        raise NotPermitted("Only a team manager of the child's team authorises an assessment.")
    factor_list = list(factors)
    errors = _authorisation_errors(assessment, authorised_on, factor_list, outcome)
    referral = assessment.referral
    if errors:
        raise DomainError(errors=errors)
    assessment.authorised_on = authorised_on
    assessment.authorised_by = actor
    assessment.factors = factor_list
    assessment.outcome = outcome
    if summary is not None:
        assessment.summary = summary.strip()
    assessment.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=assessment,
        child=child,
        summary=f"Authorised the assessment: {assessment.get_outcome_display()}",
        changes={"authorised_on": authorised_on, "factors": factor_list, "outcome": outcome},
    )
    _assessment_outcome_follow(
        actor=actor, child=child, referral=referral, outcome=outcome, on=authorised_on
    )
    return assessment


def _assessment_outcome_follow(
    *, actor: User, child: Child, referral: Referral, outcome: str, on: dt.date
) -> None:
    """What an authorised assessment's outcome starts: a child in need plan, or the end
    of the episode when nothing else is open in it."""
    if outcome == Assessment.Outcome.CHILD_IN_NEED_PLAN:
        _cin_plan_open(actor=actor, child=child, referral=referral, started_on=on)
    elif outcome in (
        Assessment.Outcome.NO_FURTHER_ACTION,
        Assessment.Outcome.EARLY_HELP,
    ) and not open_work(referral, on):
        reason = closure_after_assessment_reason(referral, on, outcome)
        _episode_close(actor=actor, referral=referral, closed_on=on, reason=reason)


@transaction.atomic
def assessment_record_authorised(
    *,
    actor: User,
    child_id: Any,
    started_on: dt.date,
    authorised_on: dt.date,
    factors: Sequence[str],
    outcome: str,
    referral_id: Any = None,
    summary: str = "",
) -> Assessment:
    """Record an assessment already finished and authorise it, in one go: the team
    manager's alone (nothing is kept if the authorisation is refused)."""
    child = access.child_for(actor, child_id, access.Action.EDIT)
    if not access.may_authorise_assessment(actor, child):
        raise NotPermitted("Only a team manager of the child's team authorises an assessment.")
    assessment = assessment_record(
        actor=actor,
        child_id=child.pk,
        started_on=started_on,
        referral_id=referral_id,
        factors=factors,
        summary=summary,
    )
    return assessment_authorise(
        actor=actor,
        assessment_id=assessment.pk,
        authorised_on=authorised_on,
        factors=factors,
        outcome=outcome,
    )


def _cin_plan_open(
    *, actor: User, child: Child, referral: Referral, started_on: dt.date
) -> ChildInNeedPlan:
    running = ChildInNeedPlan.objects.filter(child=child, ended_on__isnull=True).first()
    if running is not None:
        return running
    plan = ChildInNeedPlan.objects.create(
        child=child, referral=referral, started_on=started_on, recorded_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=plan,
        child=child,
        summary="Started a child in need plan",
        changes={"started_on": started_on},
    )
    return plan


@transaction.atomic
def cin_plan_start(*, actor: User, child_id: Any, started_on: dt.date) -> ChildInNeedPlan:
    """Start a child in need plan in the child's open episode (after an assessment, a
    section 47 enquiry with no conference, or a child protection plan's step-down)."""
    child = access.child_for(actor, child_id, access.Action.EDIT)
    if not access.may_record_front_door(actor, child):
        raise NotPermitted("You may not start a child in need plan for this child.")
    errors: dict[str, list[str]] = {}
    _not_future(errors, "started_on", started_on, "plan's start date")
    referral = open_episode(child, on=started_on)
    if referral is None:
        errors.setdefault("started_on", []).append(
            f"{child.name} has no open episode on that day: record the referral first."
        )
    if ChildInNeedPlan.objects.filter(child=child, ended_on__isnull=True).exists():
        errors.setdefault("started_on", []).append(
            f"{child.name} already has a child in need plan running."
        )
    if errors:
        raise DomainError(errors=errors)
    assert referral is not None  # noqa: S101
    return _cin_plan_open(actor=actor, child=child, referral=referral, started_on=started_on)


def cin_plan_step_down(*, actor: User, child: Child, started_on: dt.date) -> ChildInNeedPlan | None:
    """A child protection plan ended with a step-down to a child in need plan: start it
    in the open episode (there is none for a child whose plan began before episodes
    were recorded; then nothing is started). For the plans app, inside its transaction."""
    referral = open_episode(child, on=started_on)
    if referral is None:
        return None
    return _cin_plan_open(actor=actor, child=child, referral=referral, started_on=started_on)


@transaction.atomic
def cin_plan_end(*, actor: User, child_id: Any, ended_on: dt.date) -> ChildInNeedPlan:
    child = access.child_for(actor, child_id, access.Action.EDIT)
    if not access.may_record_front_door(actor, child):
        raise NotPermitted("You may not end this child's child in need plan.")
    plan = (
        ChildInNeedPlan.objects.select_for_update()
        .filter(child=child, ended_on__isnull=True)
        .first()
    )
    errors: dict[str, list[str]] = {}
    if plan is None:
        raise DomainError(errors={"ended_on": [f"{child.name} has no child in need plan running."]})
    _not_future(errors, "ended_on", ended_on, "plan's end date")
    if ended_on < plan.started_on:
        errors.setdefault("ended_on", []).append(
            f"The plan cannot end before it started ({plan.started_on:%d %B %Y})."
        )
    if errors:
        raise DomainError(errors=errors)
    _cin_plan_close(actor=actor, plan=plan, ended_on=ended_on)
    return plan


def _cin_plan_close(*, actor: User, plan: ChildInNeedPlan, ended_on: dt.date) -> None:
    plan.ended_on = ended_on
    plan.save(update_fields=["ended_on"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=plan,
        child=plan.child,
        summary="Ended the child in need plan",
        changes={"ended_on": ended_on},
    )


def _episode_close(*, actor: User, referral: Referral, closed_on: dt.date, reason: str) -> None:
    for plan in ChildInNeedPlan.objects.filter(referral=referral, ended_on__isnull=True):
        _cin_plan_close(actor=actor, plan=plan, ended_on=max(closed_on, plan.started_on))
    referral.closed_on = closed_on
    referral.closure_reason = reason
    referral.save(update_fields=["closed_on", "closure_reason"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=referral,
        child=referral.child,
        summary=f"Closed the episode: {referral.get_closure_reason_display()}",
        changes={"closed_on": closed_on, "closure_reason": reason},
    )


def _latest_activity(referral: Referral) -> dt.date | None:
    dates: list[dt.date] = [referral.received_on]
    for assessment in referral.assessments.all():
        dates.append(assessment.authorised_on or assessment.started_on)
    for plan in referral.cin_plans.all():
        dates.append(plan.started_on)
    return max(dates)


@transaction.atomic
def episode_close(*, actor: User, referral_id: Any, closed_on: dt.date, reason: str) -> Referral:
    """Close the child's episode with the census reason (RC1 to RC9). Nothing may still
    be open in it: a child protection plan, an enquiry waiting for its outcome, an
    assessment not authorised. A running child in need plan ends with it. RC8 and RC9
    ("closed after assessment") only close an episode that was assessments alone."""
    referral = episode_for(user=actor, referral_id=referral_id)
    referral = Referral.objects.select_for_update().select_related("child").get(pk=referral.pk)
    child = referral.child
    if not access.may_record_front_door(actor, child):
        raise NotPermitted("You may not close this child's episode.")
    errors: dict[str, list[str]] = {}
    if referral.nfa:
        errors["referral"] = ["A referral with no further action opened no episode to close."]
    elif referral.closed_on is not None:
        errors["closed_on"] = [f"This episode closed on {referral.closed_on:%d %B %Y}."]
    _not_future(errors, "closed_on", closed_on, "closure date")
    if reason not in CLOSURE_REASONS:
        errors["reason"] = ["Choose the reason for closure, RC1 to RC9."]
    elif reason == "RC2" and child.date_of_death is None:
        errors["reason"] = ["Record the child's date of death before closing the episode as died."]
    elif reason in CLOSED_AFTER_ASSESSMENT and not errors:
        activity = episode_activity(referral, closed_on)
        if activity:
            errors["reason"] = [
                f"{reason} is for an episode closed after assessment alone, and this one had "
                + "; ".join(activity)
                + f": choose {SERVICES_CEASED} (services ceased for any other reason) "
                "or another reason."
            ]
    if not errors:
        latest = _latest_activity(referral)
        if latest and closed_on < latest:
            errors["closed_on"] = [
                f"The episode has work recorded until {latest:%d %B %Y}: close it on or after then."
            ]
        still_open = open_work(referral, closed_on)
        if still_open:
            errors.setdefault("closed_on", []).append(
                "Finish what is still open first: " + "; ".join(still_open) + "."
            )
    if errors:
        raise DomainError(errors=errors)
    _episode_close(actor=actor, referral=referral, closed_on=closed_on, reason=reason)
    return referral


@dataclass(frozen=True)
class EpisodeView:
    """One episode (or NFA referral) on the child's page, with its steps."""

    referral: Referral
    is_re_referral: bool
    assessments: list[Assessment]
    section47_enquiries: list[Any]
    cin_plans: list[ChildInNeedPlan]
    child_protection_plans: list[Any]

    @property
    def is_open(self) -> bool:
        return self.referral.is_open

    @property
    def running_cin_plan(self) -> ChildInNeedPlan | None:
        return next((p for p in self.cin_plans if p.ended_on is None), None)


def episodes_for_page(child: Child) -> list[EpisodeView]:
    """The child's episodes, newest first, each with its assessments, section 47
    enquiries, child in need plans and the child protection plans that began in it; in a
    fixed number of queries. (The enquiries and plans are the domain apps' records, read
    through the child's and the referral's relations: the core imports neither app.)"""
    referrals = list(
        Referral.objects.filter(child=child)
        .prefetch_related("assessments", "cin_plans", "section47_enquiries")
        .order_by("-received_on", "-created_at")
    )
    if not referrals:
        return []
    re_referrals = re_referral_ids(referrals)
    cp_plans = list(child.plans.order_by("started_on"))  # type: ignore[attr-defined]
    today = timezone.localdate()
    views = []
    for referral in referrals:
        end = referral.closed_on or today
        views.append(
            EpisodeView(
                referral=referral,
                is_re_referral=referral.pk in re_referrals,
                assessments=sorted(referral.assessments.all(), key=lambda a: a.started_on),
                section47_enquiries=sorted(
                    referral.section47_enquiries.all(),  # type: ignore[attr-defined]
                    key=lambda e: e.started_on,
                ),
                cin_plans=sorted(referral.cin_plans.all(), key=lambda p: p.started_on),
                child_protection_plans=[]
                if referral.nfa
                else [p for p in cp_plans if referral.received_on <= p.started_on <= end],
            )
        )
    return views


# --- Emergency protection ----------------------------------------------------------------


@transaction.atomic
def emergency_protection_record(
    *,
    actor: User,
    child_id: Any,
    kind: str,
    started_on: dt.date,
    ended_on: dt.date | None = None,
    notes: str = "",
) -> EmergencyProtection:
    """Record an emergency protection order or police protection of the child."""
    child = access.child_for(actor, child_id, access.Action.EDIT)
    if not access.may_record_front_door(actor, child):
        raise NotPermitted("You may not record emergency protection for this child.")
    errors: dict[str, list[str]] = {}
    if kind not in EmergencyProtection.Kind.values:
        errors["kind"] = ["Choose an emergency protection order or police protection."]
    _not_future(errors, "started_on", started_on, "start date")
    _not_future(errors, "ended_on", ended_on, "end date")
    if ended_on is not None and ended_on < started_on:
        errors.setdefault("ended_on", []).append("It cannot end before it started.")
    if child.date_of_birth and started_on < child.date_of_birth:
        errors.setdefault("started_on", []).append("It cannot start before the child was born.")
    if errors:
        raise DomainError(errors=errors)
    protection = EmergencyProtection.objects.create(
        child=child,
        authority_id=access.recording_authority(actor, child),
        kind=kind,
        started_on=started_on,
        ended_on=ended_on,
        notes=notes.strip(),
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=protection,
        child=child,
        summary=f"Recorded {protection.get_kind_display().lower()}",
        changes={"kind": kind, "started_on": started_on, "ended_on": ended_on},
    )
    return protection


def emergency_protections_of(child: Child) -> QuerySet[EmergencyProtection]:
    return EmergencyProtection.objects.filter(child=child).order_by("-started_on")


def children_protected_since(child_ids: Iterable[Any], since: dt.date) -> set[Any]:
    """Of these children, those under emergency protection at any time since ``since``."""
    return set(
        EmergencyProtection.objects.filter(child_id__in=list(child_ids))
        .exclude(ended_on__lt=since)
        .values_list("child_id", flat=True)
    )


def emergency_protection_events(child: Child) -> Iterable[chronology.Event]:
    for protection in child.emergency_protections.all():
        yield chronology.Event(
            on=protection.started_on,
            at=None,
            kind="emergency_protection",
            title=protection.get_kind_display(),
            detail=(
                f"Ended {protection.ended_on:%d %B %Y}"
                if protection.ended_on
                else "No end recorded"
            ),
            object_id=str(protection.pk),
            authority_id=protection.authority_id,
        )


def front_door_chronology(child: Child) -> Iterable[Any]:
    """Referrals, assessments, child in need plans and closures, for the chronology."""
    referrals = list(
        Referral.objects.filter(child=child).prefetch_related("assessments", "cin_plans")
    )
    for referral in referrals:
        yield from _referral_events(referral)


def _referral_events(referral: Referral) -> Iterator[chronology.Event]:
    """A referral, the assessments and child in need plans of its episode, its closure."""
    Event = chronology.Event
    outcome = "no further action" if referral.nfa else referral.get_next_step_display()
    yield Event(
        on=referral.received_on,
        at=None,
        kind="referral",
        title=f"Referral received: {outcome.lower()}",
        detail=referral.get_source_display(),
        object_id=str(referral.pk),
        authority_id=referral.authority_id,
    )
    for assessment in referral.assessments.all():
        yield from _assessment_events(assessment, referral.authority_id)
    for plan in referral.cin_plans.all():
        yield from _cin_plan_events(plan, referral.authority_id)
    if referral.closed_on:
        yield Event(
            on=referral.closed_on,
            at=None,
            kind="episode_closed",
            title=f"Episode closed: {referral.get_closure_reason_display()}",
            object_id=str(referral.pk),
            authority_id=referral.authority_id,
        )


def _assessment_events(assessment: Assessment, authority_id: Any) -> Iterator[chronology.Event]:
    yield chronology.Event(
        on=assessment.started_on,
        at=None,
        kind="assessment_started",
        title="Child and family assessment started",
        object_id=str(assessment.pk),
        authority_id=authority_id,
    )
    if assessment.authorised_on:
        yield chronology.Event(
            on=assessment.authorised_on,
            at=None,
            kind="assessment_authorised",
            title=f"Assessment authorised: {assessment.get_outcome_display().lower()}",
            object_id=str(assessment.pk),
            authority_id=authority_id,
        )


def _cin_plan_events(plan: ChildInNeedPlan, authority_id: Any) -> Iterator[chronology.Event]:
    yield chronology.Event(
        on=plan.started_on,
        at=None,
        kind="cin_plan_started",
        title="Child in need plan started",
        object_id=str(plan.pk),
        authority_id=authority_id,
    )
    if plan.ended_on:
        yield chronology.Event(
            on=plan.ended_on,
            at=None,
            kind="cin_plan_ended",
            title="Child in need plan ended",
            object_id=str(plan.pk),
            authority_id=authority_id,
        )

"""Every write to strategy discussions and conferences.

A conference drives plans through :mod:`plans.services`; finalising is the
chair's act alone and makes the record read-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from conferences.models import (
    STEP_DOWN_CHOICES,
    Conference,
    ConferenceAttendee,
    ConferenceChild,
    ConferenceParent,
    Section47Enquiry,
    StrategyDiscussion,
)
from cpcase import access, front_door, running_deadlines
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent, Child, Nation, Notification, TimeUnit, User
from cpcase.services import (
    NotificationRequest,
    child_allocate_by_conference,
    notifications_raise,
)
from plans import services as plan_services
from plans.models import CORE_GROUP_INTERVAL_MAX, Category, Plan
from plans.services import CoreGroupInput, IssueInput

Decision = ConferenceChild.Decision
DECISIONS_BY_KIND = {
    Conference.Kind.INITIAL: {Decision.PLAN, Decision.NO_PLAN},
    Conference.Kind.PRE_BIRTH: {Decision.PLAN, Decision.NO_PLAN},
    Conference.Kind.TRANSFER_IN: {Decision.PLAN, Decision.NO_PLAN},
    Conference.Kind.REVIEW: {Decision.CONTINUE, Decision.DISCONTINUE},
}
STEP_DOWN_VALUES = {value for value, _ in STEP_DOWN_CHOICES}
HELD_STATUSES = (Conference.Status.HELD, Conference.Status.FINALISED)


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def strategy_discussion_record(
    *, actor: User, child_id: Any, held_on: dt.date, outcome: str, notes: str = ""
) -> StrategyDiscussion:
    child = access.child_for(actor, child_id, access.Action.EDIT)
    errors: dict[str, list[str]] = {}
    if outcome not in StrategyDiscussion.Outcome.values:
        errors["outcome"] = ["Choose the outcome: s47_enquiry or no_further_action."]
    if held_on > timezone.localdate():
        errors["held_on"] = ["A strategy discussion cannot be recorded in the future."]
    if errors:
        raise DomainError(errors=errors)
    discussion = StrategyDiscussion.objects.create(
        child=child, held_on=held_on, outcome=outcome, notes=notes.strip(), recorded_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=discussion,
        child=child,
        summary=f"Recorded a strategy discussion: {discussion.get_outcome_display()}",
        changes={"held_on": held_on, "outcome": outcome},
    )
    return discussion


def section47_for(*, user: User, enquiry_id: Any) -> Section47Enquiry:
    pk = access.as_uuid(enquiry_id)
    enquiry = (
        Section47Enquiry.objects.filter(child__in=access.children_visible_to(user), pk=pk)
        .select_related("child", "strategy_discussion", "referral")
        .first()
        if pk
        else None
    )
    if enquiry is None:
        raise NotFound("No section 47 enquiry was found.")
    return enquiry


def _section47_outcome_errors(
    conference_required: bool | None, reason_not_required: str
) -> dict[str, list[str]]:
    if conference_required is False and not reason_not_required.strip():
        return {
            "reason_not_required": [
                "Say why no initial conference is needed (the census's ICPCnotRequired)."
            ]
        }
    if conference_required is not False and reason_not_required.strip():
        return {"reason_not_required": ["Give a reason only when no conference is needed."]}
    return {}


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def section47_start(
    *,
    actor: User,
    child_id: Any,
    strategy_discussion_id: Any,
    started_on: dt.date,
    conference_required: bool | None = None,
    reason_not_required: str = "",
) -> Section47Enquiry:
    """Start the section 47 enquiry that a strategy discussion decided on, in the child's
    open episode; its outcome may be given at once or later."""
    child = access.child_for(actor, child_id, access.Action.EDIT)
    if not access.may_record_front_door(actor, child):
        raise NotPermitted("You may not record a section 47 enquiry for this child.")
    errors: dict[str, list[str]] = {}
    pk = access.as_uuid(strategy_discussion_id)
    discussion = StrategyDiscussion.objects.filter(pk=pk, child=child).first() if pk else None
    if discussion is None:
        errors["strategy_discussion"] = ["Choose a strategy discussion about this child."]
    elif discussion.outcome != StrategyDiscussion.Outcome.S47_ENQUIRY:
        errors["strategy_discussion"] = [
            "That strategy discussion decided on no further action, not an enquiry."
        ]
    elif Section47Enquiry.objects.filter(strategy_discussion=discussion).exists():
        errors["strategy_discussion"] = [
            "The enquiry from that strategy discussion is already recorded."
        ]
    elif started_on < discussion.held_on:
        errors["started_on"] = [
            "The enquiry cannot start before the strategy discussion "
            f"({discussion.held_on:%d %B %Y})."
        ]
    if started_on > timezone.localdate():
        errors.setdefault("started_on", []).append("The enquiry cannot start in the future.")
    referral = front_door.open_episode(child, on=started_on)
    if referral is None:
        errors.setdefault("started_on", []).append(
            f"{child.name} has no open episode on that day: record the referral first."
        )
    if conference_required is not None or reason_not_required:
        errors.update(_section47_outcome_errors(conference_required, reason_not_required))
    if errors:
        raise DomainError(errors=errors)
    # Each is an error when missing.
    assert discussion is not None and referral is not None  # noqa: S101
    enquiry = Section47Enquiry.objects.create(
        child=child,
        strategy_discussion=discussion,
        referral=referral,
        started_on=started_on,
        conference_required=conference_required,
        reason_not_required=reason_not_required.strip(),
        outcome_recorded_on=timezone.localdate() if conference_required is not None else None,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=enquiry,
        child=child,
        summary="Started a section 47 enquiry",
        changes={
            "started_on": started_on,
            "conference_required": conference_required,
            "reason_not_required": reason_not_required.strip(),
        },
    )
    return enquiry


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def section47_record_outcome(
    *,
    actor: User,
    enquiry_id: Any,
    conference_required: bool,
    reason_not_required: str = "",
) -> Section47Enquiry:
    """The enquiry's outcome: an initial conference is needed, or not, with the reason."""
    enquiry = section47_for(user=actor, enquiry_id=enquiry_id)
    enquiry = Section47Enquiry.objects.select_for_update().get(pk=enquiry.pk)
    child = Child.objects.get(pk=enquiry.child_id)
    if not access.may_record_front_door(actor, child):
        raise NotPermitted("You may not record this enquiry's outcome.")
    if enquiry.conference_required is not None:
        raise DomainError(
            errors={"conference_required": ["This enquiry's outcome is already recorded."]}
        )
    errors = _section47_outcome_errors(conference_required, reason_not_required)
    if errors:
        raise DomainError(errors=errors)
    enquiry.conference_required = conference_required
    enquiry.reason_not_required = reason_not_required.strip()
    enquiry.outcome_recorded_on = timezone.localdate()
    enquiry.save(
        update_fields=["conference_required", "reason_not_required", "outcome_recorded_on"]
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=enquiry,
        child=child,
        summary=(
            "Recorded the section 47 outcome: "
            + ("an initial conference is needed" if conference_required else "no conference")
        ),
        changes={
            "conference_required": conference_required,
            "reason_not_required": enquiry.reason_not_required,
        },
    )
    return enquiry


def section47_open_work(referral: Any, on: dt.date) -> list[str]:
    """For the episode's closure: enquiries still waiting for their outcome, and those
    that need a conference not yet held."""
    work = []
    for enquiry in Section47Enquiry.objects.filter(referral=referral, started_on__lte=on):
        if enquiry.conference_required is None:
            work.append(f"the section 47 enquiry started on {enquiry.started_on:%d %B %Y}")
    return work


@transaction.atomic
@running_deadlines.after(running_deadlines.of_conference)
def conference_schedule(
    *,
    actor: User,
    kind: str,
    child_ids: list[Any],
    scheduled_for: dt.datetime,
    chair: User | None,
    venue: str = "",
    invitations: Sequence[AttendeeInput] = (),
) -> Conference:
    """Schedule a conference for one child or a group of siblings, inviting professionals
    (staff here, or others by name and agency); invited staff are told at once."""
    if not access.may_schedule_conference(actor):
        raise NotPermitted("Only a conference chair or a manager can schedule a conference.")
    errors: dict[str, list[str]] = {}
    if kind not in Conference.Kind.values:
        errors["kind"] = ["Choose initial, review, pre_birth or transfer_in."]
    if not child_ids:
        errors["children"] = ["Choose the child or children the conference is about."]
    if len(set(map(str, child_ids))) != len(child_ids):
        errors["children"] = ["Each child can be named once."]
    if chair is None or not access.may_chair_conferences(chair):
        errors["chair"] = ["Choose a conference chair."]
    elif chair.authority_id != actor.authority_id:
        errors["chair"] = ["Choose a chair of your own authority."]
    errors.update(_invitation_errors(actor, invitations))
    if errors:
        raise DomainError(errors=errors)
    children = [access.child_for(actor, pk) for pk in child_ids]
    for child in children:
        active = Plan.objects.filter(child=child, status=Plan.Status.ACTIVE).exists()
        if kind == Conference.Kind.REVIEW and not active:
            errors.setdefault("children", []).append(
                f"{child.name} has no active plan to review: schedule an initial conference."
            )
        if kind in (Conference.Kind.INITIAL, Conference.Kind.PRE_BIRTH) and active:
            errors.setdefault("children", []).append(
                f"{child.name} already has an active plan: schedule a review conference."
            )
        if kind == Conference.Kind.PRE_BIRTH and not child.is_unborn:
            errors.setdefault("children", []).append(
                f"{child.name} is born: a pre-birth conference is for an unborn baby."
            )
    authority_id = access.recording_authority(actor, children[0])
    day_errors = _working_day_errors(timezone.localdate(scheduled_for), authority_id)
    if day_errors:
        errors["scheduled_for"] = day_errors
    if kind == Conference.Kind.TRANSFER_IN:
        from conferences.transfers import transfer_in_schedule_errors

        for message in transfer_in_schedule_errors(children, actor.authority_id):
            errors.setdefault("children", []).append(message)
    if errors:
        raise DomainError(errors=errors)
    assert chair is not None  # checked above; for the type checker  # noqa: S101
    conference = Conference.objects.create(
        authority_id=authority_id,
        kind=kind,
        scheduled_for=scheduled_for,
        chair=chair,
        venue=venue.strip(),
        scheduled_by=actor,
    )
    ConferenceChild.objects.bulk_create(
        ConferenceChild(conference=conference, child=child) for child in children
    )
    invited = ConferenceAttendee.objects.bulk_create(
        ConferenceAttendee(
            conference=conference,
            user=i.user,
            name=(i.name.strip() or (i.user.name if i.user else "")),
            agency=(
                i.agency.strip()
                or (i.user.agency.name if i.user is not None and i.user.agency is not None else "")
            ),
            role=(i.role.strip() or (i.user.job_title if i.user else "")),
            attendance=ConferenceAttendee.Attendance.INVITED,
        )
        for i in invitations
    )
    when = timezone.localtime(scheduled_for).strftime("%-d %B %Y at %H:%M")
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=a.user_id,
                kind=Notification.Kind.CONFERENCE_INVITATION,
                title=f"Invitation: {conference.get_kind_display().lower()} on {when}",
                body=(f"Venue: {conference.venue}. " if conference.venue else "")
                + f"Chair: {chair.name}.",
                url=reverse("conference-detail", args=[conference.pk]),
                child_id=children[0].pk if len(children) == 1 else None,
                dedupe_key=f"conference:{conference.pk}:invitation:{a.user_id}",
            )
            for a in invited
            if a.user_id and a.user_id != actor.pk
        ]
    )
    for child in children:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=conference,
            child=child,
            summary=f"Scheduled a {conference.get_kind_display().lower()}",
            changes={
                "scheduled_for": scheduled_for,
                "chair": chair.pk,
                "invited": [a.name for a in invited],
            },
        )
    return conference


def _working_day_errors(day: dt.date, authority_id: Any) -> list[str]:
    """A conference meets on a working day of the authority's own calendar (the census
    refuses an initial conference on a weekend, rule 8875)."""
    from cpcase.models import Authority
    from cpcase.timescales import working_day_errors

    return working_day_errors(day, Authority.objects.get(pk=authority_id))


def _invitation_errors(actor: User, invitations: Sequence[AttendeeInput]) -> dict:
    errors: dict[str, list[str]] = {}
    seen: set[Any] = set()
    for i, invitation in enumerate(invitations):
        user = invitation.user
        if user is None:
            if not invitation.name.strip():
                errors[f"invitations[{i}].name"] = ["Enter the name of each professional invited."]
            elif not invitation.agency.strip():
                errors[f"invitations[{i}].agency"] = [
                    f"Enter the agency of {invitation.name.strip()}."
                ]
            key: Any = (invitation.name.strip().lower(), invitation.agency.strip().lower())
        else:
            if not user.is_active or (
                user.authority_id != actor.authority_id and not access.is_outside_professional(user)
            ):
                errors[f"invitations[{i}].user"] = ["Choose a member of staff who can be invited."]
            elif not access.takes_part_in_case_work(user):
                errors[f"invitations[{i}].user"] = [
                    f"{user.name} has no part in case work and cannot be invited."
                ]
            key = user.pk
        if key in seen:
            errors.setdefault(f"invitations[{i}].name", []).append(
                "Each professional can be invited once."
            )
        seen.add(key)
    return errors


@dataclass(frozen=True)
class DecisionInput:
    child_id: Any
    decision: str
    category: str = ""
    latest_category: str = ""
    step_down: str = ""
    # Working days between later core groups for this child, where the conference that
    # starts the plan sets one different from the timescale profile's.
    core_group_interval_days: int | None = None


@dataclass(frozen=True)
class AttendeeInput:
    name: str
    agency: str = ""
    role: str = ""
    user: User | None = None
    attendance: str = ConferenceAttendee.Attendance.ATTENDED
    report_submitted: bool = False


@dataclass(frozen=True)
class ParentInput:
    name: str
    person_id: Any = None
    relationship: str = ""
    invited: bool = True
    attended: bool = False
    excluded: bool = False
    exclusion_reason: str = ""
    exclusion_explained: bool = False


@dataclass(frozen=True)
class OutcomeInput:
    held_on: dt.date
    decisions: list[DecisionInput]
    attendees: list[AttendeeInput] = field(default_factory=list)
    parents: list[ParentInput] = field(default_factory=list)
    outline_plan: list[IssueInput] = field(default_factory=list)
    lead_social_worker: User | None = None
    core_group: list[CoreGroupInput] = field(default_factory=list)
    unmet_needs: str = ""
    reasons: str = ""
    next_review_on: dt.date | None = None
    quorate: bool | None = None
    childs_views: str = ""
    views_given: str = ""
    parents_informed: bool | None = None
    parents_not_informed_reason: str = ""
    child_informed: bool | None = None
    child_not_informed_reason: str = ""
    visit_interval: tuple[int, str] | None = None
    dual_plan_justification: str = ""


def conference_for(actor: User, conference_id: Any) -> Conference:
    """A conference about children the actor may see, or 404."""
    pk = access.as_uuid(conference_id)
    conference = Conference.objects.select_related("chair").filter(pk=pk).first() if pk else None
    if conference is None:
        raise NotFound("No conference was found.")
    child_ids = list(conference.subjects.values_list("child_id", flat=True))
    visible = list(access.children_visible_to(actor).filter(pk__in=child_ids))
    if len(visible) != len(child_ids) or not child_ids:
        raise NotFound("No conference was found.")
    if not any(access.may_read_record(actor, c, conference.authority_id) for c in visible):
        raise NotFound("No conference was found.")
    return conference


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


def _validate_outcome(
    conference: Conference, subjects: dict[str, ConferenceChild], data: OutcomeInput
):
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if data.held_on > today:
        errors["held_on"] = ["A conference cannot be recorded as held in the future."]
    else:
        day_errors = _working_day_errors(data.held_on, _authority_of(conference, subjects))
        if day_errors:
            errors["held_on"] = day_errors
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
        if d.decision == Decision.PLAN and d.category not in Category.values:
            errors[f"{key}.category"] = ["Record the category of abuse: NEG, PHY, SAB, EMO or MUL."]
        if (
            d.decision == Decision.CONTINUE
            and (d.latest_category or d.category) not in Category.values
        ):
            errors[f"{key}.latest_category"] = [
                "Record the latest category of abuse: NEG, PHY, SAB, EMO or MUL."
            ]
        if d.core_group_interval_days is not None:
            if d.decision != Decision.PLAN:
                errors[f"{key}.core_group_interval_days"] = [
                    "The core group interval is set by the conference that starts the plan."
                ]
            elif not 1 <= d.core_group_interval_days <= CORE_GROUP_INTERVAL_MAX:
                errors[f"{key}.core_group_interval_days"] = [
                    f"Give the core group interval as 1 to {CORE_GROUP_INTERVAL_MAX} working days."
                ]
        if d.step_down and d.decision != Decision.DISCONTINUE:
            errors[f"{key}.step_down"] = ["A step-down is recorded only when the plan ends."]
        elif d.step_down:
            scotland = subject.child.responsible_authority.nation == Nation.SCOTLAND
            if d.step_down not in STEP_DOWN_VALUES:
                errors[f"{key}.step_down"] = [
                    "Choose a child in need plan, a GIRFEC plan, or no further plan."
                ]
            elif d.step_down == "girfec" and not scotland:
                errors[f"{key}.step_down"] = [
                    "A GIRFEC plan is Scotland's: choose a child in need plan."
                ]
            elif d.step_down == "child_in_need" and scotland:
                errors[f"{key}.step_down"] = [
                    "In Scotland support continues under a GIRFEC plan: choose that."
                ]
    missing = set(subjects) - seen
    if missing:
        names = ", ".join(sorted(subjects[m].child.name for m in missing))
        errors.setdefault("decisions", []).append(f"Record a decision for {names}.")
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
    if not data.dual_plan_justification.strip():
        message = _dual_plan_justification_missing(conference, subjects, data)
        if message:
            errors["dual_plan_justification"] = [message]
    if data.visit_interval is not None:
        value, unit = data.visit_interval
        if value < 1 or unit not in TimeUnit.values:
            errors["visit_interval"] = ["Give the visit interval as a number and a unit."]
    return errors


@transaction.atomic
@running_deadlines.after(running_deadlines.of_conference)
def conference_record_outcome(*, actor: User, conference_id: Any, data: OutcomeInput) -> Conference:
    """The chair records what happened. It can be corrected until the conference is finalised."""
    conference = conference_for(actor, conference_id)
    conference = Conference.objects.select_for_update().get(pk=conference.pk)
    if not access.may_record_outcome(actor, conference):
        raise NotPermitted("Only the conference's chair records its outcome.")
    if conference.status in (Conference.Status.FINALISED, Conference.Status.CANCELLED):
        raise DomainError(
            f"This conference is {conference.get_status_display().lower()}: its record cannot "
            "change. Corrections are recorded as new entries."
        )
    subjects = {
        str(s.child_id): s
        for s in conference.subjects.select_related("child__responsible_authority")
    }
    errors = _validate_outcome(conference, subjects, data)
    if errors:
        raise DomainError(errors=errors)
    conference.held_on = data.held_on
    conference.quorate = data.quorate
    conference.status = Conference.Status.HELD
    conference.version += 1
    conference.save()
    outline = [
        {
            "description": i.description,
            "risk_type": i.risk_type,
            "desired_outcome": i.desired_outcome,
            "improvement_required": i.improvement_required,
        }
        for i in data.outline_plan
    ]
    core_group = [
        {
            "kind": m.kind,
            "name": m.user.name if m.user else m.name,
            "user": str(m.user.pk) if m.user else None,
            "person_id": str(m.person_id) if m.person_id else None,
            "agency": m.agency,
        }
        for m in data.core_group
    ]
    for d in data.decisions:
        subject = subjects[str(d.child_id)]
        subject.decision = d.decision
        subject.category = d.category if d.decision == Decision.PLAN else ""
        subject.latest_category = (
            (d.latest_category or d.category) if d.decision == Decision.CONTINUE else d.category
        )
        subject.step_down = d.step_down if d.decision == Decision.DISCONTINUE else ""
        planning = d.decision in (Decision.PLAN, Decision.CONTINUE)
        subject.next_review_on = data.next_review_on if planning else None
        subject.outline_plan = outline if d.decision == Decision.PLAN else []
        subject.lead_social_worker = data.lead_social_worker if planning else None
        subject.core_group = core_group if planning else []
        subject.visit_interval_value = data.visit_interval[0] if data.visit_interval else None
        subject.visit_interval_unit = data.visit_interval[1] if data.visit_interval else ""
        subject.core_group_interval_days = (
            d.core_group_interval_days if d.decision == Decision.PLAN else None
        )
        subject.unmet_needs = data.unmet_needs.strip()
        subject.decision_reasons = data.reasons.strip()
        subject.dual_plan_justification = data.dual_plan_justification.strip()
        subject.childs_views = data.childs_views.strip()
        subject.views_given = data.views_given
        subject.parents_informed = data.parents_informed
        subject.parents_not_informed_reason = data.parents_not_informed_reason.strip()
        subject.child_informed = data.child_informed
        subject.child_not_informed_reason = data.child_not_informed_reason.strip()
        subject.save()
    conference.attendees.all().delete()
    ConferenceAttendee.objects.bulk_create(
        ConferenceAttendee(
            conference=conference,
            user=a.user,
            name=a.name.strip(),
            agency=a.agency.strip(),
            role=a.role.strip(),
            attendance=a.attendance,
            report_submitted=a.report_submitted,
        )
        for a in data.attendees
    )
    conference.parents.all().delete()
    ConferenceParent.objects.bulk_create(
        ConferenceParent(
            conference=conference,
            person_id=p.person_id,
            name=p.name.strip(),
            relationship=p.relationship.strip(),
            invited=p.invited,
            attended=p.attended,
            excluded=p.excluded,
            exclusion_reason=p.exclusion_reason.strip(),
            exclusion_explained=p.exclusion_explained,
        )
        for p in data.parents
    )
    for subject in subjects.values():
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=conference,
            child=subject.child,
            summary=f"Recorded the outcome: {subject.get_decision_display()}",
            changes={"held_on": data.held_on, "decision": subject.decision},
        )
    return conference


def _issues(subject: ConferenceChild) -> list[IssueInput]:
    return [IssueInput(**issue) for issue in subject.outline_plan]


def _core_group(subject: ConferenceChild) -> list[CoreGroupInput]:
    users = {
        str(u.pk): u
        for u in User.objects.filter(
            pk__in=[m["user"] for m in subject.core_group if m.get("user")]
        )
    }
    return [
        CoreGroupInput(
            kind=m["kind"],
            name=m["name"],
            user=users.get(m["user"]) if m.get("user") else None,
            person_id=m.get("person_id"),
            agency=m.get("agency", ""),
        )
        for m in subject.core_group
    ]


@transaction.atomic
@running_deadlines.after(running_deadlines.of_conference)
def conference_finalise(*, actor: User, conference_id: Any) -> Conference:
    """The chair's act alone: start, continue or end each child's plan, and make the
    record read-only. Deadlines follow from the records; the people concerned are told."""
    conference = conference_for(actor, conference_id)
    conference = Conference.objects.select_for_update().get(pk=conference.pk)
    if not access.may_finalise_conference(actor, conference):
        raise NotPermitted("Only the conference's chair can finalise it.")
    if conference.status == Conference.Status.FINALISED:
        raise DomainError("This conference is already finalised.")
    if conference.status != Conference.Status.HELD:
        raise DomainError("Record the conference's outcome before finalising it.")
    subjects = list(conference.subjects.select_related("child", "lead_social_worker"))
    if conference.quorate is False and any(s.decision == Decision.PLAN for s in subjects):
        raise DomainError(
            errors={"quorate": ["The conference was not quorate: it cannot start a plan."]}
        )
    held_on = conference.held_on
    assert held_on is not None  # a held conference has its date (a database constraint)  # noqa: S101
    recipients: set[Any] = set()
    for subject in subjects:
        child = subject.child
        active = Plan.objects.filter(child=child, status=Plan.Status.ACTIVE).first()
        interval = (
            (subject.visit_interval_value, subject.visit_interval_unit)
            if subject.visit_interval_value
            else None
        )
        if conference.kind == Conference.Kind.TRANSFER_IN:
            from conferences.transfers import transfer_in_decided

            child = transfer_in_decided(actor=actor, conference=conference, subject=subject)
        if subject.decision == Decision.PLAN:
            plan = plan_services.plan_start(
                actor=actor,
                child=child,
                started_on=held_on,
                category=subject.category,
                issues=_issues(subject),
                lead_social_worker=subject.lead_social_worker,
                core_group=_core_group(subject),
                pre_birth=conference.kind == Conference.Kind.PRE_BIRTH,
                visit_interval=interval,
                core_group_interval_days=subject.core_group_interval_days,
                reason=f"Outline plan agreed at the {conference.get_kind_display().lower()} "
                f"on {held_on:%d %B %Y}",
            )
            subject.plan_id = plan.pk
        elif subject.decision == Decision.CONTINUE:
            if active is None:
                raise DomainError(errors={"decisions": [f"{child.name} has no active plan."]})
            plan = plan_services.plan_continue(
                actor=actor,
                plan=active,
                reviewed_on=held_on,
                latest_category=subject.latest_category,
                lead_social_worker=subject.lead_social_worker,
                core_group=_core_group(subject) if subject.core_group else None,
            )
            subject.plan_id = plan.pk
        elif subject.decision == Decision.DISCONTINUE:
            if active is None:
                raise DomainError(errors={"decisions": [f"{child.name} has no active plan."]})
            plan_services.plan_end(
                actor=actor,
                plan=active,
                ended_on=held_on,
                reason=Plan.EndReason.CONFERENCE,
                step_down=subject.step_down,
            )
            subject.plan_id = active.pk
        subject.save(update_fields=["plan_id"])
        if subject.lead_social_worker is not None:
            child = child_allocate_by_conference(
                actor=actor, child=child, lead_social_worker=subject.lead_social_worker
            )
        recipients |= _people_to_tell(child, subject)
    conference.status = Conference.Status.FINALISED
    conference.finalised_at = timezone.now()
    conference.version += 1
    conference.save()
    for subject in subjects:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=conference,
            child=subject.child,
            summary=f"Finalised the conference: {subject.get_decision_display()}",
            changes={"decision": subject.decision, "plan": subject.plan_id},
        )
    from conferences.tasks import produce_letters

    # robust: a broker that is down must not turn a finalised conference into an error
    # page; the letters can be produced again at any time (each once).
    transaction.on_commit(lambda: produce_letters.delay(str(conference.pk)), robust=True)
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=user_id,
                kind=Notification.Kind.CONFERENCE_FINALISED,
                title=f"{conference.get_kind_display()} finalised",
                body="; ".join(f"{s.child.name}: {s.get_decision_display()}" for s in subjects),
                url=reverse("conference-detail", args=[conference.pk]),
                child_id=subjects[0].child_id if len(subjects) == 1 else None,
                dedupe_key=f"conference:{conference.pk}:finalised:{user_id}",
            )
            for user_id in recipients
            if user_id != str(actor.pk)
        ]
    )
    return conference


def _people_to_tell(child: Child, subject: ConferenceChild) -> set[Any]:
    """The lead social worker, the team's managers and the core group's professionals."""
    people: set[Any] = set()
    if child.lead_social_worker_id:
        people.add(child.lead_social_worker_id)
    if child.team_id:
        people |= set(
            User.objects.filter(access.plan_authorisers(), team_id=child.team_id, is_active=True)
            .values_list("pk", flat=True)
            .distinct()
        )
    people |= {m["user"] for m in subject.core_group if m.get("user")}
    return {str(p) for p in people}


# --- Letters --------------------------------------------------------------------

CATEGORY_WORDS = {
    "NEG": "neglect: their basic needs for food, warmth, safety, care or health not being met",
    "PHY": "physical harm: being hurt or injured",
    "SAB": "sexual abuse",
    "EMO": "emotional harm: being made to feel frightened, worthless or unloved",
    "MUL": "more than one kind of harm",
}


def _running_deadlines(conference: Conference, children: list[Child]) -> dict[Any, dict[str, Any]]:
    """Each child's open deadlines by kind on the day of the conference, for all the
    conference's children in one computation (the engine's ``deadlines_for`` for each)."""
    from collections import defaultdict

    from cpcase.timescales import DeadlineContext, deadlines, load_authority_timescales

    context = DeadlineContext(
        children=Child.objects.filter(pk__in=[c.pk for c in children]),
        today=conference.held_on or timezone.localdate(),
        history=True,
        timescales=load_authority_timescales({c.responsible_authority_id for c in children}),
    )
    running: dict[Any, dict[str, Any]] = defaultdict(dict)
    for d in deadlines(context):  # in due-date order: the latest of a kind is kept
        if d.is_open:
            running[d.child_id][d.kind] = d.due_on
    return running


def _plan_issues(subjects: Sequence[ConferenceChild]) -> dict[Any, list[dict[str, Any]]]:
    """The issues of the plans the subjects' letters show (those with no outline plan)."""
    from plans.models import PlanIssue

    issues: dict[Any, list[dict[str, Any]]] = {}
    plan_ids = [s.plan_id for s in subjects if s.plan_id and not s.outline_plan]
    for issue in PlanIssue.objects.filter(plan_id__in=plan_ids).only(
        "plan_id", "description", "desired_outcome", "improvement_required"
    ):
        issues.setdefault(issue.plan_id, []).append(
            {
                "description": issue.description,
                "desired_outcome": issue.desired_outcome,
                "improvement_required": issue.improvement_required,
            }
        )
    return issues


def _letter_context(
    conference: Conference,
    subject: ConferenceChild,
    *,
    running: dict[str, Any] | None = None,
    plan_issues: dict[Any, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """What a letter about ``subject`` says. ``running`` and ``plan_issues`` come from
    :func:`_running_deadlines` and :func:`_plan_issues` when a conference's letters are
    produced together; they are read for this child alone otherwise."""
    child = subject.child
    held_on = conference.held_on
    if running is None:
        running = _running_deadlines(conference, [child]).get(child.pk, {})
    if plan_issues is None:
        plan_issues = _plan_issues([subject])
    category = subject.latest_category or subject.category
    return {
        "authority": child.responsible_authority,
        "chair": conference.chair,
        "child": child,
        "conference_kind": conference.get_kind_display().lower(),
        "held_on": held_on,
        "today": timezone.localdate(),
        "decision": subject.decision,
        "reasons": subject.decision_reasons,
        "step_down": subject.step_down,
        "category_words": CATEGORY_WORDS.get(category, ""),
        "issues": subject.outline_plan or plan_issues.get(subject.plan_id, []),
        "lead_social_worker": subject.lead_social_worker or child.lead_social_worker,
        "first_core_group_on": running.get("first_core_group"),
        "next_review_on": subject.next_review_on or running.get("review_conference"),
        "childline": True,
    }


@transaction.atomic
def conference_letters_produce(*, conference_id: Any) -> list[Any]:
    """Produce the letters of a finalised conference; safe to run again (each letter once).

    The children's deadlines, their plans' issues and the letters already stored are read
    once for the conference, and one renderer lays out all its letters."""
    from conferences.models import Letter
    from cpcase.documents import renderer, sha256

    conference = Conference.objects.select_related("chair").get(pk=conference_id)
    if conference.status != Conference.Status.FINALISED:
        raise DomainError("Letters are produced once the conference is finalised.")
    parents = list(conference.parents.all())
    subjects = [
        s
        for s in conference.subjects.select_related(
            "child__responsible_authority", "child__lead_social_worker", "lead_social_worker"
        )
        if s.decision
    ]
    if not subjects:
        return []
    running = _running_deadlines(conference, [s.child for s in subjects])
    plan_issues = _plan_issues(subjects)
    existing = set(
        Letter.objects.filter(conference=conference).values_list(
            "child_id", "kind", "recipient_key"
        )
    )
    pdfs = renderer()
    produced = []
    for subject in subjects:
        wanted: list[tuple[str, str, str]] = []
        if subject.parents_informed is not False:
            to_parents = (
                Letter.Kind.DISCONTINUATION
                if subject.decision == Decision.DISCONTINUE
                else Letter.Kind.OUTCOME_PARENT
            )
            for parent in parents:
                wanted.append(
                    (to_parents, parent.name, str(parent.person_id or parent.name.lower()))
                )
        if subject.child_informed and not subject.child.is_unborn:
            wanted.append((Letter.Kind.OUTCOME_CHILD, subject.child.name, "child"))
        wanted = [w for w in wanted if (subject.child_id, w[0], w[2][:100]) not in existing]
        if not wanted:
            continue
        context = _letter_context(
            conference,
            subject,
            running=running.get(subject.child_id, {}),
            plan_issues=plan_issues,
        )
        for kind, recipient, key in wanted:
            pdf = pdfs.render(f"letters/{kind}.html", {**context, "recipient": recipient})
            letter = Letter.objects.create(
                conference=conference,
                child=subject.child,
                kind=kind,
                recipient=recipient,
                recipient_key=key[:100],
                pdf=pdf,
                sha256=sha256(pdf),
                produced_by=conference.chair,
            )
            audit_record(
                actor=conference.chair,
                action=AuditEvent.Action.LETTER,
                obj=letter,
                child=subject.child,
                summary=f"Produced: {letter}",
                changes={"sha256": letter.sha256},
            )
            produced.append(letter)
    return produced


@transaction.atomic
def letter_mark_sent(*, actor: User, letter_id: Any, sent_on: dt.date, sent_by: str):
    from conferences.models import Letter

    letter = _letter_for(actor, letter_id)
    errors: dict[str, list[str]] = {}
    if sent_by not in Letter.SentBy.values:
        errors["sent_by"] = ["Choose how the letter was sent: post, hand or email."]
    if sent_on > timezone.localdate():
        errors["sent_on"] = ["A letter cannot be sent in the future."]
    if sent_on < timezone.localdate(letter.created_at):
        errors["sent_on"] = ["A letter cannot be sent before it was produced."]
    if errors:
        raise DomainError(errors=errors)
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    letter.sent_on, letter.sent_by = sent_on, sent_by
    letter.save(update_fields=["sent_on", "sent_by"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=letter,
        child=letter.child,
        summary=f"Recorded that the letter was sent by {letter.get_sent_by_display().lower()}",
        changes={"sent_on": sent_on, "sent_by": sent_by},
    )
    return letter


def _letter_for(actor: User, letter_id: Any):
    from conferences.models import Letter

    pk = access.as_uuid(letter_id)
    letter = (
        Letter.objects.select_related("child", "conference").filter(pk=pk).first() if pk else None
    )
    if (
        letter is None
        or not access.can(actor, access.Action.VIEW, letter.child)
        or not access.may_read_record(actor, letter.child, letter.conference.authority_id)
    ):
        raise NotFound("No letter was found.")
    return letter


def letter_pdf(*, actor: User, letter_id: Any):
    """The stored PDF, checked against its checksum; the read is audited."""
    from cpcase.documents import sha256

    letter = _letter_for(actor, letter_id)
    data = bytes(letter.pdf)
    if sha256(data) != letter.sha256:
        raise DomainError("This letter's stored copy does not match its checksum.")
    audit_record(
        actor=actor,
        action=AuditEvent.Action.LETTER,
        obj=letter,
        child=letter.child,
        summary=f"Opened: {letter}",
    )
    return letter, data


def letter_html(*, actor: User, letter_id: Any):
    """The letter as HTML for printing in the browser, from the same template as its PDF;
    the read is audited like opening the PDF."""
    from django.template.loader import render_to_string

    letter = _letter_for(actor, letter_id)
    conference = Conference.objects.select_related("chair").get(pk=letter.conference_id)
    subject = conference.subjects.select_related(
        "child__responsible_authority", "child__lead_social_worker", "lead_social_worker"
    ).get(child_id=letter.child_id)
    context = {
        **_letter_context(conference, subject),
        "recipient": letter.recipient,
        "today": timezone.localdate(letter.created_at),
        "print_view": True,
        "letter": letter,
    }
    html = render_to_string(f"letters/{letter.kind}.html", context)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.LETTER,
        obj=letter,
        child=letter.child,
        summary=f"Opened for printing: {letter}",
    )
    return letter, html


# --- Looked after children ----------------------------------------------------------


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def looked_after_event_record(
    *, actor: User, child_id: Any, kind: str, occurred_on: dt.date, notes: str = ""
):
    """Record an event that requires a review conference; the chair is told at once."""
    from conferences.models import LookedAfterEvent

    child = access.child_for(actor, child_id, access.Action.EDIT)
    errors: dict[str, list[str]] = {}
    if kind not in LookedAfterEvent.Kind.values:
        errors["kind"] = ["Choose what happened."]
    if occurred_on > timezone.localdate():
        errors["occurred_on"] = ["An event cannot be recorded in the future."]
    if not Plan.objects.filter(child=child, status=Plan.Status.ACTIVE).exists():
        errors["child"] = [f"{child.name} has no active plan: no review conference is needed."]
    if errors:
        raise DomainError(errors=errors)
    event = LookedAfterEvent.objects.create(
        child=child, kind=kind, occurred_on=occurred_on, notes=notes.strip(), recorded_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=event,
        child=child,
        summary=f"Recorded: {event.get_kind_display()}",
        changes={"occurred_on": occurred_on, "kind": kind},
    )
    chair_id = (
        ConferenceChild.objects.filter(child=child, conference__status__in=HELD_STATUSES)
        .order_by("-conference__held_on")
        .values_list("conference__chair_id", flat=True)
        .first()
    )
    if chair_id:
        notifications_raise(
            requests=[
                NotificationRequest(
                    recipient_id=chair_id,
                    kind=Notification.Kind.REVIEW_REQUIRED,
                    title="A review conference must be convened",
                    body=f"{child.name}: {event.get_kind_display().lower()} on "
                    f"{occurred_on:%d %B %Y}. Please convene a review conference.",
                    url=reverse("child-detail", args=[child.pk]),
                    child_id=child.pk,
                    dedupe_key=f"looked_after_event:{event.pk}:chair:{chair_id}",
                )
            ]
        )
    return event


# --- Disagreement and complaints ------------------------------------------------


@transaction.atomic
def complaint_record(
    *,
    actor: User,
    conference_id: Any,
    child_id: Any,
    complainant: str,
    complainant_is_child: bool,
    received_on: dt.date,
    summary: str,
):
    from conferences.models import Complaint

    conference = conference_for(actor, conference_id)
    subject = (
        conference.subjects.filter(child=access.as_uuid(child_id)).select_related("child").first()
    )
    errors: dict[str, list[str]] = {}
    if subject is None:
        errors["child"] = ["Choose a child the conference was about."]
    if conference.status != Conference.Status.FINALISED:
        errors["conference"] = ["A complaint is about a conference's finalised decision."]
    if not complainant.strip():
        errors["complainant"] = ["Enter who is disagreeing."]
    if not summary.strip():
        errors["summary"] = ["Say what they disagree with."]
    if received_on > timezone.localdate():
        errors["received_on"] = ["A complaint cannot be received in the future."]
    if errors:
        raise DomainError(errors=errors)
    assert subject is not None  # noqa: S101 - checked above
    complaint = Complaint.objects.create(
        conference=conference,
        child=subject.child,
        complainant=complainant.strip(),
        complainant_is_child=complainant_is_child,
        received_on=received_on,
        summary=summary.strip(),
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=complaint,
        child=subject.child,
        summary=f"Recorded a complaint from {complaint.complainant}",
    )
    return complaint


def _complaint_for(actor: User, complaint_id: Any):
    from conferences.models import Complaint

    pk = access.as_uuid(complaint_id)
    complaint = (
        Complaint.objects.select_related("conference", "child").filter(pk=pk).first()
        if pk
        else None
    )
    if complaint is None or not access.can(actor, access.Action.VIEW, complaint.child):
        raise NotFound("No complaint was found.")
    return complaint


def _took_part(user: User, conference: Conference) -> bool:
    return (
        conference.chair_id == user.pk
        or conference.scheduled_by_id == user.pk
        or conference.attendees.filter(user=user).exists()
    )


@transaction.atomic
def complaint_assign_reviewer(*, actor: User, complaint_id: Any, reviewer: User):
    """A senior officer not involved in the meeting reviews it (enforced here)."""
    from guardian.shortcuts import assign_perm

    from conferences.models import Complaint

    complaint = _complaint_for(actor, complaint_id)
    if not access.may_assign_complaint_reviewer(actor):
        raise NotPermitted(
            "Only the safeguarding unit manager or a service leader assigns a reviewer."
        )
    if not access.may_review_complaints(reviewer):
        raise DomainError(errors={"reviewing_officer": ["Choose a senior officer."]})
    if _took_part(reviewer, complaint.conference):
        raise DomainError(
            errors={
                "reviewing_officer": [
                    f"{reviewer.name} took part in the conference: choose a senior officer who "
                    "was not involved in the meeting."
                ]
            }
        )
    if complaint.status not in (Complaint.Status.RECEIVED, Complaint.Status.UNDER_REVIEW):
        raise DomainError("This complaint has been decided.")
    complaint.reviewing_officer = reviewer
    complaint.status = Complaint.Status.UNDER_REVIEW
    complaint.save(update_fields=["reviewing_officer", "status"])
    assign_perm("cpcase.view_child", reviewer, complaint.child)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=complaint,
        child=complaint.child,
        summary=f"Assigned {reviewer.name} to review the complaint",
    )
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=reviewer.pk,
                kind=Notification.Kind.COMPLAINT_ASSIGNED,
                title="A complaint about a conference decision to review",
                body=f"{complaint.child.name}: complaint from {complaint.complainant}.",
                url=reverse("complaint-detail", args=[complaint.pk]),
                child_id=complaint.child_id,
                dedupe_key=f"complaint:{complaint.pk}:assigned:{reviewer.pk}",
            )
        ]
    )
    return complaint


@transaction.atomic
def complaint_decide(
    *, actor: User, complaint_id: Any, outcome: str, reasons: str, decided_on: dt.date
):
    """The reviewing officer's decision, and the letter telling the complainant why."""
    from conferences.models import Complaint
    from cpcase.documents import render_pdf, sha256

    complaint = _complaint_for(actor, complaint_id)
    if complaint.reviewing_officer_id != actor.pk:
        raise NotPermitted("Only the reviewing officer decides this complaint.")
    errors: dict[str, list[str]] = {}
    decided = (Complaint.Status.UPHELD, Complaint.Status.PARTLY_UPHELD, Complaint.Status.NOT_UPHELD)
    if outcome not in decided:
        errors["outcome"] = ["Choose upheld, partly_upheld or not_upheld."]
    if not reasons.strip():
        errors["reasons"] = ["Give the reasons: they are written to the complainant."]
    if decided_on > timezone.localdate() or decided_on < complaint.received_on:
        errors["decided_on"] = ["The decision date is between receiving the complaint and today."]
    if complaint.status != Complaint.Status.UNDER_REVIEW:
        errors["status"] = ["This complaint is not waiting for a decision."]
    if errors:
        raise DomainError(errors=errors)
    complaint.status = outcome
    complaint.outcome_reasons = reasons.strip()
    complaint.decided_on = decided_on
    pdf = render_pdf(
        "letters/complaint_outcome.html",
        {
            "authority": complaint.child.responsible_authority,
            "complaint": complaint,
            "child": complaint.child,
            "officer": actor,
            "recipient": complaint.complainant,
            "today": timezone.localdate(),
        },
    )
    complaint.letter_pdf, complaint.letter_sha256 = pdf, sha256(pdf)
    complaint.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.LETTER,
        obj=complaint,
        child=complaint.child,
        summary=f"Decided the complaint: {complaint.get_status_display()}; letter produced",
        changes={"outcome": outcome, "sha256": complaint.letter_sha256},
    )
    return complaint


def complaint_letter_pdf(*, actor: User, complaint_id: Any):
    """The complaint's outcome letter, checked against its checksum; the read is audited."""
    from cpcase.documents import sha256

    complaint = _complaint_for(actor, complaint_id)
    if not complaint.letter_pdf:
        raise NotFound("No letter has been produced for this complaint yet.")
    data = bytes(complaint.letter_pdf)
    if sha256(data) != complaint.letter_sha256:
        raise DomainError("This letter's stored copy does not match its checksum.")
    audit_record(
        actor=actor,
        action=AuditEvent.Action.LETTER,
        obj=complaint,
        child=complaint.child,
        summary=f"Opened the outcome letter of the complaint from {complaint.complainant}",
    )
    return complaint, data

"""The chair records what happened at the conference, until it is finalised."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from conferences import selectors
from conferences.models import Conference, ConferenceAttendee, ConferenceChild, ConferenceParent
from conferences.services.common import Decision
from conferences.services.inputs import DecisionInput, OutcomeInput
from conferences.services.outcome_checks import outcome_errors
from cpcase import access, running_deadlines
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import AuditEvent, User


def _outline_record(data: OutcomeInput) -> list[dict[str, Any]]:
    """The outline plan as the conference's record keeps it."""
    return [
        {
            "description": i.description,
            "risk_type": i.risk_type,
            "desired_outcome": i.desired_outcome,
            "improvement_required": i.improvement_required,
        }
        for i in data.outline_plan
    ]


def _core_group_record(data: OutcomeInput) -> list[dict[str, Any]]:
    """The core group as the conference's record keeps it."""
    return [
        {
            "kind": m.kind,
            "name": m.user.name if m.user else m.name,
            "user": str(m.user.pk) if m.user else None,
            "person_id": str(m.person_id) if m.person_id else None,
            "agency": m.agency,
        }
        for m in data.core_group
    ]


def _record_decision(
    subject: ConferenceChild,
    d: DecisionInput,
    data: OutcomeInput,
    *,
    outline: list[dict[str, Any]],
    core_group: list[dict[str, Any]],
) -> None:
    """One child's decision, and the parts of the plan that go with it."""
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


def _record_people(conference: Conference, data: OutcomeInput) -> None:
    """Who took part, replacing what was recorded before."""
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


@transaction.atomic
@running_deadlines.after(running_deadlines.of_conference)
def conference_record_outcome(*, actor: User, conference_id: Any, data: OutcomeInput) -> Conference:
    """The chair records what happened. It can be corrected until the conference is finalised."""
    conference = selectors.conference_for(actor, conference_id)
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
    errors = outcome_errors(conference, subjects, data)
    if errors:
        raise DomainError(errors=errors)
    conference.held_on = data.held_on
    conference.quorate = data.quorate
    conference.status = Conference.Status.HELD
    conference.version += 1
    conference.save()
    outline, core_group = _outline_record(data), _core_group_record(data)
    for d in data.decisions:
        _record_decision(subjects[str(d.child_id)], d, data, outline=outline, core_group=core_group)
    _record_people(conference, data)
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

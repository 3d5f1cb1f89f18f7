"""Strategy discussions and section 47 enquiries: the front door's steps towards an
initial conference."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from conferences import selectors
from conferences.models import Section47Enquiry, StrategyDiscussion
from cpcase import access, front_door, running_deadlines
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import AuditEvent, Child, User


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


def _discussion_for_enquiry(
    child: Child, strategy_discussion_id: Any, started_on: dt.date
) -> tuple[StrategyDiscussion | None, dict[str, list[str]]]:
    """The strategy discussion an enquiry starts from, and what is wrong with it: it decided
    on an enquiry, has none recorded yet, and was held before the enquiry started."""
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
    return discussion, errors


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
    discussion, errors = _discussion_for_enquiry(child, strategy_discussion_id, started_on)
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
    enquiry = selectors.section47_for(user=actor, enquiry_id=enquiry_id)
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

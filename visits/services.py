"""Every write to visits."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cpcase import access, running_deadlines
from cpcase.audit import audit_record, diff
from cpcase.errors import Conflict, DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent, Child, Notification, User
from cpcase.selectors import child_team_managers
from cpcase.services import NotificationRequest, notifications_raise
from visits.models import CannotVisitNotice, Visit, VisitAmendment


@dataclass(frozen=True)
class VisitInput:
    kind: str
    visited_at: dt.datetime | None = None
    child_seen: bool = False
    seen_alone: bool = False
    bedroom_seen: bool | None = None
    others_present: str = ""
    location: str = ""
    observations: str = ""
    childs_views: str = ""
    analysis: str = ""
    notes: str = ""
    next_planned_visit_on: dt.date | None = None


# A pre-birth visit to the mother can come months before the baby is due.
PRE_BIRTH = dt.timedelta(days=300)
# Where the child's birth is not recorded: no visit is older than the oldest child.
EARLIEST_VISIT = dt.date(1990, 1, 1)
VISIT_FIELDS = tuple(f.name for f in fields(VisitInput))


def _check(data: VisitInput, *, completing: bool, child: Child) -> None:
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    # Before the child was born (or was expected) is a mistyped year, not a visit.
    born = child.date_of_birth or child.expected_date_of_delivery or EARLIEST_VISIT
    if data.visited_at is not None and data.visited_at.date() < born - PRE_BIRTH:
        errors["visited_at"] = ["Check the year: this is before the child was born."]
    if data.kind not in Visit.Kind.values:
        errors["kind"] = ["Choose the kind of visit: statutory, home_visit or other."]
    if data.visited_at is not None and data.visited_at > now + dt.timedelta(minutes=5):
        errors["visited_at"] = ["A visit cannot be recorded in the future."]
    if completing and data.visited_at is None:
        errors["visited_at"] = ["Enter the date and time of the visit."]
    if data.seen_alone and not data.child_seen:
        errors["seen_alone"] = ["The child cannot have been seen alone if they were not seen."]
    if completing and data.kind == Visit.Kind.STATUTORY and not data.child_seen:
        errors["child_seen"] = [
            "A statutory visit is one in which the child was seen. If you did not see the "
            "child, record a home visit instead: it is kept, but it is not a statutory visit."
        ]
    if (
        data.next_planned_visit_on is not None
        and data.visited_at is not None
        and data.next_planned_visit_on < timezone.localdate(data.visited_at)
    ):
        errors["next_planned_visit_on"] = ["The next visit is planned after this one."]
    if errors:
        raise DomainError(errors=errors)


def _values(data: VisitInput) -> dict[str, Any]:
    values = asdict(data)
    for key in ("others_present", "location", "observations", "childs_views", "analysis", "notes"):
        values[key] = values[key].strip()
    return values


def _draft_for(actor: User, visit_id: Any, version: int | None) -> Visit:
    pk = access.as_uuid(visit_id)
    visit = Visit.objects.select_for_update().filter(pk=pk).first() if pk else None
    if visit is None or not access.can(actor, access.Action.VIEW, visit.child):
        raise NotFound("No visit was found.")
    if visit.status != Visit.Status.DRAFT:
        raise DomainError("This visit is completed: correct it with an amendment.")
    if visit.recorded_by_id != actor.pk:
        raise NotPermitted("Only the person who started this draft can finish it.")
    if version is not None and version != visit.version:
        raise Conflict(
            "This draft was saved again (in another window?) after you opened it. "
            "Your text is kept below: copy what you need, then reload."
        )
    return visit


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def visit_save(
    *,
    actor: User,
    child_id: Any,
    data: VisitInput,
    complete: bool,
    visit_id: Any = None,
    version: int | None = None,
) -> Visit:
    """Save a visit as a draft (finished later; it does not count yet) or complete it."""
    child = access.child_for(actor, child_id, access.Action.RECORD_VISIT)
    _check(data, completing=complete, child=child)
    if visit_id is None:
        visit = Visit(
            child=child, recorded_by=actor, authority_id=access.recording_authority(actor, child)
        )
    else:
        visit = _draft_for(actor, visit_id, version)
        if visit.child_id != child.pk:
            raise NotFound("No visit was found.")
        visit.version += 1
    for key, value in _values(data).items():
        setattr(visit, key, value)
    visit.status = Visit.Status.COMPLETED if complete else Visit.Status.DRAFT
    if complete:
        visit.completed_at = timezone.now()
    visit.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE
        if complete or visit_id is None
        else AuditEvent.Action.UPDATE,
        obj=visit,
        child=child,
        summary=(
            f"Recorded a {visit.get_kind_display().lower()}" if complete else "Saved a draft visit"
        ),
        changes={
            "kind": visit.kind,
            "visited_at": visit.visited_at,
            "child_seen": visit.child_seen,
        },
    )
    return visit


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def visit_amend(
    *, actor: User, visit_id: Any, version: int, changes: dict[str, Any], reason: str
) -> Visit:
    """Correct a completed visit: by its author or their team manager, with a reason.
    The earlier values are kept in the amendment."""
    pk = access.as_uuid(visit_id)
    visit = Visit.objects.select_for_update().filter(pk=pk).first() if pk else None
    if visit is None or not access.can(actor, access.Action.VIEW, visit.child):
        raise NotFound("No visit was found.")
    if visit.status != Visit.Status.COMPLETED:
        raise DomainError("This visit is a draft: finish it instead.")
    manages = access.may_amend_visit_of_others(actor, visit.child)
    if visit.recorded_by_id != actor.pk and not manages:
        raise NotPermitted(
            "Only the worker who recorded this visit, or their team manager, can amend it."
        )
    if version != visit.version:
        raise Conflict("Somebody amended this visit after you opened it. Reload to see it.")
    unknown = set(changes) - set(VISIT_FIELDS)
    if unknown:
        raise DomainError(errors={f: ["This cannot be amended."] for f in sorted(unknown)})
    if not reason.strip():
        raise DomainError(errors={"reason": ["Say why the visit record is being corrected."]})
    before = {f: getattr(visit, f) for f in VISIT_FIELDS}
    amended = VisitInput(**{**before, **changes})
    _check(amended, completing=True, child=visit.child)
    changed = diff(before, _values(amended))
    if not changed:
        raise DomainError("Nothing was changed.")
    for key, value in _values(amended).items():
        setattr(visit, key, value)
    visit.version += 1
    visit.save()
    VisitAmendment.objects.create(
        visit=visit, reason=reason.strip(), changes=changed, amended_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=visit,
        child=visit.child,
        summary=f"Amended a visit: {reason.strip()[:200]}",
        changes=changed,
    )
    return visit


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def cannot_visit_record(
    *,
    actor: User,
    child_id: Any,
    due_on: dt.date,
    reason: str,
    expected_visit_on: dt.date | None = None,
) -> CannotVisitNotice:
    """A statutory visit cannot be made in time: the service leader and team manager are
    told at once (a task queued on commit, not the daily job)."""
    child = access.child_for(actor, child_id, access.Action.RECORD_VISIT)
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = ["Say why the visit cannot be made in time."]
    if expected_visit_on is not None and expected_visit_on < timezone.localdate():
        errors["expected_visit_on"] = ["The expected visit date is today or later."]
    if errors:
        raise DomainError(errors=errors)
    notice = CannotVisitNotice.objects.create(
        child=child,
        due_on=due_on,
        reason=reason.strip(),
        expected_visit_on=expected_visit_on,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=notice,
        child=child,
        summary="Recorded that a statutory visit cannot be made in time",
        changes={"due_on": due_on, "expected_visit_on": expected_visit_on},
    )
    # visits.tasks imports this module (its task sends the notice): a cycle.
    from visits.tasks import notify_cannot_visit

    transaction.on_commit(lambda: notify_cannot_visit.delay(str(notice.pk)), robust=True)
    return notice


def cannot_visit_notify(*, notice_id: Any) -> int:
    """Tell the service leaders of the authority and the child's team managers; once each."""
    notice = CannotVisitNotice.objects.select_related("child", "recorded_by").get(pk=notice_id)
    child = notice.child
    recipients = set(
        User.objects.filter(
            access.service_overseers(),
            is_active=True,
            authority_id=child.responsible_authority_id,
        ).values_list("pk", flat=True)
    )
    recipients |= set(child_team_managers(child).values_list("pk", flat=True))
    expected = (
        f" The visit is expected on {notice.expected_visit_on:%d %B %Y}."
        if notice.expected_visit_on
        else ""
    )
    return len(
        notifications_raise(
            requests=[
                NotificationRequest(
                    recipient_id=user_id,
                    kind=Notification.Kind.CANNOT_VISIT,
                    title=f"A statutory visit due on {notice.due_on:%d %B %Y} cannot be made in time",
                    body=f"{child.name}: {notice.recorded_by.name} says: {notice.reason}{expected}",
                    url=reverse("child-detail", args=[child.pk]),
                    child_id=child.pk,
                    dedupe_key=f"cannot_visit:{notice.pk}:{user_id}",
                )
                for user_id in recipients
            ]
        )
    )

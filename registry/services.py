"""Every write to the register: enquiries, the log, designated managers, historic plans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from cpcase import access
from cpcase.audit import audit_record, audit_record_each
from cpcase.csv_safe import csv_document
from cpcase.errors import Conflict, DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent, Child, Notification, User
from cpcase.services import NotificationRequest, notifications_raise
from plans.models import Plan
from registry.models import DesignatedManager, Enquiry, HistoricPlanRequest, PossibleMatch
from registry.selectors import (
    MAX_MATCHES,
    Search,
    child_has_historic_plans,
    minimum_answer,
    register_facts,
    register_search,
)

CLUSTER_WINDOW = dt.timedelta(days=14)
CLUSTER_SIZE = 3
# The longest reason for an enquiry that is kept (the form and the API say so first).
REASON_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Enquirer:
    name: str
    agency: str
    role: str
    phone: str
    reference: str = ""


def _enquirer_errors(enquirer: Enquirer | None, reason: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if enquirer is None:
        errors["enquirer"] = ["Give your name, agency, role and phone number."]
    else:
        for field, label in (
            ("name", "your name"),
            ("agency", "your agency"),
            ("role", "your role"),
            ("phone", "a phone number we can call you back on"),
        ):
            if not getattr(enquirer, field).strip():
                errors[f"enquirer.{field}"] = [f"Enter {label}."]
    if not reason.strip():
        errors["reason"] = ["Say why you are asking: the reason is recorded."]
    return errors


def enquiry_make(
    *,
    actor: User,
    enquirer: Enquirer | None,
    reason: str,
    search: Search,
    refusal: dict[str, Any] | None = None,
) -> Enquiry:
    """An enquiry of the register. Every attempt is recorded, a refused one too; the lead
    social workers concerned are told; a cluster of enquiries raises an alert."""
    if not access.may_search_register(actor):
        raise NotPermitted(
            "Only a police or health enquirer, or the safeguarding unit, searches the register."
        )
    errors = dict(refusal) if refusal else _enquirer_errors(enquirer, reason)
    checked: Search | None = None
    children: list[Child] = []
    if not errors:
        try:
            checked, children = register_search(search)
        except DomainError as e:
            errors = e.errors
    if errors:
        _record_refusal(actor, enquirer, reason, search, errors)
        raise DomainError(errors=errors)
    # Set when there are no errors (a missing enquirer is one).
    assert checked is not None and enquirer is not None  # noqa: S101
    return _record_enquiry(actor, enquirer, reason, checked, children)


def _storable(text: Any, limit: int) -> str:
    """What can be kept of a refused value: text without NUL characters, cut to fit."""
    return str(text or "").replace("\x00", "")[:limit]


def _record_refusal(actor, enquirer, reason, search, errors) -> None:
    """The refused attempt, with what could be read of it (bad input is cut to fit)."""
    given = enquirer or Enquirer("", "", "", "")
    with transaction.atomic():
        enquiry = Enquiry.objects.create(
            enquirer=actor,
            enquirer_name=_storable(given.name, 200),
            enquirer_agency=_storable(given.agency, 200),
            enquirer_role=_storable(given.role, 200),
            enquirer_phone=_storable(given.phone, 50),
            enquirer_reference=_storable(given.reference, 100),
            reason=_storable(reason, REASON_MAX_LENGTH),
            search=search.as_dict(),
            outcome=Enquiry.Outcome.REFUSED,
            refusal=errors,
            followed_up_at=timezone.now(),  # nothing was found: nobody to tell
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.DENIED,
            obj=enquiry,
            summary="A register enquiry was refused",
            changes={"errors": errors},
        )


def _record_enquiry(actor, enquirer: Enquirer, reason, search: Search, children) -> Enquiry:
    """Record the enquiry, with what was found and its audit events, before the answer is
    given: in one transaction the enquiry, the children matched (when there are any), the
    possible matches (when there are any) and the audit events, one insert each however
    many children. Telling people (the lead social workers, the same-address rule, the
    cluster alert) follows at once in the background, from what the enquiry records
    (:func:`enquiry_follow_up`): the register is searched at 3 a.m. and the answer must
    come at once.

    Only strong matches are answered, followed up and told to their lead social worker.
    A weak match names no child: the enquirer is told to call the duty team of the child's
    authority, and the unit manager reviews it (:class:`PossibleMatch`)."""
    today = timezone.localdate()
    facts = register_facts(children, today)
    strong = [c for c in children if c.strong]
    on_register = [c for c in strong if facts.get(c.pk, {}).get("on_register")][:MAX_MATCHES]
    weak = [c for c in children if not c.strong and facts.get(c.pk, {}).get("on_register")][
        :MAX_MATCHES
    ]
    matches = [minimum_answer(c, facts[c.pk]) for c in on_register]
    asked_about = [{"child": str(c.pk), "address": getattr(c, "address_key", None)} for c in strong]
    call = (
        {
            "name": weak[0].responsible_authority.name,
            "out_of_hours_phone": weak[0].responsible_authority.out_of_hours_phone,
        }
        if weak
        else {}
    )
    now = timezone.now()
    enquiry = Enquiry(
        enquirer=actor,
        enquirer_name=enquirer.name.strip(),
        enquirer_agency=enquirer.agency.strip(),
        enquirer_role=enquirer.role.strip(),
        enquirer_phone=enquirer.phone.strip(),
        enquirer_reference=enquirer.reference.strip(),
        reason=reason.strip(),
        search=search.as_dict(),
        outcome=Enquiry.Outcome.MATCHED
        if matches
        else Enquiry.Outcome.POSSIBLE_MATCH
        if weak
        else Enquiry.Outcome.NO_MATCH,
        matches=matches,
        possible_match_count=len(weak),
        call=call,
        asked_about=asked_about,
        created_at=now,
        # Nobody found for certain, nobody to tell: no follow-up is queued.
        followed_up_at=None if strong else now,
    )
    found = "record found" if on_register else "no record found"
    if weak:
        found += f"; {len(weak)} possible match{'es' if len(weak) > 1 else ''} to review"
    with transaction.atomic():
        enquiry.save(force_insert=True)
        if on_register:
            Enquiry.matched_children.through.objects.bulk_create(
                Enquiry.matched_children.through(enquiry_id=enquiry.pk, child_id=c.pk)
                for c in on_register
            )
        if weak:
            PossibleMatch.objects.bulk_create(
                PossibleMatch(
                    enquiry_id=enquiry.pk, child_id=c.pk, authority_id=c.responsible_authority_id
                )
                for c in weak
            )
        audit_record_each(
            actor=actor,
            action=AuditEvent.Action.SEARCH,
            obj=enquiry,
            children=[*on_register, *weak] or [None],
            summary=f"Register enquiry by {enquiry.enquirer_name} ({enquiry.enquirer_agency}): "
            + found,
            changes={
                "search": search.as_dict(),
                "reason": enquiry.reason,
                "possible_matches": [str(c.pk) for c in weak],
            },
        )
        if strong:
            from registry.tasks import follow_up_enquiry

            # robust: the enquiry is recorded and the answer is due; a broker that is down
            # must not turn that into an error (the safety net follows it up a little later).
            transaction.on_commit(lambda: follow_up_enquiry.delay(str(enquiry.pk)), robust=True)
    return enquiry


FOLLOW_UP_GRACE = dt.timedelta(minutes=2)


@transaction.atomic
def enquiry_follow_up(*, enquiry_id: Any) -> int:
    """Tell the people an enquiry concerns, once: the lead social worker of each child found
    on the register, the lead social worker of any child with a plan at the same address as
    a child asked about, and (three or more enquiries about one child in 14 days) the
    safeguarding unit managers and the lead social worker. A fixed handful of queries,
    however many children were found. Safe to run twice (the task and the safety net):
    the enquiry is locked and marked, and each notification has its own key."""
    enquiry = (
        Enquiry.objects.select_for_update()
        .filter(pk=enquiry_id, followed_up_at__isnull=True)
        .first()
    )
    if enquiry is None:
        return 0  # followed up already
    asked = {a["child"]: a for a in enquiry.asked_about}
    matched = Enquiry.matched_children.through.objects.filter(
        enquiry_id=enquiry.pk, child_id=OuterRef("pk")
    )
    found = {
        str(c.pk): c
        for c in Child.objects.filter(pk__in=list(asked))
        .only(
            "first_name",
            "last_name",
            "date_of_birth",
            "lead_social_worker_id",
            "responsible_authority_id",
            "resident_authority_id",
        )
        .annotate(on_register=Exists(matched))
    }
    children = [found[pk] for pk in asked if pk in found]
    on_register = [c for c in children if c.on_register]
    requests = _follow_up(enquiry, children, on_register)
    enquiry.told = sorted({str(r.recipient_id) for r in requests})
    requests += _cluster_alerts(enquiry, on_register)
    notifications_raise(requests=requests)
    enquiry.followed_up_at = timezone.now()
    enquiry.save(update_fields=["told", "followed_up_at"])
    return len(requests)


def enquiries_follow_up_missed(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """The safety net (Celery beat): follow up enquiries whose queued follow-up never ran
    (the broker was down, or a worker was lost), oldest first."""
    before = (now or timezone.now()) - FOLLOW_UP_GRACE
    pending = list(
        Enquiry.objects.filter(followed_up_at__isnull=True, created_at__lt=before)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in pending:
        enquiry_follow_up(enquiry_id=pk)
    return len(pending)


def _follow_up(
    enquiry: Enquiry, children: Sequence[Child], on_register: Sequence[Child]
) -> list[NotificationRequest]:
    """The lead social worker of each child found, and of any child with a plan living at
    the same address as a child asked about (one query for all the addresses)."""
    requests: list[NotificationRequest] = []
    who = (
        f"{enquiry.enquirer_name} ({enquiry.enquirer_role}, {enquiry.enquirer_agency}, "
        f"{enquiry.enquirer_phone})"
    )
    for child in on_register:
        if child.lead_social_worker_id:
            requests.append(
                NotificationRequest(
                    recipient_id=child.lead_social_worker_id,
                    kind=Notification.Kind.REGISTER_ENQUIRY,
                    title="An enquiry of the register about a child you are lead social worker for",
                    body=f"{child.name}: {who} asked because: {enquiry.reason}",
                    url=reverse("child-detail", args=[child.pk]),
                    child_id=child.pk,
                    dedupe_key=f"enquiry:{enquiry.pk}:child:{child.pk}",
                )
            )
    by_pk = {str(c.pk): c for c in children}
    asked_at = {
        a["address"]: by_pk[a["child"]]
        for a in enquiry.asked_about
        if a.get("address") and a["child"] in by_pk
    }
    if asked_at:
        neighbours = (
            Child.objects.filter(
                residences__moved_out_on__isnull=True,
                residences__address__match_key__in=list(asked_at),
                plans__status=Plan.Status.ACTIVE,
                lead_social_worker__isnull=False,
            )
            .exclude(pk__in=[a["child"] for a in enquiry.asked_about])
            .values_list(
                "pk",
                "first_name",
                "last_name",
                "lead_social_worker_id",
                "residences__address__match_key",
            )
            .distinct()
        )
        for pk, first, last, lead_id, key in neighbours:
            child = asked_at[key]
            requests.append(
                NotificationRequest(
                    recipient_id=lead_id,
                    kind=Notification.Kind.REGISTER_ENQUIRY_SAME_ADDRESS,
                    title="An enquiry about a child at the same address as a child with a plan",
                    body=f"{who} asked about {child.name}, who lives at the same address as "
                    f"{first} {last}. Reason: {enquiry.reason}",
                    url=reverse("child-detail", args=[pk]),
                    child_id=pk,
                    dedupe_key=f"enquiry:{enquiry.pk}:same_address:{pk}",
                )
            )
    return requests


def _cluster_alerts(enquiry: Enquiry, on_register: Sequence[Child]) -> list[NotificationRequest]:
    """Three or more enquiries about one child within 14 days alert the safeguarding unit
    manager and the lead social worker (two queries, however many children)."""
    from django.db.models import Count

    if not on_register:
        return []
    since = enquiry.created_at - CLUSTER_WINDOW
    counts = {
        row["child_id"]: row["n"]
        for row in Enquiry.matched_children.through.objects.filter(
            child_id__in=[c.pk for c in on_register], enquiry__created_at__gte=since
        )
        .values("child_id")
        .annotate(n=Count("id"))
    }
    clustered = [c for c in on_register if counts.get(c.pk, 0) >= CLUSTER_SIZE]
    if not clustered:
        return []
    authorities = {
        a for c in clustered for a in (c.responsible_authority_id, c.resident_authority_id) if a
    }
    managers: dict[Any, set[Any]] = {}
    for pk, authority_id in (
        User.objects.filter(access.register_keepers(), is_active=True, authority_id__in=authorities)
        .values_list("pk", "authority_id")
        .distinct()
    ):
        managers.setdefault(authority_id, set()).add(pk)
    requests: list[NotificationRequest] = []
    for child in clustered:
        count = counts[child.pk]
        recipients = {
            *managers.get(child.responsible_authority_id, ()),
            *managers.get(child.resident_authority_id, ()),
            child.lead_social_worker_id,
        } - {None}
        for recipient in recipients:
            requests.append(
                NotificationRequest(
                    recipient_id=recipient,
                    kind=Notification.Kind.REGISTER_ENQUIRY_CLUSTER,
                    title=f"{count} enquiries of the register about one child in 14 days",
                    body=f"{child.name} has been asked about {count} times since {since:%d %B %Y}.",
                    url=reverse("child-detail", args=[child.pk]),
                    child_id=child.pk,
                    dedupe_key=f"enquiry:{enquiry.pk}:cluster:{child.pk}:{recipient}",
                )
            )
    return requests


@transaction.atomic
def enquiry_mark_reviewed(*, actor: User, enquiry_id: Any) -> Enquiry:
    from registry.selectors import enquiries_for

    pk = access.as_uuid(enquiry_id)
    enquiry = enquiries_for(user=actor).filter(pk=pk).first() if pk else None
    if enquiry is None:
        raise NotFound("No enquiry was found.")
    if enquiry.reviewed_at is None:
        enquiry.reviewed_at, enquiry.reviewed_by = timezone.now(), actor
        enquiry.save(update_fields=["reviewed_at", "reviewed_by"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=enquiry,
            summary="Marked an enquiry reviewed",
        )
    return enquiry


@transaction.atomic
def possible_match_review(*, actor: User, possible_match_id: Any, note: str) -> PossibleMatch:
    """The unit manager marks a possible match reviewed, with a note of the call-back and
    what was decided (audited, the note with it)."""
    from registry.selectors import possible_matches_for

    pk = access.as_uuid(possible_match_id)
    visible = possible_matches_for(user=actor).filter(pk=pk).values("pk") if pk else None
    row = (
        PossibleMatch.objects.select_for_update().filter(pk__in=visible).first()
        if visible is not None
        else None
    )
    if row is None:
        raise NotFound("No possible match was found.")
    if row.reviewed_at is not None:
        raise Conflict("This possible match has been reviewed already.")
    if not note.strip():
        raise DomainError(
            errors={"note": ["Say what was done: the call with the enquirer and what was decided."]}
        )
    row.reviewed_at, row.reviewed_by, row.review_note = timezone.now(), actor, note.strip()
    row.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=row,
        child=row.child,
        summary="Reviewed a possible match of a register enquiry",
        changes={"enquiry": str(row.enquiry_id), "note": row.review_note},
    )
    return row


def enquiries_export(*, actor: User) -> str:
    """The enquiry log as CSV (audited); cells a spreadsheet would run are neutralised."""
    from registry.selectors import enquiries_for, record_enquiry_reads

    rows = list(enquiries_for(user=actor))
    record_enquiry_reads(
        user=actor, enquiries=rows, summary="Exported the enquiry log", export=True
    )
    text = csv_document(
        [
            "when",
            "enquirer",
            "agency",
            "role",
            "phone",
            "reference",
            "reason",
            "searched",
            "outcome",
            "returned",
            "possible matches",
            "told",
            "reviewed",
        ],
        (
            [
                e.created_at.isoformat(),
                e.enquirer_name,
                e.enquirer_agency,
                e.enquirer_role,
                e.enquirer_phone,
                e.enquirer_reference,
                e.reason,
                "; ".join(f"{k}={v}" for k, v in e.search.items() if v),
                e.get_outcome_display(),
                "; ".join(m["name"] for m in e.matches),
                e.possible_match_count,
                len(e.told),
                e.reviewed_at.isoformat() if e.reviewed_at else "",
            ]
            for e in rows
        ),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        summary="Exported the enquiry log",
        changes={"rows": len(rows)},
    )
    return text


@transaction.atomic
def designated_manager_set(
    *, actor: User, manager: User, from_date: dt.date, department_notified_on: dt.date | None
) -> DesignatedManager:
    """A new designated manager for the actor's authority; the department is told of a change."""
    if not access.may_keep_designated_managers(actor):
        raise NotPermitted("Only the safeguarding unit manager records the designated manager.")
    assert actor.authority_id is not None  # noqa: S101 - a unit manager has an authority
    errors: dict[str, list[str]] = {}
    if not access.may_be_designated_manager(manager, actor.authority_id):
        errors["manager"] = ["Choose a safeguarding unit manager of this authority."]
    if department_notified_on and department_notified_on < from_date:
        errors["department_notified_on"] = ["The department is told on or after the change."]
    if department_notified_on and department_notified_on > timezone.localdate():
        errors["department_notified_on"] = ["This date cannot be in the future."]
    if errors:
        raise DomainError(errors=errors)
    current = (
        DesignatedManager.objects.select_for_update()
        .filter(authority_id=actor.authority_id, to_date__isnull=True)
        .first()
    )
    if current is not None:
        if from_date <= current.from_date:
            raise DomainError(
                errors={"from_date": ["The new manager starts after the current one did."]}
            )
        current.to_date = from_date - dt.timedelta(days=1)
        current.save(update_fields=["to_date"])
    entry = DesignatedManager.objects.create(
        authority_id=actor.authority_id,
        manager=manager,
        from_date=from_date,
        department_notified_on=department_notified_on,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=entry,
        summary=f"Designated manager from {from_date}: {manager.name}",
    )
    return entry


@transaction.atomic
def historic_plan_request(
    *,
    actor: User,
    child_id: Any,
    reason: str,
    parents_told: bool,
    parents_not_told_reason: str = "",
) -> HistoricPlanRequest:
    """A receiving authority's social worker asks the originating authority to release a
    child's historic plans."""
    if not access.may_request_historic_plans(actor):
        raise NotPermitted("A social worker of the receiving authority makes this request.")
    assert actor.authority_id is not None  # noqa: S101 - the permission requires an authority
    # A child the worker may not see is a 404, as everywhere (and says nothing of its plans).
    child = access.child_for(actor, child_id)
    if not child_has_historic_plans(child.pk):
        raise NotFound("No child with a historic plan was found.")
    errors: dict[str, list[str]] = {}
    if child.responsible_authority_id == actor.authority_id:
        errors["child"] = ["This child's plans are your own authority's: no release is needed."]
    if not reason.strip():
        errors["reason"] = ["Say why the historic plans are needed."]
    if not parents_told and not parents_not_told_reason.strip():
        errors["parents_not_told_reason"] = [
            "Say why the parents were not told (it would increase the risk to the child)."
        ]
    if errors:
        raise DomainError(errors=errors)
    request = HistoricPlanRequest.objects.create(
        child=child,
        requested_by=actor,
        requesting_authority_id=actor.authority_id,
        originating_authority=child.responsible_authority,
        reason=reason.strip(),
        parents_told=parents_told,
        parents_not_told_reason=parents_not_told_reason.strip(),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=request,
        child=child,
        summary="Asked for the release of historic plans",
    )
    managers = (
        User.objects.filter(
            access.register_keepers(), is_active=True, authority=child.responsible_authority
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=m,
                kind=Notification.Kind.HISTORIC_PLAN_REQUEST,
                title="A request to release historic plans",
                body=f"{actor.name} ({actor.authority.name if actor.authority else ''}) asks for {child.name}'s historic plans: {request.reason}",
                url=reverse("register-release", args=[request.pk]),
                child_id=child.pk,
                dedupe_key=f"historic_plan_request:{request.pk}:{m}",
            )
            for m in managers
        ]
    )
    return request


@transaction.atomic
def historic_plan_decide(
    *, actor: User, request_id: Any, grant: bool, reason: str, days: int = 30
) -> HistoricPlanRequest:
    pk = access.as_uuid(request_id)
    request = HistoricPlanRequest.objects.select_for_update().filter(pk=pk).first() if pk else None
    if request is None or not access.may_decide_historic_release(
        actor, request.originating_authority_id
    ):
        raise NotFound("No request was found.")
    if request.status != HistoricPlanRequest.Status.REQUESTED:
        raise DomainError("This request has been decided.")
    errors: dict[str, list[str]] = {}
    if grant and not 1 <= days <= 90:
        errors["days"] = ["Grant access for between 1 and 90 days."]
    if not reason.strip():
        errors["reason"] = ["Give the reason for the decision."]
    if errors:  # every problem at once
        raise DomainError(errors=errors)
    request.status = (
        HistoricPlanRequest.Status.GRANTED if grant else HistoricPlanRequest.Status.REFUSED
    )
    request.decided_by, request.decided_at, request.decision_reason = (
        actor,
        timezone.now(),
        reason.strip(),
    )
    request.access_until = timezone.now() + dt.timedelta(days=days) if grant else None
    request.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=request,
        child=request.child,
        summary=f"{request.get_status_display()} the release of historic plans",
    )
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=request.requested_by_id,
                kind=Notification.Kind.HISTORIC_PLAN_DECISION,
                title=f"Your request for historic plans was {request.get_status_display().lower()}",
                body=request.decision_reason,
                url=reverse("register-release", args=[request.pk]),
                child_id=request.child_id,
                dedupe_key=f"historic_plan_request:{request.pk}:decided",
            )
        ]
    )
    return request


def historic_plans_read(*, actor: User, request_id: Any) -> list[dict[str, Any]]:
    """The released plans, to the requesting worker only, while the grant lasts (audited)."""
    pk = access.as_uuid(request_id)
    request = (
        HistoricPlanRequest.objects.select_related("child")
        .filter(pk=pk, requested_by=actor)
        .first()
        if pk
        else None
    )
    if request is None:
        raise NotFound("No request was found.")
    if (
        request.status != HistoricPlanRequest.Status.GRANTED
        or request.access_until is None
        or request.access_until < timezone.now()
    ):
        raise NotPermitted("This release has not been granted, or its time has run out.")
    plans = Plan.objects.filter(child=request.child, status=Plan.Status.ENDED).prefetch_related(
        "versions"
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.VIEW,
        obj=request,
        child=request.child,
        summary="Read released historic plans",
    )
    return [
        {
            "plan": str(p.pk),
            "started_on": p.started_on,
            "ended_on": p.ended_on,
            "versions": [v.content for v in p.versions.all()],
        }
        for p in plans
    ]

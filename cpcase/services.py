"""Every write to the core records. Each service is atomic, checks what the
acting user may do, validates, writes, and audits in the same transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from cpcase import access, running_deadlines
from cpcase.audit import audit_record, diff
from cpcase.errors import Conflict, DomainError, NotPermitted
from cpcase.models import (
    Address,
    AuditEvent,
    Authority,
    Child,
    Notification,
    Person,
    Relationship,
    Residence,
    Team,
    User,
)
from cpcase.reference import ETHNICITY_CODES
from cpcase.timescales import ChildRange
from cpcase.validators import normalise_nhs_number, normalise_postcode

# Plain fields a caller may set on a child.
CHILD_FIELDS = (
    "la_child_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "expected_date_of_delivery",
    "sex",
    "ethnicity",
    "nhs_number",
    "upn",
    "upn_unknown",
    "disabilities",
    "looked_after",
    "looked_after_since",
    "care_plan_reference",
    "date_of_death",
)
_TEXT_FIELDS = frozenset(
    {
        "la_child_id",
        "first_name",
        "last_name",
        "sex",
        "ethnicity",
        "nhs_number",
        "upn",
        "upn_unknown",
        "care_plan_reference",
    }
)
ALLOCATION_FIELDS = ("lead_social_worker", "team")
RELATION_FIELDS = ("responsible_authority", "resident_authority", "mother")
ALL_CHILD_FIELDS = (*CHILD_FIELDS, *ALLOCATION_FIELDS, *RELATION_FIELDS, "address")


@dataclass(frozen=True)
class AddressInput:
    line1: str
    town: str
    postcode: str
    line2: str = ""

    def is_same_as(self, address: Address | None) -> bool:
        if address is None:
            return False
        try:
            postcode = normalise_postcode(self.postcode)
        except ValidationError:
            return False
        return (self.line1.strip(), self.line2.strip(), self.town.strip(), postcode) == (
            address.line1,
            address.line2,
            address.town,
            address.postcode,
        )


@dataclass(frozen=True)
class PersonInput:
    first_name: str
    last_name: str
    date_of_birth: dt.date | None = None
    phone: str = ""
    email: str = ""


def _full_clean(obj, *, exclude: list[str] | None = None, prefix: str = "") -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=True, validate_constraints=True)
    except ValidationError as e:
        raise _prefixed(DomainError.from_validation_error(e), prefix) from e


def _prefixed(error: DomainError, prefix: str) -> DomainError:
    if not prefix:
        return error
    return DomainError(
        errors={
            (k if k == "non_field_errors" else f"{prefix}.{k}"): v for k, v in error.errors.items()
        }
    )


def _validate_looked_after(child: Child, *, was_looked_after: bool, changes: dict) -> None:
    """Becoming looked after records since when (a date not in the future, not before the
    birth); no longer looked after clears it. The first review conference after that date
    justifies keeping both plans (conferences.services)."""
    if not child.looked_after:
        child.looked_after_since = None
        return
    if child.looked_after_since is None:
        if was_looked_after and "looked_after_since" not in changes:
            return  # recorded before the date was asked for; not changed now
        raise DomainError(
            errors={"looked_after_since": ["Enter the date the child became looked after."]}
        )
    if child.looked_after_since > timezone.localdate():
        raise DomainError(
            errors={
                "looked_after_since": [
                    "The date the child became looked after cannot be in the future."
                ]
            }
        )
    if child.date_of_birth and child.looked_after_since < child.date_of_birth:
        raise DomainError(
            errors={
                "looked_after_since": [
                    "The date the child became looked after cannot be before the date of birth."
                ]
            }
        )


def _address_build(data: AddressInput) -> Address:
    address = Address(
        line1=data.line1.strip(),
        line2=data.line2.strip(),
        town=data.town.strip(),
        postcode=data.postcode,
    )
    _full_clean(address, exclude=["match_key"], prefix="address")
    return address


def _validate_allocation(
    *, actor: User, child: Child, lead: User | None, team: Team | None
) -> None:
    """The team and lead social worker belong to an authority involved with the child:
    the one responsible, or (for a child placed here by another) the one where they live."""
    errors: dict[str, list[str]] = {}
    authorities = {child.responsible_authority_id, child.resident_authority_id}
    if team is not None and team.authority_id not in authorities:
        errors["team"] = ["Choose a team of the authority responsible for the child."]
    if lead is not None:
        if not access.may_be_lead_social_worker(lead):
            errors["lead_social_worker"] = [
                "The lead social worker must be an active social worker."
            ]
        elif lead.authority_id not in authorities:
            errors["lead_social_worker"] = [
                "The lead social worker must work for the authority responsible for the child."
            ]
    if errors:
        raise DomainError(errors=errors)


def _grant_allocated_worker(child: Child, old: User | None, new: User | None) -> None:
    """The allocated worker holds object permissions on the child (django-guardian)."""
    if old is not None and old != new:
        for perm in ("view_child", "change_child"):
            remove_perm(f"cpcase.{perm}", old, child)
    if new is not None:
        for perm in ("view_child", "change_child"):
            assign_perm(f"cpcase.{perm}", new, child)


def _snapshot(child: Child) -> dict[str, Any]:
    snap = {f: getattr(child, f) for f in CHILD_FIELDS}
    snap.update(
        lead_social_worker=child.lead_social_worker_id,
        team=child.team_id,
        responsible_authority=child.responsible_authority_id,
        resident_authority=child.resident_authority_id,
        mother=child.mother_id,
    )
    address = child.address if child.pk else None
    snap["address"] = str(address) if address else None
    return snap


def _apply(child: Child, changes: dict[str, Any]) -> AddressInput | None:
    unknown = set(changes) - set(ALL_CHILD_FIELDS)
    if unknown:
        raise DomainError(
            errors={f: ["This field cannot be changed here."] for f in sorted(unknown)}
        )
    for field in CHILD_FIELDS:
        if field in changes:
            value = changes[field]
            if isinstance(value, str):
                value = value.strip()
            elif value is None and field in _TEXT_FIELDS:
                value = ""
            setattr(child, field, value)
    for field in (*ALLOCATION_FIELDS, *RELATION_FIELDS):
        if field in changes:
            setattr(child, field, changes[field])
    if child.ethnicity and child.ethnicity not in ETHNICITY_CODES:
        raise DomainError(errors={"ethnicity": ["Choose an ethnicity from the census list."]})
    if child.nhs_number:
        # As typed ("999 765 4323") to the ten digits stored, or a message that says why not.
        try:
            child.nhs_number = normalise_nhs_number(child.nhs_number)
        except ValidationError as e:
            raise DomainError(errors={"nhs_number": list(e.messages)}) from e
    return changes.get("address")


def _move_child(child: Child, address_input: AddressInput, *, on: dt.date) -> None:
    current = child.current_residence
    if current is not None and address_input.is_same_as(current.address):
        return
    address = _address_build(address_input)
    address.save()
    if current is not None:
        current.moved_out_on = max(on, current.moved_in_on or on)
        current.save(update_fields=["moved_out_on"])
    Residence.objects.create(child=child, address=address, moved_in_on=on)


def _person_create(child: Child, data: PersonInput, *, prefix: str) -> Person:
    person = Person(
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        date_of_birth=data.date_of_birth,
        phone=data.phone,
        email=data.email,
        authority_id=child.responsible_authority_id,
    )
    _full_clean(person, exclude=["authority"], prefix=prefix)
    person.save()
    return person


def _mother_for(child: Child, mother: Person | PersonInput | None) -> Person | None:
    if isinstance(mother, PersonInput):
        return _person_create(child, mother, prefix="mother")
    return mother


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def child_create(*, actor: User, changes: dict[str, Any]) -> Child:
    if not access.can_create_child(actor) or actor.authority_id is None:
        raise NotPermitted("You do not have permission to add a child.")
    child = Child(
        responsible_authority_id=actor.authority_id,
        resident_authority_id=actor.authority_id,
    )
    mother_input = changes.get("mother")
    changes = {k: v for k, v in changes.items() if k != "mother"}
    address_input = _apply(child, changes)
    _validate_looked_after(child, was_looked_after=False, changes=changes)
    if child.responsible_authority_id != actor.authority_id:
        # Recording a child another authority is responsible for (placed here): the
        # child is resident with us and responsible to them.
        child.resident_authority_id = actor.authority_id
    if "team" not in changes and actor.team_id:
        child.team_id = actor.team_id
    if "lead_social_worker" not in changes and access.is_case_worker(actor):
        child.lead_social_worker = actor
    if mother_input is not None:
        child.mother = _mother_for(child, mother_input)
    _validate_allocation(actor=actor, child=child, lead=child.lead_social_worker, team=child.team)
    _full_clean(child, exclude=["mother"] if child.mother is not None else None)
    try:
        with transaction.atomic():
            child.save()
    except IntegrityError as e:
        raise DomainError(
            "This child's record conflicts with another (NHS number or LA child ID)."
        ) from e
    if child.mother is not None:
        Relationship.objects.create(
            child=child,
            person=child.mother,
            kind=Relationship.Kind.MOTHER,
            parental_responsibility=True,
        )
    if address_input is not None:
        _move_child(child, address_input, on=timezone.localdate())
    _grant_allocated_worker(child, None, child.lead_social_worker)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=child,
        summary=f"Created the record of {child.name}",
        changes=diff({}, _snapshot(child)),
    )
    return child


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def child_update(
    *, actor: User, child_id: Any, version: int | None, changes: dict[str, Any]
) -> Child:
    child = access.child_for(actor, child_id, access.Action.EDIT)
    child = Child.objects.select_for_update().get(pk=child.pk)
    if version is None:
        raise DomainError(errors={"version": ["Send back the version you last read."]})
    if version != child.version:
        raise Conflict(
            "Somebody else changed this record after you opened it. "
            "Reload it to see their changes; your own changes were not saved."
        )
    # A value sent back unchanged (a client returning what it read) is no change, and
    # needs no permission to change it.
    changes = {
        k: v
        for k, v in changes.items()
        if not (
            k in (*ALLOCATION_FIELDS, *RELATION_FIELDS)
            and getattr(child, f"{k}_id") == getattr(v, "pk", v)
        )
    }
    if any(f in changes for f in ALLOCATION_FIELDS) and not access.can(
        actor, access.Action.ALLOCATE, child
    ):
        raise NotPermitted(
            "Only a team manager or the safeguarding unit manager can allocate a child."
        )
    if "responsible_authority" in changes and not access.may_change_responsible_authority(
        actor, child
    ):
        raise NotPermitted(
            "Only the safeguarding unit manager can change the responsible authority."
        )
    before = _snapshot(child)
    old_lead = child.lead_social_worker
    mother_input = changes.get("mother")
    changes = {k: v for k, v in changes.items() if k != "mother"}
    was_looked_after = child.looked_after
    address_input = _apply(child, changes)
    _validate_looked_after(child, was_looked_after=was_looked_after, changes=changes)
    if mother_input is not None:
        child.mother = _mother_for(child, mother_input)
    if any(f in changes for f in ALLOCATION_FIELDS):
        _validate_allocation(
            actor=actor, child=child, lead=child.lead_social_worker, team=child.team
        )
    _full_clean(child, exclude=["mother"] if child.mother is not None else None)
    if address_input is not None:
        _move_child(child, address_input, on=timezone.localdate())
    child.version += 1
    child.updated_at = timezone.now()
    try:
        with transaction.atomic():
            child.save()
    except IntegrityError as e:
        raise DomainError(
            "This change conflicts with another child's record (NHS number or LA child ID)."
        ) from e
    if old_lead != child.lead_social_worker:
        _grant_allocated_worker(child, old_lead, child.lead_social_worker)
    child.refresh_from_db()
    after = _snapshot(child)
    changed = diff(before, after)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=child,
        summary=f"Updated {', '.join(changed) or 'nothing'}",
        changes=changed,
    )
    return child


@transaction.atomic
def person_add_to_child(
    *,
    actor: User,
    child_id: Any,
    person: PersonInput,
    kind: str,
    parental_responsibility: bool = False,
    lives_with_child: bool = False,
    is_carer: bool = False,
    address: AddressInput | None = None,
) -> Relationship:
    child = access.child_for(actor, child_id, access.Action.EDIT)
    if kind not in Relationship.Kind.values:
        raise DomainError(
            errors={"relationship": ["Choose how this person is related to the child."]}
        )
    new_person = _person_create(child, person, prefix="person")
    if lives_with_child and address is None and child.address is not None:
        Residence.objects.create(
            person=new_person, address=child.address, moved_in_on=timezone.localdate()
        )
    elif address is not None:
        addr = _address_build(address)
        addr.save()
        Residence.objects.create(person=new_person, address=addr, moved_in_on=timezone.localdate())
    relationship = Relationship.objects.create(
        child=child,
        person=new_person,
        kind=kind,
        parental_responsibility=parental_responsibility,
        lives_with_child=lives_with_child,
        is_carer=is_carer,
    )
    child.version += 1
    child.updated_at = timezone.now()
    child.save(update_fields=["version", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=relationship,
        child=child,
        summary=f"Recorded {new_person.name} as {relationship.get_kind_display().lower()}",
        changes={
            "person": str(new_person.pk),
            "kind": kind,
            "parental_responsibility": parental_responsibility,
            "lives_with_child": lives_with_child,
        },
    )
    return relationship


# --- Notifications ----------------------------------------------------------


@dataclass(frozen=True)
class NotificationRequest:
    """One message to one person. ``dedupe_key`` names the (event, recipient, stage)."""

    recipient_id: Any
    kind: Notification.Kind
    title: str
    dedupe_key: str
    body: str = ""
    url: str = ""
    child_id: Any = None
    email: bool = True

    def __post_init__(self) -> None:
        # A closed set: an unknown kind is a mistake in the code, caught where it is made.
        Notification.Kind(self.kind)


_NOTIFY_SQL = """
INSERT INTO cpcase_notification
    (id, recipient_id, kind, title, body, url, child_id, dedupe_key, created_at,
     email_wanted)
SELECT * FROM unnest(
    %s::uuid[], %s::uuid[], %s::varchar[], %s::varchar[], %s::text[], %s::varchar[],
    %s::uuid[], %s::varchar[], %s::timestamptz[], %s::boolean[]
)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id
"""


def notifications_raise(*, requests: list[NotificationRequest]) -> list[Any]:
    """Store each notification once, however often it is raised; returns the new ids.

    Safe to call twice, from two workers at once, or again after a worker died
    half-way: the unique ``dedupe_key`` decides, inside PostgreSQL.
    """
    import uuid

    from django.db import connection

    if not requests:
        return []
    now = timezone.now()
    columns: list[list[Any]] = [[] for _ in range(10)]
    seen: set[str] = set()
    for r in requests:
        if r.dedupe_key in seen:
            continue
        seen.add(r.dedupe_key)
        row = [
            uuid.uuid4(),
            r.recipient_id,
            r.kind[:50],
            r.title[:200],
            r.body,
            r.url[:300],
            r.child_id,
            r.dedupe_key[:200],
            now,
            r.email,
        ]
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_NOTIFY_SQL, columns)
        created = [row[0] for row in cursor.fetchall()]
        if created and any(r.email for r in requests):
            from cpcase.tasks import send_notification_emails

            # robust: the record is saved; a broker that is down must not turn that into an
            # error page (the beat safety net sends what is left every ten minutes).
            transaction.on_commit(send_notification_emails.delay, robust=True)
    return created


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: Any) -> None:
    from cpcase.errors import NotFound
    from cpcase.models import Notification

    if notification_id is None or access.as_uuid(notification_id) is None:
        raise NotFound("No notification was found.")
    updated = Notification.objects.filter(
        pk=notification_id, recipient=user, read_at__isnull=True
    ).update(read_at=timezone.now())
    if not updated and not Notification.objects.filter(pk=notification_id, recipient=user).exists():
        raise NotFound("No notification was found.")


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    from cpcase.models import Notification

    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_emails_send(*, batch_size: int = 100) -> int:
    """Send the outbox. Rows are claimed with SKIP LOCKED, so two workers never send one
    email twice; a worker killed between sending and committing re-sends it (email is
    at-least-once; the in-app inbox is exactly-once)."""
    from django.conf import settings
    from django.core.mail import send_mail

    from cpcase.models import Notification

    sent = 0
    while True:
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(email_wanted=True, emailed_at__isnull=True)
                .select_related("recipient")
                .order_by("created_at")[:batch_size]
            )
            if not rows:
                return sent
            for n in rows:
                if n.recipient.email and n.recipient.is_active:
                    # Email is not a safe place for case details: the title (which never
                    # names a child) and a link; the body stays in the inbox.
                    link = f"{settings.CPCASE_BASE_URL.rstrip('/')}{n.url or '/notifications/'}"
                    send_mail(
                        subject=f"cpcase: {n.title}",
                        message=f"{n.title}\n\nSign in to read the details:\n{link}\n",
                        from_email=None,
                        recipient_list=[n.recipient.email],
                    )
                    sent += 1
                n.emailed_at = timezone.now()
            Notification.objects.bulk_update(rows, ["emailed_at"])


# --- Timescale profiles and the authority's calendar -------------------------


def _require_settings_role(actor: User, authority: Authority) -> None:
    if not access.may_change_authority_settings(actor, authority.pk):
        raise NotPermitted(
            "Only the safeguarding unit manager or a system administrator of this authority "
            "can change its timescales and calendar."
        )


@transaction.atomic
def timescale_rule_set(
    *, actor: User, authority: Authority, kind: str, value: int, unit: str, note: str = ""
):
    """Override one timescale for an authority (its nation's default stays as it is)."""
    from cpcase.models import TimescaleProfile, TimescaleRule

    _require_settings_role(actor, authority)
    profile, _ = TimescaleProfile.objects.get_or_create(
        authority=authority,
        defaults={"name": f"{authority.name} (local)", "nation": authority.nation},
    )
    rule = TimescaleRule.objects.filter(profile=profile, kind=kind).first() or TimescaleRule(
        profile=profile, kind=kind
    )
    before = {"value": rule.value, "unit": rule.unit}
    if not isinstance(value, int) or isinstance(value, bool):
        raise DomainError(errors={"value": ["Enter the timescale as a whole number."]})
    rule.value, rule.unit, rule.note = value, unit, note
    _full_clean(rule, exclude=["profile"])
    rule.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=rule,
        summary=f"Set the {authority.name} timescale: {rule}",
        changes=diff(before, {"value": rule.value, "unit": rule.unit}),
    )
    running_deadlines.refresh_authority_later(authority)
    return rule


@transaction.atomic
def calendar_day_set(
    *, actor: User, authority: Authority, day: dt.date, kind: str, reason: str = ""
):
    """Add an office closure, or keep a listed bank holiday as a working day."""
    from cpcase.models import CalendarDay

    _require_settings_role(actor, authority)
    if kind not in CalendarDay.Kind.values:
        raise DomainError(errors={"kind": ["Choose a closure or a working day."]})
    entry, _ = CalendarDay.objects.update_or_create(
        authority=authority, date=day, defaults={"kind": kind, "reason": reason.strip()}
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=entry,
        summary=f"Calendar of {authority.name}: {entry}",
        changes={"date": day, "kind": kind, "reason": reason},
    )
    running_deadlines.refresh_authority_later(authority)
    return entry


# --- The daily timescale check --------------------------------------------------

_STAGE_TITLES = {
    "before": "{label} due on {due:%d %B %Y}",
    "due": "{label} due today",
    "overdue": "Overdue: {label} was due on {due:%d %B %Y}",
}
_ROLE_REASONS = {
    "lead_social_worker": "You are the lead social worker.",
    "team_manager": "You manage the team of the child's lead social worker.",
    "service_leader": "A statutory visit is overdue in your service.",
    "chair": "You chaired the child's last conference.",
}


def timescales_check(
    *, today: dt.date, batch_size: int | None = None, chunk_size: int | None = None
) -> int:
    """Raise every reminder and escalation due on ``today``; returns how many were new.

    Inline, chunk after chunk (``cpcase.daily_scan``); the Celery task
    ``cpcase.check_timescales`` runs the same chunks as a group, on many workers.
    Safe to run twice, on two workers at once, or again after a worker died half-way:
    each (deadline, recipient, stage) is stored once (see ``notifications_raise``).
    """
    from cpcase.daily_scan import scan_chunks

    return sum(
        timescales_check_chunk(
            today=today,
            children=chunk.children(),
            batch_size=batch_size,
            id_range=chunk.id_range(),
        )
        for chunk in scan_chunks(chunk_size)
    )


def timescales_check_chunk(
    *,
    today: dt.date,
    children: QuerySet[Child],
    batch_size: int | None = None,
    id_range: ChildRange | None = None,
) -> int:
    """The daily check of some children (one chunk of the run): the reminders and
    escalations due on ``today`` stored; returns how many were new.

    A fixed number of queries however many children. Batches commit one by one, so a
    chunk run again after its worker died redoes only what is missing. ``id_range``, the
    range of ids ``children`` lies in, lets each table be read by that range alone.
    """
    from django.conf import settings

    from cpcase.timescales import KIND_LABELS, reminders_due

    batch_size = batch_size or settings.CPCASE_NOTIFY_BATCH_SIZE
    started = timezone.now()
    # The chunk's running deadlines are computed once: stored for the dashboards (which
    # also moves them on with the calendar) and turned into reminders.
    id_range = id_range or ChildRange()
    found = running_deadlines.compute(children, today, id_range=id_range)
    running_deadlines.store_computed(children, found, computed_at=started, id_range=id_range)
    reminders = list(reminders_due(today, children, found=found))
    names = {
        pk: f"{first} {last}".strip()
        for pk, first, last in Child.objects.filter(
            pk__in={r.deadline.child_id for r in reminders}
        ).values_list("pk", "first_name", "last_name")
    }
    created = 0
    for start in range(0, len(reminders), batch_size):
        requests = []
        for r in reminders[start : start + batch_size]:
            d = r.deadline
            label = KIND_LABELS.get(d.kind, d.kind.replace("_", " ").capitalize())
            requests.append(
                NotificationRequest(
                    recipient_id=r.recipient_id,
                    kind=Notification.Kind(f"deadline_{r.stage}"),
                    # The title goes by email too: it names no child.
                    title=_STAGE_TITLES[r.stage].format(label=label, due=d.due_on),
                    body=(
                        f"{names.get(d.child_id, 'A child')}: {label.lower()} "
                        f"due on {d.due_on:%d %B %Y} ({d.source}). {_ROLE_REASONS[r.role]}"
                    ),
                    url=reverse("child-detail", args=[d.child_id]),
                    child_id=d.child_id,
                    dedupe_key=r.dedupe_key,
                )
            )
        created += len(notifications_raise(requests=requests))
    return created


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def child_allocate_by_conference(*, actor: User, child: Child, lead_social_worker: User) -> Child:
    """A conference names the child's lead social worker (DOMAIN.md section 1, step 2).

    The chair does not otherwise allocate children; this is that one decision, audited.
    """
    if not access.may_chair_for(actor, child):
        raise NotPermitted("Only the conference chair can name the lead social worker.")
    child = Child.objects.select_for_update().get(pk=child.pk)
    _validate_allocation(actor=actor, child=child, lead=lead_social_worker, team=child.team)
    old = child.lead_social_worker
    if old == lead_social_worker:
        return child
    child.lead_social_worker = lead_social_worker
    if lead_social_worker.team_id and lead_social_worker.team_id != child.team_id:
        child.team_id = lead_social_worker.team_id
    child.version += 1
    child.updated_at = timezone.now()
    child.save()
    _grant_allocated_worker(child, old, lead_social_worker)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=child,
        summary=f"Conference named {lead_social_worker.name} lead social worker",
        changes={
            "lead_social_worker": {"from": old.pk if old else None, "to": lead_social_worker.pk}
        },
    )
    return child


# --- A child moves to another authority (transfer-in) ------------------------------


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def child_move_in_record(
    *, actor: User, child: Child, address: AddressInput | None, on: dt.date
) -> Child:
    """Notice of a move in: the child lives in the receiving authority's area now, so it
    becomes the authority of residence (its register lists the child; its authority-wide
    staff see them), and the new address is recorded if known. The authority that was
    responsible stays responsible until the transfer-in conference."""
    receiving_id = actor.authority_id
    if receiving_id is None or not access.may_record_transfer_notice(actor, child):
        raise NotPermitted("Only the receiving authority records the notice of a move in.")
    child = Child.objects.select_for_update().get(pk=child.pk)
    before = _snapshot(child)
    child.resident_authority_id = receiving_id
    if address is not None:
        _move_child(child, address, on=on)
    child.version += 1
    child.updated_at = timezone.now()
    child.save()
    # The member of staff who recorded it sees the child from now on (a team manager sees
    # only their team's children otherwise).
    assign_perm("cpcase.view_child", actor, child)
    child.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=child,
        summary="Recorded a move into the authority's area",
        changes=diff(before, _snapshot(child)),
    )
    return child


@transaction.atomic
@running_deadlines.after(running_deadlines.of_child)
def child_responsibility_transfer(
    *, actor: User, child: Child, to_authority_id: Any, on: dt.date
) -> Child:
    """After the receiving authority's transfer-in conference made a plan: that authority
    becomes responsible for the child, and the authority where they live."""
    if not (access.may_chair_for(actor, child) and actor.authority_id == to_authority_id):
        raise NotPermitted("Only the receiving authority's conference chair transfers a child.")
    child = Child.objects.select_for_update().get(pk=child.pk)
    before = _snapshot(child)
    child.responsible_authority_id = to_authority_id
    child.resident_authority_id = to_authority_id
    if child.team is not None and child.team.authority_id != to_authority_id:
        # The original authority's team is no longer the child's: the conference's lead
        # social worker brings their own team.
        child.team = None
    child.version += 1
    child.updated_at = timezone.now()
    child.save()
    child.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=child,
        summary=f"Transfer-in conference on {on:%d %B %Y}: the receiving authority is responsible",
        changes=diff(before, _snapshot(child)),
    )
    return child

"""The safeguarding unit manager's work on the enquiry log: marking enquiries reviewed,
reviewing possible matches, exporting the log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from cpcase import access
from cpcase.audit import audit_record
from cpcase.csv_safe import csv_document
from cpcase.errors import Conflict, DomainError, NotFound
from cpcase.models import AuditEvent, User
from registry.models import Enquiry, PossibleMatch
from registry.selectors import enquiries_for, possible_matches_for, record_enquiry_reads

EXPORT_HEADER = [
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
]


@transaction.atomic
def enquiry_mark_reviewed(*, actor: User, enquiry_id: Any) -> Enquiry:
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


def _export_row(e: Enquiry) -> list[Any]:
    return [
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


def enquiries_export(*, actor: User) -> str:
    """The enquiry log as CSV (audited); cells a spreadsheet would run are neutralised."""
    rows = list(enquiries_for(user=actor))
    record_enquiry_reads(
        user=actor, enquiries=rows, summary="Exported the enquiry log", export=True
    )
    text = csv_document(EXPORT_HEADER, (_export_row(e) for e in rows))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        summary="Exported the enquiry log",
        changes={"rows": len(rows)},
    )
    return text

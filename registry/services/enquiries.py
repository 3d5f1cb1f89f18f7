"""Enquiries of the register: checking the enquirer, answering, recording every attempt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from cpcase import access
from cpcase.audit import audit_events_each, audit_record
from cpcase.errors import DomainError, NotPermitted
from cpcase.insert_together import insert_together
from cpcase.models import AuditEvent, Child, User
from registry.models import Enquiry, PossibleMatch
from registry.selectors import (
    MAX_MATCHES,
    Search,
    minimum_answer,
    register_facts,
    register_search,
)

if TYPE_CHECKING:
    from registry.selectors import SearchedChild

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
    children: list[SearchedChild] = []
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


def _record_refusal(
    actor: User,
    enquirer: Enquirer | None,
    reason: str,
    search: Search,
    errors: dict[str, Any],
) -> None:
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


@dataclass(frozen=True)
class _Findings:
    """What a search found: the strong matches, those of them on the register (answered),
    and the weak matches on the register (possible matches, named to nobody)."""

    strong: list[SearchedChild]
    on_register: list[SearchedChild]
    weak: list[SearchedChild]
    matches: list[dict[str, Any]]


def _findings(children: Sequence[SearchedChild]) -> _Findings:
    today = timezone.localdate()
    facts = register_facts(list(children), today)
    strong = [c for c in children if c.strong]
    on_register = [c for c in strong if facts.get(c.pk, {}).get("on_register")][:MAX_MATCHES]
    weak = [c for c in children if not c.strong and facts.get(c.pk, {}).get("on_register")][
        :MAX_MATCHES
    ]
    matches = [minimum_answer(c, facts[c.pk]) for c in on_register]
    return _Findings(strong=strong, on_register=on_register, weak=weak, matches=matches)


def _outcome(findings: _Findings) -> Enquiry.Outcome:
    if findings.matches:
        return Enquiry.Outcome.MATCHED
    if findings.weak:
        return Enquiry.Outcome.POSSIBLE_MATCH
    return Enquiry.Outcome.NO_MATCH


def _call(weak: Sequence[Child]) -> dict[str, Any]:
    """Whom the enquirer is told to call about a possible match: the duty team of the
    child's authority."""
    if not weak:
        return {}
    return {
        "name": weak[0].responsible_authority.name,
        "out_of_hours_phone": weak[0].responsible_authority.out_of_hours_phone,
    }


def _new_enquiry(
    actor: User, enquirer: Enquirer, reason: str, search: Search, findings: _Findings
) -> Enquiry:
    """The enquiry to record (not saved yet)."""
    asked_about = [{"child": str(c.pk), "address": c.address_key} for c in findings.strong]
    now = timezone.now()
    return Enquiry(
        enquirer=actor,
        enquirer_name=enquirer.name.strip(),
        enquirer_agency=enquirer.agency.strip(),
        enquirer_role=enquirer.role.strip(),
        enquirer_phone=enquirer.phone.strip(),
        enquirer_reference=enquirer.reference.strip(),
        reason=reason.strip(),
        search=search.as_dict(),
        outcome=_outcome(findings),
        matches=findings.matches,
        possible_match_count=len(findings.weak),
        call=_call(findings.weak),
        asked_about=asked_about,
        created_at=now,
        # Nobody found for certain, nobody to tell: no follow-up is queued.
        followed_up_at=None if findings.strong else now,
    )


def _found_summary(findings: _Findings) -> str:
    weak = findings.weak
    found = "record found" if findings.on_register else "no record found"
    if weak:
        found += f"; {len(weak)} possible match{'es' if len(weak) > 1 else ''} to review"
    return found


def _record_enquiry(
    actor: User,
    enquirer: Enquirer,
    reason: str,
    search: Search,
    children: Sequence[SearchedChild],
) -> Enquiry:
    """Record the enquiry, with what was found and its audit events, before the answer is
    given: in one statement the enquiry, the children matched (when there are any), the
    possible matches (when there are any) and the audit events, however many children. Telling people (the lead social workers, the same-address rule, the
    cluster alert) follows at once in the background, from what the enquiry records
    (:func:`enquiry_follow_up`): the register is searched at 3 a.m. and the answer must
    come at once.

    Only strong matches are answered, followed up and told to their lead social worker.
    A weak match names no child: the enquirer is told to call the duty team of the child's
    authority, and the unit manager reviews it (:class:`PossibleMatch`)."""
    findings = _findings(children)
    enquiry = _new_enquiry(actor, enquirer, reason, search, findings)
    found = _found_summary(findings)
    on_register, weak = findings.on_register, findings.weak
    events = audit_events_each(
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
    # One statement, atomic on its own: one round trip at 3 a.m.
    insert_together(
        [enquiry],
        [
            Enquiry.matched_children.through(enquiry_id=enquiry.pk, child_id=c.pk)
            for c in on_register
        ],
        [
            PossibleMatch(
                enquiry_id=enquiry.pk, child_id=c.pk, authority_id=c.responsible_authority_id
            )
            for c in weak
        ],
        events,
    )
    enquiry._state.adding = False
    if findings.strong:
        _queue_follow_up(enquiry)
    return enquiry


def _queue_follow_up(enquiry: Enquiry) -> None:
    # registry.tasks imports registry.services (its tasks call the follow-up): a cycle.
    from registry.tasks import follow_up_enquiry

    # robust: the enquiry is recorded and the answer is due; a broker that is down
    # must not turn that into an error (the safety net follows it up a little later).
    transaction.on_commit(lambda: follow_up_enquiry.delay(str(enquiry.pk)), robust=True)

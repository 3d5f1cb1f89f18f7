"""The letters of a finalised conference: to the parents, to the child, and their
sending and reading."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from conferences import selectors
from conferences.models import Conference, ConferenceChild, ConferenceParent, Letter
from conferences.services.common import Decision
from cpcase.audit import audit_record
from cpcase.documents import renderer, sha256
from cpcase.errors import DomainError
from cpcase.models import AuditEvent, Child, User
from cpcase.timescales import DeadlineContext, deadlines, load_authority_timescales
from plans.models import StepDown
from plans.selectors import plan_issues_by_plan

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
    context = DeadlineContext(
        children=Child.objects.filter(pk__in=[c.pk for c in children]),
        today=conference.held_on or timezone.localdate(),
        history=True,
        timescales=load_authority_timescales({c.responsible_authority_id for c in children}),
        stream=False,  # a conference's few children
    )
    running: dict[Any, dict[str, Any]] = defaultdict(dict)
    for d in deadlines(context):  # in due-date order: the latest of a kind is kept
        if d.is_open:
            running[d.child_id][d.kind] = d.due_on
    return running


def _plan_issues(subjects: Sequence[ConferenceChild]) -> dict[Any, list[dict[str, Any]]]:
    """The issues of the plans the subjects' letters show (those with no outline plan)."""
    return plan_issues_by_plan(s.plan_id for s in subjects if s.plan_id and not s.outline_plan)


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
        # The letters ask these; they compare no decision or step-down codes.
        "plan_needed": subject.starts_plan or subject.continues_plan,
        "plan_continues": subject.continues_plan,
        "step_down_child_in_need": subject.step_down == StepDown.CHILD_IN_NEED,
        "step_down_girfec": subject.step_down == StepDown.GIRFEC,
        "step_down_none": subject.step_down == StepDown.NONE,
        "reasons": subject.decision_reasons,
        "step_down": subject.step_down,
        "category_words": CATEGORY_WORDS.get(category, ""),
        "issues": subject.outline_plan or plan_issues.get(subject.plan_id, []),
        "lead_social_worker": subject.lead_social_worker or child.lead_social_worker,
        "first_core_group_on": running.get("first_core_group"),
        "next_review_on": subject.next_review_on or running.get("review_conference"),
        "childline": True,
    }


# A letter to produce: its kind, to whom, and the key that makes it once per recipient.
_Wanted = tuple[str, str, str]


def _letters_wanted(
    subject: ConferenceChild, parents: list[ConferenceParent], existing: set[tuple[Any, ...]]
) -> list[_Wanted]:
    """The letters about ``subject`` not yet produced: one to each parent told (the
    discontinuation letter when the plan ends) and one to a child who is told."""
    wanted: list[_Wanted] = []
    if subject.parents_informed is not False:
        to_parents = (
            Letter.Kind.DISCONTINUATION
            if subject.decision == Decision.DISCONTINUE
            else Letter.Kind.OUTCOME_PARENT
        )
        for parent in parents:
            wanted.append((to_parents, parent.name, str(parent.person_id or parent.name.lower())))
    if subject.child_informed and not subject.child.is_unborn:
        wanted.append((Letter.Kind.OUTCOME_CHILD, subject.child.name, "child"))
    return [w for w in wanted if (subject.child_id, w[0], w[2][:100]) not in existing]


def _letter_store(
    conference: Conference, subject: ConferenceChild, wanted: _Wanted, pdf: bytes
) -> Letter:
    """Keep the letter with its checksum; producing it is audited as the chair's."""
    kind, recipient, key = wanted
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
    return letter


@transaction.atomic
def conference_letters_produce(*, conference_id: Any) -> list[Letter]:
    """Produce the letters of a finalised conference; safe to run again (each letter once).

    The children's deadlines, their plans' issues and the letters already stored are read
    once for the conference, and one renderer lays out all its letters."""
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
        wanted = _letters_wanted(subject, parents, existing)
        if not wanted:
            continue
        context = _letter_context(
            conference,
            subject,
            running=running.get(subject.child_id, {}),
            plan_issues=plan_issues,
        )
        for letter in wanted:
            pdf = pdfs.render(f"letters/{letter[0]}.html", {**context, "recipient": letter[1]})
            produced.append(_letter_store(conference, subject, letter, pdf))
    return produced


@transaction.atomic
def letter_mark_sent(*, actor: User, letter_id: Any, sent_on: dt.date, sent_by: str) -> Letter:
    letter = selectors.letter_for(actor, letter_id)
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


def letter_pdf(*, actor: User, letter_id: Any) -> tuple[Letter, bytes]:
    """The stored PDF, checked against its checksum; the read is audited."""
    letter = selectors.letter_for(actor, letter_id)
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


def letter_html(*, actor: User, letter_id: Any) -> tuple[Letter, str]:
    """The letter as HTML for printing in the browser, from the same template as its PDF;
    the read is audited like opening the PDF."""
    letter = selectors.letter_for(actor, letter_id)
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

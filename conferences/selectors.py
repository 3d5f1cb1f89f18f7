"""Reads of strategy discussions and conferences."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from conferences.models import (
    Complaint,
    Conference,
    ConferenceChild,
    Letter,
    LookedAfterEvent,
    Section47Enquiry,
    StrategyDiscussion,
    TransferNotice,
)
from cpcase import access, read_audit
from cpcase.chronology import Event
from cpcase.errors import NotFound
from cpcase.models import Child, Relationship, User
from cpcase.timescales import AuthorityTimescales, Deadline, DeadlineContext, brought_forward_note
from plans import selectors as plan_selectors
from plans.selectors import PlanFacts, plan_facts

HELD = (Conference.Status.HELD, Conference.Status.FINALISED)
OPENING_KINDS = (Conference.Kind.INITIAL, Conference.Kind.PRE_BIRTH)
# The review conference to convene after a looked after child's change of circumstances
# (DOMAIN.md) is one deadline, named by its kind here and wherever it is shown. Its
# timescale rule and its keys keep the name under which authorities' rules and running
# deadlines are stored ("convened_review"); renaming those needs a data migration.
REVIEW_CONFERENCE_REQUIRED = "review_conference_required"
REVIEW_CONFERENCE_REQUIRED_RULE = "convened_review"


def _first_conference_after(kinds: Iterable[str], date_field: str) -> Subquery:
    """The date of the first conference of ``kinds`` held for the child on or after the event."""
    return Subquery(
        ConferenceChild.objects.filter(
            child_id=OuterRef("child_id"),
            conference__kind__in=kinds,
            conference__status__in=HELD,
            conference__held_on__gte=OuterRef(date_field),
        )
        .values("child_id")
        .annotate(first=Min("conference__held_on"))
        .values("first")[:1]
    )


def icpc_deadlines(context: DeadlineContext) -> Iterable[Deadline]:
    """An initial conference within the timescale of each strategy discussion that started
    a section 47 enquiry, unless the enquiry found that no conference is needed (the
    census's ``ICPCnotRequired``): then no conference is due."""
    discussions = (
        context.in_range(
            StrategyDiscussion.objects.filter(
                child__in=context.children, outcome=StrategyDiscussion.Outcome.S47_ENQUIRY
            )
        )
        .exclude(section47_enquiry__conference_required=False)
        .annotate(icpc_on=_first_conference_after(OPENING_KINDS, "held_on"))
    )
    if not context.history:
        discussions = discussions.filter(icpc_on__isnull=True)
    rows = discussions.values_list(
        "id", "child_id", "child__responsible_authority_id", "held_on", "icpc_on"
    )
    for pk, child_id, authority_id, held_on, icpc_on in context.rows(rows):
        computed = context.for_authority(authority_id).due("icpc", held_on)
        if computed is None:
            continue
        due_on, rule = computed
        yield Deadline(
            child_id=child_id,
            authority_id=authority_id,
            kind="icpc",
            due_on=due_on,
            met_on=icpc_on,
            source=f"{rule.describe()} after the strategy discussion on {held_on:%d %b %Y}",
            key=f"icpc:{pk}",
            today=context.today,
        )


def transfer_in_deadlines(context: DeadlineContext) -> Iterable[Deadline]:
    """A transfer-in conference within the receiving authority's timescale of each notice
    of a move in (the receiving authority holds the conference: its timescales apply)."""
    notices = context.in_range(TransferNotice.objects.filter(child__in=context.children)).annotate(
        held_on=_first_conference_after((Conference.Kind.TRANSFER_IN,), "notified_on"),
        receiving_id=Coalesce("authority_id", "child__responsible_authority_id"),
    )
    if not context.history:
        notices = notices.filter(held_on__isnull=True)
    rows = notices.values_list("id", "child_id", "receiving_id", "notified_on", "held_on")
    for pk, child_id, authority_id, notified_on, held_on in context.rows(rows):
        computed = context.for_authority(authority_id).due("transfer_in", notified_on)
        if computed is None:
            continue
        due_on, rule = computed
        yield Deadline(
            child_id=child_id,
            authority_id=authority_id,
            kind="transfer_in",
            due_on=due_on,
            met_on=held_on,
            source=f"{rule.describe()} after notice of the move on {notified_on:%d %b %Y}",
            key=f"transfer_in:{pk}",
            today=context.today,
        )


# --- Reviews ----------------------------------------------------------------------------

# A conference that anchors a review: held on, kind, the review date it set, its chair.
_Anchor = tuple[dt.date, str, dt.date | None, Any]


def _held_conferences_by_child(context: DeadlineContext) -> dict[Any, list[_Anchor]]:
    """The held conferences (not transfer-in) of the children, by child; only the latest of
    each child's unless the history is asked for."""
    held = context.in_range(
        ConferenceChild.objects.filter(child__in=context.children, conference__status__in=HELD)
    ).exclude(conference__kind=Conference.Kind.TRANSFER_IN)
    if not context.history:
        # Only the latest conference of each child anchors the review now running.
        held = held.order_by("child_id", "-conference__held_on").distinct("child_id")
    conferences: dict[Any, list[_Anchor]] = defaultdict(list)
    rows = held.values_list(
        "child_id",
        "conference__held_on",
        "conference__kind",
        "next_review_on",
        "conference__chair_id",
    )
    for child_id, held_on, kind, next_review_on, chair_id in context.rows(rows):
        assert held_on is not None  # noqa: S101 - a held conference has a date (constraint)
        conferences[child_id].append((held_on, kind, next_review_on, chair_id))
    return conferences


def _review_anchors(plan: PlanFacts, conferences: list[_Anchor]) -> list[_Anchor]:
    """The conferences held while the plan ran, the one that started it first."""
    anchors = sorted(
        c
        for c in conferences
        if c[0] >= plan.started_on and (plan.ended_on is None or c[0] <= plan.ended_on)
    )
    if not anchors or anchors[0][0] != plan.started_on:
        # The conference that started the plan, even if it is not on record here.
        anchors.insert(0, (plan.started_on, Conference.Kind.INITIAL, None, None))
    return anchors


def _review_due(
    plan: PlanFacts, timescales: AuthorityTimescales, anchor: _Anchor, first: bool
) -> tuple[dt.date, str] | None:
    """When the review after ``anchor`` is due, and why (None: no rule applies)."""
    held_on, _, set_review_on, _ = anchor
    number = "first review" if first else "next review"
    if set_review_on is not None:
        return set_review_on, f"{number}: date set by the conference on {held_on:%d %b %Y}"
    if first:
        rule_kind = "pre_birth_review" if plan.pre_birth else "first_review_conference"
    else:
        rule_kind = "review_conference"
    computed = timescales.due(rule_kind, held_on)
    if computed is None:
        return None
    due_on, rule = computed
    source = f"{number}: {rule.describe()} after the conference on {held_on:%d %b %Y}"
    return due_on, source + brought_forward_note(held_on, rule, due_on)


def review_deadlines(context: DeadlineContext) -> Iterable[Deadline]:
    """The first review after the conference that started the plan, then each later review.

    A review date set at a conference overrides the profile for that review.
    """
    conferences = _held_conferences_by_child(context)
    for plan in plan_facts(context):
        timescales = context.for_authority(plan.authority_id)
        anchors = _review_anchors(plan, conferences.get(plan.child_id, []))
        first_index = 0 if context.history else len(anchors) - 1
        for i in range(first_index, len(anchors)):
            held_on, _, _, chair_id = anchors[i]
            met_on = anchors[i + 1][0] if i + 1 < len(anchors) else None
            due = _review_due(plan, timescales, anchors[i], first=i == 0)
            if due is None:
                continue
            due_on, source = due
            if met_on is None and not plan.applies_on(due_on):
                continue
            yield Deadline(
                child_id=plan.child_id,
                authority_id=plan.authority_id,
                kind="review_conference",
                due_on=due_on,
                met_on=met_on,
                source=source,
                key=f"review:{plan.id}:{held_on.isoformat()}",
                today=context.today,
                chair_id=chair_id,
                closed_on=plan.ended_on,
            )


# --- The meeting after a birth ------------------------------------------------------------


def _born_on(context: DeadlineContext, plans: list[PlanFacts]) -> dict[Any, dt.date]:
    """The date of birth of the children of these plans who are born."""
    return {
        pk: date_of_birth
        for pk, date_of_birth in context.children.filter(
            pk__in={p.child_id for p in plans}, date_of_birth__isnull=False
        ).values_list("pk", "date_of_birth")
        if date_of_birth is not None
    }


def _conference_dates(child_ids: Iterable[Any]) -> dict[Any, list[dt.date]]:
    """The days conferences were held for these children, by child."""
    conferences: dict[Any, list[dt.date]] = defaultdict(list)
    for child_id, held_on in ConferenceChild.objects.filter(
        child_id__in=list(child_ids),
        conference__status__in=HELD,
        conference__held_on__isnull=False,
    ).values_list("child_id", "conference__held_on"):
        if held_on is not None:
            conferences[child_id].append(held_on)
    return conferences


def birth_meeting_deadlines(context: DeadlineContext) -> Iterable[Deadline]:
    """When a baby with a pre-birth plan is born, a core group or conference meets before
    the baby leaves hospital, or as soon as possible after (Scotland's profile: only
    authorities with a ``birth_meeting`` rule have this deadline)."""
    plans = [p for p in plan_facts(context) if p.pre_birth]
    born = _born_on(context, plans) if plans else {}
    plans = [
        p
        for p in plans
        if p.child_id in born
        and context.for_authority(p.authority_id).rules.get("birth_meeting") is not None
    ]
    if not plans:
        return
    meetings = plan_selectors.core_group_meeting_dates(p.id for p in plans)
    conferences = _conference_dates(p.child_id for p in plans)
    for plan in plans:
        birth = born[plan.child_id]
        if birth < plan.started_on or (plan.ended_on is not None and birth > plan.ended_on):
            continue  # born before the plan (not a pre-birth plan's baby) or after it ended
        after = [d for d in [*meetings[plan.id], *conferences[plan.child_id]] if d >= birth]
        met_on = min(after) if after else None
        if met_on is not None and not context.history:
            continue
        computed = context.for_authority(plan.authority_id).due("birth_meeting", birth)
        if computed is None:
            continue
        due_on, rule = computed
        if met_on is None and not plan.applies_on(due_on):
            continue
        yield Deadline(
            child_id=plan.child_id,
            authority_id=plan.authority_id,
            kind="birth_meeting",
            due_on=due_on,
            met_on=met_on,
            source=f"{rule.describe()} after the birth on {birth:%d %b %Y}",
            key=f"birth_meeting:{plan.id}",
            today=context.today,
            closed_on=plan.ended_on,
        )


# --- The review conference to convene ------------------------------------------------------


def review_conference_required_deadlines(context: DeadlineContext) -> Iterable[Deadline]:
    """A review conference must be convened after a looked after child's change of
    circumstances (DOMAIN.md); met by the next review conference held."""
    events = context.in_range(LookedAfterEvent.objects.filter(child__in=context.children)).annotate(
        held_on=_first_conference_after((Conference.Kind.REVIEW,), "occurred_on"),
        # The end of the plan the event happened in, if it has ended: a review not
        # convened by then is missed (history), not overdue.
        plan_ended_on=plan_selectors.ended_plan_around("child_id", "occurred_on"),
    )
    if not context.history:
        events = events.filter(held_on__isnull=True, plan_ended_on__isnull=True)
    rows = events.values_list(
        "id",
        "child_id",
        "child__responsible_authority_id",
        "occurred_on",
        "held_on",
        "kind",
        "plan_ended_on",
    )
    for pk, child_id, authority_id, occurred_on, held_on, kind, ended_on in context.rows(rows):
        if held_on is not None and ended_on is not None and held_on > ended_on:
            held_on = None  # a review after the plan ended did not meet it
        computed = context.for_authority(authority_id).due(
            REVIEW_CONFERENCE_REQUIRED_RULE, occurred_on
        )
        if computed is None:
            continue
        due_on, rule = computed
        label = LookedAfterEvent.Kind(kind).label.lower()
        yield Deadline(
            child_id=child_id,
            authority_id=authority_id,
            kind=REVIEW_CONFERENCE_REQUIRED,
            due_on=due_on,
            met_on=held_on,
            source=f"{rule.describe()} after: {label}, {occurred_on:%d %b %Y}",
            key=f"{REVIEW_CONFERENCE_REQUIRED_RULE}:{pk}",
            today=context.today,
            closed_on=ended_on,
        )


# --- Fetch or 404 -------------------------------------------------------------------------


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


def section47_for(*, user: User, enquiry_id: Any) -> Section47Enquiry:
    """A section 47 enquiry of a child the user may see, or 404."""
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


def letter_for(actor: User, letter_id: Any) -> Letter:
    """A letter about a child whose record the actor may read, or 404."""
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


def complaint_for(actor: User, complaint_id: Any) -> Complaint:
    """A complaint about a child the actor may see, or 404."""
    pk = access.as_uuid(complaint_id)
    complaint = (
        Complaint.objects.select_related("conference", "child").filter(pk=pk).first()
        if pk
        else None
    )
    if complaint is None or not access.can(actor, access.Action.VIEW, complaint.child):
        raise NotFound("No complaint was found.")
    return complaint


# --- Conferences shown ---------------------------------------------------------------------


def conferences_visible_to(user: User) -> QuerySet[Conference]:
    """Conferences all of whose children the user may see."""
    visible = access.children_visible_to(user).values("pk")
    hidden = ConferenceChild.objects.exclude(child__in=visible).values("conference_id")
    return (
        Conference.objects.filter(subjects__child__in=visible)
        .exclude(pk__in=hidden)
        .filter(access.records_visible_q(user, child="subjects__child"))
        .distinct()
        .select_related("chair")
        .order_by("-scheduled_for")
    )


def conference_get_for_view(*, user: User, conference_id: Any) -> Conference:
    """A conference, for showing; the view is audited for each child it is about."""
    conference = conference_for(user, conference_id)
    record_conference_reads(
        user=user,
        conferences=[conference],
        summary=f"Viewed the {conference.get_kind_display().lower()}",
    )
    return conference


def record_conference_reads(*, user: User, conferences: Iterable[Conference], summary: str) -> None:
    """The children these conferences are about were shown (from the prefetched subjects,
    or one query for each conference without them)."""
    read_audit.record_read(
        user=user,
        shown=((s.child_id, c) for c in conferences for s in c.subjects.all()),
        summary=summary,
    )


def conference_letters(*, user: User, conference_id: Any) -> list[Letter]:
    conference = conference_for(user, conference_id)
    letters = list(
        Letter.objects.filter(conference=conference).defer("pdf").select_related("child")
    )
    read_audit.record_objects(user=user, objects=letters, summary="Listed the letters")
    return letters


# --- The chronology ------------------------------------------------------------------------


def _recorded_by(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _strategy_discussion_events(child: Child, url: str) -> Iterator[Event]:
    for d in StrategyDiscussion.objects.filter(child=child).select_related("recorded_by"):
        yield Event(
            url=url,
            recorded_by=_recorded_by(d.recorded_by),
            on=d.held_on,
            at=None,
            kind="strategy_discussion",
            title=f"Strategy discussion: {d.get_outcome_display().lower()}",
            source="conferences",
            object_id=str(d.pk),
        )


def _section47_events(child: Child, url: str) -> Iterator[Event]:
    for enquiry in Section47Enquiry.objects.filter(child=child):
        yield Event(
            on=enquiry.started_on,
            at=None,
            kind="section47_started",
            url=url,
            title="Section 47 enquiry started",
            source="conferences",
            object_id=str(enquiry.pk),
        )
        if enquiry.conference_required is not None and enquiry.outcome_recorded_on:
            yield Event(
                on=enquiry.outcome_recorded_on,
                at=None,
                kind="section47_outcome",
                url=url,
                title=(
                    "Section 47 enquiry: an initial conference is needed"
                    if enquiry.conference_required
                    else "Section 47 enquiry: no conference needed"
                ),
                detail=enquiry.reason_not_required,
                source="conferences",
                object_id=str(enquiry.pk),
            )


def _conference_events(child: Child) -> Iterator[Event]:
    for subject in ConferenceChild.objects.filter(
        child=child, conference__held_on__isnull=False
    ).select_related("conference"):
        decision = f": {subject.get_decision_display().lower()}" if subject.decision else ""
        assert subject.conference.held_on is not None  # noqa: S101 - filtered on it
        yield Event(
            on=subject.conference.held_on,
            at=None,
            kind=f"conference_{subject.conference.kind}",
            title=f"{subject.conference.get_kind_display()}{decision}",
            source="conferences",
            object_id=str(subject.conference_id),
            authority_id=subject.conference.authority_id or child.responsible_authority_id,
            url=reverse("conference-detail", args=[subject.conference_id]),
        )


def _letter_events(child: Child) -> Iterator[Event]:
    for letter in Letter.objects.filter(child=child, sent_on__isnull=False).select_related(
        "conference"
    ):
        assert letter.sent_on is not None  # noqa: S101 - filtered on it
        yield Event(
            on=letter.sent_on,
            at=None,
            kind="letter_sent",
            title=f"{letter.get_kind_display()} sent ({letter.get_sent_by_display().lower()})",
            detail=f"To {letter.recipient}",
            source="conferences",
            object_id=str(letter.pk),
            authority_id=letter.conference.authority_id or child.responsible_authority_id,
            url=reverse("conference-letters", args=[letter.conference_id]),
        )


def _looked_after_events(child: Child) -> Iterator[Event]:
    for looked_after in LookedAfterEvent.objects.filter(child=child).select_related("recorded_by"):
        yield Event(
            on=looked_after.occurred_on,
            at=None,
            kind="looked_after",
            title=looked_after.get_kind_display(),
            detail=looked_after.notes,
            source="conferences",
            object_id=str(looked_after.pk),
            recorded_by=_recorded_by(looked_after.recorded_by),
        )


def conference_chronology(child: Child) -> Iterable[Event]:
    """Strategy discussions, section 47 enquiries, conferences held, letters sent and
    looked after events, for the chronology."""
    conferences_of_child = reverse("child-conferences", args=[child.pk])
    yield from _strategy_discussion_events(child, conferences_of_child)
    yield from _section47_events(child, conferences_of_child)
    yield from _conference_events(child)
    yield from _letter_events(child)
    yield from _looked_after_events(child)


# --- For the browser pages ----------------------------------------------------------

PARENT_KINDS = ("mother", "father")


def _subjects_with_children() -> Prefetch[str, QuerySet[ConferenceChild], str]:
    return Prefetch(
        "subjects",
        queryset=ConferenceChild.objects.select_related("child").order_by(
            "child__last_name", "child__first_name"
        ),
    )


def conference_list_for(*, user: User, recent_days: int = 90) -> dict[str, list[Conference]]:
    """The conferences page: the upcoming ones the user chairs, the others of their
    authority still to be held or finalised, and those finalised lately."""
    visible = conferences_visible_to(user).prefetch_related(_subjects_with_children())
    waiting = visible.filter(
        status__in=(Conference.Status.SCHEDULED, Conference.Status.HELD)
    ).order_by("scheduled_for")
    since = timezone.now() - dt.timedelta(days=recent_days)
    found = {
        "mine": list(waiting.filter(chair=user)[:200]),
        "others": list(waiting.exclude(chair=user)[:200]),
        "finalised": list(
            visible.filter(status=Conference.Status.FINALISED, finalised_at__gte=since).order_by(
                "-finalised_at"
            )[:100]
        ),
    }
    record_conference_reads(
        user=user,
        conferences=[c for listed in found.values() for c in listed],
        summary="Listed conferences",
    )
    return found


def conference_sibling_choices(*, user: User, child: Child) -> list[Child]:
    """The child, then the other children of the household the user may see: at the same
    address now, or with the same mother or father."""
    parents = list(
        Relationship.objects.filter(child=child, kind__in=PARENT_KINDS).values_list(
            "person_id", flat=True
        )
    )
    if child.mother_id:
        parents.append(child.mother_id)
    household = Q(pk__in=[])
    if parents:
        household |= Q(relationships__person_id__in=parents, relationships__kind__in=PARENT_KINDS)
        household |= Q(mother_id__in=parents)
    address = child.address
    if address is not None:
        household |= Q(
            residences__moved_out_on__isnull=True,
            residences__address__match_key=address.match_key,
        )
    others = (
        access.children_visible_to(user)
        .filter(household, date_of_death__isnull=True)
        .exclude(pk=child.pk)
        .distinct()
        .order_by("last_name", "first_name")
    )
    return [child, *others]


def child_conference_history(*, user: User, child: Child) -> dict[str, Any]:
    """A child's strategy discussions and the conferences about them the user may see."""
    conferences = list(
        conferences_visible_to(user)
        .filter(subjects__child=child)
        .prefetch_related(_subjects_with_children())
    )
    record_conference_reads(user=user, conferences=conferences, summary="The child's conferences")
    return {
        "discussions": list(StrategyDiscussion.objects.filter(child=child)),
        "conferences": conferences,
    }


def conference_page(*, user: User, conference_id: Any) -> Conference:
    """A conference with what its page shows; the view is audited for each child."""
    conference = conference_get_for_view(user=user, conference_id=conference_id)
    return (
        Conference.objects.select_related("chair", "scheduled_by")
        .prefetch_related(
            Prefetch(
                "subjects",
                queryset=ConferenceChild.objects.select_related("child", "lead_social_worker")
                .prefetch_related("child__residences__address")
                .order_by("child__last_name", "child__first_name"),
            ),
            "attendees",
            "parents",
            Prefetch("complaints", queryset=Complaint.objects.select_related("child")),
        )
        .get(pk=conference.pk)
    )


def letter_get(*, user: User, letter_id: Any) -> Letter:
    """One letter the user may see (404 otherwise), without its PDF."""
    letter = letter_for(user, letter_id)
    read_audit.record_objects(user=user, objects=[letter], summary="Opened the letter")
    return letter


def complaint_get_for_view(*, user: User, complaint_id: Any) -> Complaint:
    complaint = complaint_for(user, complaint_id)
    read_audit.record_objects(
        user=user, objects=[complaint], summary=f"Viewed the complaint from {complaint.complainant}"
    )
    return complaint


def section47_enquiries_visible_to(user: User) -> QuerySet[Section47Enquiry]:
    """Section 47 enquiries of the children whose case record the user may see."""
    return Section47Enquiry.objects.filter(child__in=access.children_visible_to(user))


def section47_open_work(referral: Any, on: dt.date) -> list[str]:
    """For the episode's closure: enquiries still waiting for their outcome, and those
    that need a conference not yet held."""
    work = []
    for enquiry in Section47Enquiry.objects.filter(referral=referral, started_on__lte=on):
        if enquiry.conference_required is None:
            work.append(f"the section 47 enquiry started on {enquiry.started_on:%d %B %Y}")
    return work


def episode_conference_activity(referral: Any, on: dt.date) -> list[str]:
    """For the episode's closure reason: the section 47 enquiries recorded in it and the
    child protection conferences held for the child during it, up to ``on`` (an episode
    with any is not "closed after assessment": the DfE's rule 2990)."""
    activity = [
        f"the section 47 enquiry started on {started_on:%d %B %Y}"
        for started_on in Section47Enquiry.objects.filter(referral=referral, started_on__lte=on)
        .order_by("started_on")
        .values_list("started_on", flat=True)
    ]
    held = (
        ConferenceChild.objects.filter(
            child_id=referral.child_id,
            conference__status__in=HELD,
            conference__held_on__range=(referral.received_on, on),
        )
        .select_related("conference")
        .order_by("conference__held_on")
    )
    activity.extend(
        f"the {subject.conference.get_kind_display().lower()} held on "
        f"{subject.conference.held_on:%d %B %Y}"
        for subject in held
    )
    return activity

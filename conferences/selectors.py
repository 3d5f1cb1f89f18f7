"""Reads of strategy discussions and conferences."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Min, OuterRef, Subquery
from django.db.models.functions import Coalesce

from conferences.models import (
    Conference,
    ConferenceChild,
    Letter,
    LookedAfterEvent,
    Section47Enquiry,
    StrategyDiscussion,
    TransferNotice,
)
from cpcase.timescales import Deadline, DeadlineContext, brought_forward_note
from plans.selectors import plan_facts

HELD = (Conference.Status.HELD, Conference.Status.FINALISED)
OPENING_KINDS = (Conference.Kind.INITIAL, Conference.Kind.PRE_BIRTH)


def _first_conference_after(kinds, date_field: str) -> Subquery:
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
    for pk, child_id, authority_id, held_on, icpc_on in rows.iterator(chunk_size=5000):
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
    for pk, child_id, authority_id, notified_on, held_on in rows.iterator(chunk_size=5000):
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


def review_deadlines(context: DeadlineContext) -> Iterable[Deadline]:
    """The first review after the conference that started the plan, then each later review.

    A review date set at a conference overrides the profile for that review.
    """
    held = context.in_range(
        ConferenceChild.objects.filter(child__in=context.children, conference__status__in=HELD)
    ).exclude(conference__kind=Conference.Kind.TRANSFER_IN)
    if not context.history:
        # Only the latest conference of each child anchors the review now running.
        held = held.order_by("child_id", "-conference__held_on").distinct("child_id")
    conferences: dict[Any, list[tuple[dt.date, str, dt.date | None, Any]]] = defaultdict(list)
    for child_id, held_on, kind, next_review_on, chair_id in held.values_list(
        "child_id",
        "conference__held_on",
        "conference__kind",
        "next_review_on",
        "conference__chair_id",
    ).iterator(chunk_size=5000):
        assert held_on is not None  # noqa: S101 - a held conference has a date (constraint)
        conferences[child_id].append((held_on, kind, next_review_on, chair_id))
    for plan in plan_facts(context):
        timescales = context.for_authority(plan.authority_id)
        anchors = sorted(
            c
            for c in conferences.get(plan.child_id, [])
            if c[0] >= plan.started_on and (plan.ended_on is None or c[0] <= plan.ended_on)
        )
        if not anchors or anchors[0][0] != plan.started_on:
            # The conference that started the plan, even if it is not on record here.
            anchors.insert(0, (plan.started_on, Conference.Kind.INITIAL, None, None))
        first_index = 0 if context.history else len(anchors) - 1
        for i in range(first_index, len(anchors)):
            held_on, kind, set_review_on, chair_id = anchors[i]
            met_on = anchors[i + 1][0] if i + 1 < len(anchors) else None
            if i == 0:
                rule_kind = "pre_birth_review" if plan.pre_birth else "first_review_conference"
            else:
                rule_kind = "review_conference"
            number = "first review" if i == 0 else "next review"
            if set_review_on is not None:
                due_on = set_review_on
                source = f"{number}: date set by the conference on {held_on:%d %b %Y}"
            else:
                computed = timescales.due(rule_kind, held_on)
                if computed is None:
                    continue
                due_on, rule = computed
                source = f"{number}: {rule.describe()} after the conference on {held_on:%d %b %Y}"
                source += brought_forward_note(held_on, rule, due_on)
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


def birth_meeting_deadlines(context: DeadlineContext) -> Iterable[Deadline]:
    """When a baby with a pre-birth plan is born, a core group or conference meets before
    the baby leaves hospital, or as soon as possible after (Scotland's profile: only
    authorities with a ``birth_meeting`` rule have this deadline)."""
    from plans.models import CoreGroupMeeting

    plans = [p for p in plan_facts(context) if p.pre_birth]
    if not plans:
        return
    born: dict[Any, dt.date] = {
        pk: date_of_birth
        for pk, date_of_birth in context.children.filter(
            pk__in={p.child_id for p in plans}, date_of_birth__isnull=False
        ).values_list("pk", "date_of_birth")
        if date_of_birth is not None
    }
    plans = [
        p
        for p in plans
        if p.child_id in born
        and context.for_authority(p.authority_id).rules.get("birth_meeting") is not None
    ]
    if not plans:
        return
    meetings: dict[Any, list[dt.date]] = defaultdict(list)
    for plan_id, held_on in CoreGroupMeeting.objects.filter(
        plan_id__in=[p.id for p in plans]
    ).values_list("plan_id", "held_on"):
        meetings[plan_id].append(held_on)
    conferences: dict[Any, list[dt.date]] = defaultdict(list)
    for child_id, conference_held_on in ConferenceChild.objects.filter(
        child_id__in=[p.child_id for p in plans],
        conference__status__in=HELD,
        conference__held_on__isnull=False,
    ).values_list("child_id", "conference__held_on"):
        if conference_held_on is not None:
            conferences[child_id].append(conference_held_on)
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


def convened_review_deadlines(context: DeadlineContext) -> Iterable[Deadline]:
    """A review conference must be convened after a looked after child's change of
    circumstances (DOMAIN.md); met by the next review conference held."""
    from conferences.models import LookedAfterEvent
    from plans.models import Plan

    # The end of the plan the event happened in, if it has ended: a review not convened by
    # then is missed (history), not overdue.
    plan_ended_on = Subquery(
        Plan.objects.filter(
            child_id=OuterRef("child_id"),
            started_on__lte=OuterRef("occurred_on"),
            ended_on__gte=OuterRef("occurred_on"),
        )
        .order_by("-started_on")
        .values("ended_on")[:1]
    )
    events = context.in_range(LookedAfterEvent.objects.filter(child__in=context.children)).annotate(
        held_on=_first_conference_after((Conference.Kind.REVIEW,), "occurred_on"),
        plan_ended_on=plan_ended_on,
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
    for pk, child_id, authority_id, occurred_on, held_on, kind, ended_on in rows.iterator(
        chunk_size=5000
    ):
        if held_on is not None and ended_on is not None and held_on > ended_on:
            held_on = None  # a review after the plan ended did not meet it
        computed = context.for_authority(authority_id).due("convened_review", occurred_on)
        if computed is None:
            continue
        due_on, rule = computed
        label = LookedAfterEvent.Kind(kind).label.lower()
        yield Deadline(
            child_id=child_id,
            authority_id=authority_id,
            kind="review_conference_required",
            due_on=due_on,
            met_on=held_on,
            source=f"{rule.describe()} after: {label}, {occurred_on:%d %b %Y}",
            key=f"convened_review:{pk}",
            today=context.today,
            closed_on=ended_on,
        )


def conferences_visible_to(user):
    """Conferences all of whose children the user may see."""
    from cpcase import access

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


def conference_get_for_view(*, user, conference_id):
    """A conference, for showing; the view is audited for each child it is about."""
    from conferences.services import conference_for

    conference = conference_for(user, conference_id)
    record_conference_reads(
        user=user,
        conferences=[conference],
        summary=f"Viewed the {conference.get_kind_display().lower()}",
    )
    return conference


def record_conference_reads(*, user, conferences, summary: str) -> None:
    """The children these conferences are about were shown (from the prefetched subjects,
    or one query for each conference without them)."""
    from cpcase import read_audit

    read_audit.record_read(
        user=user,
        shown=((s.child_id, c) for c in conferences for s in c.subjects.all()),
        summary=summary,
    )


def conference_letters(*, user, conference_id):
    from conferences.models import Letter
    from conferences.services import conference_for
    from cpcase import read_audit

    conference = conference_for(user, conference_id)
    letters = list(
        Letter.objects.filter(conference=conference).defer("pdf").select_related("child")
    )
    read_audit.record_objects(user=user, objects=letters, summary="Listed the letters")
    return letters


def conference_chronology(child) -> Iterable[Any]:
    """Strategy discussions and conferences held, for the chronology."""
    from django.urls import reverse

    from cpcase.chronology import Event

    conferences_of_child = reverse("child-conferences", args=[child.pk])
    for d in StrategyDiscussion.objects.filter(child=child).select_related("recorded_by"):
        yield Event(
            url=conferences_of_child,
            recorded_by=d.recorded_by.get_full_name() or d.recorded_by.get_username(),
            on=d.held_on,
            at=None,
            kind="strategy_discussion",
            title=f"Strategy discussion: {d.get_outcome_display().lower()}",
            source="conferences",
            object_id=str(d.pk),
        )
    for enquiry in Section47Enquiry.objects.filter(child=child):
        yield Event(
            on=enquiry.started_on,
            at=None,
            kind="section47_started",
            url=conferences_of_child,
            title="Section 47 enquiry started",
            source="conferences",
            object_id=str(enquiry.pk),
        )
        if enquiry.conference_required is not None and enquiry.outcome_recorded_on:
            yield Event(
                on=enquiry.outcome_recorded_on,
                at=None,
                kind="section47_outcome",
                url=conferences_of_child,
                title=(
                    "Section 47 enquiry: an initial conference is needed"
                    if enquiry.conference_required
                    else "Section 47 enquiry: no conference needed"
                ),
                detail=enquiry.reason_not_required,
                source="conferences",
                object_id=str(enquiry.pk),
            )
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
    for looked_after in LookedAfterEvent.objects.filter(child=child).select_related("recorded_by"):
        yield Event(
            on=looked_after.occurred_on,
            at=None,
            kind="looked_after",
            title=looked_after.get_kind_display(),
            detail=looked_after.notes,
            source="conferences",
            object_id=str(looked_after.pk),
            recorded_by=(
                looked_after.recorded_by.get_full_name() or looked_after.recorded_by.get_username()
            ),
        )


# --- For the browser pages ----------------------------------------------------------

PARENT_KINDS = ("mother", "father")


def _subjects_with_children():
    from django.db.models import Prefetch

    return Prefetch(
        "subjects",
        queryset=ConferenceChild.objects.select_related("child").order_by(
            "child__last_name", "child__first_name"
        ),
    )


def conference_list_for(*, user, recent_days: int = 90) -> dict[str, Any]:
    """The conferences page: the upcoming ones the user chairs, the others of their
    authority still to be held or finalised, and those finalised lately."""
    from django.utils import timezone

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


def conference_sibling_choices(*, user, child) -> list[Any]:
    """The child, then the other children of the household the user may see: at the same
    address now, or with the same mother or father."""
    from django.db.models import Q

    from cpcase import access
    from cpcase.models import Relationship

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


def child_conference_history(*, user, child) -> dict[str, Any]:
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


def conference_page(*, user, conference_id):
    """A conference with what its page shows; the view is audited for each child."""
    from django.db.models import Prefetch

    from conferences.models import Complaint

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


def letter_get(*, user, letter_id):
    """One letter the user may see (404 otherwise), without its PDF."""
    from conferences.services import _letter_for
    from cpcase import read_audit

    letter = _letter_for(user, letter_id)
    read_audit.record_objects(user=user, objects=[letter], summary="Opened the letter")
    return letter


def complaint_get_for_view(*, user, complaint_id):
    from conferences.services import _complaint_for
    from cpcase import read_audit

    complaint = _complaint_for(user, complaint_id)
    read_audit.record_objects(
        user=user, objects=[complaint], summary=f"Viewed the complaint from {complaint.complainant}"
    )
    return complaint


def active_plans_by_child(child_ids) -> dict[Any, Any]:
    """Each child's active plan (for the review's initial and latest categories)."""
    from plans.models import Plan

    return {
        p.child_id: p
        for p in Plan.objects.filter(child_id__in=list(child_ids), status=Plan.Status.ACTIVE)
    }


def section47_enquiries_visible_to(user: Any) -> Any:
    """Section 47 enquiries of the children whose case record the user may see."""
    from cpcase import access

    return Section47Enquiry.objects.filter(child__in=access.children_visible_to(user))


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
            conference__status__in=(Conference.Status.HELD, Conference.Status.FINALISED),
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

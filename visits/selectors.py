"""Reads of visits."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from cpcase import access, read_audit
from cpcase.chronology import Event
from cpcase.errors import NotFound
from cpcase.models import Child, Team, User
from cpcase.my_week import RANK_DRAFT, WeekContext, WeekItem, WeekWork
from cpcase.timescales import Deadline, DeadlineContext, Status, status_of
from cpcase.working_days import add_period
from plans.selectors import plan_facts
from visits.models import Visit


def statutory_visits(children: Iterable[Child]) -> QuerySet[Visit]:
    """Completed statutory visits in which the child was seen: the only ones that count."""
    return Visit.objects.filter(
        child__in=children,
        status=Visit.Status.COMPLETED,
        kind=Visit.Kind.STATUTORY,
        child_seen=True,
    )


def statutory_visit_deadlines(context: DeadlineContext) -> Iterable[Deadline]:
    """The lead social worker sees the child within the interval, counted from the last
    statutory visit in which the child was seen, or from the plan start."""
    visits = context.in_range(statutory_visits(context.children)).annotate(
        on=TruncDate("visited_at")
    )
    seen: dict[Any, list[dt.date]] = defaultdict(list)
    if context.history:
        for child_id, on in context.rows(
            visits.order_by("child_id", "on").values_list("child_id", "on")
        ):
            seen[child_id].append(on)
    else:
        for child_id, last in context.rows(
            visits.values("child_id").annotate(last=Max("on")).values_list("child_id", "last")
        ):
            seen[child_id].append(last)
    for plan in plan_facts(context):
        timescales = context.for_authority(plan.authority_id)
        if plan.visit_interval_value and plan.visit_interval_unit:
            value, unit = plan.visit_interval_value, plan.visit_interval_unit
            described = f"{value} {unit.replace('_', ' ')} (set by the conference)"
        else:
            rule = timescales.rules.get("statutory_visit")
            if rule is None:
                continue
            value, unit, described = rule.value, rule.unit, rule.describe()
        during = [
            d
            for d in seen.get(plan.child_id, [])
            if d >= plan.started_on and (plan.ended_on is None or d <= plan.ended_on)
        ]
        anchors = (
            [plan.started_on, *during] if context.history else [max([plan.started_on, *during])]
        )
        for i, anchor in enumerate(anchors):
            due_on = add_period(anchor, value, unit, timescales.calendar)
            met_on = anchors[i + 1] if i + 1 < len(anchors) else None
            if met_on is None and not plan.applies_on(due_on):
                continue
            counted_from = (
                "the plan start"
                if anchor == plan.started_on and i == 0
                else "the last statutory visit"
            )
            yield Deadline(
                child_id=plan.child_id,
                authority_id=plan.authority_id,
                kind="statutory_visit",
                due_on=due_on,
                met_on=met_on,
                source=f"{described} after {counted_from} on {anchor:%d %b %Y}",
                key=f"statutory_visit:{plan.id}:{anchor.isoformat()}",
                today=context.today,
                closed_on=plan.ended_on,
            )


def visits_visible_to(user: User, child_id: Any = None) -> QuerySet[Visit]:
    """Visits of children whose case record the user may see (never core group members or
    enquirers: visit notes are case content). Drafts only to the worker who started them."""
    qs = (
        Visit.objects.filter(child__in=access.children_visible_to(user).values("pk"))
        .filter(Q(status=Visit.Status.COMPLETED) | Q(recorded_by=user))
        .filter(access.records_visible_q(user))
    )
    if child_id:
        pk = access.as_uuid(child_id)
        qs = qs.filter(child_id=pk) if pk else qs.none()
    return qs.order_by("-visited_at", "-created_at")


def visit_get_for_view(*, user: User, visit_id: Any, audit: bool = True) -> Visit:
    pk = access.as_uuid(visit_id)
    visit = visits_visible_to(user).select_related("child").filter(pk=pk).first() if pk else None
    if visit is None:
        raise NotFound("No visit was found.")
    if audit:
        read_audit.record_objects(user=user, objects=[visit], summary="Viewed a visit")
    return visit


def visit_chronology(child: Child) -> Iterator[Event]:
    """Completed visits, for the chronology (drafts are not visits yet)."""
    completed = Visit.objects.filter(child=child, status=Visit.Status.COMPLETED)
    for visit in completed.select_related("recorded_by"):
        seen = (
            "child seen alone"
            if visit.seen_alone
            else "child seen"
            if visit.child_seen
            else "child not seen"
        )
        yield Event(
            on=timezone.localdate(visit.visited_at),
            at=visit.visited_at,
            kind=f"visit_{visit.kind}",
            title=f"{visit.get_kind_display()} ({seen})",
            source="visits",
            object_id=str(visit.pk),
            authority_id=visit.authority_id or child.responsible_authority_id,
            recorded_by=visit.recorded_by.get_full_name() or visit.recorded_by.get_username(),
        )


@dataclass
class VisitRow:
    child: Any
    last_visit_on: dt.date | None
    seen_alone: bool | None
    due_on: dt.date
    status: str
    today: dt.date

    @property
    def days_since(self) -> int | None:
        return (self.today - self.last_visit_on).days if self.last_visit_on else None

    @property
    def days_until(self) -> int:
        return (self.due_on - self.today).days

    @property
    def rag(self) -> str:
        """Red when overdue, amber when due within 3 days, green otherwise."""
        if self.status == Status.OVERDUE:
            return "red"
        return "amber" if self.days_until <= 3 else "green"


# How many children the visits page lists (soonest first; the count covers them all).
TEAM_VISITS_LIMIT = 200


def team_visits(
    *, user: User, today: dt.date, team: Team | None = None, limit: int = TEAM_VISITS_LIMIT
) -> tuple[list[VisitRow], int]:
    """The children on a plan the user may see (of one team, if given), overdue first: days
    since the last statutory visit, when the next is due, seen alone last time. The first
    ``limit`` of them, and how many there are in all.

    Read from the stored running deadlines (:mod:`cpcase.running_deadlines`): a fixed
    number of queries, and the work of one page, however many children are on plans.
    """
    running = access.running_deadlines_visible_to(user).filter(kind="statutory_visit")
    if team is not None:
        running = running.filter(team=team)
    page = list(
        running.select_related("child__lead_social_worker").order_by(
            "due_on", "child__last_name", "child_id"
        )[:limit]
    )
    total = len(page) if len(page) < limit else running.count()
    last = {
        v.child_id: v
        for v in statutory_visits(Child.objects.filter(pk__in=[r.child_id for r in page]))
        .order_by("child_id", "-visited_at")
        .distinct("child_id")
    }
    rows = []
    for row in page:
        visit = last.get(row.child_id)
        rows.append(
            VisitRow(
                child=row.child,
                # A completed visit has its date (a constraint of the model).
                last_visit_on=visit.visited_at.date() if visit and visit.visited_at else None,
                seen_alone=visit.seen_alone if visit else None,
                due_on=row.due_on,
                status=status_of(row.due_on, None, today),
                today=today,
            )
        )
    return rows, total


def drafts_of(*, user: User) -> QuerySet[Visit]:
    return Visit.objects.filter(recorded_by=user, status=Visit.Status.DRAFT).select_related("child")


def visit_week_work(context: WeekContext) -> WeekWork:
    """My week's visits, in one query: the user's own unfinished drafts (a draft is the
    worker's alone), and the page of each statutory visit due (the user's draft for that
    child, if they started one, else a new visit)."""
    user = context.user
    drafts = list(
        Visit.objects.filter(
            recorded_by=user,
            status=Visit.Status.DRAFT,
            child__in=access.children_visible_to(user, access.Action.RECORD_VISIT).values("pk"),
        )
        .filter(access.records_visible_q(user))
        .select_related("child__lead_social_worker")
        .order_by("created_at")
    )
    work = WeekWork()
    statutory_drafts = {d.child_id: d for d in drafts if d.kind == Visit.Kind.STATUTORY}
    for row in context.deadlines:
        if row.kind == "statutory_visit":
            draft = statutory_drafts.get(row.child_id)
            work.links[row.pk] = (
                reverse("visit-draft", args=[draft.pk])
                if draft
                else reverse("visit-record", args=[row.child_id])
            )
    for draft in drafts:
        started = timezone.localdate(draft.created_at)
        work.items.append(
            WeekItem(
                what=f"Draft {draft.get_kind_display().lower()} not finished",
                href=reverse("visit-draft", args=[draft.pk]),
                child=draft.child,
                worker=draft.child.lead_social_worker,
                note=f"Started on {started:%-d %b %Y}",
                rank=RANK_DRAFT,
                since=started,
                record=draft,
            )
        )
    return work

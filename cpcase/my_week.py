"""My week (issue 14): a worker's work due in the next five working days, and all overdue.

The core reads what it holds itself (the stored running deadlines, notifications); the
domain apps hand it the rest when they start (``AppConfig.ready``), as they hand it their
deadlines and chronology (STYLE.md): each provider takes the :class:`WeekContext` and
answers a :class:`WeekWork`, its own lines (plans to authorise, draft visits) and the
page where each running deadline of its kinds is met. The core never imports the apps.

A provider answers in a fixed number of queries, however many children the week holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from cpcase.models import Child, Notification, RunningDeadline, User
from cpcase.timescales import KIND_LABELS
from cpcase.working_days import WorkingCalendar

# "The next five working days" (issue 14), on the user's authority's calendar.
WINDOW_WORKING_DAYS = 5
# At most so many lines of deadlines (a team's week is far fewer; the page says so if not).
DEADLINE_LIMIT = 500
# At most so many unread notifications as lines (the inbox has the rest).
NOTIFICATION_LIMIT = 20

# Each running deadline as a thing to do.
WHAT = {
    **KIND_LABELS,
    "icpc": "Initial child protection conference to prepare for",
    "plan_authorisation": "Send the detailed plan for authorisation",
    "review_conference": "Review conference to prepare for",
    "transfer_in": "Transfer-in conference to prepare for",
}


def what_of(kind: str) -> str:
    return WHAT.get(kind, kind.replace("_", " ").capitalize())


# Among lines of the same day: deadlines, then plans, drafts, notifications.
RANK_DEADLINE, RANK_PLAN, RANK_DRAFT, RANK_NOTIFICATION = range(4)


class LineStatus:
    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    UPCOMING = "upcoming"
    TO_DO = "to_do"  # no date: a draft, a returned plan, an unread notification
    WAITING = "waiting"  # a plan waiting for the user's authorisation


@dataclass(frozen=True)
class WeekItem:
    """One thing to do: what, for which child, by when, and the page where it is done."""

    what: str
    href: str
    child: Child | None = None
    due_on: dt.date | None = None
    # Whose work it is: the child's lead social worker (a team manager's week groups by it).
    worker: User | None = None
    note: str = ""
    rank: int = RANK_DEADLINE
    # Undated lines, oldest first: when the draft was started, the plan sent...
    since: dt.date | None = None
    # A plan waiting for this user's authorisation (a team manager's first section).
    for_authorisation: bool = False
    # The record shown, for the read audit (a plan, a visit, a notification).
    record: Any = None


@dataclass(frozen=True)
class WeekLine:
    item: WeekItem
    status: str
    # Working days: how late (overdue), how long to go (upcoming) or waited (waiting).
    working_days: int = 0

    @property
    def tag(self) -> str:
        """The status in words (a GOV.UK tag: never colour alone)."""
        days = f"{self.working_days} working day{'s' if self.working_days != 1 else ''}"
        if self.status == LineStatus.OVERDUE:
            return f"Overdue by {days}" if self.working_days else "Overdue"
        if self.status == LineStatus.DUE_TODAY:
            return "Due today"
        if self.status == LineStatus.UPCOMING:
            return f"Due in {days}" if self.working_days else "Due soon"
        if self.status == LineStatus.WAITING:
            return f"Waiting {days}" if self.working_days else "Sent today"
        return "To do"

    @property
    def colour(self) -> str:
        return {
            LineStatus.OVERDUE: "red",
            LineStatus.DUE_TODAY: "orange",
            LineStatus.UPCOMING: "blue",
            LineStatus.WAITING: "purple",
        }.get(self.status, "grey")


@dataclass
class WeekContext:
    """What a provider needs: whose week, which days, and the deadlines found."""

    user: User
    today: dt.date
    last_day: dt.date
    calendar: WorkingCalendar
    # The children whose work the week lists (the worker's own, or the team's): a query
    # through the access module's scope, not yet run.
    children: QuerySet[Child]
    deadlines: list[RunningDeadline]
    team_week: bool


@dataclass
class WeekWork:
    """A provider's answer: its own lines, and the page of each deadline (by row id)."""

    items: list[WeekItem] = field(default_factory=list)
    links: dict[Any, str] = field(default_factory=dict)


Provider = Callable[[WeekContext], WeekWork]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def gather(context: WeekContext) -> list[WeekWork]:
    return [provider(context) for provider in _providers]


def last_day_of(calendar: WorkingCalendar, today: dt.date) -> dt.date:
    """The last day of the week: the fifth working day after today (a weekend or holiday
    does not count; on a Saturday the week runs to Friday)."""
    return calendar.add_working_days(today, WINDOW_WORKING_DAYS)


def line_for(item: WeekItem, today: dt.date, calendar: WorkingCalendar) -> WeekLine:
    if item.for_authorisation:
        waited = calendar.working_days_between(item.since, today) if item.since else 0
        return WeekLine(item, LineStatus.WAITING, max(waited, 0))
    if item.due_on is None:
        return WeekLine(item, LineStatus.TO_DO)
    if item.due_on < today:
        return WeekLine(item, LineStatus.OVERDUE, calendar.working_days_between(item.due_on, today))
    if item.due_on == today:
        return WeekLine(item, LineStatus.DUE_TODAY)
    return WeekLine(item, LineStatus.UPCOMING, calendar.working_days_between(today, item.due_on))


def urgency(line: WeekLine) -> tuple[Any, ...]:
    """Most urgent first: dated lines by date (the most overdue first), then the undated
    (plans, drafts, notifications), the oldest first."""
    item = line.item
    name = (item.child.last_name, item.child.first_name) if item.child else ("", "")
    if item.due_on is not None:
        return (0, item.due_on, item.rank, name, item.what)
    return (1, dt.date.min, item.rank, item.since or dt.date.max, name, item.what)


@dataclass
class WorkerWeek:
    """A worker's lines, in a team manager's week."""

    worker: User | None
    lines: list[WeekLine]

    @property
    def name(self) -> str:
        return self.worker.name if self.worker is not None else "Not allocated"

    @property
    def overdue(self) -> int:
        return sum(line.status == LineStatus.OVERDUE for line in self.lines)


@dataclass
class MyWeek:
    today: dt.date
    last_day: dt.date
    team_week: bool
    # A social worker's lines; a team manager's own drafts and notifications.
    lines: list[WeekLine]
    # A team manager's: plans waiting for their authorisation, then the team by worker.
    for_authorisation: list[WeekLine] = field(default_factory=list)
    by_worker: list[WorkerWeek] = field(default_factory=list)
    # More deadlines than the page lists (DEADLINE_LIMIT).
    truncated: bool = False
    # More unread notifications than the page lists (NOTIFICATION_LIMIT).
    more_notifications: bool = False

    def all_lines(self) -> list[WeekLine]:
        return [
            *self.for_authorisation,
            *(line for group in self.by_worker for line in group.lines),
            *self.lines,
        ]

    @property
    def overdue(self) -> int:
        return sum(line.status == LineStatus.OVERDUE for line in self.all_lines())

    @property
    def due_today(self) -> int:
        return sum(line.status == LineStatus.DUE_TODAY for line in self.all_lines())

    @property
    def children(self) -> list[Child]:
        """Every child the week shows (for the read audit), once each."""
        found: dict[Any, Child] = {}
        for line in self.all_lines():
            if line.item.child is not None:
                found.setdefault(line.item.child.pk, line.item.child)
        return list(found.values())

    @property
    def records(self) -> list[Any]:
        """The children's records the week shows (plans, visits, notifications)."""
        return [line.item.record for line in self.all_lines() if line.item.record is not None]


def by_worker(lines: Iterable[WeekLine]) -> list[WorkerWeek]:
    """A team's lines grouped by the child's lead social worker, by name; not allocated last."""
    groups: dict[Any, WorkerWeek] = {}
    for line in lines:
        worker = line.item.worker
        key = worker.pk if worker is not None else None
        groups.setdefault(key, WorkerWeek(worker, [])).lines.append(line)
    return sorted(
        groups.values(),
        key=lambda g: (
            g.worker is None,
            (g.worker.last_name, g.worker.first_name) if g.worker else ("", ""),
        ),
    )


def deadline_items(rows: Iterable[RunningDeadline], work: Iterable[WeekWork]) -> list[WeekItem]:
    """A line for each running deadline, to the page its app names (else the child's)."""
    links = {pk: href for answer in work for pk, href in answer.links.items()}
    return [
        WeekItem(
            what=what_of(row.kind),
            href=links.get(row.pk) or reverse("child-detail", args=[row.child_id]),
            child=row.child,
            due_on=row.due_on,
            worker=row.child.lead_social_worker,
        )
        for row in rows
    ]


def notification_items(unread: Iterable[Notification]) -> list[WeekItem]:
    """A line for each unread notification, to the page it names (else the inbox)."""
    return [
        WeekItem(
            what=n.title,
            href=n.url or reverse("notifications"),
            note=n.body,
            rank=RANK_NOTIFICATION,
            since=timezone.localdate(n.created_at),
            record=n,
        )
        for n in unread
    ]


def arrange(
    context: WeekContext,
    *,
    items: Iterable[WeekItem],
    truncated: bool = False,
    more_notifications: bool = False,
) -> MyWeek:
    """The lines, most urgent first; a team manager's split into the plans waiting for
    them, the team's work by worker, and their own drafts and notifications."""
    lines = sorted((line_for(item, context.today, context.calendar) for item in items), key=urgency)
    week = MyWeek(
        today=context.today,
        last_day=context.last_day,
        team_week=context.team_week,
        lines=lines,
        truncated=truncated,
        more_notifications=more_notifications,
    )
    if context.team_week:
        own = (RANK_DRAFT, RANK_NOTIFICATION)
        week.for_authorisation = [line for line in lines if line.item.for_authorisation]
        week.by_worker = by_worker(
            line for line in lines if not line.item.for_authorisation and line.item.rank not in own
        )
        week.lines = [line for line in lines if line.item.rank in own]
    return week

"""Deadlines: every timescale that applies to a child, now or in the past.

Each domain app hands the core a *provider* in ``AppConfig.ready`` (the core
never imports the apps, STYLE.md). A provider takes a :class:`DeadlineContext`
(which children, as of which day, and the rules and working-day calendar of
each authority, loaded once) and yields :class:`Deadline` rows. Providers work
on a queryset of children, not on one child, so the daily scan of a whole
authority costs a fixed number of queries, however many plans it holds.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Model, Q, QuerySet

from cpcase import access
from cpcase.models import Authority, Child, TimescaleRule, User
from cpcase.working_days import WorkingCalendar, add_months, add_period


class Status:
    UPCOMING = "upcoming"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    MET = "met"
    MET_LATE = "met_late"
    # Not met while the plan ran, and the plan has ended: history, not work to do.
    MISSED = "missed"


STATUSES = (
    Status.UPCOMING,
    Status.DUE_TODAY,
    Status.OVERDUE,
    Status.MET,
    Status.MET_LATE,
    Status.MISSED,
)


def status_of(
    due_on: dt.date, met_on: dt.date | None, today: dt.date, closed_on: dt.date | None = None
) -> str:
    if met_on is not None:
        return Status.MET if met_on <= due_on else Status.MET_LATE
    if closed_on is not None:
        return Status.MISSED
    if today < due_on:
        return Status.UPCOMING
    if today == due_on:
        return Status.DUE_TODAY
    return Status.OVERDUE


@dataclass(frozen=True)
class Deadline:
    child_id: uuid.UUID
    authority_id: Any  # whose rules and calendar set it: the responsible authority
    kind: str  # the API's kind: icpc, first_core_group, plan_authorisation, ...
    due_on: dt.date
    met_on: dt.date | None
    source: str  # which rule of which profile, counted from which event
    key: str  # a stable name for this deadline (for notifications, exactly once)
    today: dt.date
    chair_id: uuid.UUID | None = None  # who chairs the conference that is due, if known
    # The day the plan it belonged to ended: an unmet deadline is then missed, not overdue.
    closed_on: dt.date | None = None

    @property
    def status(self) -> str:
        return status_of(self.due_on, self.met_on, self.today, self.closed_on)

    @property
    def is_open(self) -> bool:
        return self.met_on is None and self.closed_on is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "due_on": self.due_on.isoformat(),
            "status": self.status,
            "met_on": self.met_on.isoformat() if self.met_on else None,
            "source": self.source,
        }


@dataclass
class Rule:
    """A timescale in force, with where it came from."""

    kind: str
    value: int
    unit: str
    profile_name: str

    def describe(self) -> str:
        unit = self.unit.replace("_", " ")
        if self.value == 1:
            unit = unit.rstrip("s")
        return f"{self.value} {unit} ({self.profile_name})"


def brought_forward_note(start: dt.date, rule: Rule, due_on: dt.date) -> str:
    """The source's note when a date in months fell on a non-working day and was brought
    forward to the working day before (empty otherwise)."""
    if rule.unit != "months":
        return ""
    landed = add_months(start, rule.value)
    if landed == due_on:
        return ""
    return f"; brought forward from {landed:%A} {landed.day} {landed:%b %Y}, not a working day"


@dataclass
class AuthorityTimescales:
    rules: dict[str, Rule]
    calendar: WorkingCalendar

    def due(self, kind: str, start: dt.date) -> tuple[dt.date, Rule] | None:
        rule = self.rules.get(kind)
        if rule is None:
            return None
        return add_period(start, rule.value, rule.unit, self.calendar), rule


def load_calendars(authority_ids: Iterable[Any] | None = None) -> dict[Any, WorkingCalendar]:
    """The working days of every authority (or the ones named), in one query: its
    nation's bank holidays, its own closure days added and the days it keeps open struck
    out."""
    authorities = Authority.objects.annotate(
        closures=ArrayAgg(
            "calendar_days__date", filter=Q(calendar_days__kind="closure"), default=[]
        ),
        kept_open=ArrayAgg(
            "calendar_days__date", filter=Q(calendar_days__kind="working_day"), default=[]
        ),
    ).values_list("pk", "nation", "closures", "kept_open")
    if authority_ids is not None:
        authorities = authorities.filter(pk__in=list(authority_ids))
    return {
        pk: WorkingCalendar(nation, closures=frozenset(closures), struck_out=frozenset(kept_open))
        for pk, nation, closures, kept_open in authorities
    }


def load_authority_timescales(
    authority_ids: Iterable[Any] | None = None,
) -> dict[Any, AuthorityTimescales]:
    """Rules and calendars of every authority (or the ones named), in two queries."""
    calendars = load_calendars(authority_ids)
    nations = {pk: calendar.nation for pk, calendar in calendars.items()}
    rules = list(TimescaleRule.objects.select_related("profile"))
    result: dict[Any, AuthorityTimescales] = {}
    for authority_id, calendar in calendars.items():
        effective: dict[str, Rule] = {}
        applicable = [
            r
            for r in rules
            if (r.profile.authority_id is None and r.profile.nation == nations[authority_id])
            or r.profile.authority_id == authority_id
        ]
        for r in sorted(applicable, key=lambda r: r.profile.authority_id is not None):
            effective[r.kind] = Rule(r.kind, r.value, r.unit, r.profile.name)
        result[authority_id] = AuthorityTimescales(rules=effective, calendar=calendar)
    return result


M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class ChildRange:
    """The half-open range ``[first, last)`` of children's ids that ``children`` lies in
    (``None``: an open end). A chunk of the daily check says so, and each provider then
    reads its own table by the range of its child index, not the whole table."""

    first: Any = None
    last: Any = None

    def apply(self, queryset: QuerySet[M], child_field: str = "child") -> QuerySet[M]:
        """``queryset`` (already limited to the children) also limited to the range on its
        own child column: the same rows, found through that column's index."""
        if self.first is not None:
            queryset = queryset.filter(**{f"{child_field}_id__gte": self.first})
        if self.last is not None:
            queryset = queryset.filter(**{f"{child_field}_id__lt": self.last})
        return queryset


@dataclass
class DeadlineContext:
    """What a provider needs: the children in question, the day, and the rules."""

    children: QuerySet[Child]
    today: dt.date
    # Only the deadline currently running for each chain (the daily scan), or the
    # whole history too (a child's page and the API).
    history: bool = True
    timescales: dict[Any, AuthorityTimescales] = field(default_factory=dict)
    # Facts several providers share (a plan's dates, say), read once per context.
    shared: dict[str, Any] = field(default_factory=dict)
    # Where ``children``'s ids lie, when the caller knows (a chunk of the daily check).
    id_range: ChildRange = field(default_factory=ChildRange)
    # Many children (the daily check, a refresh of an authority): rows are streamed through
    # a server-side cursor. One child's page reads its few rows at once: a cursor would
    # cost it three round trips and a held result per query.
    stream: bool = True

    def rows(self, queryset: QuerySet[Any]) -> Iterable[Any]:
        """The rows of a provider's query, streamed or read at once (``stream``)."""
        return queryset.iterator(chunk_size=5000) if self.stream else queryset

    def in_range(self, queryset: QuerySet[M], child_field: str = "child") -> QuerySet[M]:
        """``queryset``, limited to ``children``, read by their id range (if known)."""
        return self.id_range.apply(queryset, child_field)

    def once(self, name: str, load: Callable[[], Any]) -> Any:
        if name not in self.shared:
            self.shared[name] = load()
        return self.shared[name]

    def for_authority(self, authority_id: Any) -> AuthorityTimescales:
        found = self.timescales.get(authority_id)
        if found is None:
            found = load_authority_timescales([authority_id])[authority_id]
            self.timescales[authority_id] = found
        return found


Provider = Callable[[DeadlineContext], Iterable[Deadline]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def providers() -> list[Provider]:
    return list(_providers)


# What the daily scan spends its time on: each app names the children with work of its
# own running (open plans, say), as a query of their ids. The scan cuts its chunks every
# so many of them, so that each chunk holds about the same work (see cpcase.daily_scan);
# a child named by no provider is still scanned, in whichever chunk its id falls.
RunningWork = Callable[[], QuerySet[Any]]
_running_work: list[RunningWork] = []


def register_running_work(provider: RunningWork) -> None:
    if provider not in _running_work:
        _running_work.append(provider)


def running_work() -> list[RunningWork]:
    return list(_running_work)


def deadlines(context: DeadlineContext) -> list[Deadline]:
    found = [d for provider in _providers for d in provider(context)]
    return sorted(found, key=lambda d: (d.due_on, d.kind))


def calendar_of(authority_id: Any) -> WorkingCalendar:
    """The authority's working days (:func:`load_calendars`)."""
    return load_calendars([authority_id])[authority_id]


def working_day_errors(day: dt.date, authority: Authority) -> list[str]:
    """Why a meeting cannot be on ``day`` for the authority (empty if it can)."""
    calendar = calendar_of(authority.pk)
    why = calendar.why_not_working(day)
    if why is None:
        return []
    reason = "" if why == "weekend" else f" ({why})"
    return [
        f"{day:%A} {day.day} {day:%B %Y} is not a working day for {authority.name}{reason}: "
        "choose a working day."
    ]


def deadlines_for(child: Child, today: dt.date) -> list[Deadline]:
    """Every deadline of one child, met or not, in due-date order."""
    context = DeadlineContext(
        children=Child.objects.filter(pk=child.pk),
        today=today,
        history=True,
        timescales=load_authority_timescales([child.responsible_authority_id]),
        stream=False,
    )
    return deadlines(context)


# --- Reminders and escalation -------------------------------------------------

KIND_LABELS = {
    "icpc": "Initial child protection conference",
    "first_core_group": "First core group meeting",
    "plan_authorisation": "Detailed plan sent for authorisation",
    "core_group": "Core group meeting",
    "review_conference": "Review conference",
    "statutory_visit": "Statutory visit",
    "transfer_in": "Transfer-in conference",
    "review_conference_required": "Review conference to convene",
    "birth_meeting": "Meeting after the birth",
}


# Deadlines the chair of the child's last conference is told of.
CHAIR_KINDS = frozenset({"review_conference", "review_conference_required"})


@dataclass(frozen=True)
class Reminder:
    """One person to tell about one deadline at one stage."""

    deadline: Deadline
    recipient_id: Any
    stage: str  # before, due, overdue
    role: str  # why they are told: lead_social_worker, team_manager, service_leader, chair

    @property
    def dedupe_key(self) -> str:
        # The due date is part of the key: a deadline that moves is a new deadline.
        d = self.deadline
        return f"deadline:{d.key}:{d.due_on.isoformat()}:{self.stage}:{self.recipient_id}"


def _stages(deadline: Deadline, calendar: WorkingCalendar, today: dt.date) -> list[tuple[str, str]]:
    """(stage, role) pairs that fall on ``today`` for an open deadline."""
    if deadline.met_on is not None:
        return []
    found: list[tuple[str, str]] = []
    if deadline.due_on > today:
        left = calendar.working_days_between(today, deadline.due_on)
        if left <= settings.CPCASE_REMINDER_WORKING_DAYS:
            found.append(("before", "lead_social_worker"))
        if (
            deadline.kind == "review_conference"
            and left <= settings.CPCASE_CHAIR_NOTICE_WORKING_DAYS
        ):
            found.append(("before", "chair"))
    elif deadline.due_on == today:
        found.append(("due", "lead_social_worker"))
        if deadline.kind in CHAIR_KINDS:
            found.append(("due", "chair"))
    else:
        found.append(("overdue", "lead_social_worker"))
        found.append(("overdue", "team_manager"))
        if deadline.kind == "statutory_visit":
            found.append(("overdue", "service_leader"))
    return found


@dataclass
class _Recipients:
    """Who hears of a child's deadline, by role: read once for all the children."""

    leads: dict[Any, Any]
    teams: dict[Any, Any]
    team_managers: dict[Any, list[Any]]
    service_leaders: dict[Any, list[Any]]

    @classmethod
    def load(cls, child_ids: set[Any]) -> _Recipients:
        leads: dict[Any, Any] = {}
        teams: dict[Any, Any] = {}
        for pk, lead_id, team_id in Child.objects.filter(pk__in=child_ids).values_list(
            "pk", "lead_social_worker_id", "team_id"
        ):
            leads[pk], teams[pk] = lead_id, team_id
        return cls.of_children(leads, teams)

    @classmethod
    def of_children(cls, leads: dict[Any, Any], teams: dict[Any, Any]) -> _Recipients:
        """With each child's lead social worker and team already known (by child id)."""
        team_managers: dict[Any, list[Any]] = {}
        for team_id, user_id in (
            User.objects.filter(access.plan_authorisers(), is_active=True, team__isnull=False)
            .values_list("team_id", "pk")
            .distinct()
        ):
            team_managers.setdefault(team_id, []).append(user_id)
        service_leaders: dict[Any, list[Any]] = {}
        for authority_id, user_id in (
            User.objects.filter(access.service_overseers(), is_active=True, authority__isnull=False)
            .values_list("authority_id", "pk")
            .distinct()
        ):
            service_leaders.setdefault(authority_id, []).append(user_id)
        return cls(leads, teams, team_managers, service_leaders)

    def of(self, deadline: Deadline, role: str) -> list[Any]:
        if role == "lead_social_worker":
            return [self.leads.get(deadline.child_id)]
        if role == "team_manager":
            return self.team_managers.get(self.teams.get(deadline.child_id), [])
        if role == "service_leader":
            return self.service_leaders.get(deadline.authority_id, [])
        return [deadline.chair_id]


def _stages_due(
    today: dt.date,
    found: Iterable[Deadline],
    timescales: dict[Any, AuthorityTimescales],
) -> list[tuple[Deadline, list[tuple[str, str]]]]:
    """The open deadlines in ``found`` that have a stage on ``today``, with their stages."""
    pending: list[tuple[Deadline, list[tuple[str, str]]]] = []
    calendars: dict[Any, WorkingCalendar] = {}
    for deadline in found:
        calendar = calendars.get(deadline.authority_id)
        if calendar is None:
            if deadline.authority_id not in timescales:
                timescales.update(load_authority_timescales([deadline.authority_id]))
            calendar = calendars[deadline.authority_id] = timescales[deadline.authority_id].calendar
        stages = _stages(deadline, calendar, today)
        if stages:
            pending.append((deadline, stages))
    return pending


def _reminders(
    pending: list[tuple[Deadline, list[tuple[str, str]]]], recipients: _Recipients
) -> Iterator[Reminder]:
    for deadline, stages in pending:
        for stage, role in stages:
            for recipient in recipients.of(deadline, role):
                if recipient is not None:
                    yield Reminder(
                        deadline=deadline, recipient_id=recipient, stage=stage, role=role
                    )


def reminders_due(
    today: dt.date,
    children: QuerySet[Child] | None = None,
    found: Iterable[Deadline] | None = None,
) -> Iterable[Reminder]:
    """Every reminder and escalation that applies on ``today``, for every child's open deadlines
    (``found``, if the caller computed them already).

    A fixed number of queries: each provider's, one for the children concerned, one for
    team managers, one for service leaders.
    """
    context = DeadlineContext(
        children=children if children is not None else Child.objects.all(),
        today=today,
        history=False,
        timescales=load_authority_timescales(),
    )
    pending = _stages_due(today, deadlines(context) if found is None else found, context.timescales)
    if not pending:
        return
    yield from _reminders(pending, _Recipients.load({d.child_id for d, _ in pending}))


def reminders_of(
    today: dt.date,
    found: Iterable[Deadline],
    *,
    leads: dict[Any, Any],
    teams: dict[Any, Any],
    timescales: dict[Any, AuthorityTimescales],
) -> list[Reminder]:
    """The reminders and escalations of ``found`` (open deadlines: the daily check's stored
    rows) on ``today``, when each child's lead social worker and team are known already.

    The same reminders as :func:`reminders_due` gives for the same deadlines; two queries
    (team managers, service leaders), none if nothing is due.
    """
    pending = _stages_due(today, found, timescales)
    if not pending:
        return []
    return list(_reminders(pending, _Recipients.of_children(leads, teams)))


def reminder_horizon(
    today: dt.date, timescales: dict[Any, AuthorityTimescales]
) -> tuple[dt.date, dt.date]:
    """The first due dates that have no stage on ``today`` under any authority's calendar:
    for the lead social worker's reminder (every kind), and for the chair's notice of a
    review. A deadline due before the first has a stage today, or may have (see
    :func:`_stages`: due within so many working days, due today, or overdue)."""
    calendars = [t.calendar for t in timescales.values()] or [WorkingCalendar()]

    def horizon(days: int) -> dt.date:
        # Within ``days`` working days of today: before the (days + 1)th working day after.
        return max(c.add_working_days(today, days + 1) for c in calendars)

    return (
        horizon(settings.CPCASE_REMINDER_WORKING_DAYS),
        horizon(settings.CPCASE_CHAIR_NOTICE_WORKING_DAYS),
    )

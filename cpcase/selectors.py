"""Reads of the core records. List selectors start from what the user may see."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FloatField,
    Func,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Lower

from cpcase import access, my_week, read_audit, running_deadlines
from cpcase.audit import audit_record
from cpcase.models import (
    CURRENT_RESIDENCES,
    AuditEvent,
    Authority,
    Child,
    Notification,
    Relationship,
    Residence,
    RunningDeadline,
    Team,
    User,
)
from cpcase.roles import held
from cpcase.timescales import (
    Deadline,
    Rule,
    calendar_of,
    load_authority_timescales,
    load_calendars,
)
from cpcase.validators import nhs_number_digits, normalise_postcode
from cpcase.working_days import WorkingCalendar

CHILD_LIST_RELATED = ("team", "lead_social_worker", "responsible_authority")


def _with_address(qs: QuerySet[Child]) -> QuerySet[Child]:
    # Into a list of its own (``Child.current_residence`` reads it): a prefetch into the
    # related manager costs a queryset a row, most of a first page's time in Python.
    return qs.prefetch_related(
        Prefetch(
            "residences",
            queryset=Residence.objects.filter(moved_out_on__isnull=True).select_related("address"),
            to_attr=CURRENT_RESIDENCES,
        )
    )


def _search_key(text: str) -> Func:
    return Func(Lower(Value(text)), function="cpcase_immutable_unaccent", output_field=CharField())


_LA_CHILD_ID_LIKE = re.compile(r"[A-Za-z]*\d[A-Za-z0-9]*")


def _name_search(qs: QuerySet[Child], q: str) -> QuerySet[Child]:
    """Typo-tolerant, accent-insensitive name search through the trigram index (the query is
    similar to some stretch of the full name), best match first; or an LA child ID."""
    if _LA_CHILD_ID_LIKE.fullmatch(q):
        return qs.filter(la_child_id__iexact=q)
    key = _search_key(q)
    return (
        qs.filter(name_key__trigram_word_similar=key)
        .annotate(
            name_similarity=Func(
                key, F("name_key"), function="word_similarity", output_field=FloatField()
            )
        )
        .order_by("-name_similarity", "last_name", "first_name")
    )


def child_search(
    *,
    user: User,
    q: str = "",
    date_of_birth: dt.date | None = None,
    postcode: str = "",
    nhs_number: str = "",
    team: Team | None = None,
    audit: bool = True,
) -> QuerySet[Child]:
    """Children the user may see, matching any combination of the criteria.

    Names match typo-tolerantly (trigram similarity on unaccented names), and
    exact identifiers (NHS number, LA child ID) match whatever their spacing.
    """
    qs = access.children_visible_to(user).select_related(*CHILD_LIST_RELATED)
    criteria: dict[str, Any] = {}
    q = (q or "").strip()
    if q:
        criteria["q"] = q
        digits = nhs_number_digits(q)
        if digits.isdigit() and len(digits) == 10:
            qs = qs.filter(nhs_number=digits)
        else:
            qs = _name_search(qs, q)
    if date_of_birth:
        criteria["date_of_birth"] = date_of_birth.isoformat()
        qs = qs.filter(date_of_birth=date_of_birth)
    if postcode:
        criteria["postcode"] = postcode
        try:
            normalised = normalise_postcode(postcode)
        except Exception:
            normalised = postcode.upper().strip()
        qs = qs.filter(
            residences__moved_out_on__isnull=True, residences__address__postcode=normalised
        )
    if nhs_number:
        criteria["nhs_number"] = nhs_number
        qs = qs.filter(nhs_number=nhs_number_digits(nhs_number))
    if team is not None:
        criteria["team"] = str(team.pk)
        qs = qs.filter(team=team)
    if audit and criteria:
        audit_record(
            actor=user,
            action=AuditEvent.Action.SEARCH,
            summary="Searched children",
            changes={"criteria": criteria},
        )
    return _with_address(qs)


def child_list(*, user: User) -> QuerySet[Child]:
    return _with_address(access.children_visible_to(user).select_related(*CHILD_LIST_RELATED))


def children_led_by(*, user: User) -> QuerySet[Child]:
    """The user's own children (they are the lead social worker), as the lists show them."""
    return _with_address(access.children_led_by(user).select_related(*CHILD_LIST_RELATED))


def child_get_for_view(*, user: User, child_id: Any) -> Child:
    """The child's record, for showing; writes the audit event of the view."""
    child = access.child_for(user, child_id, access.Action.VIEW)
    read_audit.record_children(user=user, children=[child], summary=f"Viewed {child.name}")
    return child


def child_people(*, child: Child) -> QuerySet[Relationship]:
    return child.relationships.select_related("person").order_by("created_at")


def child_address_history(*, child: Child) -> list[Residence]:
    """The child's addresses, latest first. The child's current address is then read from
    the same rows (``Child.address``), not asked of the database again."""
    history = list(child.residences.select_related("address").order_by("-moved_in_on"))
    setattr(child, CURRENT_RESIDENCES, [r for r in history if r.moved_out_on is None])
    return history


def children_at_same_address(*, child: Child) -> QuerySet[Child]:
    """Other children living now at the child's current address (for register follow-up)."""
    address = child.address
    if address is None:
        return Child.objects.none()
    return Child.objects.filter(
        residences__moved_out_on__isnull=True,
        residences__address__match_key=address.match_key,
    ).exclude(pk=child.pk)


def child_access_history(*, user: User, child_id: Any) -> QuerySet[AuditEvent]:
    child = access.child_for(user, child_id, access.Action.VIEW_AUDIT)
    # Written at once (not at the end of the response): the history shows this look too.
    audit_record(
        actor=user,
        action=AuditEvent.Action.VIEW,
        obj=child,
        summary=f"Viewed the access history of {child.name}",
    )
    return AuditEvent.objects.filter(child_id=child.pk).select_related("actor")


def child_team_managers(child: Child) -> QuerySet[User]:
    """The active team managers of the child's team (none for a child with no team): they
    authorise its plans and are told of them."""
    if child.team_id is None:
        return User.objects.none()
    return User.objects.filter(
        access.plan_authorisers(), is_active=True, team_id=child.team_id
    ).distinct()


def staff_assignable(
    *, user: User, role: str = "", team: Any = None, among: Q | None = None
) -> QuerySet[User]:
    """Staff the user may choose as chair, lead social worker or core group member
    (``among``: only those the access module names for a duty, such as chairs)."""
    if user.authority_id is None or not access.takes_part_in_case_work(user):
        return User.objects.none()
    qs = (
        User.objects.filter(is_active=True)
        .filter(Q(authority_id=user.authority_id) | access.outside_professionals())
        .select_related("team", "agency")
        .prefetch_related("groups")
        .distinct()
        .order_by("last_name", "first_name")
    )
    if among is not None:
        qs = qs.filter(among)
    if role:
        qs = qs.filter(held(role))
    if team:
        qs = (
            qs.filter(Q(team_id=team) | Q(team__name=team))
            if _is_uuid(team)
            else qs.filter(team__name=team)
        )
    return qs


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except (ValueError, TypeError):
        return False
    return True


def audit_events_of_authority(*, authority_id: Any) -> QuerySet[AuditEvent]:
    """The audit trail an authority reads: what its own staff did, what was done to its
    children (responsible or resident) and to its staff's accounts."""
    if authority_id is None:
        return AuditEvent.objects.none()
    staff = User.objects.filter(authority_id=authority_id)
    children = Child.objects.filter(
        Q(responsible_authority_id=authority_id) | Q(resident_authority_id=authority_id)
    )
    return AuditEvent.objects.filter(
        Q(actor_id__in=staff.values("pk"))
        | Q(child_id__in=children.values("pk"))
        | Q(
            object_type="user",
            object_id__in=staff.annotate(key=Cast("pk", CharField())).values("key"),
        )
    )


def notifications_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def notifications_unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return notifications_for(user=user, unread_only=True).count()


def working_calendar_for(*, authority: Authority) -> WorkingCalendar:
    """The authority's nation's working days, with its own closures and kept-open days."""
    return calendar_of(authority.pk)


def timescale_rules_for(*, authority: Authority) -> dict[str, Rule]:
    """Every timescale in force for the authority: its own overrides over its nation's
    defaults, each naming the profile it came from."""
    return load_authority_timescales([authority.pk])[authority.pk].rules


@dataclass
class CaseloadRow:
    child: Child
    open_deadlines: list[Deadline]
    rag: str  # red (overdue), amber (due soon), green, or none (nothing running)

    @property
    def next_deadline(self) -> Deadline | None:
        return self.open_deadlines[0] if self.open_deadlines else None

    @property
    def overdue(self) -> list[Deadline]:
        return [d for d in self.open_deadlines if d.status == "overdue"]


# How many children a dashboard lists (the counts cover them all).
CASELOAD_LIMIT = 200
# How far a dashboard counts the children whose next deadline is beyond the amber window.
CASELOAD_COUNT_LIMIT = 1000


def amber_windows(today: dt.date) -> dict[dt.date, list[Any]]:
    """The last day of the reminder window of working days (amber), and the authorities
    whose calendars end it there."""
    window = settings.CPCASE_REMINDER_WORKING_DAYS
    ends: dict[dt.date, list[Any]] = {}
    for authority_id, calendar in load_calendars().items():
        last = today
        while calendar.working_days_between(today, last + dt.timedelta(days=1)) <= window:
            last += dt.timedelta(days=1)
        ends.setdefault(last, []).append(authority_id)
    return ends


def _amber_filter(today: dt.date, ends: dict[dt.date, list[Any]] | None = None) -> Q:
    """Running deadlines due within the reminder window of working days (amber): the
    window ends on a different day for each authority's calendar."""
    amber = Q(pk__in=[])
    for last, authorities in (ends if ends is not None else amber_windows(today)).items():
        amber |= Q(rules_authority_id__in=authorities, due_on__lte=last)
    return Q(due_on__gte=today) & amber


def _running_for(user: User, team: Team | None) -> QuerySet[RunningDeadline]:
    rows = access.running_deadlines_visible_to(user)
    return rows.filter(team=team) if team is not None else rows


_CASELOAD_ROW_FIELDS = (
    "child_id",
    "due_on",
    "child__first_name",
    "child__last_name",
    "child__date_of_birth",
    "child__responsible_authority_id",
    "child__resident_authority_id",
    "child__team_id",
    "child__lead_social_worker_id",
    "child__lead_social_worker__first_name",
    "child__lead_social_worker__last_name",
    "child__lead_social_worker__username",
)


def caseload_for(
    *,
    user: User,
    today: dt.date,
    team: Team | None = None,
    limit: int = CASELOAD_LIMIT,
    offset: int = 0,
    ends: dict[dt.date, list[Any]] | None = None,
) -> list[CaseloadRow]:
    """The children the user may see (of one team, if given) that have deadlines running,
    each with them, red/amber/green, overdue first: ``limit`` of them, after the first
    ``offset`` (a page of the home page's caseload). ``ends``: the amber windows
    (:func:`amber_windows`), if the caller has them already.

    Read from the stored rows (:mod:`cpcase.running_deadlines`), through indexes on each
    child's next deadline: a fixed number of queries, and the work of one page, however
    many children the team or authority has.
    """
    amber = _amber_filter(today, ends)
    firsts = list(
        _running_for(user, team)
        .filter(is_next=True)
        .annotate(
            rag=Case(
                When(due_on__lt=today, then=Value("red")),
                When(amber, then=Value("amber")),
                default=Value("green"),
            )
        )
        .select_related("child__lead_social_worker")
        # What a row shows (the child's name and lead social worker): a dashboard reads
        # hundreds of rows, and the records' other columns cost each one time.
        .only(*_CASELOAD_ROW_FIELDS)
        .order_by("due_on", "child__last_name", "child__first_name", "child_id")[
            offset : offset + limit
        ]
    )
    running = running_deadlines.running_for_children([f.child_id for f in firsts], today)
    return [
        CaseloadRow(
            child=first.child, open_deadlines=running.get(first.child_id, []), rag=first.rag
        )
        for first in firsts
    ]


def caseload_counts(
    *,
    user: User,
    today: dt.date,
    team: Team | None = None,
    ends: dict[dt.date, list[Any]] | None = None,
) -> dict[str, Any]:
    """How many of those children are red, amber and green. Red and amber (and green up to
    the end of the amber window) are counted exactly, reading the index only as far as the
    window; the green beyond it only up to ``CASELOAD_COUNT_LIMIT`` (``green_capped`` then
    says there are more), so the count does not read every running deadline of a large
    authority. Two queries."""
    ends = amber_windows(today) if ends is None else ends
    window_end = max(ends, default=today)
    running = _running_for(user, team).filter(is_next=True)
    near = running.filter(due_on__lte=window_end).aggregate(
        red=Count("pk", filter=Q(due_on__lt=today)),
        amber=Count("pk", filter=_amber_filter(today, ends)),
        all=Count("pk"),
    )
    later = running.filter(due_on__gt=window_end)
    beyond = later.model.objects.filter(
        pk__in=later.order_by("due_on").values("pk")[: CASELOAD_COUNT_LIMIT + 1]
    ).count()
    return {
        "red": near["red"],
        "amber": near["amber"],
        "green": near["all"] - near["red"] - near["amber"] + min(beyond, CASELOAD_COUNT_LIMIT),
        "green_capped": beyond > CASELOAD_COUNT_LIMIT,
    }


def my_week_for(*, user: User, today: dt.date) -> my_week.MyWeek:
    """My week (issue 14): for a social worker, the children they are lead social worker
    for; for a team manager, the team's, worker by worker, with the plans waiting for
    their authorisation first. Everything running that falls due by the fifth working
    day of the user's authority's calendar, and everything overdue; the apps' own work
    (plans, draft visits) through their providers; the user's unread notifications.

    A fixed number of queries, however many children and lines the week holds.
    """
    calendar = calendar_of(user.authority_id)
    last_day = my_week.last_day_of(calendar, today)
    team_week = access.sees_team_week(user)
    team = user.team if team_week else None
    children = access.children_visible_to(user)
    running = _running_for(user, team)
    if team is not None:
        children = children.filter(team=team)
    else:
        children = children.filter(lead_social_worker=user)
        running = running.filter(lead_social_worker=user)
    found = list(
        running.filter(due_on__lte=last_day)
        .select_related("child__lead_social_worker")
        .order_by("due_on", "child__last_name", "child__first_name", "kind", "pk")[
            : my_week.DEADLINE_LIMIT + 1
        ]
    )
    truncated = len(found) > my_week.DEADLINE_LIMIT
    found = found[: my_week.DEADLINE_LIMIT]
    context = my_week.WeekContext(
        user=user,
        today=today,
        last_day=last_day,
        calendar=calendar,
        children=children,
        deadlines=found,
        team_week=team_week,
    )
    work = my_week.gather(context)
    unread = list(notifications_for(user=user, unread_only=True)[: my_week.NOTIFICATION_LIMIT + 1])
    return my_week.arrange(
        context,
        items=[
            *my_week.deadline_items(found, work),
            *(item for answer in work for item in answer.items),
            *my_week.notification_items(unread[: my_week.NOTIFICATION_LIMIT]),
        ],
        truncated=truncated,
        more_notifications=len(unread) > my_week.NOTIFICATION_LIMIT,
    )

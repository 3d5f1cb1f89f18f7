"""The daily timescale check: every reminder and escalation due on a day, raised once
per (deadline, recipient, stage), chunk after chunk of children.

Each chunk reads the day's reminders from the children's **stored running deadlines**
(:class:`~cpcase.models.RunningDeadline`, one range read by the chunk's children and id
range, filtered in SQL to the rows that can have a stage today: due within the reminder
window, due today, or overdue), instead of recomputing every deadline with the engine.
The services keep those rows (``running_deadlines.after`` → ``refresh``) in the same
transaction as the records they change.

What can change with the date alone? Nothing, in what the rows hold. Read provider by
provider (``plans.selectors.plan_deadlines``; ``conferences.selectors`` ``icpc_``,
``transfer_in_``, ``review_``, ``birth_meeting_`` and ``review_conference_required_
deadlines``; ``visits.selectors.statutory_visit_deadlines``; ``cpcase.front_door``
registers no deadline provider), the engine's ``today`` goes only into
``Deadline.today``, which sets the *status* (upcoming, due today, overdue) and nothing
else. Which deadlines are open, their due dates, keys, sources and chairs are a function
of the records (plans, conferences, core groups, visits, discussions, notices, events,
the child's date of birth), the authority's rules and its calendar (a pure function of
the date it is asked about: the pinned ``holidays`` data and the authority's own days):

- a deadline is open while it is not met and its plan has not ended: a plan ends only by
  a service (``plans.services.endings``; never in the future, never by itself on an 18th
  birthday: the unit manager ends it), and met dates are records written by services;
- ``PlanFacts.applies_on`` and ``_applies`` compare due dates with the plan's
  ``ended_on``, not with today; the birth meeting compares the date of birth (a record)
  with the plan's dates; ``ended_plan_around`` reads ended plans;
- the dashboards' ``is_next`` is the soonest due date, whatever the day.

So the rows are right every morning if they were right the evening before, and the test
``tests/core/test_daily_check_stored.py`` proves the engine gives the same open deadlines
on any day. What moves with the date is only each row's stage, which :func:`_stages`
works out from the stored due date and the authority's calendar, as before.

Rows can still drift from the engine by writes that bypass the services (a bulk load, an
upgrade of the pinned ``holidays`` data, a hand-made fix in the database). The full
recomputation is kept as a **repair**: ``cpcase.repair_running_deadlines`` on beat each
week (the same chunks, on many workers, through :func:`running_deadlines_repair_chunk`),
and ``manage.py refresh_deadlines``. A service's rows written while the repair computed
are newer and win: the children whose rows drifted are recomputed under their locks
(``running_deadlines.repair``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse

from cpcase import running_deadlines
from cpcase.daily_scan import scan_chunks
from cpcase.models import Child, Notification, RunningDeadline
from cpcase.services.notifications import NotificationRequest, notifications_raise
from cpcase.timescales import (
    KIND_LABELS,
    ChildRange,
    Reminder,
    load_authority_timescales,
    reminder_horizon,
    reminders_of,
)

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

    From the children's stored running deadlines: a fixed number of queries however many
    children. Batches commit one by one, so a chunk run again after its worker died redoes
    only what is missing. ``id_range``, the range of ids ``children`` lies in, lets the
    rows be read by that range of their child index.
    """
    batch_size = batch_size or settings.CPCASE_NOTIFY_BATCH_SIZE
    reminders, names = stored_reminders(today=today, children=children, id_range=id_range)
    # Most of a day's reminders were raised on an earlier day (the days before a deadline,
    # every day it is overdue): skip those before building their notifications. The
    # notifications' unique key still decides, for a chunk that runs twice at once.
    raised = _raised([r.dedupe_key for r in reminders])
    reminders = [r for r in reminders if r.dedupe_key not in raised]
    # The child page's address reversed once, not once per reminder (a fifth of a chunk).
    template = reverse("child-detail", args=[_PLACEHOLDER])
    urls = {pk: template.replace(str(_PLACEHOLDER), str(pk)) for pk in names}
    created = 0
    for start in range(0, len(reminders), batch_size):
        requests = [_request(r, names, urls) for r in reminders[start : start + batch_size]]
        created += len(notifications_raise(requests=requests))
    return created


def _raised(keys: list[str]) -> set[str]:
    """Which of these dedupe keys are stored already (one query, by the unique index)."""
    if not keys:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(_RAISED_SQL, [keys])
        return {key for (key,) in cursor.fetchall()}


# One array parameter, not thousands of IN (...) placeholders.
_RAISED_SQL = "SELECT dedupe_key FROM cpcase_notification WHERE dedupe_key = ANY(%s)"


def stored_reminders(
    *, today: dt.date, children: QuerySet[Child], id_range: ChildRange | None = None
) -> tuple[list[Reminder], dict[Any, str]]:
    """The reminders and escalations of ``children`` on ``today``, from their stored
    running deadlines, and the children's names (by id) for the notifications.

    Five queries: the authorities' rules and calendars (two), the rows that can have a
    stage today (with their child's lead social worker, team and name), the team
    managers, the service leaders.
    """
    timescales = load_authority_timescales()
    horizon, chair_horizon = reminder_horizon(today, timescales)
    rows = (id_range or ChildRange()).apply(
        RunningDeadline.objects.filter(child__in=children.values("pk")).filter(
            Q(due_on__lt=horizon) | Q(kind="review_conference", due_on__lt=chair_horizon)
        )
    )
    found, leads, teams, names = [], {}, {}, {}
    for child_id, key, kind, due_on, source, rules, chair, lead, team, first, last in (
        rows.order_by().values_list(*_ROW_FIELDS).iterator(chunk_size=5000)
    ):
        found.append(
            running_deadlines.stored_deadline(
                child_id, rules, kind, due_on, source, key, chair, today
            )
        )
        leads[child_id], teams[child_id] = lead, team
        names[child_id] = f"{first} {last}".strip()
    # The engine's order (due date, kind), so that batches fill as they always did.
    found.sort(key=lambda d: (d.due_on, d.kind))
    reminders = reminders_of(today, found, leads=leads, teams=teams, timescales=timescales)
    return reminders, names


_PLACEHOLDER = uuid.UUID(int=0)

# A stored row as the check reads it, with its child's recipients and name.
_ROW_FIELDS = (
    "child_id",
    "key",
    "kind",
    "due_on",
    "source",
    "rules_authority_id",
    "chair_id",
    "child__lead_social_worker_id",
    "child__team_id",
    "child__first_name",
    "child__last_name",
)


def _request(
    reminder: Reminder, names: dict[Any, str], urls: dict[Any, str]
) -> NotificationRequest:
    d = reminder.deadline
    label = KIND_LABELS.get(d.kind, d.kind.replace("_", " ").capitalize())
    return NotificationRequest(
        recipient_id=reminder.recipient_id,
        kind=Notification.Kind(f"deadline_{reminder.stage}"),
        # The title goes by email too: it names no child.
        title=_STAGE_TITLES[reminder.stage].format(label=label, due=d.due_on),
        body=(
            f"{names.get(d.child_id, 'A child')}: {label.lower()} "
            f"due on {d.due_on:%d %B %Y} ({d.source}). {_ROLE_REASONS[reminder.role]}"
        ),
        url=urls.get(d.child_id) or reverse("child-detail", args=[d.child_id]),
        child_id=d.child_id,
        dedupe_key=reminder.dedupe_key,
    )


def running_deadlines_repair(*, chunk_size: int | None = None) -> int:
    """The repair, inline: every child's running deadlines recomputed with the engine and
    the rows that drifted rewritten, chunk after chunk; returns how many children were
    repaired. (``cpcase.repair_running_deadlines`` runs the same chunks on many workers.)"""
    return sum(
        running_deadlines_repair_chunk(children=chunk.children(), id_range=chunk.id_range())
        for chunk in scan_chunks(chunk_size)
    )


def running_deadlines_repair_chunk(
    *, children: QuerySet[Child], id_range: ChildRange | None = None
) -> int:
    """One chunk of the repair (:func:`cpcase.running_deadlines.repair`): how many of the
    children had rows that drifted, now rewritten under their locks."""
    return len(running_deadlines.repair(children, id_range=id_range))

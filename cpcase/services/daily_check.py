"""The daily timescale check: every reminder and escalation due on a day, raised once
per (deadline, recipient, stage), chunk after chunk of children."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from cpcase import running_deadlines
from cpcase.daily_scan import scan_chunks
from cpcase.models import Child, Notification
from cpcase.services.notifications import NotificationRequest, notifications_raise
from cpcase.timescales import KIND_LABELS, ChildRange, reminders_due

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

    A fixed number of queries however many children. Batches commit one by one, so a
    chunk run again after its worker died redoes only what is missing. ``id_range``, the
    range of ids ``children`` lies in, lets each table be read by that range alone.
    """
    batch_size = batch_size or settings.CPCASE_NOTIFY_BATCH_SIZE
    started = timezone.now()
    # The chunk's running deadlines are computed once: stored for the dashboards (which
    # also moves them on with the calendar) and turned into reminders.
    id_range = id_range or ChildRange()
    found = running_deadlines.compute(children, today, id_range=id_range)
    running_deadlines.store_computed(children, found, computed_at=started, id_range=id_range)
    reminders = list(reminders_due(today, children, found=found))
    names = {
        pk: f"{first} {last}".strip()
        for pk, first, last in Child.objects.filter(
            pk__in={r.deadline.child_id for r in reminders}
        ).values_list("pk", "first_name", "last_name")
    }
    created = 0
    for start in range(0, len(reminders), batch_size):
        requests = []
        for r in reminders[start : start + batch_size]:
            d = r.deadline
            label = KIND_LABELS.get(d.kind, d.kind.replace("_", " ").capitalize())
            requests.append(
                NotificationRequest(
                    recipient_id=r.recipient_id,
                    kind=Notification.Kind(f"deadline_{r.stage}"),
                    # The title goes by email too: it names no child.
                    title=_STAGE_TITLES[r.stage].format(label=label, due=d.due_on),
                    body=(
                        f"{names.get(d.child_id, 'A child')}: {label.lower()} "
                        f"due on {d.due_on:%d %B %Y} ({d.source}). {_ROLE_REASONS[r.role]}"
                    ),
                    url=reverse("child-detail", args=[d.child_id]),
                    child_id=d.child_id,
                    dedupe_key=r.dedupe_key,
                )
            )
        created += len(notifications_raise(requests=requests))
    return created

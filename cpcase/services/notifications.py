"""Notifications: raised once however often they are asked for, read in the inbox, and
sent by email from the outbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from cpcase import access
from cpcase.errors import NotFound
from cpcase.models import Notification, User


@dataclass(frozen=True)
class NotificationRequest:
    """One message to one person. ``dedupe_key`` names the (event, recipient, stage)."""

    recipient_id: Any
    kind: Notification.Kind
    title: str
    dedupe_key: str
    body: str = ""
    url: str = ""
    child_id: Any = None
    email: bool = True

    def __post_init__(self) -> None:
        # A closed set: an unknown kind is a mistake in the code, caught where it is made.
        Notification.Kind(self.kind)


_NOTIFY_SQL = """
INSERT INTO cpcase_notification
    (id, recipient_id, kind, title, body, url, child_id, dedupe_key, created_at,
     email_wanted)
SELECT * FROM unnest(
    %s::uuid[], %s::uuid[], %s::varchar[], %s::varchar[], %s::text[], %s::varchar[],
    %s::uuid[], %s::varchar[], %s::timestamptz[], %s::boolean[]
)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id
"""


def notifications_raise(*, requests: list[NotificationRequest]) -> list[Any]:
    """Store each notification once, however often it is raised; returns the new ids.

    Safe to call twice, from two workers at once, or again after a worker died
    half-way: the unique ``dedupe_key`` decides, inside PostgreSQL.
    """
    if not requests:
        return []
    now = timezone.now()
    columns: list[list[Any]] = [[] for _ in range(10)]
    seen: set[str] = set()
    for r in requests:
        if r.dedupe_key in seen:
            continue
        seen.add(r.dedupe_key)
        row = [
            uuid.uuid4(),
            r.recipient_id,
            r.kind[:50],
            r.title[:200],
            r.body,
            r.url[:300],
            r.child_id,
            r.dedupe_key[:200],
            now,
            r.email,
        ]
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_NOTIFY_SQL, columns)
        created = [row[0] for row in cursor.fetchall()]
        if created and any(r.email for r in requests):
            # A cycle: cpcase.tasks imports these services to run them.
            from cpcase.tasks import send_notification_emails

            # robust: the record is saved; a broker that is down must not turn that into an
            # error page (the beat safety net sends what is left every ten minutes).
            transaction.on_commit(send_notification_emails.delay, robust=True)
    return created


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: Any) -> None:
    if notification_id is None or access.as_uuid(notification_id) is None:
        raise NotFound("No notification was found.")
    updated = Notification.objects.filter(
        pk=notification_id, recipient=user, read_at__isnull=True
    ).update(read_at=timezone.now())
    if not updated and not Notification.objects.filter(pk=notification_id, recipient=user).exists():
        raise NotFound("No notification was found.")


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_emails_send(*, batch_size: int = 100) -> int:
    """Send the outbox. Rows are claimed with SKIP LOCKED, so two workers never send one
    email twice; a worker killed between sending and committing re-sends it (email is
    at-least-once; the in-app inbox is exactly-once)."""
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(email_wanted=True, emailed_at__isnull=True)
                .select_related("recipient")
                .order_by("created_at")[:batch_size]
            )
            if not rows:
                return sent
            for n in rows:
                if n.recipient.email and n.recipient.is_active:
                    # Email is not a safe place for case details: the title (which never
                    # names a child) and a link; the body stays in the inbox.
                    link = f"{settings.CPCASE_BASE_URL.rstrip('/')}{n.url or '/notifications/'}"
                    send_mail(
                        subject=f"cpcase: {n.title}",
                        message=f"{n.title}\n\nSign in to read the details:\n{link}\n",
                        from_email=None,
                        recipient_list=[n.recipient.email],
                    )
                    sent += 1
                n.emailed_at = timezone.now()
            Notification.objects.bulk_update(rows, ["emailed_at"])

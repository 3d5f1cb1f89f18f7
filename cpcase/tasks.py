"""Core background jobs."""

from celery import shared_task
from django.db import connection


@shared_task(name="cpcase.ping", time_limit=30)
def ping() -> dict[str, object]:
    """A health probe: proves a worker is consuming and can reach the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"ok": one == 1}


@shared_task(
    name="cpcase.send_notification_emails",
    bind=True,
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    time_limit=300,
    soft_time_limit=240,
)
def send_notification_emails(self) -> int:
    from cpcase.services import notification_emails_send

    return notification_emails_send()

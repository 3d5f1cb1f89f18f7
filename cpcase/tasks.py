"""Core background jobs."""

from celery import shared_task
from django.db import connection


@shared_task(name="cpcase.ping", time_limit=30, soft_time_limit=25)
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


@shared_task(
    name="cpcase.check_timescales",
    bind=True,
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=1800,
    soft_time_limit=1700,
)
def check_timescales(self, day: str | None = None) -> int:
    """The daily scan (Celery beat). ``day`` is an ISO date; today by default."""
    import datetime as dt

    from django.utils import timezone

    from cpcase.services import timescales_check

    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    return timescales_check(today=today)


@shared_task(name="cpcase.clear_expired_sign_ins", time_limit=300, soft_time_limit=240)
def clear_expired_sign_ins() -> dict[str, int]:
    """Sessions and API tokens past their end, deleted (Celery beat; safe to run twice)."""
    from cpcase.api_tokens import expired_sign_ins_clear

    return expired_sign_ins_clear()


@shared_task(
    name="cpcase.refresh_running_deadlines",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=1800,
    soft_time_limit=1700,
)
def refresh_running_deadlines(authority_id: str | None = None) -> int:
    """Rewrite the stored running deadlines of one authority's children (all if none):
    after its timescales or working days changed. Safe to run twice."""
    from cpcase import running_deadlines

    if authority_id is None:
        return running_deadlines.refresh_all()
    return running_deadlines.refresh_authority(authority_id)

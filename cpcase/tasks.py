"""Core background jobs."""

import datetime as dt
from typing import Any

from celery import group, shared_task
from celery.backends.base import DisabledBackend
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from cpcase import running_deadlines
from cpcase.api_tokens import expired_sign_ins_clear
from cpcase.daily_scan import ScanChunk, scan_chunks
from cpcase.services import (
    notification_emails_send,
    running_deadlines_repair_chunk,
    timescales_check_chunk,
)


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
    return notification_emails_send()


# A database that restarts or fails over mid-run: try the chunk again later.
_TRANSIENT = (OSError, OperationalError, InterfaceError)
# The daily run's tasks (the check, the repair and their chunks): acknowledged when done,
# so a chunk whose worker died is run again; retried with backoff through a restart.
_RUN_RETRIES: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": _TRANSIENT,
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(
    name="cpcase.check_timescales",
    bind=True,
    **_RUN_RETRIES,
    time_limit=600,
    soft_time_limit=540,
)
def check_timescales(self, day: str | None = None) -> dict[str, object]:
    """The daily check (Celery beat): one task per chunk of each authority's children, as a
    group that every worker on this queue shares. ``day`` is an ISO date; today by default.

    Safe to run twice: a chunk checked twice stores nothing twice.
    """
    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    return {"day": today.isoformat(), **_dispatch(self, check_timescales_chunk, today.isoformat())}


@shared_task(
    name="cpcase.check_timescales_chunk",
    bind=True,
    **_RUN_RETRIES,
    time_limit=900,
    soft_time_limit=840,
)
def check_timescales_chunk(
    self, day: str, authority_id: str, first: str | None = None, last: str | None = None
) -> int:
    """One chunk of the daily check: how many notifications were new."""
    chunk = ScanChunk.from_args(authority_id, first, last)
    return timescales_check_chunk(
        today=dt.date.fromisoformat(day), children=chunk.children(), id_range=chunk.id_range()
    )


def _dispatch(task, chunk_task, day: str | None = None) -> dict[str, object]:
    """One task per chunk of each authority's children, as a group that every worker on the
    queue the caller came from shares (a deployment may give the scan a queue of its own)."""
    chunks = scan_chunks()
    head = [day] if day is not None else []
    run = group(chunk_task.s(*head, *chunk.as_args()) for chunk in chunks)
    queue = (task.request.delivery_info or {}).get("routing_key")
    result = run.apply_async(queue=queue) if queue else run.apply_async()
    if not isinstance(task.app.backend, DisabledBackend):
        result.save()  # so that the run can be followed: GroupResult.restore(group)
    return {"chunks": len(chunks), "group": result.id}


@shared_task(
    name="cpcase.repair_running_deadlines",
    bind=True,
    **_RUN_RETRIES,
    time_limit=600,
    soft_time_limit=540,
)
def repair_running_deadlines(self) -> dict[str, object]:
    """The weekly repair (Celery beat): every child's running deadlines recomputed with the
    engine, chunk by chunk on every worker, and the rows that drifted rewritten. The daily
    check reads the rows; the services keep them; this catches what bypassed the services.
    Safe to run twice."""
    return _dispatch(self, repair_running_deadlines_chunk)


@shared_task(
    name="cpcase.repair_running_deadlines_chunk",
    **_RUN_RETRIES,
    time_limit=900,
    soft_time_limit=840,
)
def repair_running_deadlines_chunk(
    authority_id: str, first: str | None = None, last: str | None = None
) -> int:
    """One chunk of the repair: how many rows were rewritten."""
    chunk = ScanChunk.from_args(authority_id, first, last)
    return running_deadlines_repair_chunk(children=chunk.children(), id_range=chunk.id_range())


@shared_task(name="cpcase.clear_expired_sign_ins", time_limit=300, soft_time_limit=240)
def clear_expired_sign_ins() -> dict[str, int]:
    """Sessions and API tokens past their end, deleted (Celery beat; safe to run twice)."""
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
    if authority_id is None:
        return running_deadlines.refresh_all()
    return running_deadlines.refresh_authority(authority_id)

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

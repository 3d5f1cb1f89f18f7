"""Loaded into a test worker with ``-I``: a task that reports which database the worker uses."""

from celery import shared_task
from django.db import connection


@shared_task(name="tests.database_probe", time_limit=30)
def database_probe(child_id: str) -> dict[str, object]:
    from cpcase.models import Child

    return {
        "database": connection.settings_dict["NAME"],
        "child": Child.objects.filter(pk=child_id).values_list("last_name", flat=True).first(),
    }


@shared_task(name="tests.database_pid", time_limit=30)
def database_pid() -> int:
    """The PostgreSQL server process serving this worker's connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return int(pid)


@shared_task(name="tests.database_fails", time_limit=30)
def database_fails() -> int:
    """Ends this worker's connection from the server's side (as a restart would), then
    fails on it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    return 0

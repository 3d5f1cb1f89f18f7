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

"""The Celery application. Tasks live in each app's ``tasks.py``."""

import os
from typing import Any

from celery import Celery
from celery.signals import import_modules, task_postrun, task_prerun

from cpcase.embedded_db import ensure_started

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpcase.settings")

app = Celery("cpcase")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def start_embedded_system(**kwargs: Any) -> None:
    """The worker and beat import their tasks first, before either touches the database:
    an entry point's moment to start the embedded system (when no ``DATABASE_URL`` is
    set). Importing this module starts nothing: the settings load it too."""
    ensure_started()


import_modules.connect(start_embedded_system, sender=app)


def database_connections_like_requests(**kwargs: Any) -> None:
    """Around each task, what Django does around each request: a connection past
    ``CONN_MAX_AGE``, or one that failed (a database restarted mid-run), is closed, and the
    next query opens a new one; the others are kept (``CELERY_DB_REUSE_MAX``), so a task
    does not start a new PostgreSQL server process and warm its caches (the daily check's
    chunks, dozens a run)."""
    task = kwargs.get("sender")
    if getattr(getattr(task, "request", None), "is_eager", False):
        return  # run in the caller's process (tests): its connection is the caller's
    # Imported here: loading the settings imports this module.
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()


task_prerun.connect(database_connections_like_requests, weak=False)
task_postrun.connect(database_connections_like_requests, weak=False)

"""The Celery application. Tasks live in each app's ``tasks.py``."""

import os
from typing import Any

from celery import Celery
from celery.signals import import_modules

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

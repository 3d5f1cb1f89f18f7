"""Fixtures of the core's tests that several modules share."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone


@pytest.fixture(scope="module")
def _demo_seeded_once(django_db_setup, django_db_blocker):
    """The demo, seeded through the services once for the module, rolled back at the end
    (each test's own changes are rolled back after it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield timezone.localdate()
        transaction.set_rollback(True)


@pytest.fixture
def demo_seeded(_demo_seeded_once, db):
    """The seeded demo; the day it was seeded."""
    return _demo_seeded_once

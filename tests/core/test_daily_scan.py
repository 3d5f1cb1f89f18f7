"""The daily check cut into chunks: every child in exactly one chunk, and the chunks
together find exactly what one scan of every child finds, on any day, whatever the size."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cpcase.daily_scan import scan_chunks
from cpcase.models import Authority, Child, Notification
from cpcase.services import timescales_check
from cpcase.timescales import reminders_due
from plans.models import Plan

pytestmark = pytest.mark.django_db
D = dt.date
# Sizes from one child with running work per chunk to every child in one chunk.
SIZES = (1, 3, 7, 10_000)


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker):
    """The demo's two authorities, every kind of deadline among them; rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo, db):
    return None


def _keys(reminders) -> Counter[str]:
    return Counter(r.dedupe_key for r in reminders)


@pytest.mark.parametrize("size", SIZES)
def test_every_child_is_in_exactly_one_chunk(demo, size):
    chunks = scan_chunks(size)
    seen = Counter(pk for chunk in chunks for pk in chunk.children().values_list("pk", flat=True))
    assert set(seen) == set(Child.objects.values_list("pk", flat=True))
    assert set(seen.values()) == {1}
    assert {c.authority_id for c in chunks} == set(Authority.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("size", SIZES)
def test_each_chunk_holds_at_most_size_children_with_open_plans(demo, size):
    by_authority: dict[uuid.UUID, list[int]] = {}
    for chunk in scan_chunks(size):
        busy = Plan.objects.filter(status="active", child__in=chunk.children()).count()
        by_authority.setdefault(chunk.authority_id, []).append(busy)
    for counts in by_authority.values():
        # Cut every ``size``: full chunks, then what is left (and none empty but a lone one).
        assert all(n == size for n in counts[:-1]), counts
        assert counts[-1] <= size
    total = Plan.objects.filter(status="active").count()
    assert sum(sum(c) for c in by_authority.values()) == total
    assert total > 20  # the demo has plenty to cut


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("days_on", [0, 6, 45, 120])
def test_the_chunks_find_what_one_scan_of_every_child_finds(demo, size, days_on):
    today = timezone.localdate() + dt.timedelta(days=days_on)
    whole = _keys(reminders_due(today))
    assert whole, "the demo has reminders due on every one of these days"
    chunked = sum((_keys(reminders_due(today, c.children())) for c in scan_chunks(size)), Counter())
    assert chunked == whole


def test_the_inline_check_stores_each_once_whatever_the_chunk_size(demo):
    today = timezone.localdate() + dt.timedelta(days=20)
    expected = set(_keys(reminders_due(today)))
    assert timescales_check(today=today, chunk_size=3) == len(expected)
    assert timescales_check(today=today, chunk_size=1) == 0
    assert (
        set(
            Notification.objects.filter(dedupe_key__startswith="deadline:").values_list(
                "dedupe_key", flat=True
            )
        )
        == expected
    )


def test_cutting_the_run_costs_a_fixed_number_of_queries(demo):
    with CaptureQueriesContext(connection) as big:
        scan_chunks(10_000)
    with CaptureQueriesContext(connection) as small:
        scan_chunks(1)
    assert len(big) == len(small) == 2

"""The daily check reads its reminders from the stored running deadlines.

The reminders a chunk raises from the stored rows are exactly those the engine's
recomputation raises (the path the check took before), chunk by chunk, for the demo's
authorities and for an authority changed by a random sequence of events (with random
reminder windows), across a run of days with weekends, bank holidays, deadlines due today,
overdue ones and chairs' notices. Nothing a row holds moves with the date alone: the engine
gives the same open deadlines whatever the day, so rows right one evening are right the
next morning (a child turning 18 included). The weekly repair puts back rows that drifted.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest
from django.conf import settings
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from cpcase import demo, running_deadlines
from cpcase.daily_scan import scan_chunks
from cpcase.models import Authority, Child, Notification, RunningDeadline
from cpcase.services import running_deadlines_repair, stored_reminders, timescales_check
from cpcase.timescales import Reminder, reminders_due
from cpcase.working_days import WorkingCalendar, bank_holidays
from plans.models import Plan
from tests.core.test_running_deadlines import _assert_same, _events
from tests.factories import ChildFactory, PlanFactory, VisitFactory

# Seeding the demo takes a while on a loaded machine: more than the default 300 s budget.
pytestmark = [pytest.mark.django_db, pytest.mark.timeout(1200)]


def _days(today: dt.date) -> list[dt.date]:
    """Six weeks from a few days back (the demo's deadlines cluster around the day it was
    seeded), the next two bank holidays and the working days before them, and a few far
    days: weekends and bank holidays among them whatever the day the test runs."""
    calendar = WorkingCalendar("england")
    holidays = sorted(
        day
        for year in (today.year, today.year + 1)
        for day in bank_holidays("england", year)
        if day > today
    )[:2]
    around = [d for h in holidays for d in (calendar.add_working_days(h, -1), h)]
    near = [today + dt.timedelta(days=n) for n in [*range(-4, 42), 60, 95, 183, 400]]
    return sorted({*near, *around})


def _compare(days: list[dt.date], size: int) -> Counter[str]:
    """For each day and chunk: the stored rows' reminders are the engine's. Returns what
    was seen (stages, roles, days that are not working days), for the caller to check
    that the days covered what matters."""
    seen: Counter[str] = Counter()
    calendar = WorkingCalendar("england")
    chunks = scan_chunks(size)
    for day in days:
        if not calendar.is_working_day(day):
            seen["weekend" if day.weekday() >= 5 else "bank_holiday"] += 1
        for chunk in chunks:
            engine = Counter(reminders_due(day, chunk.children()))
            stored, names = stored_reminders(
                today=day, children=chunk.children(), id_range=chunk.id_range()
            )
            assert Counter(stored) == engine, (day, chunk)
            _assert_names(stored, names)
            for r in stored:
                seen[r.stage] += 1
                seen[r.role] += 1
                seen[f"{r.stage}:{r.role}"] += 1
    return seen


def _assert_names(reminders: list[Reminder], names: dict[Any, str]) -> None:
    ids = {r.deadline.child_id for r in reminders}
    expected = {
        pk: f"{first} {last}".strip()
        for pk, first, last in Child.objects.filter(pk__in=ids).values_list(
            "pk", "first_name", "last_name"
        )
    }
    assert {pk: names[pk] for pk in ids} == expected


def test_the_demo_s_reminders_from_stored_rows_are_the_engine_s_day_after_day(demo_seeded):
    seen = _compare(_days(demo_seeded), size=7)
    # The days covered every stage, every recipient, and days that are not working days.
    for what in ("before", "due", "overdue", "chair", "team_manager", "service_leader"):
        assert seen[what] > 0, (what, seen)
    assert seen["before:chair"] > 0, seen
    assert seen["weekend"] > 0 and seen["bank_holiday"] > 0, seen


@pytest.mark.parametrize("seed", [1, 5])
def test_a_random_authority_s_reminders_from_stored_rows_are_the_engine_s(
    demo_seeded, seed, django_capture_on_commit_callbacks
):
    """After random events through the services (new families, visits, core groups,
    reallocations, looked-after events, a closure day, a changed timescale), with random
    reminder windows: the same reminders on every day, in chunks of a random size."""
    rng = random.Random(seed)
    done = _events(rng, demo_seeded, django_capture_on_commit_callbacks)
    assert len(done) >= 10, done
    windows = {
        "CPCASE_REMINDER_WORKING_DAYS": rng.randint(0, 12),
        "CPCASE_CHAIR_NOTICE_WORKING_DAYS": rng.randint(0, 25),
    }
    with override_settings(**windows):
        seen = _compare(_days(demo_seeded)[::2], size=rng.randint(1, 12))
    assert seen["before"] + seen["due"] > 0 and seen["overdue"] > 0, (windows, seen)


def test_the_engine_gives_the_same_open_deadlines_whatever_the_day(demo_seeded):
    """What a row holds does not move with the date alone (see cpcase.services.daily_check):
    every child's open deadlines, computed as of any day, are the same but for the day."""

    def computed(day: dt.date) -> set[tuple[Any, ...]]:
        found = running_deadlines.compute(Child.objects.all(), day)
        return {
            (d.child_id, d.key, d.kind, d.due_on, d.source, d.authority_id, d.chair_id)
            for d in found
        }

    today = computed(demo_seeded)
    assert len(today) >= 30
    for day in [*_days(demo_seeded)[::5], demo_seeded - dt.timedelta(days=365)]:
        assert computed(day) == today, day


def test_the_morning_after_a_child_turns_18_the_rows_are_right(demo_seeded):
    """A child with a plan running turns 18 overnight: nothing ends by itself (the unit
    manager ends the plan, through a service), so the rows stored the evening before are
    still the engine's, and the morning's check raises the engine's reminders."""
    authority = Authority.objects.get(code=demo.AUTHORITY_CODE)
    tomorrow = demo_seeded + dt.timedelta(days=1)
    child = ChildFactory(
        responsible_authority=authority,
        date_of_birth=tomorrow.replace(year=tomorrow.year - 18),
        team=Child.objects.filter(responsible_authority=authority).first().team,
    )
    PlanFactory(child=child, started_on=demo_seeded - dt.timedelta(days=120))
    rows = set(RunningDeadline.objects.filter(child=child).values_list("key", "due_on"))
    assert rows
    for day in (tomorrow, tomorrow + dt.timedelta(days=1)):
        _assert_same(day)
        assert child.age_on(day) == 18
    assert Plan.objects.get(child=child).status == "active"
    Notification.objects.all().delete()
    created = timescales_check(today=tomorrow)
    expected = {r.dedupe_key for r in reminders_due(tomorrow)}
    assert created == len(expected) > 0
    assert set(Notification.objects.values_list("dedupe_key", flat=True)) == expected
    assert Notification.objects.filter(child_id=child.pk).exists()
    for notification in Notification.objects.all():
        assert notification.url == reverse("child-detail", args=[notification.child_id])


def test_the_check_leaves_the_rows_alone(demo_seeded):
    """The daily check reads the rows; it neither rewrites nor moves them."""
    before = list(RunningDeadline.objects.order_by("pk").values_list())
    timescales_check(today=demo_seeded + dt.timedelta(days=3))
    assert list(RunningDeadline.objects.order_by("pk").values_list()) == before


def test_the_repair_rewrites_rows_that_drifted(demo_seeded):
    RunningDeadline.objects.filter(is_next=True).first().delete()
    RunningDeadline.objects.filter(kind="statutory_visit").update(due_on=dt.date(2000, 1, 1))
    RunningDeadline.objects.create(
        child=Child.objects.first(),
        key="made_up:1",
        kind="icpc",
        due_on=demo_seeded,
        source="written by hand",
        rules_authority=Authority.objects.first(),
        responsible_authority=Authority.objects.first(),
        resident_authority=Authority.objects.first(),
    )
    assert running_deadlines_repair(chunk_size=5) > 0
    _assert_same(demo_seeded)
    assert running_deadlines_repair() == 0  # nothing left to repair


def test_the_repair_task_runs_every_chunk(demo_seeded):
    from cpcase.tasks import repair_running_deadlines

    RunningDeadline.objects.filter(kind="review_conference").update(due_on=dt.date(2000, 1, 1))
    with override_settings(CPCASE_SCAN_CHUNK=3):
        run = repair_running_deadlines.delay().get()
    assert run["chunks"] == len(scan_chunks(3)) > 3
    _assert_same(demo_seeded)


def test_the_repair_keeps_a_service_s_newer_rows(demo_seeded, monkeypatch):
    """A service changes a child's records while the repair is computing: the repair does
    not store what it computed before (the child's rows now differ from it, so the child is
    recomputed under its lock), and the service's rows stay; a row that drifted is put
    back in the same run."""
    today = f"on {timezone.localdate():%d %b %Y}"
    visited = (
        RunningDeadline.objects.filter(kind="statutory_visit")
        .exclude(source__endswith=today)  # a visit today changes this child's deadline
        .order_by("child_id")
        .first()
        .child_id
    )
    drifted = RunningDeadline.objects.exclude(child_id=visited).order_by("child_id").first()
    drifted.due_on = dt.date(2000, 1, 1)
    drifted.save()
    real = running_deadlines.compute
    calls: list[int] = []

    def compute_then_a_service(*args: Any, **kwargs: Any) -> list[Any]:
        found = real(*args, **kwargs)
        # The repair's own computation of the child's chunk, before any lock.
        if not calls and any(d.child_id == visited for d in found):
            calls.append(1)
            VisitFactory(
                child_id=visited,
                visited_at=dt.datetime.combine(
                    timezone.localdate(), dt.time(0, 1), tzinfo=timezone.get_current_timezone()
                ),
                recorded_by=Child.objects.get(pk=visited).lead_social_worker,
            )
        return found

    monkeypatch.setattr(running_deadlines, "compute", compute_then_a_service)
    repaired = running_deadlines_repair()
    assert calls and repaired == 2
    monkeypatch.undo()
    _assert_same(demo_seeded)
    row = RunningDeadline.objects.get(child_id=visited, kind="statutory_visit")
    assert row.source.endswith(today)


def test_the_repair_is_on_beat_each_week():
    entry = settings.CELERY_BEAT_SCHEDULE["repair-running-deadlines-weekly"]
    assert entry["task"] == "cpcase.repair_running_deadlines"
    assert entry["schedule"].day_of_week == {0}  # Sunday

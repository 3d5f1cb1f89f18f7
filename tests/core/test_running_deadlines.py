"""The stored running deadlines are what the deadline engine computes, always.

The dashboards read :class:`~cpcase.models.RunningDeadline` rows that the services keep
(and the daily check rewrites). These tests compare every stored row with a fresh
computation for every child: of the demo, as seeded through the services, and of an
authority after a random sequence of events (new families' stories, visits, core groups,
reallocations, looked-after events, ended plans, a closure day and a changed timescale),
each through the service a worker would use.
"""

from __future__ import annotations

import datetime as dt
import random
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from conferences import services as conference_services
from conferences.management.commands.seed_casework import NORTHBROOK_STORIES, Story, _Seeder
from cpcase import access, demo, running_deadlines
from cpcase.models import Authority, Child, RunningDeadline, Team, User
from cpcase.roles import Role
from cpcase.services import calendar_day_set, child_update, timescale_rule_set
from cpcase.timescales import deadlines_for
from plans.models import Plan
from plans.selectors import PLAN_DEADLINE_KINDS
from tests.factories import ChildFactory

# Seeding the demo takes a while on a loaded machine: more than the default 300 s budget.
pytestmark = [pytest.mark.django_db, pytest.mark.timeout(1200)]


def _stored() -> dict[tuple[Any, str], tuple[Any, ...]]:
    return {
        (r.child_id, r.key): (
            r.kind,
            r.due_on,
            r.source,
            r.rules_authority_id,
            r.chair_id,
            r.is_next,
            r.responsible_authority_id,
            r.resident_authority_id,
            r.team_id,
            r.lead_social_worker_id,
        )
        for r in RunningDeadline.objects.all()
    }


def _fresh(today: dt.date) -> dict[tuple[Any, str], tuple[Any, ...]]:
    """Every child's open deadlines straight from the engine, one child at a time (not
    the batched path the services use), with the child's soonest marked."""
    expected: dict[tuple[Any, str], tuple[Any, ...]] = {}
    for child in Child.objects.order_by("pk"):
        found = running_deadlines.compute(Child.objects.filter(pk=child.pk), today)
        first = True
        for d in sorted(found, key=lambda d: (d.due_on, d.kind, d.key)):
            if (child.pk, d.key) in expected:
                continue
            expected[(child.pk, d.key)] = (
                d.kind,
                d.due_on,
                d.source,
                d.authority_id,
                d.chair_id,
                first,
                child.responsible_authority_id,
                child.resident_authority_id,
                child.team_id,
                child.lead_social_worker_id,
            )
            first = False
    return expected


def _assert_same(today: dt.date) -> None:
    stored, fresh = _stored(), _fresh(today)
    missing = {k: v for k, v in fresh.items() if k not in stored}
    extra = {k: v for k, v in stored.items() if k not in fresh}
    different = {
        k: (stored[k], fresh[k]) for k in stored.keys() & fresh.keys() if stored[k] != fresh[k]
    }
    assert (missing, extra, different) == ({}, {}, {})


def test_every_demo_child_s_stored_rows_are_the_engine_s(demo_seeded):
    assert RunningDeadline.objects.filter(is_next=True).count() >= 15
    _assert_same(demo_seeded)


def _events(rng: random.Random, today: dt.date, django_capture_on_commit_callbacks) -> list[str]:
    """A random sequence of what staff do, each through its service."""
    authority = Authority.objects.get(code=demo.AUTHORITY_CODE)
    seeder = _Seeder(authority, today)
    teams = list(Team.objects.filter(authority=authority).order_by("name"))
    workers = {
        t.pk: list(User.objects.filter(team=t, groups__name="social_worker").order_by("username"))
        for t in teams
    }
    done: list[str] = []

    def new_family() -> None:
        team = rng.choice(teams)
        lead = rng.choice(workers[team.pk])
        children = [
            ChildFactory(
                responsible_authority=authority,
                team=team,
                lead_social_worker=lead,
                last_name="Random",
                date_of_birth=today - dt.timedelta(days=rng.randint(400, 5000)),
            )
            for _ in range(rng.randint(1, 3))
        ]
        story = rng.choice(NORTHBROOK_STORIES)
        shifted = Story(
            story.kind,
            start_days=rng.randint(5, 60) if story.start_days else 0,
            start_months=rng.randint(2, 9) if story.start_months else 0,
            category=story.category,
            source=story.source,
        )
        seeder.family(
            list(Child.objects.filter(pk__in=[c.pk for c in children]).order_by("pk")), shifted
        )
        done.append(f"family:{shifted.kind}")

    def active_plan() -> Plan | None:
        plans = list(
            Plan.objects.filter(status="active", child__responsible_authority=authority)
            .select_related("child__lead_social_worker", "lead_social_worker")
            .order_by("pk")
        )
        return rng.choice(plans) if plans else None

    def visit() -> None:
        plan = active_plan()
        if plan is not None:
            seeder.visit(plan.child, seeder.back(rng.randint(1, 3)), rng.randint(0, 8))
            done.append("visit")

    def core_group() -> None:
        plan = active_plan()
        if plan is not None:
            seeder.core_group(plan, seeder.back(rng.randint(1, 2)), "Progress reviewed.")
            done.append("core_group")

    def reallocate() -> None:
        child = rng.choice(list(Child.objects.filter(responsible_authority=authority)))
        team = rng.choice(teams)
        child_update(
            actor=User.objects.get(username="sum"),
            child_id=child.pk,
            version=child.version,
            changes={"team": team, "lead_social_worker": rng.choice(workers[team.pk])},
        )
        done.append("reallocate")

    def looked_after() -> None:
        plan = active_plan()
        if plan is not None:
            conference_services.looked_after_event_record(
                actor=plan.child.lead_social_worker,
                child_id=plan.child_id,
                kind="removed_by_parents",
                occurred_on=seeder.back(rng.randint(0, 5)),
            )
            done.append("looked_after")

    def closure() -> None:
        day = seeder.after(today, rng.randint(1, 15))
        with django_capture_on_commit_callbacks(execute=True):
            calendar_day_set(
                actor=User.objects.get(username="sum"),
                authority=authority,
                day=day,
                kind="closure",
                reason="Office move",
            )
        done.append("closure")

    def timescale() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            timescale_rule_set(
                actor=User.objects.get(username="sum"),
                authority=authority,
                kind="statutory_visit",
                value=rng.choice((10, 15, 20)),
                unit="working_days",
            )
        done.append("timescale")

    steps = [new_family] * 4 + [visit] * 3 + [core_group] * 2 + [reallocate] * 2
    steps += [looked_after, closure, timescale]
    for _ in range(14):
        rng.choice(steps)()
    return done


@pytest.mark.parametrize("seed", [1, 2])
def test_after_a_random_sequence_of_events_the_rows_are_still_the_engine_s(
    demo_seeded, seed, django_capture_on_commit_callbacks
):
    rng = random.Random(seed)
    done = _events(rng, demo_seeded, django_capture_on_commit_callbacks)
    assert len(done) >= 10, done
    _assert_same(demo_seeded)


def test_the_repair_command_rewrites_rows_that_drifted(demo_seeded):
    """The daily check only reads the rows; ``manage.py refresh_deadlines`` (like the weekly
    repair, tests/core/test_daily_check_stored.py) puts back what drifted."""
    RunningDeadline.objects.filter(is_next=True).first().delete()
    RunningDeadline.objects.update(due_on=dt.date(2000, 1, 1))
    call_command("refresh_deadlines", stdout=StringIO())
    _assert_same(demo_seeded)


def _viewer(child: Child) -> User:
    """Someone who may open the child's page: their lead social worker, or a safeguarding
    unit manager of the responsible authority."""
    candidates = [child.lead_social_worker] if child.lead_social_worker else []
    candidates += User.objects.filter(
        authority_id=child.responsible_authority_id,
        groups__name=Role.SAFEGUARDING_UNIT_MANAGER,
        is_active=True,
    ).order_by("username")
    return next(u for u in candidates if access.can(u, access.Action.VIEW, child))


def test_the_child_s_and_the_plan_s_pages_show_what_the_engine_has_running(demo_seeded, client):
    """The pages read the stored rows (one query, no engine): for every demo child, what
    the child's page lists as running is the engine's open deadlines, soonest first, and
    the plan's page the plan's part of them."""
    with_deadlines = 0
    for child in Child.objects.select_related("lead_social_worker").order_by("pk"):
        engine = {d.key: d for d in deadlines_for(child, demo_seeded) if d.is_open}
        expected = [
            (d.kind, d.due_on, d.source, d.key, d.status)
            for d in sorted(engine.values(), key=lambda d: (d.due_on, d.kind, d.key))
        ]
        client.force_login(_viewer(child))
        page = client.get(f"/children/{child.pk}/")
        assert page.status_code == 200
        shown = [(d.kind, d.due_on, d.source, d.key, d.status) for d in page.context["running"]]
        assert shown == expected, child.la_child_id
        with_deadlines += bool(expected)
        plan = Plan.objects.filter(child=child, status=Plan.Status.ACTIVE).first()
        if plan is not None:
            page = client.get(f"/plans/{plan.pk}/")
            assert page.status_code == 200
            assert [
                (d.kind, d.due_on, d.source, d.key, d.status) for d in page.context["deadlines"]
            ] == [row for row in expected if row[0] in PLAN_DEADLINE_KINDS], child.la_child_id
    assert with_deadlines >= 15

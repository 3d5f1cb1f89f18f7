"""Benchmark: the daily timescale scan over 100,000 open plans, and the team dashboard.

Builds (once, idempotently, with bulk inserts) an open plan and its history for up
to 100,000 of the synthetic authority's children: the strategy discussion, the
initial conference, core group meetings and statutory visits.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from conferences.models import Conference, ConferenceChild, StrategyDiscussion
from cpcase.bench import BenchContext, Measurement, _batched, measure, section
from cpcase.models import Child
from plans.models import CoreGroupMeeting, Plan
from visits.models import Visit

PLANS = 100_000


@transaction.atomic
def _weekday(day: dt.date) -> dt.date:
    """Conferences meet on working days: a weekend date moves back to the Friday."""
    return day - dt.timedelta(days=max(0, day.weekday() - 4))


def ensure_plans(ctx: BenchContext, wanted: int = PLANS) -> int:
    """Open plans with their history for ``wanted`` children (fewer if there are fewer)."""
    have = Plan.objects.filter(child__responsible_authority=ctx.authority, status="active").count()
    children = list(
        Child.objects.filter(responsible_authority=ctx.authority, date_of_birth__isnull=False)
        .exclude(plans__isnull=False)
        .order_by("la_child_id")
        .values_list("pk", "lead_social_worker_id")[: max(0, wanted - have)]
    )
    if not children:
        return have
    rng = ctx.rng("plans")
    today = timezone.localdate()
    chair = ctx.users["bench.sum"]  # stands in as chair and recorder; roles do not matter here
    for chunk in _batched(children, 5000):
        discussions, conferences, subjects, plans, meetings, visits = [], [], [], [], [], []
        for child_id, lead_id in chunk:
            started = _weekday(today - dt.timedelta(days=rng.randint(5, 400)))
            held = started - dt.timedelta(days=rng.randint(10, 25))
            discussions.append(
                StrategyDiscussion(
                    child_id=child_id, held_on=held, outcome="s47_enquiry", recorded_by=chair
                )
            )
            conference = Conference(
                kind="initial",
                status="finalised",
                scheduled_for=timezone.make_aware(dt.datetime.combine(started, dt.time(10))),
                held_on=started,
                chair=chair,
            )
            conferences.append(conference)
            subjects.append(
                ConferenceChild(
                    conference=conference, child_id=child_id, decision="plan", category="NEG"
                )
            )
            plan = Plan(
                child_id=child_id,
                submitted_on=started + dt.timedelta(days=rng.randint(10, 20)),
                started_on=started,
                initial_category="NEG",
                latest_category=rng.choice(("NEG", "EMO", "PHY", "SAB", "MUL")),
                lead_social_worker_id=lead_id,
                stage="authorised",
            )
            plans.append(plan)
            # Reviews three months after the start, then every six months.
            review = _weekday(started + dt.timedelta(days=rng.randint(80, 90)))
            while review < today:
                held_review = Conference(
                    kind="review",
                    status="finalised",
                    scheduled_for=timezone.make_aware(dt.datetime.combine(review, dt.time(10))),
                    held_on=review,
                    chair=chair,
                )
                conferences.append(held_review)
                subjects.append(
                    ConferenceChild(conference=held_review, child_id=child_id, decision="continue")
                )
                review = _weekday(review + dt.timedelta(days=rng.randint(170, 182)))
            # Recent history, as a well-run caseload has it: core groups about monthly and
            # statutory visits every week or two, the latest a few days ago.
            day = today - dt.timedelta(days=rng.randint(1, 30))
            for _ in range(rng.randint(1, 3)):
                if day <= started:
                    break
                meetings.append(CoreGroupMeeting(plan=plan, held_on=day, recorded_by=chair))
                day -= dt.timedelta(days=rng.randint(25, 35))
            day = today - dt.timedelta(days=rng.randint(0, 20))
            for _ in range(rng.randint(2, 5)):
                if day <= started:
                    break
                visits.append(
                    Visit(
                        child_id=child_id,
                        status="completed",
                        kind="statutory",
                        child_seen=True,
                        seen_alone=rng.random() < 0.7,
                        visited_at=timezone.make_aware(dt.datetime.combine(day, dt.time(15))),
                        recorded_by=chair,
                    )
                )
                day -= dt.timedelta(days=rng.randint(7, 20))
        StrategyDiscussion.objects.bulk_create(discussions)
        Conference.objects.bulk_create(conferences)
        ConferenceChild.objects.bulk_create(subjects)
        Plan.objects.bulk_create(plans)
        CoreGroupMeeting.objects.bulk_create(meetings)
        Visit.objects.bulk_create(visits)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return have + len(children)


@section("timescales", "The daily timescale scan and the team dashboard", order=40)
def timescales_section(ctx: BenchContext) -> list[Measurement]:
    from cpcase.models import Notification
    from cpcase.selectors import caseload_counts, caseload_for
    from cpcase.services import timescales_check
    from cpcase.timescales import reminders_due

    plans = ensure_plans(ctx)
    today = timezone.localdate()
    found: dict[str, int] = {}

    def scan(i: int):
        reminders = list(reminders_due(today))
        found["reminders"] = len(reminders)
        return reminders

    results = [
        measure(
            f"reminders due today, all {plans:,} open plans",
            scan,
            repeat=min(ctx.repeat, 3),
            warmup=0,
            note="computed, not stored",
        )
    ]
    Notification.objects.filter(dedupe_key__startswith="deadline:").delete()

    def check(i: int):
        created = timescales_check(today=today)
        found.setdefault("created", created)
        return []

    m = measure("check_timescales: scan and store, then again", check, repeat=2, warmup=0)
    m.note = f"{found.get('created', 0):,} notifications stored once; the second run stores none"
    results.append(m)

    ensure_running_deadlines(ctx)
    team_manager = ctx.users["bench.tm1"]
    team = team_manager.team
    team_plans = Plan.objects.filter(child__team=team, status="active").count()

    def dashboard(i: int, user=team_manager, team=team):
        rows = caseload_for(user=user, today=today, team=team)
        caseload_counts(user=user, today=today, team=team)
        return rows

    results.append(
        measure(
            f"team dashboard, {team_plans:,} open plans in the team",
            dashboard,
            repeat=ctx.repeat,
            note="first 200 children by next deadline, and the red/amber/green counts",
        )
    )
    unit_manager = ctx.users["bench.sum"]
    results.append(
        measure(
            f"children with deadlines running, the whole authority ({plans:,} open plans)",
            lambda i: dashboard(i, user=unit_manager, team=None),
            repeat=ctx.repeat,
            note="the unit manager's: first 200 and the counts",
        )
    )
    results += _home_pages(ctx, team_manager, unit_manager)
    return results


def ensure_running_deadlines(ctx: BenchContext) -> int:
    """The stored running deadlines of the synthetic authority (built with bulk inserts,
    so no service wrote them): written once, as the daily check would."""
    from cpcase import running_deadlines
    from cpcase.models import RunningDeadline

    if RunningDeadline.objects.filter(responsible_authority=ctx.authority).exists():
        return 0
    ids = list(
        Plan.objects.filter(child__responsible_authority=ctx.authority, status="active")
        .order_by("child_id")
        .values_list("child_id", flat=True)
    )
    return running_deadlines.refresh_in_chunks(ids, timezone.localdate())


def _home_pages(ctx: BenchContext, *users) -> list[Measurement]:
    """The dashboards through the whole request (the home page)."""
    from django.test import Client

    results = []
    for user in users:
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)

        def get(i: int, client=client):
            response = client.get("/")
            assert response.status_code == 200  # noqa: S101 - a benchmark of a working page
            return []

        m = measure(f"GET / (home page), {user.username}", get, repeat=ctx.repeat)
        m.rows = None
        results.append(m)
    return results

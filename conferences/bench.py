"""Benchmark: the daily timescale scan over 100,000 open plans, and the team dashboard.

Builds (once, idempotently, with bulk inserts) an open plan and its history for up
to 100,000 of the synthetic authority's children: the strategy discussion, the
initial conference, core group meetings and statutory visits.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from conferences.models import Conference, ConferenceChild, StrategyDiscussion
from cpcase.bench import BenchContext, Measurement, _batched, measure, section
from cpcase.models import Child, User
from cpcase.roles import Role
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
    from cpcase.bench import page_client

    results = []
    for user in users:
        client = page_client(user)

        def get(i: int, client=client):
            response = client.get("/")
            assert response.status_code == 200  # noqa: S101 - a benchmark of a working page
            return []

        m = measure(f"GET / (home page), {user.username}", get, repeat=ctx.repeat)
        m.rows = None
        results.append(m)
    return results


# --- Letters ------------------------------------------------------------------------

LETTERS_VENUE = "Benchmark: six brothers and sisters"
SIBLINGS = (("Ava", "F", 15), ("Noah", "M", 13), ("Isla", "F", 11), ("Leo", "M", 8),
            ("Mia", "F", 5), ("Oscar", "M", 2))  # fmt: skip
PARENTS = (("Jo Letterby", "Mother"), ("Sam Letterby", "Father"))


def _bench_user(ctx: BenchContext, username: str, role: str) -> User:
    from cpcase.accounts import user_create

    user = User.objects.filter(username=username).first() or user_create(
        actor=None,
        actor_username="bench",
        username=username,
        roles=[role],
        authority=ctx.authority,
        details={"first_name": "Bench", "last_name": username.split(".", 1)[1].title()},
    )
    ctx.users[username] = user
    return user


def _siblings_conferences(ctx: BenchContext) -> tuple[Conference, Conference]:
    """The six siblings' initial conference (a plan for each) and the review that ends
    their plans, built once through the services, with the letters the task produces."""
    found = list(
        Conference.objects.filter(venue=LETTERS_VENUE, status="finalised").order_by("held_on")
    )
    if len(found) == 2:
        return found[0], found[1]
    from cpcase.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the letters are produced here, not by a worker
    try:
        with transaction.atomic():
            built = _siblings_build(ctx)
    finally:
        app.conf.task_always_eager = eager
    return built


def _siblings_build(ctx: BenchContext) -> tuple[Conference, Conference]:
    from conferences import services
    from cpcase.services import AddressInput, child_create
    from cpcase.timescales import calendar_of
    from plans.services import CoreGroupInput, IssueInput

    chair = _bench_user(ctx, "bench.chair", Role.CONFERENCE_CHAIR)
    _bench_user(ctx, "bench.so", Role.SENIOR_OFFICER)
    worker, colleague = ctx.users["bench.sw1.1"], ctx.users["bench.sw1.2"]
    today = timezone.localdate()
    calendar = calendar_of(ctx.authority.pk)
    reviewed = calendar.on_or_before(today - dt.timedelta(days=1))
    started = calendar.on_or_before(reviewed - dt.timedelta(days=90))
    address = AddressInput(line1="12 Quarry Lane", town="Northbrook", postcode="NB3 4LT")
    children = [
        child_create(
            actor=worker,
            changes={
                "la_child_id": f"BL{n + 1:07d}",
                "first_name": first,
                "last_name": "Letterby",
                "sex": sex,
                "date_of_birth": today - dt.timedelta(days=365 * age + 40),
                "address": address,
            },
        )
        for n, (first, sex, age) in enumerate(SIBLINGS)
    ]
    parents = [services.ParentInput(name=n, relationship=r, attended=True) for n, r in PARENTS]
    issues = [
        IssueInput(
            description=f"{worry} on several visits",
            risk_type="HRI",
            desired_outcome=outcome,
            improvement_required="Significant",
        )
        for worry, outcome in (
            ("There was no food in the house", "The children have three meals a day"),
            ("The children were left alone at night", "An adult is always at home with them"),
            ("The younger children missed health appointments", "Every appointment is kept"),
        )
    ]
    conferences = []
    for kind, held_on in (("initial", started), ("review", reviewed)):
        conference = services.conference_schedule(
            actor=ctx.users["bench.sum"],
            kind=kind,
            child_ids=[c.pk for c in children],
            scheduled_for=timezone.make_aware(dt.datetime.combine(held_on, dt.time(10))),
            chair=chair,
            venue=LETTERS_VENUE,
        )
        initial = kind == "initial"
        services.conference_record_outcome(
            actor=chair,
            conference_id=conference.pk,
            data=services.OutcomeInput(
                held_on=held_on,
                decisions=[
                    services.DecisionInput(child_id=c.pk, decision="plan", category="NEG")
                    if initial
                    else services.DecisionInput(
                        child_id=c.pk, decision="discontinue", step_down="child_in_need"
                    )
                    for c in children
                ],
                parents=parents,
                outline_plan=issues if initial else [],
                lead_social_worker=worker if initial else None,
                core_group=[CoreGroupInput(kind="professional", user=colleague)] if initial else [],
                reasons="The children have often been hungry and alone at home at night."
                if initial
                else "Things at home are much better: the children are fed and looked after.",
                next_review_on=held_on + dt.timedelta(days=90) if initial else None,
                quorate=True,
                parents_informed=True,
                child_informed=True,
            ),
        )
        conferences.append(services.conference_finalise(actor=chair, conference_id=conference.pk))
    return conferences[0], conferences[1]


def _complaint(ctx: BenchContext, review: Conference):
    """A parent's complaint about the review's decision, waiting for the senior officer."""
    from conferences import services
    from conferences.models import Complaint

    complaint = Complaint.objects.filter(conference=review, status="under_review").first()
    if complaint is not None:
        return complaint
    with transaction.atomic():
        eldest = review.subjects.order_by("child__la_child_id").values_list("child_id", flat=True)
        complaint = services.complaint_record(
            actor=ctx.users["bench.sum"],
            conference_id=review.pk,
            child_id=eldest[0],
            complainant=PARENTS[0][0],
            complainant_is_child=False,
            received_on=timezone.localdate(),
            summary="I do not agree that the plan should end: the help has only just started.",
        )
        return services.complaint_assign_reviewer(
            actor=ctx.users["bench.sum"], complaint_id=complaint.pk, reviewer=ctx.users["bench.so"]
        )


def _measure_cpu(label: str, run: Callable[[int], Any], *, repeat: int, **kwargs: Any):
    """:func:`measure`, with this process's CPU time in the note: laying out a PDF is
    almost all CPU here, so it stays comparable on a machine other work shares."""
    cpu: list[float] = []

    def timed(i: int) -> Any:
        start = time.process_time()
        try:
            return run(i)
        finally:
            cpu.append((time.process_time() - start) * 1000)

    m = measure(label, timed, repeat=repeat, **kwargs)
    m.rows = None
    m.note = f"CPU {statistics.median(cpu[-repeat:]):.1f} ms; {m.note}".rstrip("; ")
    return m


class _RolledBack(Exception):
    """Raised to undo a timed run: the bench measures the writes and keeps none."""


def _undone(run: Callable[[], Any]) -> Any:
    result = None
    try:
        with transaction.atomic():
            result = run()
            raise _RolledBack
    except _RolledBack:
        pass
    return result


@section("letters", "Letters: each kind alone, and a conference of six siblings", order=50)
def letters_section(ctx: BenchContext) -> list[Measurement]:
    from conferences import services
    from conferences.models import Letter
    from cpcase.documents import render_pdf

    initial, review = _siblings_conferences(ctx)
    complaint = _complaint(ctx, review)
    results = []

    def subjects(conference: Conference) -> list[ConferenceChild]:
        return list(
            conference.subjects.select_related(
                "child__responsible_authority", "child__lead_social_worker", "lead_social_worker"
            ).order_by("child__la_child_id")
        )

    for kind, conference, recipient in (
        ("outcome_parent", initial, PARENTS[0][0]),
        ("outcome_child", initial, None),
        ("discontinuation", review, PARENTS[0][0]),
    ):
        letters_of = subjects(conference)

        def one(i: int, kind=kind, conference=conference, letters_of=letters_of, to=recipient):
            subject = letters_of[i % len(letters_of)]
            context = services._letter_context(conference, subject)
            return render_pdf(
                f"letters/{kind}.html", {**context, "recipient": to or subject.child.name}
            )

        results.append(
            _measure_cpu(
                Letter.Kind(kind).label, one, repeat=ctx.repeat, note="alone: context and PDF"
            )
        )

    def decide(i: int):
        return _undone(
            lambda: services.complaint_decide(
                actor=ctx.users["bench.so"],
                complaint_id=complaint.pk,
                outcome="not_upheld",
                reasons="The conference heard from everyone and the children are safe now.",
                decided_on=timezone.localdate(),
            )
        )

    results.append(
        _measure_cpu(
            "Complaint outcome letter",
            decide,
            repeat=ctx.repeat,
            note="complaint_decide: decision, letter, audit",
        )
    )

    for conference in (initial, review):
        count = Letter.objects.filter(conference=conference).count()

        def produce(i: int, conference=conference):
            def again():
                Letter.objects.filter(conference=conference).delete()
                return services.conference_letters_produce(conference_id=conference.pk)

            return _undone(again)

        repeat = max(3, ctx.repeat // 2)
        results.append(
            _measure_cpu(
                f"six siblings' {conference.kind} conference: {count} letters",
                produce,
                repeat=repeat,
                warmup=1,
                note="conference_letters_produce",
            )
        )
    return results


# The daily check on real worker processes, and its model at scale.
from conferences import bench_scan  # noqa: E402, F401

"""Benchmark: the daily timescale scan over 100,000 open plans, and the team dashboard.

Builds (once, idempotently, with bulk inserts) an open plan and its history for up
to 100,000 of the synthetic authority's children: the strategy discussion, the
initial conference, core group meetings and statutory visits.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from conferences import services
from conferences.models import Complaint, Conference, ConferenceChild, Letter, StrategyDiscussion
from cpcase import running_deadlines
from cpcase.accounts import user_create
from cpcase.bench import BenchContext, Measurement, _batched, measure, page_client, section
from cpcase.celery import app
from cpcase.documents import render_pdf
from cpcase.models import Child, Notification, RunningDeadline, User
from cpcase.roles import Role
from cpcase.selectors import caseload_counts, caseload_for
from cpcase.services import AddressInput, child_create, timescales_check
from cpcase.timescales import calendar_of, reminders_due
from plans.models import CoreGroupMeeting, Plan
from plans.services import CoreGroupInput, IssueInput
from visits.models import Visit

PLANS = 100_000


@transaction.atomic
def _weekday(day: dt.date) -> dt.date:
    """Conferences meet on working days: a weekend date moves back to the Friday."""
    return day - dt.timedelta(days=max(0, day.weekday() - 4))


@dataclass
class _History:
    """The rows of one chunk of children, inserted together."""

    discussions: list[StrategyDiscussion] = field(default_factory=list)
    conferences: list[Conference] = field(default_factory=list)
    subjects: list[ConferenceChild] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    meetings: list[CoreGroupMeeting] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)

    def save(self) -> None:
        StrategyDiscussion.objects.bulk_create(self.discussions)
        Conference.objects.bulk_create(self.conferences)
        ConferenceChild.objects.bulk_create(self.subjects)
        Plan.objects.bulk_create(self.plans)
        CoreGroupMeeting.objects.bulk_create(self.meetings)
        Visit.objects.bulk_create(self.visits)


def _held_conference(kind: str, held_on: dt.date, chair: User) -> Conference:
    return Conference(
        kind=kind,
        status="finalised",
        scheduled_for=timezone.make_aware(dt.datetime.combine(held_on, dt.time(10))),
        held_on=held_on,
        chair=chair,
    )


def _opening(
    rows: _History, rng: random.Random, child_id: Any, lead_id: Any, today: dt.date, chair: User
) -> Plan:
    """The strategy discussion, the initial conference and the plan it started."""
    started = _weekday(today - dt.timedelta(days=rng.randint(5, 400)))
    held = started - dt.timedelta(days=rng.randint(10, 25))
    rows.discussions.append(
        StrategyDiscussion(
            child_id=child_id, held_on=held, outcome="s47_enquiry", recorded_by=chair
        )
    )
    conference = _held_conference("initial", started, chair)
    rows.conferences.append(conference)
    rows.subjects.append(
        ConferenceChild(conference=conference, child_id=child_id, decision="plan", category="NEG")
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
    rows.plans.append(plan)
    return plan


def _reviews(rows: _History, rng: random.Random, plan: Plan, today: dt.date, chair: User) -> None:
    """Reviews three months after the start, then every six months."""
    review = _weekday(plan.started_on + dt.timedelta(days=rng.randint(80, 90)))
    while review < today:
        held_review = _held_conference("review", review, chair)
        rows.conferences.append(held_review)
        rows.subjects.append(
            ConferenceChild(conference=held_review, child_id=plan.child_id, decision="continue")
        )
        review = _weekday(review + dt.timedelta(days=rng.randint(170, 182)))


def _recent_work(
    rows: _History, rng: random.Random, plan: Plan, today: dt.date, chair: User
) -> None:
    """Recent history, as a well-run caseload has it: core groups about monthly and
    statutory visits every week or two, the latest a few days ago."""
    started = plan.started_on
    day = today - dt.timedelta(days=rng.randint(1, 30))
    for _ in range(rng.randint(1, 3)):
        if day <= started:
            break
        rows.meetings.append(CoreGroupMeeting(plan=plan, held_on=day, recorded_by=chair))
        day -= dt.timedelta(days=rng.randint(25, 35))
    day = today - dt.timedelta(days=rng.randint(0, 20))
    for _ in range(rng.randint(2, 5)):
        if day <= started:
            break
        rows.visits.append(
            Visit(
                child_id=plan.child_id,
                status="completed",
                kind="statutory",
                child_seen=True,
                seen_alone=rng.random() < 0.7,
                visited_at=timezone.make_aware(dt.datetime.combine(day, dt.time(15))),
                recorded_by=chair,
            )
        )
        day -= dt.timedelta(days=rng.randint(7, 20))


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
        rows = _History()
        for child_id, lead_id in chunk:
            plan = _opening(rows, rng, child_id, lead_id, today, chair)
            _reviews(rows, rng, plan, today, chair)
            _recent_work(rows, rng, plan, today, chair)
        rows.save()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return have + len(children)


@section("timescales", "The daily timescale scan and the team dashboard", order=40)
def timescales_section(ctx: BenchContext) -> list[Measurement]:
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
    return results + _dashboards(ctx, plans, today)


def _dashboards(ctx: BenchContext, plans: int, today: dt.date) -> list[Measurement]:
    """The team manager's and the unit manager's dashboards, then their home pages."""
    results: list[Measurement] = []
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
    so no service wrote them): written once, as the weekly repair would."""

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

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the letters are produced here, not by a worker
    try:
        with transaction.atomic():
            built = _siblings_build(ctx)
    finally:
        app.conf.task_always_eager = eager
    return built


WORRIES = (
    ("There was no food in the house", "The children have three meals a day"),
    ("The children were left alone at night", "An adult is always at home with them"),
    ("The younger children missed health appointments", "Every appointment is kept"),
)


def _siblings_create(worker: User, today: dt.date) -> list[Child]:
    """The six brothers and sisters, at one address."""
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
    return children


def _siblings_outcome(
    kind: str, held_on: dt.date, children: list[Child], worker: User, colleague: User
) -> services.OutcomeInput:
    """The initial conference makes a plan for each child; the review ends them."""
    initial = kind == "initial"
    issues = [
        IssueInput(
            description=f"{worry} on several visits",
            risk_type="HRI",
            desired_outcome=outcome,
            improvement_required="Significant",
        )
        for worry, outcome in WORRIES
    ]
    return services.OutcomeInput(
        held_on=held_on,
        decisions=[
            services.DecisionInput(child_id=c.pk, decision="plan", category="NEG")
            if initial
            else services.DecisionInput(
                child_id=c.pk, decision="discontinue", step_down="child_in_need"
            )
            for c in children
        ],
        parents=[services.ParentInput(name=n, relationship=r, attended=True) for n, r in PARENTS],
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
    )


def _siblings_build(ctx: BenchContext) -> tuple[Conference, Conference]:
    chair = _bench_user(ctx, "bench.chair", Role.CONFERENCE_CHAIR)
    _bench_user(ctx, "bench.so", Role.SENIOR_OFFICER)
    worker, colleague = ctx.users["bench.sw1.1"], ctx.users["bench.sw1.2"]
    today = timezone.localdate()
    calendar = calendar_of(ctx.authority.pk)
    reviewed = calendar.on_or_before(today - dt.timedelta(days=1))
    started = calendar.on_or_before(reviewed - dt.timedelta(days=90))
    children = _siblings_create(worker, today)
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
        services.conference_record_outcome(
            actor=chair,
            conference_id=conference.pk,
            data=_siblings_outcome(kind, held_on, children, worker, colleague),
        )
        conferences.append(services.conference_finalise(actor=chair, conference_id=conference.pk))
    return conferences[0], conferences[1]


def _complaint(ctx: BenchContext, review: Conference):
    """A parent's complaint about the review's decision, waiting for the senior officer."""

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


def _letter_subjects(conference: Conference) -> list[ConferenceChild]:
    return list(
        conference.subjects.select_related(
            "child__responsible_authority", "child__lead_social_worker", "lead_social_worker"
        ).order_by("child__la_child_id")
    )


def _each_kind_alone(
    ctx: BenchContext, initial: Conference, review: Conference
) -> list[Measurement]:
    """Each kind of conference letter laid out alone: its context and its PDF."""
    results = []
    for kind, conference, recipient in (
        ("outcome_parent", initial, PARENTS[0][0]),
        ("outcome_child", initial, None),
        ("discontinuation", review, PARENTS[0][0]),
    ):
        letters_of = _letter_subjects(conference)

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
    return results


def _complaint_letter(ctx: BenchContext, complaint: Complaint) -> Measurement:
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

    return _measure_cpu(
        "Complaint outcome letter",
        decide,
        repeat=ctx.repeat,
        note="complaint_decide: decision, letter, audit",
    )


def _conference_letters(ctx: BenchContext, conference: Conference) -> Measurement:
    """All the letters of one of the siblings' conferences, produced again."""
    count = Letter.objects.filter(conference=conference).count()

    def produce(i: int):
        def again():
            Letter.objects.filter(conference=conference).delete()
            return services.conference_letters_produce(conference_id=conference.pk)

        return _undone(again)

    return _measure_cpu(
        f"six siblings' {conference.kind} conference: {count} letters",
        produce,
        repeat=max(3, ctx.repeat // 2),
        warmup=1,
        note="conference_letters_produce",
    )


@section("letters", "Letters: each kind alone, and a conference of six siblings", order=50)
def letters_section(ctx: BenchContext) -> list[Measurement]:
    initial, review = _siblings_conferences(ctx)
    complaint = _complaint(ctx, review)
    results = _each_kind_alone(ctx, initial, review)
    results.append(_complaint_letter(ctx, complaint))
    results += [_conference_letters(ctx, conference) for conference in (initial, review)]
    return results


# The daily check on real worker processes, and its model at scale.
from conferences import bench_scan  # noqa: E402, F401

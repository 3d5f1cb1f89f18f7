"""Benchmark: the service's measures for the whole authority over the last 12 months.

The measures read stored deadlines (:mod:`registry.measure_facts`): the section rewrites
the authority's once (timed on its own), then times the measures over them. Over the
open plans and their history of the timescale scan's section (conferences,
core groups, visits), the ended plans of the register's, and register enquiries made
over the year (built once, idempotently, with bulk inserts).
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, connections, transaction
from django.utils import timezone

from conferences.bench import ensure_plans
from cpcase.bench import BenchContext, Measurement, _batched, measure, page_client, section
from cpcase.models import Agency, User
from registry import measure_facts
from registry.bench import ensure_historic_plans
from registry.measures import default_period, measures_for
from registry.models import Enquiry

ENQUIRIES_PER_CHILD = 0.05  # a year's enquiries: one for every 20 children


@transaction.atomic
def ensure_enquiries(ctx: BenchContext) -> int:
    """A year of register enquiries by a police and a health enquirer, at every hour."""
    wanted = max(24, int(ctx.children * ENQUIRIES_PER_CHILD))
    enquirers = []
    for username, kind in (("bench.police", "police"), ("bench.health", "health")):
        agency, _ = Agency.objects.get_or_create(name=f"Benchmark {kind}", defaults={"kind": kind})
        user, _ = User.objects.get_or_create(username=username)
        if user.agency_id != agency.pk:
            user.agency = agency
            user.save(update_fields=["agency"])
        enquirers.append(user)
    have = Enquiry.objects.filter(enquirer__in=enquirers, reason="Benchmark year").count()
    rng = ctx.rng("enquiries")
    now = timezone.now()
    made = (
        Enquiry(
            enquirer=enquirers[i % 2],
            enquirer_name="Bench enquirer",
            reason="Benchmark year",
            outcome=rng.choice(("no_match", "matched", "possible_match")),
            created_at=now - dt.timedelta(minutes=rng.randint(1, 365 * 24 * 60)),
            followed_up_at=now,
        )
        for i in range(have, wanted)
    )
    for chunk in _batched(made):
        Enquiry.objects.bulk_create(chunk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return max(have, wanted)


def rebuild_facts(ctx: BenchContext) -> Measurement:
    """The measures' stored deadlines of the whole authority, rewritten once (the records
    were bulk inserted, so no service wrote them): what a change of the authority's
    timescales costs, at most."""
    started = time.perf_counter()
    stored = measure_facts.rebuild(ctx.authority)
    elapsed = (time.perf_counter() - started) * 1000
    # As autovacuum would soon after (the measures' reads are index-only scans); by the
    # owner, as autovacuum: the application's role may not vacuum.
    with connections["owner"].cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registry_timescalefact")
    return Measurement(
        "measures' stored deadlines, the whole authority rewritten (once)",
        elapsed,
        elapsed,
        0,
        stored,
        "registry.measure_facts.rebuild: one INSERT ... SELECT per measure",
    )


@section("measures", "The service's measures, the whole authority over 12 months", order=60)
def measures_section(ctx: BenchContext) -> list[Measurement]:
    plans = ensure_plans(ctx)
    with_plan = ensure_historic_plans(ctx)
    enquiries = ensure_enquiries(ctx)
    rebuilt = rebuild_facts(ctx)
    user = ctx.users["bench.sl"]
    period_from, period_to = default_period(timezone.localdate())
    found = measures_for(user=user, period_from=period_from, period_to=period_to)

    def compute(i: int):
        return measures_for(user=user, period_from=period_from, period_to=period_to).measures

    client = page_client(user)

    def page(i: int):
        response = client.get("/measures/")
        assert response.status_code == 200  # noqa: S101 - a benchmark of a working page
        return []

    counted = ", ".join(
        f"{m.key} {m.total.numerator}/{m.total.denominator}" for m in found.measures
    )
    whole = measure("measures_for, service leader, 12 months", compute, repeat=ctx.repeat)
    whole.note = (
        f"{plans:,} open plans, {with_plan:,} children with a plan, {enquiries:,} enquiries; "
        + counted
    )
    request = measure("GET /measures/ (service leader)", page, repeat=ctx.repeat)
    request.rows = None
    return [rebuilt, whole, request]

"""Benchmark: the register search an enquirer makes at 3 a.m.

Measures the database query of the search alone and the whole API request
(the enquiry recorded and audited before the answer, telling the lead social worker
queued after the commit) side by side in one run.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from conferences.bench import ensure_plans
from cpcase.api_tokens import password_fingerprint
from cpcase.bench import (
    BenchContext,
    Measurement,
    WsgiServer,
    _batched,
    _misspell,
    _sample,
    measure_together,
    section,
)
from cpcase.models import ApiToken, Child
from plans.models import Plan
from plans.selectors import plans_all
from registry.selectors import Search, register_facts, register_search

WITH_A_PLAN = 300_000


@transaction.atomic
def ensure_historic_plans(ctx: BenchContext, wanted: int = WITH_A_PLAN) -> int:
    """Ended plans for more children, so that ``wanted`` children have had a plan."""
    ensure_plans(ctx)
    have = (
        plans_all()
        .filter(child__responsible_authority=ctx.authority)
        .values("child")
        .distinct()
        .count()
    )
    missing = max(0, min(wanted, ctx.children) - have)
    children = list(
        Child.objects.filter(
            responsible_authority=ctx.authority, date_of_birth__isnull=False, plans__isnull=True
        )
        .order_by("-la_child_id")
        .values_list("pk", flat=True)[:missing]
    )
    rng = ctx.rng("historic")
    today = timezone.localdate()
    for chunk in _batched(children, 5000):
        plans = []
        for child_id in chunk:
            ended = today - dt.timedelta(days=rng.randint(1, 1500))
            plans.append(
                Plan(
                    child_id=child_id,
                    status="ended",
                    stage="authorised",
                    started_on=ended - dt.timedelta(days=rng.randint(90, 700)),
                    ended_on=ended,
                    end_reason="conference",
                    initial_category="NEG",
                    latest_category=rng.choice(("NEG", "EMO", "PHY")),
                )
            )
        Plan.objects.bulk_create(plans)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return have + len(children)


def _searches(ctx: BenchContext, sample: list[Child]) -> dict[str, list[Search]]:
    """The enquirers' searches of the sample: a misspelt name, a postcode, an NHS number."""
    rng = ctx.rng("register")
    return {
        "misspelt name and date of birth": [
            Search(
                first_name=c.first_name,
                last_name=_misspell(rng, c.last_name),
                date_of_birth=c.date_of_birth,
            )
            for c in sample
        ],
        "surname and postcode": [
            Search(last_name=c.last_name, postcode=c.residences.all()[0].address.postcode)
            for c in sample
        ],
        "NHS number": [Search(nhs_number=c.nhs_number) for c in sample if c.nhs_number],
    }


ENQUIRER = {
    "name": "PC Bench",
    "agency": "Testshire Police",
    "role": "Response",
    "phone": "01632 960555",
}


@section("register", "The register search (the enquirer's, at 3 a.m.)", order=50)
def register_section(ctx: BenchContext) -> list[Measurement]:
    with_plan = ensure_historic_plans(ctx)
    sample = [c for c in _sample(ctx) if c.plans.exists()][:100] or _sample(ctx)[:100]
    searches = _searches(ctx, sample)
    police = ctx.users["bench.police"]
    # A real token, as the enquirer's client sends it: its lookup is part of the request.
    token, key = ApiToken.objects.create(
        user=police, password_fingerprint=password_fingerprint(police)
    )
    client = APIClient(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {key}")
    server = WsgiServer({"Authorization": f"Token {key}"})
    results = []
    for label, items in searches.items():
        wanted = [c for c in sample if c.nhs_number] if label == "NHS number" else sample
        results += _measure_search(ctx, client, server, label, items, wanted)
    token.delete()
    results[0].note += f"; {ctx.children:,} children, {with_plan:,} with a plan"
    return results


def _enquiry_body(s: Search) -> dict[str, Any]:
    """An enquirer's request for the search ``s``, as their client sends it."""
    return {
        "enquirer": ENQUIRER,
        "reason": "Benchmark",
        "search": {
            k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in s.as_dict().items() if v
        },
    }


def _measure_search(
    ctx: BenchContext,
    client: APIClient,
    server: WsgiServer,
    label: str,
    items: list[Search],
    wanted: list[Child],
) -> list[Measurement]:
    """One kind of search: the bare database query, and the whole API request as the WSGI
    server hands it to Django (the ratio of the two is the goal's). The same request
    through Django's test client, which adds its own work to both ends, is in the note."""
    today = timezone.localdate()
    hits = 0
    for child, s in zip(wanted, items, strict=False):
        _, found = register_search(s)
        hits += any(f.pk == child.pk for f in found)

    def sql(i: int) -> Any:
        _, found = register_search(items[i % len(items)])
        register_facts(found, today)
        return found

    def body(i: int) -> dict[str, Any]:
        return _enquiry_body(items[i % len(items)])

    def api(i: int) -> Any:
        status, content = server.request(
            "POST", "/api/v1/register/enquiries/", json.dumps(body(i)).encode()
        )
        assert status == 201, content  # noqa: S101
        return json.loads(content)["matches"]

    def test_client(i: int) -> Any:
        response = client.post("/api/v1/register/enquiries/", body(i), format="json")
        assert response.status_code == 201, response.content  # noqa: S101
        return response.json()["matches"]

    timed = measure_together(
        {
            f"{label}: database query": sql,
            f"{label}: whole API request": api,
            f"{label}: test client": test_client,
        },
        repeat=ctx.repeat,
    )
    bare, whole, through_client = timed.values()
    bare.note = f"found {hits}/{len(items)}"
    target = "2.5x" if label == "NHS number" else "3x"
    whole.note = (
        f"{whole.median_ms / bare.median_ms:.2f}x the bare query (target under {target}); "
        f"through Django's test client {through_client.median_ms:.1f} ms, "
        f"{through_client.median_ms / bare.median_ms:.2f}x"
    )
    return [bare, whole]


# The service's measures over the whole authority.
from registry import bench_measures  # noqa: E402, F401

"""A property-based fuzz of the whole OpenAPI schema, as several roles, on a seeded world.

Every operation of the schema is called with inputs schemathesis generates from it
(valid ones, and real ids of the demo world's children, plans, conferences... in
place of random ones half the time), in-process through the WSGI application. It
fails on any 5xx and on any answer that does not match what the schema says of it.
Bounded: ``CPCASE_FUZZ_EXAMPLES`` examples per operation and role (default 25),
derandomised, so CI is repeatable and quick; raise it locally to look harder.
"""

from __future__ import annotations

import os
from io import StringIO
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from cpcase.models import Child, Notification, User
from tests.support.fuzz_auth import auth_headers_for

# The world is the module's (below); each role's run is rolled back after it.
pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("CPCASE_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# The demo's accounts the fuzz acts as: case work, the unit, and an enquirer from outside.
ROLES = ("sw.north", "sum", "police")


def _ids(model_path: str) -> list[str]:
    from django.apps import apps

    model = apps.get_model(model_path)
    return [str(pk) for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:20]]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo world, seeded once for the module and rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        known = {
            "children": _ids("cpcase.Child"),
            "plans": _ids("plans.Plan"),
            "conferences": _ids("conferences.Conference"),
            "letters": _ids("conferences.Letter"),
            "visits": _ids("visits.Visit"),
            "notifications": _ids("cpcase.Notification"),
            "enquiries": _ids("registry.Enquiry"),
            "releases": _ids("registry.HistoricPlanRequest"),
            "actions": _ids("plans.PlanAction"),
        }
        assert Child.objects.exists() and known["plans"] and known["conferences"]
        yield known
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def api_schema(world):
    """The schema as /api/schema/ serves it, driving the application in-process."""
    schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    schema.app = get_wsgi_application()
    # As Django's test client does: a request must not close the connection that holds
    # the world's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _known_for(path: str, known: dict[str, list[str]]) -> list[str]:
    """Real ids for the ``{id}`` of a path: /api/v1/register/releases/{id}/... -> releases."""
    before = path.split("{id}")[0].rstrip("/").split("/")
    return known.get(before[-1], []) if before else []


def _with_real_ids(case: Any, data: Any, known: dict[str, list[str]]) -> None:
    if "id" in (case.path_parameters or {}):
        ids = _known_for(case.operation.path, known)
        if ids and data.draw(st.booleans(), label="a real id"):
            case.path_parameters["id"] = data.draw(st.sampled_from(ids), label="id")
    body_has_child = isinstance(case.body, dict) and "child" in case.body
    if body_has_child and known["children"] and data.draw(st.booleans(), label="a real child"):
        case.body["child"] = data.draw(st.sampled_from(known["children"]), label="child")


def _fuzz_operation(operation, headers: dict[str, str], known, counts: dict[str, int]) -> None:
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(
        case=st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ),
        data=st.data(),
    )
    def run(case, data):
        _with_real_ids(case, data, known)
        counts["cases"] += 1
        # Each case in a savepoint rolled back after it: the world stays as seeded, and a
        # database error a view caught (harmless in autocommit) cannot spoil the next case.
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        if response.status_code >= 500:
            counts["server_errors"] += 1
        status = f"{response.status_code // 100}xx"
        counts[status] = counts.get(status, 0) + 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


def _fuzz(schema, headers: dict[str, str], known: dict[str, list[str]]) -> dict[str, int]:
    counts = {"cases": 0, "server_errors": 0}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzz_operation(operation, headers, known, counts)
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failure, not the first
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:2500]}")
    assert not failures, "\n\n".join(failures)
    return counts


@pytest.mark.parametrize("username", ROLES)
def test_the_whole_schema_under_fuzz(world, api_schema, username, capsys):
    user = User.objects.get(username=username)
    Notification.objects.get_or_create(
        dedupe_key=f"fuzz:{username}",
        defaults={
            "recipient": user,
            "kind": Notification.Kind.DEADLINE_DUE,
            "title": "A notification to list",
        },
    )
    counts = _fuzz(api_schema, auth_headers_for(user), world)
    with capsys.disabled():
        print(f"\nschema fuzz as {username}: {counts}")
    assert counts["server_errors"] == 0
    # The fuzz reached the application as the user: answers with data, not only refusals.
    assert counts["2xx"] >= EXAMPLES and counts["4xx"] >= EXAMPLES

"""The bench's own tools: requests handed to Django as a WSGI server does, and timings
taken side by side."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from cpcase.bench import WsgiServer, measure_together
from cpcase.models import ApiToken

pytestmark = pytest.mark.django_db


@contextmanager
def _connection_kept() -> Iterator[None]:
    """As Django's test client does: a request's signals must not close the connection
    that holds the test's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_wsgi_server_answers_as_the_test_client_does(api, social_worker, child):
    from cpcase.api_tokens import password_fingerprint

    _, key = ApiToken.objects.create(
        user=social_worker, password_fingerprint=password_fingerprint(social_worker)
    )
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    expected = api.get(f"/api/v1/children/{child.pk}/")
    server = WsgiServer({"Authorization": f"Token {key}"})
    with _connection_kept():
        status, content = server.request("GET", f"/api/v1/children/{child.pk}/")
        assert status == expected.status_code == 200
        assert json.loads(content) == expected.json()
        assert WsgiServer().request("GET", "/api/v1/me/")[0] == 401  # no token: refused
        status, content = server.request("POST", "/api/v1/children/", b"{not json")
        assert status == 400 and b"JSON" in content


def test_timings_side_by_side_run_each_way_once_a_round_in_turn():
    order: list[str] = []

    def way(name: str):
        def run(i: int) -> list[int]:
            order.append(name)
            return [i]

        return run

    found = measure_together({"a": way("a"), "b": way("b"), "c": way("c")}, repeat=4, warmup=1)
    assert order == list("abcabcbcacababc")  # a warm-up round, then rotating
    assert set(found) == {"a", "b", "c"}
    for name, measurement in found.items():
        assert measurement.label == name and measurement.rows == 1 and measurement.queries == 0
        assert 0 <= measurement.median_ms <= measurement.p95_ms


@pytest.mark.parametrize("warmup", [0, 1, 2])
def test_queries_are_counted_once_and_no_warmed_up_timing_pays_for_the_count(warmup):
    """Counting queries puts Django's logging cursor round every query; production has no
    such cursor. The count comes from the last warm-up run (caches warm) when there is
    one, else from the first timed run; no timed run after a warm-up is counted."""
    from django.db import connection

    from cpcase.bench import measure

    logged: list[bool] = []

    def way(queries: int):
        def run(i: int) -> list[int]:
            logged.append(connection.queries_logged)
            with connection.cursor() as cursor:
                for _ in range(queries):
                    cursor.execute("SELECT 1")
            return [i, i]

        return run

    found = measure_together({"one": way(1), "three": way(3)}, repeat=3, warmup=warmup)
    assert (found["one"].queries, found["three"].queries) == (1, 3)
    assert found["one"].rows == found["three"].rows == 2
    counted_round = max(warmup - 1, 0)  # the last warm-up round, or the first timed one
    assert [i for i, on in enumerate(logged) if on] == [2 * counted_round, 2 * counted_round + 1]
    logged.clear()
    single = measure("three", way(3), repeat=3, warmup=warmup)
    assert (single.queries, single.rows) == (3, 2)
    assert [i for i, on in enumerate(logged) if on] == [counted_round]

"""A NUL or nonsense in a page's query string or form is never a 500: every HTML route
without path parameters, walked from the URL configuration, as a worker and the unit."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db
NASTY = {"q": "\x00", "page": "\x00", "date_of_birth": "\x00", "postcode": "\x00", "child": "\x00"}


def _plain_routes() -> list[str]:
    """Every route with no path parameter, outside the API and the admin."""
    routes: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and "<" not in route and "^" not in route:
                routes.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return sorted(r for r in set(routes) if not r.startswith(("/api/", "/admin/")))


@pytest.mark.parametrize("persona", ["social_worker", "unit_manager", "police_enquirer"])
def test_no_page_answers_a_nul_with_a_500(request, persona, child):
    client = Client(raise_request_exception=False)
    client.force_login(request.getfixturevalue(persona))
    routes = _plain_routes()
    assert "/register/" in routes
    failures = []
    for route in routes:
        for response in (client.get(route, NASTY), client.post(route, NASTY)):
            if response.status_code >= 500:
                failures.append(f"{response.request['REQUEST_METHOD']} {route}")
    assert not failures

"""The OpenAPI schema of the core API generates with no warnings, and is served."""

from __future__ import annotations

import re

from django.core.management import call_command
from django.urls import include, path

# This module doubles as the URLconf of the core API alone, for the strict check.
urlpatterns = [path("api/v1/", include("cpcase.api_urls"))]


def test_the_core_api_schema_has_no_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--urlconf",
        __name__,
        "--file",
        str(out),
    )
    schema = out.read_text()
    for route in (
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/staff/",
        "/api/v1/children/",
        "/api/v1/children/{id}/",
        "/api/v1/children/{id}/people/",
        "/api/v1/children/{id}/timescales/",
        "/api/v1/children/{id}/chronology/",
        "/api/v1/children/{id}/access-history/",
    ):
        assert f"{route}:" in schema
    assert "has_active_plan" in schema


def test_the_schema_and_docs_are_served_to_signed_in_users_only(client, social_worker):
    assert client.get("/api/schema/").status_code in (401, 403)
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/")
    client.force_login(social_worker)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/children/" in schema.content


def test_the_docs_are_served_from_the_application_itself(client, social_worker):
    """Swagger UI and its start-up script from this site: no CDN, no inline script."""
    client.force_login(social_worker)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    assert sources, html
    for source in sources:
        assert source.startswith("/"), source  # this site, no CDN
        assert "@latest" not in source
        assert client.get(source).status_code == 200, source
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file
    script = next(s for s in sources if "script=" in s)
    assert "/api/schema/" in client.get(script.replace("&amp;", "&")).content.decode()


def test_the_whole_api_schema_has_no_warnings(tmp_path):
    """Every app's endpoints, as served at /api/schema/ (API.md's paths among them)."""
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    for route in (
        "/api/v1/strategy-discussions/",
        "/api/v1/conferences/",
        "/api/v1/conferences/{id}/outcome/",
        "/api/v1/conferences/{id}/finalise/",
        "/api/v1/conferences/{id}/letters/",
        "/api/v1/letters/{id}/pdf/",
        "/api/v1/plans/",
        "/api/v1/plans/{id}/",
        "/api/v1/plans/{id}/actions/",
        "/api/v1/plans/{id}/submit/",
        "/api/v1/plans/{id}/authorise/",
        "/api/v1/plans/{id}/versions/",
        "/api/v1/plans/{id}/core-group-meetings/",
        "/api/v1/visits/",
        "/api/v1/register/",
        "/api/v1/register/enquiries/",
    ):
        assert f"{route}:" in schema, route

"""The Content-Security-Policy and Permissions-Policy, and the templates that let them be strict."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Letters and the chronology's PDF are rendered by WeasyPrint, never shown as a page:
# their <style> stays.
PDF_ONLY = ("letters/", "cpcase/chronology_pdf.html")


def _page_templates() -> list[Path]:
    return [
        path
        for path in sorted(TEMPLATES.rglob("*.html"))
        if not str(path.relative_to(TEMPLATES)).startswith(PDF_ONLY)
    ]


def test_no_template_has_inline_script_style_or_event_handlers():
    inline = []
    for path in _page_templates():
        html = path.read_text()
        name = path.relative_to(TEMPLATES)
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" not in tag:
                inline.append(f"{name}: inline script {tag}")
        if re.search(r"<style\b", html):
            inline.append(f"{name}: a <style> element")
        for attribute in re.findall(r"\s(on[a-z]+|style)\s*=", html):
            inline.append(f"{name}: a {attribute}= attribute")
    assert _page_templates()
    assert not inline


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/api/v1/me/", "/no-such-page/"])
def test_every_response_carries_the_policies(client, url):
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy

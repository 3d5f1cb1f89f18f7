"""Real Chromium under the Content-Security-Policy: the pages still work (GOV.UK Frontend's
JavaScript, the register's bar charts, the API docs) and the browser reports no violation."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import TEST_PASSWORD, PlanFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Injected by the browser itself (not by the page), so the policy does not apply to it.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _watched(page) -> list[str]:
    messages: list[str] = []
    page.on(
        "console",
        lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(LISTEN)
    return messages


def _violations(page, messages: list[str]) -> list[str]:
    return [*page.evaluate("window.__violations"), *messages]


def test_pages_work_under_the_policy_with_no_violation(page_for, unit_manager, child):
    PlanFactory(
        child=child,
        started_on=timezone.localdate() - dt.timedelta(days=30),
        latest_category="NEG",
    )
    page = page_for()
    messages = _watched(page)
    sign_in(page, unit_manager.username, TEST_PASSWORD)

    # GOV.UK Frontend's start-up ran from its file: the body says JavaScript is on.
    page.goto("/")
    expect(page.locator("body")).to_have_class(
        re.compile(r"\bjs-enabled\b.*\bgovuk-frontend-supported\b")
    )
    assert _violations(page, messages) == []

    # The register's bars take their length from a class, not a style attribute.
    page.goto("/register/children/")
    bar = page.locator(".app-chart__bar").first
    expect(bar).to_be_visible()
    assert bar.bounding_box()["width"] > 10
    assert _violations(page, messages) == []

    # The API docs: Swagger UI from this site, started by a script file, showing the API.
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("cpcase API")
    expect(page.locator(".opblock-tag").first).to_be_visible()
    assert _violations(page, messages) == []

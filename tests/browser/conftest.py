"""Real headless Chromium (Debian's), driven by Playwright, with axe-core for accessibility."""

from __future__ import annotations

import base64
import os
import re
import shutil

import pytest
from django_otp.oath import totp

from cpcase.models import User

# Playwright's sync API runs an event loop; Django's ORM is safe here (one thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: .ci/system-deps installs it.")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_for(browser, live_server):
    """A fresh browser page at a given viewport, signed out."""
    pages = []

    def make(width: int = 1280, height: int = 900):
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=live_server.url
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        pages.append(context)
        return page

    yield make
    for context in pages:
        context.close()


# What Chromium says when a script runs while the page is being replaced: a link was
# clicked and the next page had not yet arrived when the scan started.
_NAVIGATING = (
    "Execution context was destroyed",
    "reading 'documentElement'",
    "axe is not defined",
    "Cannot find context",
)


@pytest.fixture
def axe_clean():
    """Assert that axe-core finds no accessibility violation on the page as it is now,
    WCAG 2.2 AA's rules included.

    The scan waits for the page to have loaded. If the page is replaced while axe runs
    (the click before it started a navigation that had not committed yet), the whole
    scan runs again on the page that arrived; a scan is never half-counted."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Error as PlaywrightError

    axe = Axe()

    def scan(page):
        # axe's defaults leave out WCAG 2.2's rules (target-size, for one): turn on every
        # rule axe tags 2.2 A or AA, whatever this version of axe has.
        page.evaluate(axe.axe_script)
        wcag22 = page.evaluate("axe.getRules(['wcag22a', 'wcag22aa']).map(r => r.ruleId)")
        assert wcag22, "this axe-core has no WCAG 2.2 rule"
        options = {
            "resultTypes": ["violations"],
            "rules": {rule: {"enabled": True} for rule in wcag22},
        }
        return axe.run(page, options=options)

    def check(page, label: str = "") -> None:
        attempts = 3
        for attempt in range(1, attempts + 1):
            page.wait_for_load_state("load")
            try:
                results = scan(page)
                break
            except PlaywrightError as error:
                if attempt == attempts or not any(s in str(error) for s in _NAVIGATING):
                    raise
        assert results.violations_count == 0, f"{label or page.url}\n{results.generate_report()}"

    return check


def sign_in(page, username: str, password: str) -> None:
    """Sign in as a person does: the password, then the second factor. The first time,
    the account sets up its authenticator app from the key on the page (and keeps the
    recovery codes); after that it types the code the app shows now."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/accounts/second-factor/"))
    if "/set-up/" in page.url:
        key = page.locator("#manual-key").inner_text().replace(" ", "")
        page.get_by_label("Code").fill(app_code(base64.b32decode(key + "=" * (-len(key) % 8))))
        page.get_by_role("button", name="Confirm").click()
        page.get_by_role("link", name=re.compile("I have kept my recovery codes")).click()
    else:
        page.get_by_label("Code").fill(code_for(User.objects.get(username=username)))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def app_code(key: bytes) -> str:
    """What an authenticator app with this key shows now."""
    return f"{totp(key):06d}"


def code_for(user) -> str:
    from tests.support.second_factor import code_for as device_code
    from tests.support.second_factor import enrol

    return device_code(enrol(user))

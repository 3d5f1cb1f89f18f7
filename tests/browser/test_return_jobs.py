"""The statutory returns in real Chromium, with a real Celery worker: the unit manager
asks for the census, watches it being produced (the list updates itself) and downloads
the file. Each state of the page is scanned by axe-core."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cpcase import front_door
from cpcase.models import AuditEvent
from registry.models import ReturnFile, ReturnJob
from registry.return_jobs import collection_year
from tests.browser.conftest import sign_in
from tests.browser.test_content_security_policy import _violations, _watched
from tests.factories import TEST_PASSWORD, PlanFactory
from tests.support.worker import Worker

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_unit_manager_produces_the_census_and_downloads_it(
    app_on_test_redis, page_for, axe_clean, child, unit_manager, social_worker
):
    child.la_child_id = "NB0077"
    child.save()
    # The episode the plan belongs to (the census reports episodes).
    front_door.referral_record(
        actor=social_worker,
        child_id=child.pk,
        received_on=timezone.localdate() - dt.timedelta(days=40),
        source="6",
        primary_need="N1",
        nfa=False,
        next_step="strategy_discussion",
    )
    PlanFactory(
        child=child, started_on=timezone.localdate() - dt.timedelta(days=30), latest_category="NEG"
    )
    year = collection_year()
    page = page_for()
    csp = _watched(page)
    sign_in(page, unit_manager.username, TEST_PASSWORD)
    page.goto("/register/children/")
    page.get_by_role("link", name="Statutory returns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statutory returns")
    year_input = page.get_by_label("Census year ending 31 March")
    expect(year_input).to_have_value(str(year))  # the current collection year
    axe_clean(page, "statutory returns, none yet")

    year_input.fill("twenty")
    page.get_by_role("button", name="Produce the return").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose the return to produce.")
    expect(summary).to_contain_text("Enter the year the census ends in as a number")
    axe_clean(page, "statutory returns, with errors")
    assert not ReturnJob.objects.exists()

    page.get_by_role("radio", name="Children in need census (XML)").check()
    page.get_by_label("Census year ending 31 March").fill(str(year))
    page.get_by_role("button", name="Produce the return").click()
    expect(page.get_by_text("is being produced")).to_be_visible()
    row = page.get_by_role(
        "row", name=re.compile(f"Children in need census, year ending 31 March {year}")
    )
    expect(row.locator("progress")).to_be_visible()  # queued: no worker yet
    expect(row).to_contain_text("Queued")
    axe_clean(page, "statutory returns, one queued")

    worker = Worker("celery")
    try:
        # The list refreshes itself (returns.js): no reload.
        download = row.get_by_role("link", name=re.compile("Download"))
        expect(download).to_be_visible(timeout=60_000)
    except AssertionError:
        print(worker.output())
        raise
    finally:
        worker.stop()
    expect(row).to_contain_text("Done")
    # A screen reader is told, once, from a status region outside the list.
    expect(page.get_by_role("status")).to_have_text(
        f"Children in need census, year ending 31 March {year}: ready to download."
    )
    expect(row.locator("progress")).to_have_count(0)
    axe_clean(page, "statutory returns, done")
    assert _violations(page, csp) == []  # the refresh is a file, its fetch the site's own

    with page.expect_download() as info:
        download.click()
    got = info.value
    assert got.suggested_filename == f"cin-census-{year}.xml"
    content = Path(got.path()).read_bytes()
    job = ReturnJob.objects.get()
    assert content == bytes(ReturnFile.objects.get(job=job).content)
    assert b"NB0077" in content
    assert AuditEvent.objects.filter(
        actor=unit_manager, action="export", object_id=str(job.pk)
    ).exists()
    assert AuditEvent.objects.filter(
        actor=unit_manager, action="export", child_id=child.pk, summary__contains="(downloaded)"
    ).exists()

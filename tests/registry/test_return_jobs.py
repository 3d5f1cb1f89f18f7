"""The statutory returns as background jobs: asked for, produced once, kept, and audited at
each download; the unit manager of the job's authority alone sees them."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from xml.etree import ElementTree as ET

import pytest
from django.db import OperationalError, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cpcase import front_door
from cpcase.errors import DomainError
from cpcase.models import AuditEvent
from cpcase.roles import Role
from registry import return_jobs, return_producers
from registry.models import ReturnFile, ReturnJob
from registry.return_producers import ProducedReturn
from registry.tasks import produce_return
from tests.factories import PlanFactory, UserFactory

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TODAY = timezone.localdate()
YEAR = return_jobs.collection_year(TODAY)


@pytest.fixture
def on_plan(child, social_worker):
    child.la_child_id = "NB0042"
    child.save()
    # The episode the plan belongs to (the census reports episodes).
    front_door.referral_record(
        actor=social_worker,
        child_id=child.pk,
        received_on=TODAY - dt.timedelta(days=40),
        source="6",
        primary_need="N1",
        nfa=False,
        next_step="strategy_discussion",
    )
    PlanFactory(child=child, started_on=TODAY - dt.timedelta(days=30), latest_category="NEG")
    return child


@pytest.fixture
def other_unit_manager(other_authority):
    return UserFactory(
        username="sum.southmere",
        authority=other_authority,
        roles=[Role.SAFEGUARDING_UNIT_MANAGER],
    )


@pytest.fixture
def start(api_as, django_capture_on_commit_callbacks):
    """Ask for a return through the API; the job runs (eagerly) once the asking commits."""

    def _start(user, body=None):
        with django_capture_on_commit_callbacks(execute=True):
            return api_as(user).post(
                "/api/v1/returns/", body or {"kind": "cin_census", "year": YEAR}, format="json"
            )

    return _start


@pytest.fixture
def counted(monkeypatch):
    """The producers, counted."""
    calls: dict[str, int] = {}

    def wrap(kind):
        real = return_producers.PRODUCERS[kind]

        def producer(**kwargs):
            calls[kind] = calls.get(kind, 0) + 1
            return real(**kwargs)

        monkeypatch.setitem(return_producers.PRODUCERS, kind, producer)

    for kind in list(return_producers.PRODUCERS):
        wrap(kind)
    return calls


def test_every_kind_has_a_producer():
    assert set(return_producers.PRODUCERS) == set(ReturnJob.Kind.values)


# --- The API -------------------------------------------------------------------------


def test_the_unit_manager_starts_a_census_and_downloads_it(api_as, start, unit_manager, on_plan):
    r = start(unit_manager)
    assert r.status_code == 202, r.content
    assert set(r.json()) >= {"id", "status", "progress"}
    assert r.json()["status"] == "queued" and r.json()["progress"] == 0
    job = api_as(unit_manager).get(f"/api/v1/returns/{r.json()['id']}/").json()
    assert job["status"] == "done" and job["progress"] == 100
    assert (job["kind"], job["year"], job["error"]) == ("cin_census", YEAR, "")
    assert job["created_at"] and job["finished_at"]
    assert job["download"].endswith(f"/api/v1/returns/{job['id']}/download/")
    d = api_as(unit_manager).get(job["download"])
    assert d.status_code == 200 and d["Content-Type"] == "application/xml"
    assert d["Content-Disposition"] == f'attachment; filename="cin-census-{YEAR}.xml"'
    root = ET.fromstring(d.content)  # noqa: S314 - our own output
    assert [c.text for c in root.iter("LAchildID")] == ["NB0042"]


def test_annex_a_is_the_workbook_of_every_list(api_as, start, unit_manager, on_plan):
    before = timezone.localdate()
    r = start(unit_manager, {"kind": "annex_a", "year": YEAR})
    d = api_as(unit_manager).get(f"/api/v1/returns/{r.json()['id']}/download/")
    assert d.status_code == 200 and d["Content-Type"] == XLSX
    # Named by the day it was made (the run may cross midnight between here and there).
    assert d["Content-Disposition"] in {
        f'attachment; filename="annex-a-{day.isoformat()}.xlsx"'
        for day in (before, timezone.localdate())
    }
    with zipfile.ZipFile(io.BytesIO(d.content)) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        strings = book.read("xl/sharedStrings.xml").decode()
    assert len(sheets) == 5
    assert "NB0042" in strings


def test_the_year_defaults_to_the_current_collection(start, unit_manager):
    r = start(unit_manager, {"kind": "cin_census"})
    assert r.status_code == 202 and r.json()["year"] == YEAR


def test_the_file_is_produced_once_and_kept(api_as, start, unit_manager, on_plan, counted):
    job_id = start(unit_manager).json()["id"]
    api = api_as(unit_manager)
    first = api.get(f"/api/v1/returns/{job_id}/download/").content
    second = api.get(f"/api/v1/returns/{job_id}/download/").content
    assert first == second == bytes(ReturnFile.objects.get(job_id=job_id).content)
    # The task run again (a second delivery, a retry) leaves the job and its file alone.
    assert produce_return.apply(args=[job_id]).get() == "skipped"
    assert counted == {"cin_census": 1}
    assert ReturnFile.objects.count() == 1


def test_each_download_is_an_audited_export_naming_the_children(
    api_as, start, unit_manager, on_plan
):
    job_id = start(unit_manager).json()["id"]
    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT)
    made = events.count()  # producing it is audited too, once
    api = api_as(unit_manager)
    for n in (1, 2):
        assert api.get(f"/api/v1/returns/{job_id}/download/").status_code == 200
        downloads = events.filter(object_type="returnjob", object_id=job_id)
        assert downloads.count() == n
        assert downloads.filter(actor=unit_manager).count() == n
        named = events.filter(child_id=on_plan.pk, summary__contains="(downloaded)")
        assert named.count() == n
    assert events.count() == made + 4


@pytest.mark.parametrize("persona", ["social_worker", "police_enquirer", "team_manager"])
def test_anybody_who_produces_no_returns_is_refused(
    request, api_as, start, unit_manager, on_plan, persona
):
    job_id = start(unit_manager).json()["id"]
    api = api_as(request.getfixturevalue(persona))
    assert api.get("/api/v1/returns/").status_code == 403
    assert api.post("/api/v1/returns/", {"kind": "cin_census"}, format="json").status_code == 403
    assert api.get(f"/api/v1/returns/{job_id}/").status_code == 403
    assert api.get(f"/api/v1/returns/{job_id}/download/").status_code == 403
    assert ReturnJob.objects.count() == 1


def test_another_authoritys_unit_manager_does_not_find_the_job(
    api_as, start, unit_manager, other_unit_manager, on_plan
):
    job_id = start(unit_manager).json()["id"]
    api = api_as(other_unit_manager)
    assert api.get(f"/api/v1/returns/{job_id}/").status_code == 404
    assert api.get(f"/api/v1/returns/{job_id}/download/").status_code == 404
    assert api.get("/api/v1/returns/").json()["count"] == 0
    assert not AuditEvent.objects.filter(actor=other_unit_manager, object_id=job_id).exists()


def test_anonymous_is_asked_to_sign_in(api, client, start, unit_manager):
    job_id = start(unit_manager).json()["id"]
    api.force_authenticate(user=None)
    assert api.get("/api/v1/returns/").status_code == 401
    assert api.post("/api/v1/returns/", {"kind": "cin_census"}, format="json").status_code == 401
    assert api.get(f"/api/v1/returns/{job_id}/download/").status_code == 401
    assert client.get("/register/returns/").status_code == 302
    assert client.get(f"/register/returns/{job_id}/download/").status_code == 302


def test_an_unknown_or_malformed_id_is_a_404(api_as, unit_manager):
    api = api_as(unit_manager)
    assert api.get("/api/v1/returns/9f0b8f1e-0000-4000-8000-000000000000/").status_code == 404
    assert api.get("/api/v1/returns/not-an-id/download/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "ofsted_everything", "year": YEAR}, "kind"),
        ({"year": YEAR}, "kind"),
        ({"kind": "cin_census", "year": "twenty"}, "year"),
        ({"kind": "cin_census", "year": 1999}, "year"),
        ({"kind": "cin_census", "year": YEAR + 1}, "year"),
        ({"kind": "cin_census", "year": -5}, "year"),
        ({"kind": "cin_census", "year": 10**12}, "year"),
        ({"kind": ["cin_census"], "year": YEAR}, "kind"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(start, unit_manager, body, field):
    r = start(unit_manager, body)
    assert r.status_code == 400 and field in r.json(), r.content
    assert ReturnJob.objects.count() == 0


def test_a_list_of_the_authoritys_jobs_in_few_queries(
    api_as, start, unit_manager, other_unit_manager
):
    api = api_as(unit_manager)

    def queries() -> int:
        with CaptureQueriesContext(connections["default"]) as ctx:
            assert api.get("/api/v1/returns/").status_code == 200
        return len(ctx)

    start(unit_manager)
    start(other_unit_manager)
    one = queries()
    for _ in range(4):
        start(unit_manager, {"kind": "annex_a"})
    assert queries() == one
    listed = api.get("/api/v1/returns/").json()
    assert listed["count"] == 5 and {"next", "previous", "results"} <= set(listed)
    assert [j["kind"] for j in listed["results"]] == ["annex_a"] * 4 + ["cin_census"]


# --- The task ------------------------------------------------------------------------


def test_a_user_who_lost_the_role_produces_nothing(
    api_as, unit_manager, on_plan, counted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = return_jobs.return_job_start(actor=unit_manager, kind="cin_census", year=YEAR)
    unit_manager.groups.clear()  # moved to another post before the worker got to it
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert "no longer produces the returns" in job.error
    assert counted == {} and not ReturnFile.objects.exists()


def test_a_domain_error_fails_the_job_with_its_message(api_as, start, unit_manager, monkeypatch):
    def refuses(**kwargs):
        raise DomainError(errors={"year": ["The census of that year is closed."]})

    monkeypatch.setitem(return_producers.PRODUCERS, "cin_census", refuses)
    job = api_as(unit_manager).get(f"/api/v1/returns/{start(unit_manager).json()['id']}/").json()
    assert (job["status"], job["error"], job["download"]) == (
        "failed",
        "The census of that year is closed.",
        None,
    )
    assert api_as(unit_manager).get(f"/api/v1/returns/{job['id']}/download/").status_code == 404


def test_an_unexpected_error_fails_the_job_with_a_reference(
    api_as, start, unit_manager, monkeypatch
):
    def breaks(**kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setitem(return_producers.PRODUCERS, "cin_census", breaks)
    job = ReturnJob.objects.get(pk=start(unit_manager).json()["id"])
    assert job.status == "failed"
    assert job.error.startswith("The return could not be produced because of an error")
    assert "a bug" not in job.error


def test_a_transient_error_is_tried_again(start, unit_manager, on_plan, monkeypatch):
    real = return_producers.PRODUCERS["cin_census"]
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("the database went away")
        return real(**kwargs)

    monkeypatch.setitem(return_producers.PRODUCERS, "cin_census", flaky)
    job = ReturnJob.objects.get(pk=start(unit_manager).json()["id"])
    assert job.status == "done" and len(calls) == 2
    assert ReturnFile.objects.filter(job=job).count() == 1


def test_a_job_another_task_is_running_is_left_to_it(unit_manager, counted):
    job = ReturnJob.objects.create(
        authority=unit_manager.authority,
        requested_by=unit_manager,
        kind="cin_census",
        year=YEAR,
        status="running",
        claimed_by="another-task",
        started_at=timezone.now(),
    )
    assert return_jobs.return_job_run(job_id=job.pk, attempt="this-task") == "skipped"
    assert counted == {}


@pytest.mark.django_db(transaction=True)
def test_progress_is_committed_as_it_goes(unit_manager, monkeypatch):
    """Another connection (the page, the API) sees the progress while the job runs."""
    seen = []

    def watched(*, user, year, progress):
        progress(40)
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT status, progress FROM registry_returnjob")
                seen.extend(cursor.fetchall())
        finally:
            other.close()
        return ProducedReturn("x.xml", "application/xml", b"<x/>", frozenset())

    monkeypatch.setitem(return_producers.PRODUCERS, "cin_census", watched)
    job = ReturnJob.objects.create(
        authority=unit_manager.authority, requested_by=unit_manager, kind="cin_census", year=YEAR
    )
    assert return_jobs.return_job_run(job_id=job.pk, attempt="a") == "done"
    assert seen == [("running", 40)]


def test_the_safety_net_queues_lost_jobs_again_and_fails_dead_ones(
    unit_manager, on_plan, django_capture_on_commit_callbacks
):
    later = timezone.now() + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down
        lost = return_jobs.return_job_start(actor=unit_manager, kind="cin_census", year=YEAR)
    dead = ReturnJob.objects.create(
        authority=unit_manager.authority,
        requested_by=unit_manager,
        kind="annex_a",
        year=YEAR,
        status="running",
        claimed_by="a-task-that-died",
        started_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert return_jobs.return_jobs_resume_stalled(now=later) == 1
    lost.refresh_from_db()
    dead.refresh_from_db()
    assert lost.status == "done"
    assert dead.status == "failed" and "stopped before it finished" in dead.error


# --- The page ------------------------------------------------------------------------


def test_the_page_starts_a_return_and_lists_it_with_its_download(
    client, unit_manager, on_plan, django_capture_on_commit_callbacks
):
    client.force_login(unit_manager)
    page = client.get("/register/returns/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{YEAR}"' in html and "No return has been produced yet." in html
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/register/returns/", {"kind": "cin_census", "year": str(YEAR)})
    assert r.status_code == 302 and r["Location"] == "/register/returns/"
    job = ReturnJob.objects.get()
    html = client.get("/register/returns/").content.decode()
    assert f"/register/returns/{job.pk}/download/" in html and "Done" in html
    assert "NB0042" not in html and on_plan.name not in html  # no child on this page
    d = client.get(f"/register/returns/{job.pk}/download/")
    assert d.status_code == 200 and d["Content-Type"] == "application/xml"
    assert d.content == bytes(job.file.content)
    assert AuditEvent.objects.filter(
        action="export", child_id=on_plan.pk, summary__contains="(downloaded)"
    ).exists()


def test_a_running_job_shows_its_progress_bar(client, unit_manager):
    ReturnJob.objects.create(
        authority=unit_manager.authority,
        requested_by=unit_manager,
        kind="annex_a",
        year=YEAR,
        status="running",
        progress=40,
    )
    client.force_login(unit_manager)
    html = client.get("/register/returns/").content.decode()
    assert '<progress class="app-progress" max="100" value="40"' in html
    assert "data-running" in html and "/static/returns.js" in html


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({}, ["Choose the return to produce.", "Enter the year the census ends in, like 2026."]),
        ({"kind": "annex_a", "year": "twenty"}, ["as a number"]),
        ({"kind": "nothing", "year": str(YEAR)}, ["Choose the return to produce: the census"]),
        ({"kind": "cin_census", "year": "1999"}, ["from 2000 to"]),
    ],
)
def test_bad_input_on_the_page_is_in_the_error_summary(client, unit_manager, data, messages):
    client.force_login(unit_manager)
    r = client.post("/register/returns/", data)
    html = r.content.decode()
    assert r.status_code == 200 and "govuk-error-summary" in html
    for message in messages:
        assert message in html
    assert ReturnJob.objects.count() == 0


@pytest.mark.parametrize("persona", ["social_worker", "police_enquirer", "system_admin"])
def test_the_page_refuses_anybody_else(request, client, unit_manager, persona, start):
    job_id = start(unit_manager).json()["id"]
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/register/returns/").status_code == 403
    assert client.post("/register/returns/", {"kind": "cin_census"}).status_code == 403
    assert client.get(f"/register/returns/{job_id}/download/").status_code == 403
    assert ReturnJob.objects.count() == 1


def test_the_page_hides_another_authoritys_jobs(client, start, unit_manager, other_unit_manager):
    job_id = start(unit_manager).json()["id"]
    client.force_login(other_unit_manager)
    assert job_id not in client.get("/register/returns/").content.decode()
    assert client.get(f"/register/returns/{job_id}/download/").status_code == 404


def test_the_page_lists_jobs_in_few_queries(client, start, unit_manager):
    client.force_login(unit_manager)

    def queries() -> int:
        with CaptureQueriesContext(connections["default"]) as ctx:
            assert client.get("/register/returns/").status_code == 200
        return len(ctx)

    start(unit_manager)
    one = queries()
    for _ in range(4):
        start(unit_manager, {"kind": "annex_a"})
    assert queries() == one


def test_the_register_links_to_the_returns(client, unit_manager):
    client.force_login(unit_manager)
    assert 'href="/register/returns/"' in client.get("/register/children/").content.decode()


# --- A real worker -------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_takes_the_job_from_queued_to_done(
    app_on_test_redis, api_as, unit_manager, authority, on_plan
):
    from tests.support.worker import Worker, wait_for

    departing = UserFactory(
        username="sum.departing", authority=authority, roles=[Role.SAFEGUARDING_UNIT_MANAGER]
    )
    api = api_as(unit_manager)
    job_id = api.post("/api/v1/returns/", {"kind": "cin_census"}, format="json").json()["id"]
    refused_id = (
        api_as(departing).post("/api/v1/returns/", {"kind": "annex_a"}, format="json").json()["id"]
    )
    departing.groups.clear()  # moved to another post while the job waited
    api = api_as(unit_manager)
    queued = api.get(f"/api/v1/returns/{job_id}/").json()
    assert (queued["status"], queued["progress"], queued["download"]) == ("queued", 0, None)
    order = ["queued", "running", "done"]
    seen: list[str] = []

    def finished() -> bool:
        now = api.get(f"/api/v1/returns/{job_id}/").json()["status"]
        if not seen or seen[-1] != now:
            seen.append(now)
        other = ReturnJob.objects.get(pk=refused_id).status
        return now == "done" and other == "failed"

    worker = Worker("celery")
    try:
        wait_for(finished, timeout=60, message=f"the return jobs; worker log:\n{worker.output()}")
    finally:
        worker.stop()
    assert seen == sorted(seen, key=order.index)  # never backwards
    done = api.get(f"/api/v1/returns/{job_id}/").json()
    assert done["progress"] == 100 and done["finished_at"]
    d = api.get(done["download"])
    assert d.status_code == 200 and b"NB0042" in d.content
    assert d.content == bytes(ReturnFile.objects.get(job_id=job_id).content)
    refused = api.get(f"/api/v1/returns/{refused_id}/").json()
    assert refused["download"] is None
    assert "no longer produces the returns" in refused["error"]

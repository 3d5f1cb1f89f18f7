"""The child's chronology in the browser: every kind in date order, filters kept in the
URL, links to the records, who recorded each event, a PDF read back with pdftotext, a
fixed number of queries however long the story, and nothing for those who may not see."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from django.test import Client

from cpcase import services
from cpcase.models import AuditEvent
from tests.factories import (
    ConferenceFactory,
    CoreGroupMeetingFactory,
    PlanFactory,
    StrategyDiscussionFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date
HOST = {"HTTP_HOST": "localhost"}


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _story(child, chair, social_worker, visits: int = 1) -> None:
    StrategyDiscussionFactory(child=child, held_on=D(2026, 9, 14), recorded_by=social_worker)
    ConferenceFactory(held_on=D(2026, 10, 1), chair=chair, children=[child])
    plan = PlanFactory(child=child, started_on=D(2026, 10, 1))
    CoreGroupMeetingFactory(plan=plan, held_on=D(2026, 10, 12))
    for n in range(visits):
        VisitFactory(
            child=child,
            recorded_by=social_worker,
            visited_at=dt.datetime(2026, 10, 8, 14, tzinfo=dt.UTC) + dt.timedelta(days=n),
        )


def _rows(html: str) -> list[str]:
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return body.split('<tr class="govuk-table__row">')[1:]


def test_every_event_in_date_order_with_its_link_and_who_recorded_it(child, chair, social_worker):
    _story(child, chair, social_worker)
    social_worker.first_name, social_worker.last_name = "Ada", "Okafor"
    social_worker.save()
    r = _as(social_worker).get(f"/children/{child.pk}/chronology/", **HOST)
    assert r.status_code == 200
    html = r.content.decode()
    rows = _rows(html)
    titles = ["Strategy discussion", "Initial", "Statutory", "Core group meeting"]
    positions = [next(i for i, row in enumerate(rows) if t in row) for t in titles]
    assert positions == sorted(positions)
    from conferences.models import ConferenceChild

    conference = ConferenceChild.objects.get(child=child).conference_id
    assert f'href="/conferences/{conference}/"' in html
    plan = child.plans.get()
    assert f'href="/plans/{plan.pk}/"' in html
    visit_row = next(row for row in rows if "Statutory" in row)
    assert "Ada Okafor" in visit_row and "child seen" in visit_row
    assert "Download as a PDF" in html


def test_who_recorded_comes_from_the_audit_when_the_record_does_not_say(
    authority, team, social_worker
):
    child = services.child_create(
        actor=social_worker,
        changes={"first_name": "Tilly", "last_name": "Marsh", "date_of_birth": D(2019, 5, 2)},
    )
    html = _as(social_worker).get(f"/children/{child.pk}/chronology/", **HOST).content.decode()
    created = next(row for row in _rows(html) if "record created" in row)
    assert social_worker.get_username() in created or social_worker.get_full_name() in created


def test_filters_by_kind_and_dates_are_kept_in_the_url(child, chair, social_worker):
    _story(child, chair, social_worker)
    client = _as(social_worker)
    url = f"/children/{child.pk}/chronology/"
    html = client.get(url, {"kinds": "Visits"}, **HOST).content.decode()
    rows = _rows(html)
    assert rows and all("Visits" in row for row in rows)
    assert 'value="Visits" checked' in html
    assert "kinds=Visits" in html  # the PDF link keeps the filters
    html = client.get(
        url,
        {
            "since_0": "1",
            "since_1": "10",
            "since_2": "2026",
            "until_0": "9",
            "until_1": "10",
            "until_2": "2026",
        },
        **HOST,
    ).content.decode()
    assert len(_rows(html)) == 3  # the conference, the plan, the visit of 8 October
    assert "Strategy discussion" not in html.split("<tbody", 1)[1]


def test_bad_dates_name_the_problem_keep_what_was_typed_and_change_nothing(
    child, chair, social_worker
):
    _story(child, chair, social_worker)
    client = _as(social_worker)
    writes = (AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.EXPORT)
    before = AuditEvent.objects.filter(action__in=writes).count()
    r = client.get(
        f"/children/{child.pk}/chronology/",
        {
            "since_0": "31",
            "since_1": "2",
            "since_2": "2026",
            "until_0": "1",
            "until_1": "x",
            "until_2": "2026",
        },
        **HOST,
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "govuk-error-summary" in html and "must be a real date" in html
    assert 'value="31"' in html
    assert len(_rows(html)) >= 5  # an invalid filter filters nothing
    r = client.get(
        f"/children/{child.pk}/chronology/",
        {
            "since_0": "2",
            "since_1": "10",
            "since_2": "2026",
            "until_0": "1",
            "until_1": "10",
            "until_2": "2026",
        },
        **HOST,
    )
    assert "must be the same as or after" in r.content.decode()
    assert AuditEvent.objects.filter(action__in=writes).count() == before


def test_the_pdf_reads_back_and_is_an_audited_export(child, chair, social_worker):
    _story(child, chair, social_worker)
    r = _as(social_worker).get(f"/children/{child.pk}/chronology.pdf?kinds=Visits", **HOST)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=r.content, capture_output=True, check=True
    ).stdout.decode()
    assert f"Chronology of {child.name}" in text
    assert "Produced by" in text and "Page 1 of 2" in text
    assert "Statutory" in text and "Strategy discussion" not in text
    export = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, child_id=child.pk).get()
    assert export.actor == social_worker and "chronology" in export.summary


def test_the_page_costs_the_same_queries_for_a_short_or_a_long_story(
    child, chair, social_worker, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _story(child, chair, social_worker, visits=1)
    client = _as(social_worker)
    url = f"/children/{child.pk}/chronology/"
    client.get(url, **HOST)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, **HOST).status_code == 200
    for n in range(1, 30):
        VisitFactory(
            child=child,
            recorded_by=social_worker,
            visited_at=dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC) + dt.timedelta(days=n),
        )
        CoreGroupMeetingFactory(plan=child.plans.get(), held_on=D(2026, 11, 1) + dt.timedelta(n))
    with CaptureQueriesContext(connection) as many:
        html = client.get(url, **HOST).content.decode()
    assert len(_rows(html)) > 60
    assert len(many) == len(few)


def test_nobody_reads_a_chronology_of_a_child_they_may_not_see(
    child, chair, social_worker, other_team_worker
):
    _story(child, chair, social_worker)
    for path in ("chronology/", "chronology.pdf"):
        r = _as(other_team_worker).get(f"/children/{child.pk}/{path}", **HOST)
        assert r.status_code == 404
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, child_id=child.pk
    ).exists()


def _key(client, child, title: str) -> str:
    import html as html_lib
    import re

    page = client.get(f"/children/{child.pk}/chronology/", **HOST).content.decode()
    row = next(row for row in _rows(page) if title in row)
    return html_lib.unescape(re.search(r"\?event=([^\"]+)\"", row).group(1)).replace("%3A", ":")


def test_a_worker_marks_an_event_significant_with_a_reason_and_can_show_those_alone(
    child, chair, social_worker
):
    _story(child, chair, social_worker)
    client = _as(social_worker)
    key = _key(client, child, "Strategy discussion")
    url = f"/children/{child.pk}/chronology/significant/"
    assert client.get(url, {"event": key}, **HOST).status_code == 200
    r = client.post(url, {"event": key, "reason": "  "}, **HOST)
    assert r.status_code == 200 and "Say why the event is significant" in r.content.decode()
    r = client.post(url, {"event": key, "reason": "First sign of the bruising"}, **HOST)
    assert r.status_code == 302
    page = client.get(f"/children/{child.pk}/chronology/", {"significant": "on"}, **HOST)
    rows = _rows(page.content.decode())
    assert len(rows) == 1 and "First sign of the bruising" in rows[0]
    mark = AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, child_id=child.pk).last()
    assert "significant" in mark.summary and mark.actor == social_worker
    pdf = client.get(f"/children/{child.pk}/chronology.pdf?significant=on", **HOST).content
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "First sign of the bruising" in text and "significant events only" in text
    r = client.post(url, {"event": key, "remove": "1"}, **HOST)
    assert r.status_code == 302
    page = client.get(f"/children/{child.pk}/chronology/", {"significant": "on"}, **HOST)
    assert "No events match these filters" in page.content.decode()


def test_an_unknown_event_is_a_404_and_a_reader_who_may_not_edit_gets_a_403(
    child, chair, social_worker, police_enquirer
):
    _story(child, chair, social_worker)
    client = _as(social_worker)
    url = f"/children/{child.pk}/chronology/significant/"
    assert client.get(url, {"event": "visit_statutory:nope:2026-01-01"}, **HOST).status_code == 404
    r = client.post(url, {"event": "nope", "reason": "x"}, **HOST)
    assert r.status_code == 404
    from cpcase.models import SignificantEvent

    assert not SignificantEvent.objects.exists()


def test_a_core_group_member_reads_the_plans_part_only(
    core_group_child, chair, social_worker, core_group_member
):
    child = core_group_child
    _story(child, chair, social_worker)
    client = _as(core_group_member)
    r = client.get(f"/children/{child.pk}/chronology/", **HOST)
    assert r.status_code == 200
    rows = _rows(r.content.decode())
    assert rows and all("Child protection plan" in row or "Core group" in row for row in rows)
    assert not any("Strategy discussion" in row or "Statutory" in row for row in rows)
    assert "Mark as significant" not in r.content.decode()
    read = AuditEvent.objects.filter(actor=core_group_member, child_id=child.pk).last()
    assert read is not None and "plan's part" in read.summary
    assert client.get(f"/children/{child.pk}/chronology.pdf", **HOST).status_code == 200
    assert client.get(f"/children/{child.pk}/", **HOST).status_code == 404

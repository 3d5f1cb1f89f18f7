"""The measures page: who may read it, the period form's errors, the audit event, the
charts and their tables."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cpcase.models import AuditEvent
from tests.factories import PlanFactory

pytestmark = pytest.mark.django_db


def _period(start: dt.date, end: dt.date) -> dict[str, str]:
    return {
        "period_from_0": str(start.day),
        "period_from_1": str(start.month),
        "period_from_2": str(start.year),
        "period_to_0": str(end.day),
        "period_to_1": str(end.month),
        "period_to_2": str(end.year),
    }


def test_the_service_leader_reads_every_measure_as_a_chart_and_a_table(
    client, service_leader, child, other_team
):
    PlanFactory(
        child=child,
        started_on=dt.date(2025, 5, 15),
        status="ended",
        ended_on=dt.date(2025, 9, 1),
        end_reason="conference",
    )
    client.force_login(service_leader)
    response = client.get("/measures/", _period(dt.date(2025, 4, 1), dt.date(2025, 9, 30)))
    assert response.status_code == 200
    html = response.content.decode()
    assert "From 1 April 2025 to 30 September 2025, by team." in html
    assert html.count('role="img"') == 10
    assert html.count("<caption") == 10
    assert "Plans that lasted two years or more" in html
    # The chart's description says what the bars show, in words.
    assert "North locality team: 0% (0 of 1)" in html
    assert "South locality team: nothing to count" in html
    assert child.name not in html
    event = AuditEvent.objects.get(actor=service_leader, action="view")
    assert event.child_id is None
    assert event.summary == "Read the measures from 01 Apr 2025 to 30 Sep 2025"


def test_the_last_12_months_unless_chosen(client, unit_manager):
    client.force_login(unit_manager)
    html = client.get("/measures/").content.decode()
    today = timezone.localdate()
    assert f"to {today:%-d %B %Y}, by team." in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (_period(dt.date(2025, 9, 30), dt.date(2025, 4, 1)), "must be after its start"),
        ({**_period(dt.date(2025, 4, 1), dt.date(2025, 9, 30)), "period_to_1": "13"}, "real date"),
        (
            {**_period(dt.date(2025, 4, 1), dt.date(2025, 9, 30)), "period_to_2": "\x00"},
            "Null characters",
        ),
        ({"period_from_0": "1", "period_from_1": "4", "period_from_2": "2025"}, "end of the"),
        (_period(dt.date(2015, 4, 1), dt.date(2025, 9, 30)), "at most 5 years"),
        (_period(dt.date(2025, 4, 1), dt.date(2999, 1, 1)), "today or in the past"),
    ],
)
def test_a_bad_period_is_a_clear_error(client, service_leader, query, message):
    client.force_login(service_leader)
    response = client.get("/measures/", query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and message in html
    assert 'role="img"' not in html
    assert not AuditEvent.objects.filter(actor=service_leader, action="view").exists()


@pytest.mark.parametrize("persona", ["social_worker", "team_manager", "chair", "police_enquirer"])
def test_other_roles_are_refused(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/measures/").status_code == 403

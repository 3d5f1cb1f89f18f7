"""Emergency protection orders and police protection: recorded on the child, in the
chronology, and read by Ofsted's Annex A list of children on a plan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cpcase import chronology, front_door
from cpcase.errors import DomainError
from cpcase.models import AuditEvent, EmergencyProtection

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_recorded_audited_and_in_the_chronology(social_worker, child):
    protection = front_door.emergency_protection_record(
        actor=social_worker,
        child_id=child.pk,
        kind="epo",
        started_on=TODAY - dt.timedelta(days=40),
        ended_on=TODAY - dt.timedelta(days=33),
    )
    assert AuditEvent.objects.filter(object_id=str(protection.pk), action="create").exists()
    kinds = [e.kind for e in chronology.events_for(child, social_worker)]
    assert "emergency_protection" in kinds


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "care_order"}, "kind"),
        ({"started_on": 1}, "started_on"),
        ({"ended_on": -60}, "ended_on"),
    ],
)
def test_bad_input_names_the_field(social_worker, child, changes, field):
    today = timezone.localdate()
    # Days from today, counted when the test runs (not when it is collected).
    changes = {
        k: today + dt.timedelta(days=v) if isinstance(v, int) else v for k, v in changes.items()
    }
    data = {"kind": "police_protection", "started_on": today - dt.timedelta(days=10)} | changes
    with pytest.raises(DomainError) as e:
        front_door.emergency_protection_record(actor=social_worker, child_id=child.pk, **data)
    assert field in e.value.errors
    assert not EmergencyProtection.objects.exists()


def test_children_protected_since(social_worker, child):
    front_door.emergency_protection_record(
        actor=social_worker,
        child_id=child.pk,
        kind="police_protection",
        started_on=TODAY - dt.timedelta(days=300),
        ended_on=TODAY - dt.timedelta(days=298),
    )
    assert front_door.children_protected_since([child.pk], TODAY - dt.timedelta(days=365)) == {
        child.pk
    }
    assert front_door.children_protected_since([child.pk], TODAY - dt.timedelta(days=183)) == set()


def test_page_keeps_what_was_typed_on_an_error(client, social_worker, child):
    client.force_login(social_worker)
    url = reverse("emergency-protection-add", args=[child.pk])
    response = client.post(
        url,
        {
            "kind": "epo",
            "started_on_0": "31",
            "started_on_1": "2",
            "started_on_2": "2026",
            "notes": "Granted by the family court out of hours",
        },
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert "Granted by the family court out of hours" in response.content.decode()
    response = client.post(
        url,
        {
            "kind": "epo",
            "started_on_0": str((TODAY - dt.timedelta(days=5)).day),
            "started_on_1": str((TODAY - dt.timedelta(days=5)).month),
            "started_on_2": str((TODAY - dt.timedelta(days=5)).year),
        },
    )
    assert response.status_code == 302
    assert EmergencyProtection.objects.filter(child=child, kind="epo").exists()


def test_api(api_as, social_worker, police_enquirer, child):
    client = api_as(social_worker)
    url = f"/api/v1/children/{child.pk}/emergency-protection/"
    response = client.post(url, {"kind": "nope", "started_on": "2026-01-01"}, format="json")
    assert response.status_code == 400
    assert "kind" in response.json()
    started = (TODAY - dt.timedelta(days=3)).isoformat()
    response = client.post(url, {"kind": "epo", "started_on": started}, format="json")
    assert response.status_code == 201, response.json()
    listed = client.get(url).json()
    assert listed["count"] == 1
    assert listed["results"][0]["kind"] == "epo"
    assert api_as(police_enquirer).get(url).status_code == 404

"""The authority's timescales and calendar in the admin, through the services."""

import datetime as dt

import pytest

from cpcase.models import AuditEvent, CalendarDay, TimescaleRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for(client):
    def sign_in(user):
        user.is_staff = True
        user.save()
        client.force_login(user)
        return client

    return sign_in


def test_the_unit_manager_overrides_a_timescale(admin_client_for, unit_manager, authority):
    client = admin_client_for(unit_manager)
    r = client.post(
        "/admin/cpcase/timescalerule/add/",
        {
            "kind": "statutory_visit",
            "value": "10",
            "unit": "working_days",
            "note": "Local procedure",
        },
        HTTP_HOST="localhost",
    )
    assert r.status_code == 302, r.content
    rule = TimescaleRule.objects.get(profile__authority=authority)
    assert (rule.kind, rule.value) == ("statutory_visit", 10)
    assert AuditEvent.objects.filter(object_type="timescalerule", actor=unit_manager).exists()


def test_nonsense_is_refused_with_a_message(admin_client_for, unit_manager, authority):
    client = admin_client_for(unit_manager)
    r = client.post(
        "/admin/cpcase/timescalerule/add/",
        {"kind": "icpc", "value": "0", "unit": "working_days"},
        HTTP_HOST="localhost",
    )
    assert r.status_code == 200 and b"at least 1" in r.content
    assert not TimescaleRule.objects.filter(profile__authority=authority).exists()


def test_a_closure_day(admin_client_for, system_admin, authority):
    client = admin_client_for(system_admin)
    r = client.post(
        "/admin/cpcase/calendarday/add/",
        {"date": "2026-12-29", "kind": "closure", "reason": "Office closed"},
        HTTP_HOST="localhost",
    )
    assert r.status_code == 302, r.content
    assert CalendarDay.objects.get(authority=authority).date == dt.date(2026, 12, 29)


def test_a_social_worker_has_no_way_in(admin_client_for, social_worker):
    client = admin_client_for(social_worker)
    assert client.get("/admin/cpcase/timescalerule/", HTTP_HOST="localhost").status_code == 403

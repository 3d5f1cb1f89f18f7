"""Setting a child looked after records since when: required when ``looked_after`` becomes
true (not in the future, not before the birth), cleared when it becomes false."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from cpcase import services
from cpcase.errors import DomainError

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
HOST = {"HTTP_HOST": "localhost"}


def _detail(child) -> str:
    return f"/api/v1/children/{child.pk}/"


def _update(actor, child, **changes):
    child.refresh_from_db()
    return services.child_update(
        actor=actor, child_id=child.pk, version=child.version, changes=changes
    )


@pytest.mark.parametrize(
    ("since", "message"),
    [
        (None, "Enter the date the child became looked after."),
        (TODAY + dt.timedelta(days=1), "cannot be in the future"),
        (dt.date(2018, 5, 16), "cannot be before the date of birth"),
    ],
)
def test_becoming_looked_after_needs_a_date_that_can_be(social_worker, child, since, message):
    changes = {"looked_after": True}
    if since is not None:
        changes["looked_after_since"] = since
    with pytest.raises(DomainError) as caught:
        _update(social_worker, child, **changes)
    assert message in caught.value.errors["looked_after_since"][0]
    child.refresh_from_db()
    assert (child.looked_after, child.looked_after_since, child.version) == (False, None, 1)


def test_the_date_is_kept_then_cleared(social_worker, child):
    since = TODAY - dt.timedelta(days=10)
    _update(social_worker, child, looked_after=True, looked_after_since=since)
    child.refresh_from_db()
    assert (child.looked_after, child.looked_after_since) == (True, since)
    _update(social_worker, child, first_name="Amelie")  # other changes need nothing more
    child.refresh_from_db()
    assert child.looked_after_since == since
    _update(social_worker, child, looked_after=False)
    child.refresh_from_db()
    assert (child.looked_after, child.looked_after_since) == (False, None)


def test_the_api_answers_400_naming_the_field_and_changes_nothing(api_as, social_worker, child):
    api = api_as(social_worker)
    r = api.patch(_detail(child), {"looked_after": True, "version": 1}, format="json")
    assert r.status_code == 400
    assert list(r.json()) == ["looked_after_since"]
    future = (TODAY + dt.timedelta(days=3)).isoformat()
    r = api.patch(
        _detail(child),
        {"looked_after": True, "looked_after_since": future, "version": 1},
        format="json",
    )
    assert r.status_code == 400 and "looked_after_since" in r.json()
    r = api.patch(
        _detail(child),
        {"looked_after": True, "looked_after_since": "not a date", "version": 1},
        format="json",
    )
    assert r.status_code == 400 and "looked_after_since" in r.json()
    since = (TODAY - dt.timedelta(days=2)).isoformat()
    r = api.patch(
        _detail(child),
        {"looked_after": True, "looked_after_since": since, "version": 1},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert (r.json()["looked_after"], r.json()["looked_after_since"]) == (True, since)
    r = api.patch(_detail(child), {"looked_after": False, "version": 2}, format="json")
    assert r.status_code == 200
    assert r.json()["looked_after_since"] is None


def test_a_new_child_looked_after_from_the_start(api_as, social_worker):
    body = {
        "first_name": "Robin",
        "last_name": "Testchild",
        "date_of_birth": "2019-04-02",
        "looked_after": True,
    }
    r = api_as(social_worker).post("/api/v1/children/", body, format="json")
    assert r.status_code == 400 and "looked_after_since" in r.json()
    r = api_as(social_worker).post(
        "/api/v1/children/", {**body, "looked_after_since": "2025-06-01"}, format="json"
    )
    assert r.status_code == 201, r.json()
    assert r.json()["looked_after_since"] == "2025-06-01"


def _form(child, **overrides):
    data = {
        "first_name": child.first_name,
        "last_name": child.last_name,
        "date_of_birth_0": str(child.date_of_birth.day),
        "date_of_birth_1": str(child.date_of_birth.month),
        "date_of_birth_2": str(child.date_of_birth.year),
        "sex": child.sex,
        "looked_after": "on",
        "version": str(child.version),
    }
    data.update(overrides)
    return data


def test_the_child_form_asks_for_the_date(social_worker, child):
    client = Client()
    client.force_login(social_worker)
    url = f"/children/{child.pk}/edit/"
    assert 'name="looked_after_since_0"' in client.get(url, **HOST).content.decode()
    r = client.post(url, _form(child), **HOST)
    assert r.status_code == 200
    html = r.content.decode()
    assert "govuk-error-summary" in html
    assert "Enter the date the child became looked after." in html
    child.refresh_from_db()
    assert child.looked_after is False
    since = TODAY - dt.timedelta(days=7)
    r = client.post(
        url,
        _form(
            child,
            looked_after_since_0=str(since.day),
            looked_after_since_1=str(since.month),
            looked_after_since_2=str(since.year),
        ),
        **HOST,
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    child.refresh_from_db()
    assert (child.looked_after, child.looked_after_since) == (True, since)

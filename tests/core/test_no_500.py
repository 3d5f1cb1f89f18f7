"""Bad input is a 400 naming the field, changes nothing, and never a 500 (issue 11, section 6)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

import pytest
from django.test import Client
from django.urls import path
from django.utils import timezone

from cpcase import urls as cpcase_urls
from cpcase.models import AuditEvent, Child
from plans import services as plan_services
from plans.services import CoreGroupInput, IssueInput
from registry.models import Enquiry

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
ENQUIRER = {
    "name": "PC Alex Example",
    "agency": "Testshire Police",
    "role": "Response officer",
    "phone": "01632 960555",
    "reference": "TP1234",
}
SEARCH = {"first_name": "Amelia", "last_name": "Testchild", "date_of_birth": "2018-05-17"}
NESTED = "[" * 50_000


def _counts() -> tuple[int, int, int]:
    return Child.objects.count(), Enquiry.objects.count(), AuditEvent.objects.count()


# --- Deeply nested and oversized bodies -----------------------------------------------


@pytest.mark.parametrize(
    ("url", "persona"),
    [
        ("/api/v1/auth/token/", None),
        ("/api/v1/children/", "social_worker"),
        ("/api/v1/register/enquiries/", "police_enquirer"),
        ("/api/v1/visits/", "social_worker"),
        ("/api/v1/conferences/", "unit_manager"),
    ],
)
def test_a_deeply_nested_body_is_a_400(request, api, url, persona):
    if persona:
        api.force_authenticate(request.getfixturevalue(persona))
    before = _counts()
    r = api.post(url, NESTED, content_type="application/json")
    assert r.status_code == 400, r.content
    assert "nested" in r.json()["detail"]
    assert _counts() == before


def test_a_body_a_little_too_deep_is_refused_and_one_within_the_limit_is_read(
    api_as, social_worker, settings
):
    settings.CPCASE_API_MAX_JSON_DEPTH = 4
    api = api_as(social_worker)
    deep = {"address": {"line1": {"a": {"b": {"c": "x"}}}}}
    r = api.post("/api/v1/children/", deep, format="json")
    assert r.status_code == 400 and "nested" in r.json()["detail"]
    shallow = {"last_name": "Testchild", "address": {"line1": ["x"]}}
    r = api.post("/api/v1/children/", shallow, format="json")
    assert r.status_code == 400 and "address" in r.json()  # read, and refused by the field


def test_an_oversized_body_is_a_400(api_as, social_worker, settings):
    settings.CPCASE_API_MAX_BODY_BYTES = 2048
    before = _counts()
    body = json.dumps({"last_name": "x" * 4096})
    r = api_as(social_worker).post("/api/v1/children/", body, content_type="application/json")
    assert r.status_code == 400 and "larger than 2048 bytes" in r.json()["detail"]
    assert _counts() == before


# --- NUL characters -------------------------------------------------------------------


@pytest.fixture
def plan(chair, child, social_worker, core_group_member):
    return plan_services.plan_start(
        actor=chair,
        child=child,
        started_on=TODAY - dt.timedelta(days=10),
        category="NEG",
        issues=[IssueInput("Left alone in the evenings", "HRI", "An adult is with her", "High")],
        lead_social_worker=social_worker,
        core_group=[CoreGroupInput(kind="professional", user=core_group_member)],
    )


def test_a_nul_in_the_responsible_authority_is_a_400_naming_it(api_as, social_worker, authority):
    before = _counts()
    r = api_as(social_worker).post(
        "/api/v1/children/",
        {"last_name": "Testchild", "responsible_authority": "\u0000"},
        format="json",
    )
    assert r.status_code == 400 and "responsible_authority" in r.json()
    assert _counts() == before


def test_a_nul_anywhere_in_a_body_is_named_by_where_it_is(api_as, police_enquirer):
    r = api_as(police_enquirer).post(
        "/api/v1/register/enquiries/",
        {"enquirer": {**ENQUIRER, "name": "PC\u0000"}, "reason": "Welfare", "search": SEARCH},
        format="json",
    )
    assert r.status_code == 400
    assert "NUL" in r.json()["enquirer"]["name"][0]


@pytest.mark.parametrize("format", ["multipart", None])
def test_a_nul_in_a_form_encoded_body_is_a_400_naming_it(api_as, social_worker, format):
    before = _counts()
    api = api_as(social_worker)
    data = {"last_name": "Testchild", "resident_authority": "\u0000"}
    if format:
        r = api.post("/api/v1/children/", data, format=format)
    else:
        body = "last_name=Testchild&resident_authority=%00"
        r = api.post("/api/v1/children/", body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and "NUL" in r.json()["resident_authority"][0]
    assert _counts() == before


def test_a_nul_in_an_enquiry_reason_is_a_400_through_the_api(api_as, police_enquirer):
    before = _counts()
    r = api_as(police_enquirer).post(
        "/api/v1/register/enquiries/",
        {"enquirer": ENQUIRER, "reason": "Welfare\u0000 check", "search": SEARCH},
        format="json",
    )
    assert r.status_code == 400 and "reason" in r.json()
    assert _counts() == before


def test_a_nul_in_an_enquiry_reason_is_refused_on_the_register_page(client, police_enquirer):
    client.force_login(police_enquirer)
    r = client.post(
        "/register/",
        {**ENQUIRER, "reason": "Welfare\u0000 check", "first_name": "Amelia"},
    )
    assert r.status_code == 200
    assert "Null characters are not allowed" in r.content.decode()
    refused = Enquiry.objects.get()
    assert refused.outcome == Enquiry.Outcome.REFUSED and "\x00" not in refused.reason
    assert refused.enquirer_name == ENQUIRER["name"]


def test_a_nul_in_the_daily_safety_check_is_a_400(api_as, plan, social_worker):
    r = api_as(social_worker).patch(
        f"/api/v1/plans/{plan.pk}/",
        {"daily_safety_check": "School\u0000", "version": plan.version},
        format="json",
    )
    assert r.status_code == 400 and "daily_safety_check" in r.json()
    plan.refresh_from_db()
    assert plan.daily_safety_check == ""


def test_a_nul_in_a_query_parameter_is_not_a_500(api_as, unit_manager, social_worker, plan):
    for user, url in (
        (social_worker, "/api/v1/children/?q=%00"),
        (social_worker, "/api/v1/plans/?child=%00"),
        (unit_manager, "/api/v1/register/?q=%00"),
    ):
        assert api_as(user).get(url).status_code < 500, url


# --- Partial addresses ----------------------------------------------------------------


@pytest.mark.parametrize("address", [{"town": "Testbury"}, {}])
def test_a_partial_address_on_patch_is_a_400_naming_the_missing_parts(
    api_as, child, social_worker, address
):
    before = (child.version, str(child.address))
    r = api_as(social_worker).patch(
        f"/api/v1/children/{child.pk}/",
        {"address": address, "version": child.version},
        format="json",
    )
    assert r.status_code == 400, r.content
    missing = r.json()["address"]
    assert "line1" in missing and "postcode" in missing
    child.refresh_from_db()
    assert (child.version, str(child.address)) == before


# --- The enquirer's details -----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "limit"),
    [("name", 200), ("agency", 200), ("role", 200), ("phone", 50), ("reference", 100)],
)
def test_an_enquirers_detail_too_long_is_a_400_and_the_attempt_is_logged(
    api_as, police_enquirer, field, limit
):
    r = api_as(police_enquirer).post(
        "/api/v1/register/enquiries/",
        {"enquirer": {**ENQUIRER, field: "x" * (limit + 1)}, "reason": "Welfare", "search": SEARCH},
        format="json",
    )
    assert r.status_code == 400, r.content
    assert f"no more than {limit} characters" in r.json()["enquirer"][field][0]
    refused = Enquiry.objects.get()
    assert refused.outcome == Enquiry.Outcome.REFUSED
    assert getattr(refused, f"enquirer_{field}") == "x" * limit  # what could be kept of it
    assert refused.refusal["enquirer"][field]


# --- A 500 that happens anyway --------------------------------------------------------


def _boom(request):
    raise RuntimeError("a fault nobody foresaw")


# The application's own URLs and error handlers, with two views that fail.
urlpatterns = [path("api/v1/boom/", _boom), path("boom/", _boom), *cpcase_urls.urlpatterns]
handler500 = cpcase_urls.handler500


@pytest.mark.urls(__name__)
def test_a_500_answers_an_api_client_in_json_with_an_id_in_the_log(social_worker, caplog):
    client = Client(raise_request_exception=False)
    client.force_login(social_worker)
    with caplog.at_level(logging.ERROR):
        r = client.get("/api/v1/boom/")
    assert r.status_code == 500 and r["Content-Type"] == "application/json"
    body = r.json()
    assert set(body) == {"detail", "error_id"} and body["error_id"]
    assert body["error_id"] in caplog.text and "a fault nobody foresaw" in caplog.text
    page = client.get("/boom/", HTTP_ACCEPT="application/json")
    assert page.status_code == 500 and "error_id" in page.json()
    html = client.get("/boom/", HTTP_ACCEPT="text/html")
    assert html.status_code == 500 and b"Sorry, there is a problem" in html.content


def test_a_visit_before_the_child_was_born_is_a_400_not_a_date_nobody_can_read(
    api_as, child, social_worker
):
    """The schema fuzz recorded a visit in the year 420, rendered with a local mean time
    offset no client can parse; now it is refused."""
    r = api_as(social_worker).post(
        "/api/v1/visits/",
        {
            "child": str(child.pk),
            "kind": "home_visit",
            "visited_at": "0420-11-24T09:32:55+00:00",
            "child_seen": True,
        },
        format="json",
    )
    assert r.status_code == 400 and "before the child was born" in r.json()["visited_at"][0]


@pytest.mark.urls(__name__)
def test_the_500_page_answers_when_the_user_cannot_be_read(social_worker, caplog, monkeypatch):
    """The database gone at 3 a.m.: the signed-in user cannot be loaded, so neither the
    page nor its error page may need them."""
    from django.contrib import auth
    from django.db import OperationalError

    client = Client(raise_request_exception=False)
    client.force_login(social_worker)

    def unreachable(request):
        raise OperationalError("the database is not answering")

    monkeypatch.setattr(auth, "get_user", unreachable)
    with caplog.at_level(logging.ERROR):
        html = client.get("/boom/", HTTP_ACCEPT="text/html")
    assert html.status_code == 500 and b"Sorry, there is a problem" in html.content
    error_id = re.search(rb"quote the error id ([0-9a-f-]{36})", html.content)
    assert error_id and error_id.group(1).decode() in caplog.text

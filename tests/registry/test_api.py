"""The register API of API.md: the enquirer's journey and what the enquirer can never reach."""

import datetime as dt

import pytest
from django.utils import timezone

from registry.models import Enquiry
from tests.factories import PlanFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
ENQUIRER = {
    "name": "PC Alex Example",
    "agency": "Testshire Police",
    "role": "Response officer",
    "phone": "01632 960555",
    "reference": "TP1234",
}


@pytest.fixture
def on_plan(child):
    PlanFactory(child=child, started_on=TODAY - dt.timedelta(days=60), latest_category="NEG")
    return child


def test_the_enquirers_journey(api_as, police_enquirer, on_plan, unit_manager):
    r = api_as(police_enquirer).post(
        "/api/v1/register/enquiries/",
        {
            "enquirer": ENQUIRER,
            "reason": "Concern for welfare call at 02:40",
            "search": {
                "first_name": "Amelai",
                "last_name": "Testchild",
                "date_of_birth": "2018-05-17",
            },
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    (match,) = r.json()["matches"]
    assert set(match) == {
        "child_ref",
        "name",
        "date_of_birth",
        "has_active_plan",
        "category",
        "responsible_authority",
        "lead_social_worker",
        "case_open",
    }
    assert match["has_active_plan"] is True and match["category"] == "NEG"
    log = api_as(unit_manager).get("/api/v1/register/enquiries/").json()
    assert log["count"] == 1 and log["results"][0]["enquirer"]["name"] == "PC Alex Example"
    assert (
        api_as(unit_manager)
        .post(f"/api/v1/register/enquiries/{r.json()['id']}/reviewed/")
        .status_code
        == 200
    )
    export = api_as(unit_manager).get("/api/v1/register/enquiries/export/")
    assert export.status_code == 200 and export["Content-Type"] == "text/csv"


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "Welfare", "search": {"nhs_number": "9990000018"}},
        {
            "enquirer": {**ENQUIRER, "phone": ""},
            "reason": "Welfare",
            "search": {"nhs_number": "9990000018"},
        },
        {"enquirer": ENQUIRER, "search": {"nhs_number": "9990000018"}},
        {
            "enquirer": ENQUIRER,
            "reason": "Welfare",
            "search": {"last_name": "T", "date_of_birth": "2018-05-17"},
        },
        {"enquirer": ENQUIRER, "reason": "Welfare", "search": {}},
        {
            "enquirer": ENQUIRER,
            "reason": "Welfare",
            "search": {"date_of_birth": "17/05/2018", "last_name": "Testchild"},
        },
        {"enquirer": "me", "reason": "Welfare"},
    ],
)
def test_bad_enquiries_are_400s_with_no_child_information_and_are_recorded(
    api_as, police_enquirer, on_plan, body
):
    r = api_as(police_enquirer).post("/api/v1/register/enquiries/", body, format="json")
    assert r.status_code == 400
    assert "Testchild" not in r.content.decode()
    assert Enquiry.objects.get().outcome == "refused"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/children/",
        "/api/v1/plans/",
        "/api/v1/visits/",
        "/api/v1/conferences/",
        "/api/v1/register/",
        "/api/v1/register/enquiries/",
        "/api/v1/register/possible-matches/",
    ],
)
def test_an_enquirer_reaches_nothing_else(api_as, police_enquirer, on_plan, path):
    r = api_as(police_enquirer).get(path)
    assert r.status_code in (403, 404) or (r.status_code == 200 and r.json()["count"] == 0)
    assert "Testchild" not in r.content.decode()


def test_an_enquirer_cannot_fetch_the_child_or_plan(api_as, police_enquirer, on_plan):
    api = api_as(police_enquirer)
    assert api.get(f"/api/v1/children/{on_plan.pk}/").status_code in (403, 404)
    plan = on_plan.plans.get()
    assert api.get(f"/api/v1/plans/{plan.pk}/").status_code == 404


def test_the_unit_managers_register_and_figures(api_as, unit_manager, on_plan, social_worker):
    api = api_as(unit_manager)
    body = api.get("/api/v1/register/?q=Testchlid").json()
    assert body["count"] == 1 and body["results"][0]["category"] == "NEG"
    assert api.get("/api/v1/register/?date_of_birth=nonsense").status_code == 400
    assert api.get("/api/v1/register/statistics/").json()["total"] == 1
    assert api_as(social_worker).get("/api/v1/register/").status_code == 403

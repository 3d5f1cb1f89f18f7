"""Who gets what from every route: each page and each API operation of the URL
configuration, asked by every role (and by nobody signed in), against the table below.

A route with no row fails, so a new route cannot arrive without someone deciding who may
use it. An unsafe method is sent with an empty body: the permission answer (403, 404) is
what is checked, and a refused request must change nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import transaction

from tests.support.routes import UNSAFE, routes, send, status_class, world_for

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "social_worker",
    "team_manager",
    "service_leader",
    "conference_chair",
    "safeguarding_unit_manager",
    "core_group_member",
    "police_enquirer",
    "health_enquirer",
    "senior_officer",
    "system_admin",
)

# Each row: the expected status of each role, in the order of ROLES:
#   anonymous, social worker, team manager, service leader, conference chair,
#   safeguarding unit manager, core group member, police enquirer, health enquirer,
#   senior officer, system administrator.
# 200 is any success and 302 any redirect (signing in, or on to the next page).
# fmt: off
MATRIX: dict[str, str] = {
    # the API's description and docs: signed-in users only
    "schema":                                        "401 200 200 200 200 200 200 200 200 200 200",
    "api-docs":                                      "302 200 200 200 200 200 200 200 200 200 200",
    "api-token POST":                                "400 400 400 400 400 400 400 400 400 400 400",
    "api-token DELETE":                              "401 400 400 400 400 400 400 400 400 400 400",
    "api-tokens GET":                                "401 200 200 200 200 200 200 200 200 200 200",
    # a system administrator revokes the tokens of their authority's staff; others see none
    "api-token-revoke DELETE":                       "401 200 404 404 404 404 404 404 404 404 200",
    "api-me GET":                                    "401 200 200 200 200 200 200 200 200 200 200",
    "api-staff GET":                                 "401 200 200 200 200 200 200 200 200 200 200",
    "api-children GET":                              "401 200 200 200 200 200 403 403 403 200 403",
    "api-children POST":                             "401 400 400 403 403 400 403 403 403 403 403",
    "api-child GET":                                 "401 200 200 200 200 200 404 404 404 200 404",
    "api-child PATCH":                               "401 400 400 403 403 400 404 404 404 403 404",
    "api-child-people GET":                          "401 200 200 200 200 200 404 404 404 200 404",
    "api-child-people POST":                         "401 400 400 403 403 400 404 404 404 403 404",
    "api-child-emergency-protection GET":            "401 200 200 200 200 200 404 404 404 200 404",
    "api-child-emergency-protection POST":           "401 400 400 403 403 400 404 404 404 403 404",
    "api-child-timescales GET":                      "401 200 200 200 200 200 404 404 404 200 404",
    "api-child-chronology GET":                      "401 200 200 200 200 200 404 404 404 200 404",
    "api-child-access-history GET":                  "401 403 403 403 403 200 404 404 404 403 404",
    "api-notifications GET":                         "401 200 200 200 200 200 200 200 200 200 200",
    "api-notifications-read-all POST":               "401 200 200 200 200 200 200 200 200 200 200",
    "api-notification-read POST":                    "401 200 404 404 404 404 404 404 404 404 404",
    "conferences-api:api-strategy-discussions POST": "401 400 400 400 400 400 400 400 400 400 400",
    # no case access: refused, as the conferences page does
    "conferences-api:api-conferences GET":           "401 200 200 200 200 200 403 403 403 200 403",
    "conferences-api:api-conferences POST":          "401 400 400 400 400 400 400 400 400 400 400",
    "conferences-api:api-conference GET":            "401 200 200 200 200 200 404 404 404 200 404",
    "conferences-api:api-conference-outcome POST":   "401 403 403 403 400 403 404 404 404 403 404",
    "conferences-api:api-conference-finalise POST":  "401 403 403 403 400 403 404 404 404 403 404",
    "conferences-api:api-conference-letters GET":    "401 200 200 200 200 200 404 404 404 200 404",
    "conferences-api:api-letter-pdf GET":            "401 200 200 200 200 200 404 404 404 200 404",
    # professional disagreements: raised by the lead social worker or the team manager,
    # resolved by the service leader of the child's responsible authority
    "conferences-api:api-disagreements GET":         "401 200 200 200 200 200 403 403 403 200 403",
    "conferences-api:api-disagreements POST":        "401 400 400 400 400 400 400 400 400 400 400",
    "conferences-api:api-disagreement GET":          "401 200 200 200 200 200 404 404 404 200 404",
    "conferences-api:api-disagreement-outcome POST": "401 403 403 400 403 403 404 404 404 403 404",
    # notice of a move in: the receiving authority's unit manager or a team manager
    "conferences-api:api-transfer-notices POST":     "401 403 400 403 403 400 403 403 403 403 403",
    # no path to plans: refused, as GET /api/v1/children/ does
    "plans-api:api-plans GET":                       "401 200 200 200 200 200 200 403 403 200 403",
    "plans-api:api-plan GET":                        "401 200 200 200 200 200 200 404 404 200 404",
    "plans-api:api-plan PATCH":                      "401 400 400 403 403 400 403 404 404 403 404",
    "plans-api:api-plan-actions POST":               "401 400 400 400 400 400 400 400 400 400 400",
    "plans-api:api-plan-submit POST":                "401 200 200 403 403 200 403 404 404 403 404",
    "plans-api:api-plan-authorise POST":             "401 403 400 403 403 403 403 404 404 403 404",
    "plans-api:api-plan-return POST":                "401 403 400 403 403 403 403 404 404 403 404",
    "plans-api:api-plan-versions GET":               "401 200 200 200 200 200 200 404 404 200 404",
    "plans-api:api-core-group-meetings GET":         "401 200 200 200 200 200 200 404 404 200 404",
    "plans-api:api-core-group-meetings POST":        "401 400 400 400 400 400 400 400 400 400 400",
    "plans-api:api-action-progress POST":            "401 400 400 400 400 400 400 400 400 400 400",
    # no case access: refused, as GET /api/v1/children/ does
    "visits-api:api-visits GET":                     "401 200 200 200 200 200 403 403 403 200 403",
    "visits-api:api-visits POST":                    "401 400 400 400 400 400 400 400 400 400 400",
    "visits-api:api-visit GET":                      "401 200 200 200 200 200 404 404 404 200 404",
    "visits-api:api-visit PUT":                      "401 400 400 400 400 400 400 400 400 400 400",
    "visits-api:api-visit-amend POST":               "401 400 400 400 400 400 400 400 400 400 400",
    "visits-api:api-cannot-visit POST":              "401 400 400 400 400 400 400 400 400 400 400",
    "registry-api:api-cin-census GET":               "401 403 403 403 403 200 403 403 403 403 403",
    "registry-api:api-annex-a GET":                  "401 403 403 403 403 200 403 403 403 403 403",
    "registry-api:api-annex-a-workbook GET":         "401 403 403 403 403 200 403 403 403 403 403",
    # the unit manager's return jobs, their authority's alone
    "registry-api:api-return-jobs GET":              "401 403 403 403 403 200 403 403 403 403 403",
    "registry-api:api-return-jobs POST":             "401 403 403 403 403 400 403 403 403 403 403",
    "registry-api:api-return-job GET":               "401 403 403 403 403 200 403 403 403 403 403",
    "registry-api:api-return-job-download GET":      "401 403 403 403 403 200 403 403 403 403 403",
    "registry-api:api-register GET":                 "401 403 403 403 403 200 403 403 403 403 403",
    "registry-api:api-register-statistics GET":      "401 403 403 403 403 200 403 403 403 403 403",
    "registry-api:api-enquiries GET":                "401 403 403 403 403 200 403 403 403 403 403",
    "registry-api:api-enquiries POST":               "401 403 403 403 403 400 403 400 400 403 403",
    "registry-api:api-enquiries-export GET":         "401 403 403 403 403 200 403 403 403 403 403",
    "registry-api:api-enquiry-reviewed POST":        "401 403 403 403 403 200 403 403 403 403 403",
    "registry-api:api-releases POST":                "401 400 400 403 403 403 403 403 403 403 403",
    "registry-api:api-release-decision POST":        "401 400 400 400 400 400 400 400 400 400 400",
    "registry-api:api-released-plans GET":           "401 404 404 404 404 404 404 404 404 404 404",
    "registry-api:api-designated-managers POST":     "401 400 400 400 400 400 400 400 400 400 400",
    "register-home":                                 "302 403 403 403 403 200 403 200 200 403 403",
    "register-list":                                 "302 403 403 403 403 200 403 403 403 403 403",
    "register-correct":                              "302 403 403 403 403 200 403 403 403 403 403",
    "register-log":                                  "302 403 403 403 403 200 403 403 403 403 403",
    "register-log-export":                           "302 403 403 403 403 200 403 403 403 403 403",
    "register-annex-a":                              "302 403 403 403 403 200 403 403 403 403 403",
    "register-annex-a-workbook":                     "302 403 403 403 403 200 403 403 403 403 403",
    "register-reviewed":                             "302 405 405 405 405 405 405 405 405 405 405",
    "register-releases":                             "302 200 200 403 403 200 403 403 403 403 403",
    "register-release":                              "302 404 404 404 404 200 404 404 404 404 404",
    "register-release-plans":                        "302 404 404 404 404 404 404 404 404 404 404",
    "register-release-request":                      "302 200 200 403 403 403 403 403 403 403 403",
    "register-designated-managers":                  "302 403 403 403 403 200 403 403 403 403 403",
    "register-returns":                              "302 403 403 403 403 200 403 403 403 403 403",
    "register-return-download":                      "302 403 403 403 403 200 403 403 403 403 403",
    # the service's measures: counts by team, for the service leader and the unit manager
    "measures":                                      "302 403 403 200 403 200 403 403 403 403 403",
    # chair and unit manager: GET /api/v1/visits/ serves them
    "team-visits":                                   "302 200 200 200 200 200 403 403 403 200 403",
    "visit-draft":                                   "302 200 404 404 404 404 404 404 404 404 404",
    "visit-record":                                  "302 200 200 403 403 403 404 404 404 403 404",
    "cannot-visit":                                  "302 200 200 403 403 403 404 404 404 403 404",
    "conference-list":                               "302 200 200 200 200 200 403 403 403 200 403",
    "conference-detail":                             "302 200 200 200 200 200 404 404 404 200 404",
    "conference-outcome":                            "302 403 403 403 302 403 404 404 404 403 404",
    "conference-finalise":                           "302 403 403 403 200 403 404 404 404 403 404",
    "conference-letters":                            "302 200 200 200 200 200 404 404 404 200 404",
    "complaint-record":                              "302 200 200 200 200 200 404 404 404 200 404",
    "letter-pdf":                                    "302 200 200 200 200 200 404 404 404 200 404",
    "letter-print":                                  "302 200 200 200 200 200 404 404 404 200 404",
    "letter-sent":                                   "302 200 200 200 200 200 404 404 404 200 404",
    "complaint-detail":                              "302 200 200 200 200 200 404 404 404 200 404",
    "complaint-letter":                              "302 200 200 200 200 200 404 404 404 200 404",
    "disagreement-raise-conference":                 "302 200 200 403 403 403 404 404 404 403 404",
    "disagreement-raise-plan":                       "302 200 200 403 403 403 403 404 404 403 404",
    "disagreement-list":                             "302 200 200 200 200 200 403 403 403 200 403",
    "disagreement-detail":                           "302 200 200 200 200 200 404 404 404 200 404",
    # Amelia is this authority's own child: only another authority records her move in
    "transfer-notice-record":                        "302 403 403 403 403 403 404 404 404 403 404",
    "child-conferences":                             "302 200 200 200 200 200 404 404 404 200 404",
    "conference-schedule":                           "302 403 200 403 200 200 404 404 404 403 404",
    "strategy-discussion-record":                    "302 200 200 403 403 200 404 404 404 403 404",
    "looked-after-event-record":                     "302 200 200 403 403 200 404 404 404 403 404",
    "child-plan":                                    "302 302 302 302 302 302 302 404 404 302 404",
    "plan-detail":                                   "302 200 200 200 200 200 200 404 404 200 404",
    "plan-edit":                                     "302 200 200 403 403 200 403 404 404 403 404",
    "plan-action-add":                               "302 200 200 403 403 200 403 404 404 403 404",
    "plan-action-change":                            "302 200 200 403 403 200 403 404 404 403 404",
    "plan-action-progress":                          "302 200 200 403 403 200 403 404 404 403 404",
    "plan-submit":                                   "302 200 200 403 403 200 403 404 404 403 404",
    "plan-authorise":                                "302 403 200 403 403 403 403 404 404 403 404",
    "plan-versions":                                 "302 200 200 200 200 200 200 404 404 200 404",
    "plan-versions-compare":                         "302 200 200 200 200 200 200 404 404 200 404",
    "plan-meeting-record":                           "302 200 200 403 403 200 403 404 404 403 404",
    "plan-pdf":                                      "302 200 200 200 200 200 200 404 404 200 404",
    "plan-end":                                      "302 403 403 403 403 200 403 404 404 403 404",
    "plan-step-down":                                "302 200 200 403 200 200 403 404 404 403 404",
    "home":                                          "302 200 200 200 200 200 200 200 200 200 200",
    # My week (issue 14): social workers and team managers only
    "my-week":                                       "302 200 200 403 403 403 403 403 403 403 403",
    "login":                                         "200 302 302 302 302 302 302 302 302 302 302",
    "logout":                                        "405 405 405 405 405 405 405 405 405 405 405",
    "child-search":                                  "302 200 200 200 200 200 403 403 403 200 403",
    "child-create":                                  "302 200 200 403 403 200 403 403 403 403 403",
    "child-detail":                                  "302 200 200 200 200 200 404 404 404 200 404",
    "child-chronology":                              "302 200 200 200 200 200 200 404 404 200 404",
    "child-chronology-pdf":                          "302 200 200 200 200 200 200 404 404 200 404",
    "child-chronology-mark":                         "302 200 200 403 403 200 404 404 404 403 404",
    "child-edit":                                    "302 200 200 403 403 200 404 404 404 403 404",
    "person-add":                                    "302 200 200 403 403 200 404 404 404 403 404",
    "emergency-protection-add":                      "302 200 200 403 403 200 404 404 404 403 404",
    "access-history":                                "302 403 403 403 403 200 404 404 404 403 404",
    "notifications":                                 "302 200 200 200 200 200 200 200 200 200 200",
    "notifications-read-all":                        "302 405 405 405 405 405 405 405 405 405 405",
    "notification-read":                             "302 405 405 405 405 405 405 405 405 405 405",
    # the front door: those who may change the child's record record it; the child's team
    # manager alone authorises an assessment; lists as GET /api/v1/children/
    "api-referrals GET":                             "401 200 200 200 200 200 403 403 403 200 403",
    "api-referrals POST":                            "401 400 400 400 400 400 400 400 400 400 400",
    "api-referral GET":                              "401 200 200 200 200 200 404 404 404 200 404",
    "api-referral-close POST":                       "401 400 400 403 403 400 404 404 404 403 404",
    "api-assessments GET":                           "401 200 200 200 200 200 403 403 403 200 403",
    "api-assessments POST":                          "401 400 400 400 400 400 400 400 400 400 400",
    "api-assessment GET":                            "401 200 200 200 200 200 404 404 404 200 404",
    "api-assessment-authorise POST":                 "401 403 400 403 403 403 404 404 404 403 404",
    "api-child-cin-plan POST":                       "401 400 400 403 403 400 404 404 404 403 404",
    "api-child-cin-plan-end POST":                   "401 400 400 403 403 400 404 404 404 403 404",
    "conferences-api:api-section47-enquiries GET":   "401 200 200 200 200 200 403 403 403 200 403",
    "conferences-api:api-section47-enquiries POST":  "401 400 400 400 400 400 400 400 400 400 400",
    "conferences-api:api-section47-enquiry GET":     "401 200 200 200 200 200 404 404 404 200 404",
    "conferences-api:api-section47-outcome POST":    "401 400 400 403 403 400 404 404 404 403 404",
    "referral-record":                               "302 200 200 403 403 200 404 404 404 403 404",
    "assessment-record":                             "302 200 200 403 403 200 404 404 404 403 404",
    "assessment-authorise":                          "302 403 200 403 403 403 404 404 404 403 404",
    "cin-plan-start":                                "302 200 200 403 403 200 404 404 404 403 404",
    "cin-plan-end":                                  "302 200 200 403 403 200 404 404 404 403 404",
    "episode-close":                                 "302 200 200 403 403 200 404 404 404 403 404",
    "section47-record":                              "302 200 200 403 403 200 404 404 404 403 404",
    "section47-outcome":                             "302 200 200 403 403 200 404 404 404 403 404",
    # the safeguarding unit manager reviews weak register matches of their authority
    "registry-api:api-possible-matches GET":         "401 403 403 403 403 200 403 403 403 403 403",
    "registry-api:api-possible-match-reviewed POST": "401 403 403 403 403 400 403 403 403 403 403",
    "register-possible-matches":                     "302 403 403 403 403 200 403 403 403 403 403",
    "register-possible-match":                       "302 403 403 403 403 200 403 403 403 403 403",
    # signing in: an invalid reset link answers a page saying so; a verified session
    # is sent on from the second-factor pages, anybody else to sign in
    "password-reset-confirm":                        "200 200 200 200 200 200 200 200 200 200 200",
    "password-reset-complete":                       "200 200 200 200 200 200 200 200 200 200 200",
    "second-factor":                                 "302 302 302 302 302 302 302 302 302 302 302",
    "second-factor-enrol":                           "302 302 302 302 302 302 302 302 302 302 302",
}
# fmt: on


@pytest.fixture
def world(request):
    return world_for(request)


_CASE_APPS = ("cpcase", "plans", "conferences", "visits", "registry")


def _fingerprint() -> list[Any]:
    """Every row of the case records (the audit trail aside: a refusal is written there)."""
    rows: list[Any] = []
    for label in _CASE_APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.model_name == "auditevent":
                continue
            rows.append((model._meta.label, list(model.objects.order_by("pk").values())))
    return rows


def _table(actual: dict[str, dict[str, int]]) -> str:
    width = max(len(op) for op in actual) + 3
    lines = []
    for op, cells in actual.items():
        key = f'"{op}":'
        lines.append(f'    {key:<{width}} "{" ".join(str(cells[r]) for r in ROLES)}",')
    return "\n".join(lines)


def test_every_route_answers_every_role_as_the_table_says(world, client, api_as):
    operations = [(route, op) for route in routes() for op in route.operations()]
    names = {op for _, op in operations}
    actual: dict[str, dict[str, int]] = {op: {} for _, op in operations}
    changed: list[str] = []
    for role in ROLES:
        user = world.personas.get(role)
        if user is None:
            client.logout()
            api = api_as(None)
        else:
            client.force_login(user)
            api = api_as(user)
        baseline = _fingerprint()  # signing in changes the user's row
        for route, op in operations:
            method = op.rsplit(" ", 1)[1] if route.is_api else "GET"
            with transaction.atomic():
                response = send(
                    api if route.is_api else client, method, route.path(world), is_api=route.is_api
                )
                got = status_class(response.status_code)
                if method in UNSAFE and got in (401, 403, 404, 405) and _fingerprint() != baseline:
                    changed.append(f"{op} as {role}")
                transaction.set_rollback(True)
            actual[op][role] = got
    expected = {
        op: dict(zip(ROLES, map(int, row.split()), strict=True)) for op, row in MATRIX.items()
    }
    missing = sorted(names - expected.keys())
    stale = sorted(expected.keys() - names)
    wrong = [
        f"{op} as {role}: expected {expected[op][role]}, got {actual[op][role]}"
        for op in actual
        if op in expected
        for role in ROLES
        if expected[op][role] != actual[op][role]
    ]
    assert not (missing or stale or wrong or changed), (
        f"routes with no row: {missing}\nrows with no route: {stale}\n"
        f"wrong answers ({len(wrong)}):\n"
        + "\n".join(wrong)
        + f"\nrefused but changed something: {changed}\n\nwhat every route does now:\n"
        + _table(actual)
    )
    assert len(actual) * len(ROLES) == sum(len(cells) for cells in actual.values())

"""Every read of case content is in the audit trail, naming each child shown.

The walk asks every page and every API read (GET) of the URL configuration, as every
persona, about a world with one child with something of every kind. A response (2xx)
that shows a child (their name, or the id of any of their records) must leave an event of
the same request naming that child; a PDF must name at least one. Each route is
classified below, so a new route that is in neither list fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from cpcase.models import AuditEvent
from tests.support.routes import World, routes, send, world_for

pytestmark = pytest.mark.django_db

# Routes that show a child's case content (to somebody): each read must be recorded.
SHOWS_CASE_CONTENT = {
    "home",  # the caseload: names and deadlines
    "my-week",  # the worker's (or team's) children, deadlines, plans and drafts
    "child-search",
    "child-detail",
    "child-chronology",
    "child-chronology-pdf",
    "child-chronology-mark",
    "child-edit",
    "person-add",
    "emergency-protection-add",
    "access-history",
    "notifications",
    "api-notifications GET",
    "api-children GET",
    "api-child GET",
    "api-child-people GET",
    "api-child-emergency-protection GET",
    "api-child-timescales GET",
    "api-child-chronology GET",
    "api-child-access-history GET",
    "child-plan",
    "plan-detail",
    "plan-edit",
    "plan-action-add",
    "plan-action-change",
    "plan-action-progress",
    "plan-submit",
    "plan-authorise",
    "plan-versions",
    "plan-versions-compare",
    "plan-meeting-record",
    "plan-pdf",
    "plan-end",
    "plan-step-down",
    "plans-api:api-plans GET",
    "plans-api:api-plan GET",
    "plans-api:api-plan-versions GET",
    "plans-api:api-core-group-meetings GET",
    "team-visits",
    "visit-draft",
    "visit-record",
    "cannot-visit",
    "visits-api:api-visits GET",
    "visits-api:api-visit GET",
    "conference-list",
    "conference-detail",
    "conference-outcome",
    "conference-finalise",
    "conference-letters",
    "complaint-record",
    "letter-pdf",
    "letter-print",
    "letter-sent",
    "complaint-detail",
    "complaint-letter",
    "disagreement-raise-conference",
    "disagreement-raise-plan",
    "disagreement-list",
    "disagreement-detail",
    "conferences-api:api-disagreements GET",
    "conferences-api:api-disagreement GET",
    "transfer-notice-record",
    "child-conferences",
    "conference-schedule",
    "strategy-discussion-record",
    "looked-after-event-record",
    "conferences-api:api-conferences GET",
    "conferences-api:api-conference GET",
    "conferences-api:api-conference-letters GET",
    "conferences-api:api-letter-pdf GET",
    "register-list",
    "register-correct",
    "register-log",
    "register-log-export",
    "register-releases",
    "register-release",
    "register-release-plans",
    "register-release-request",
    "registry-api:api-register GET",
    "registry-api:api-enquiries GET",
    "registry-api:api-enquiries-export GET",
    "registry-api:api-released-plans GET",
    "registry-api:api-annex-a GET",
    "registry-api:api-annex-a-workbook GET",
    "register-annex-a",
    "register-annex-a-workbook",
    "registry-api:api-cin-census GET",
    # a return job's stored file: each download names every child in it
    "register-return-download",
    "registry-api:api-return-job-download GET",
    # weak register matches, named for the unit manager alone
    "register-possible-matches",
    "register-possible-match",
    "registry-api:api-possible-matches GET",
    # the front door: the child in need episode
    "referral-record",
    "assessment-record",
    "assessment-authorise",
    "cin-plan-start",
    "cin-plan-end",
    "episode-close",
    "section47-record",
    "section47-outcome",
    "api-referrals GET",
    "api-referral GET",
    "api-assessments GET",
    "api-assessment GET",
    "conferences-api:api-section47-enquiries GET",
    "conferences-api:api-section47-enquiry GET",
}

# Routes that show no child's case content, and why. The walk checks that they do not.
NO_CASE_CONTENT = {
    "schema": "the API's own description",
    "api-docs": "the API's own description",
    "api-me GET": "the caller's own account",
    "api-staff GET": "staff, not children",
    "login": "the sign-in form",
    "logout": "signing out is a POST; GET is refused",
    "child-create": "an empty form for a new child",
    "notifications-read-all": "a POST; GET is refused",
    "notification-read": "a POST; GET is refused",
    "register-home": "the register's search form (the answer is the POST, in the enquiry log)",
    "register-reviewed": "a POST; GET is refused",
    "register-designated-managers": "the authority's designated managers: staff",
    "registry-api:api-register-statistics GET": "counts, never a child",
    "measures": "the service's measures: counts by team, never a child",
    "register-returns": "the unit manager's return jobs: kinds, years and progress",
    "registry-api:api-return-jobs GET": "the unit manager's return jobs: kinds, years and progress",
    "registry-api:api-return-job GET": "a return job: its kind, year and progress",
    "api-tokens GET": "the caller's own API tokens",
    "password-reset-confirm": "setting one's own new password",
    "password-reset-complete": "a page saying the password is set",
    "second-factor": "the caller's own second factor",
    "second-factor-enrol": "setting up the caller's own second factor",
}


# Case content routes that nobody in this world may open, and where their reads are checked.
NOT_IN_THIS_WORLD = {
    "transfer-notice-record": "only another authority's unit manager or team manager records a "
    "move in (tests/conferences/test_transfers.py checks its read is recorded)",
}

# Case content routes that only send on elsewhere in this world, and why.
REDIRECT_HERE = {
    "child-plan": "Amelia's plan is active: the page sends on to the plan's page",
    "conference-outcome": "the conference is finalised: the page sends on to it",
}


@pytest.fixture
def world(request):
    return world_for(request)


def _markers(world: World) -> dict[Any, set[str]]:
    """What betrays each child in a response: their name, and the id of any record of theirs."""
    from conferences.models import Letter
    from plans.models import CoreGroupMeeting, PlanAction

    amelia, oliver = world.child, world.historic_child
    records = [
        world.plan,
        world.conference,
        world.complaint,
        world.visit,
        world.draft,
        world.referral,
        world.assessment,
        world.section47,
        world.disagreement,
    ]
    ids = {
        amelia.pk: [
            amelia.pk,
            world.enquiry.pk,
            world.notification.pk,
            *(record.pk for record in records),
            *Letter.objects.filter(child=amelia).values_list("pk", flat=True),
            *PlanAction.objects.filter(plan__child=amelia).values_list("pk", flat=True),
            *CoreGroupMeeting.objects.filter(plan__child=amelia).values_list("pk", flat=True),
        ],
        oliver.pk: [oliver.pk, world.release.pk, *oliver.plans.values_list("pk", flat=True)],
    }
    return {
        child.pk: {child.name, *(str(pk) for pk in ids[child.pk])}
        | ({child.la_child_id} if child.la_child_id else set())
        for child in (amelia, oliver)
    }


def _body(response) -> tuple[str, bool]:
    """The response as text, and whether it is a document that cannot be read as text."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if kind.startswith("application/pdf"):
        return "", True
    return content.decode("utf-8", "replace"), False


def test_every_route_is_classified():
    gets = {
        op
        for route in routes()
        for op in route.operations()
        if not route.is_api or op.endswith(" GET")
    }
    assert not (SHOWS_CASE_CONTENT & NO_CASE_CONTENT.keys())
    assert sorted(gets - SHOWS_CASE_CONTENT - NO_CASE_CONTENT.keys()) == [], "unclassified routes"
    assert sorted((SHOWS_CASE_CONTENT | NO_CASE_CONTENT.keys()) - gets) == [], "no such routes"


def test_every_read_of_case_content_names_each_child_shown(world, client, api_as):
    markers = _markers(world)
    personas = {**world.personas, "receiving_worker": world.receiving_worker}
    gets = [
        (route, op)
        for route in routes()
        for op in route.operations()
        if op in SHOWS_CASE_CONTENT or op in NO_CASE_CONTENT
    ]
    problems: list[str] = []
    seen_content: set[str] = set()
    for role, user in personas.items():
        client.force_login(user)
        api = api_as(user)
        for route, op in gets:
            with transaction.atomic():
                response = send(
                    api if route.is_api else client, "GET", route.path(world), is_api=route.is_api
                )
                if 200 <= response.status_code < 300:
                    text, opaque = _body(response)
                    shown = {pk for pk, marks in markers.items() if any(m in text for m in marks)}
                    named = set(
                        AuditEvent.objects.filter(
                            request_id=response["X-Request-ID"], child_id__isnull=False
                        ).values_list("child_id", flat=True)
                    )
                    if op in NO_CASE_CONTENT:
                        if shown or named:
                            problems.append(f"{op} as {role} shows a child: classify it")
                    elif opaque:
                        if not named & markers.keys():
                            problems.append(f"{op} as {role}: a document naming no child")
                        seen_content.add(op)
                    else:
                        if shown - named:
                            problems.append(f"{op} as {role}: shown but not recorded")
                        if shown or named & markers.keys():
                            seen_content.add(op)
                transaction.set_rollback(True)
    never = sorted(
        SHOWS_CASE_CONTENT - seen_content - REDIRECT_HERE.keys() - NOT_IN_THIS_WORLD.keys()
    )
    assert not problems and not never, (
        f"reads not recorded ({len(problems)}):\n"
        + "\n".join(problems)
        + f"\ncase content routes the world never shows to anybody: {never}"
    )

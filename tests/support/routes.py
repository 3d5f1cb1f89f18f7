"""Every route of the URL configuration, and a URL for each filled from one small world.

Shared by the permission matrix and the audit walk, so that both see the same routes: a
route added to the URL configuration appears in both, and both fail until it is given a
row (the matrix) or a classification (the walk).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

# The Django admin is its own site with its own permission system (tests/core/test_admin.py).
SKIPPED_PREFIXES = ("admin/",)
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
_API_METHODS = ("get", "post", "put", "patch", "delete")
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, e.g. "plans-api:api-plan"
    pattern: str  # e.g. "api/v1/plans/<str:pk>/"
    is_api: bool
    methods: tuple[str, ...]  # an API view's handlers; GET for a page

    def operations(self) -> list[str]:
        """The route's rows: ``name METHOD`` for each API operation, ``name`` for a page."""
        if self.is_api:
            return [f"{self.name} {method}" for method in self.methods]
        return [self.name]

    def path(self, world: Any) -> str:
        """The route's URL with each parameter filled from the world, chosen by the
        literal segment before it (``plans/<pk>`` is the world's plan)."""
        segments = self.pattern.split("/")
        out = []
        for i, segment in enumerate(segments):
            match = _PARAM.fullmatch(segment)
            if match is None:
                out.append(segment)
                continue
            before = segments[i - 1] if i else ""
            if before not in PARAMETER_OBJECTS:
                raise LookupError(
                    f"{self.name}: no world object for the parameter after {before!r}; "
                    "add one to PARAMETER_OBJECTS in tests/support/routes.py"
                )
            value = getattr(world, PARAMETER_OBJECTS[before])
            out.append(str(getattr(value, "pk", value)))
        query = QUERIES.get(self.name, "")
        return "/" + "/".join(out) + (query(world) if callable(query) else query)


# The segment before a parameter, and the attribute of the world that fills it.
PARAMETER_OBJECTS = {
    "children": "child",
    "plans": "plan",
    "entries": "plan",
    "actions": "action",
    "pdf": "pdf_audience",
    "conferences": "conference",
    "letters": "letter",
    "complaints": "complaint",
    "disagreements": "disagreement",
    "visits": "visit",
    "drafts": "draft",
    "notifications": "notification",
    "enquiries": "enquiry",
    "log": "enquiry",
    "releases": "release",
    "possible-matches": "possible_match",
    "tokens": "token",
    "returns": "return_job",
    "referrals": "referral",
    "assessments": "assessment",
    "section47-enquiries": "section47",
    # A password reset link: one that is not (or no longer) valid, for anybody.
    "reset": "reset_uid",
    "<uidb64>": "reset_token",
}


# Query strings a route needs to answer anything but a 400 or a redirect.
QUERIES: dict[str, Any] = {
    # The census year (ending 31 March) that holds today, when the world's plan started.
    "registry-api:api-cin-census": lambda world: f"?year={world.census_year}",
    "plan-versions-compare": "?older=1&newer=2",
    "child-search": "?q=Walkabout",
    # The last 12 months, chosen (the same as no choice at all).
    "measures": lambda world: _period_query(timezone.localdate()),
    # The event of the child's record being created, which every child has.
    "child-chronology-mark": lambda world: (
        f"?event=child_recorded:{world.child.pk}:{timezone.localdate(world.child.created_at)}"
    ),
}


def _period_query(today: dt.date) -> str:
    from registry.measures import default_period

    start, today = default_period(today)
    return (
        f"?period_from_0={start.day}&period_from_1={start.month}&period_from_2={start.year}"
        f"&period_to_0={today.day}&period_to_1={today.month}&period_to_2={today.year}"
    )


def _api_methods(callback: Any) -> tuple[str, ...] | None:
    cls = getattr(callback, "cls", None)
    if cls is None:
        return None
    return tuple(m.upper() for m in _API_METHODS if m in cls.http_method_names and hasattr(cls, m))


def _walk(resolver: URLResolver, prefix: str, namespace: str) -> list[Route]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            if pattern.startswith(SKIPPED_PREFIXES):
                continue
            methods = _api_methods(entry.callback)
            name = f"{namespace}{entry.name or pattern}"
            if methods is not None and pattern.startswith("api/v1/"):
                found.append(Route(name, pattern, True, methods))
            else:
                found.append(Route(name, pattern, False, ("GET",)))
    return found


def routes() -> list[Route]:
    """Every route of the URL configuration but the admin's, in their order."""
    return _walk(get_resolver(), "", "")


# --- The world: one child with something of every kind --------------------------------


@dataclass
class World:
    personas: dict[str, Any]  # role slug -> a user with that role alone
    child: Any
    plan: Any
    action: Any
    conference: Any
    letter: Any
    complaint: Any
    visit: Any
    draft: Any
    notification: Any
    enquiry: Any
    release: Any
    historic_child: Any
    receiving_worker: Any
    possible_match: Any
    token: Any
    return_job: Any
    referral: Any
    assessment: Any
    section47: Any
    disagreement: Any = None
    pdf_audience: str = "family"
    reset_uid: str = "MA"
    reset_token: str = "no-longer-valid"

    @property
    def census_year(self) -> int:
        started = self.plan.started_on
        return started.year + 1 if started.month >= 4 else started.year


def build_world(
    *, personas: dict[str, Any], receiving_worker: Any, capture: Any, la_child_id: str = "WALK0001"
) -> World:
    """Amelia with everything: a finalised initial conference with its plan and letters,
    an action, a core group meeting, a visit and a draft, a complaint reviewed by the
    senior officer, a notification, a police enquiry; and Oliver, whose ended plan the
    worker of another authority has asked for and been granted."""
    from django.utils import timezone
    from guardian.shortcuts import assign_perm

    from conferences import services as conference_services
    from conferences.models import Letter
    from conferences.services import DecisionInput, OutcomeInput, ParentInput
    from cpcase.api_tokens import api_token_issue
    from cpcase.models import Notification
    from plans import services as plan_services
    from plans.selectors import DETAIL_FIELDS
    from plans.services import CoreGroupInput, IssueInput
    from registry import services as registry_services
    from registry.models import PossibleMatch
    from registry.return_jobs import collection_year, return_job_start
    from registry.selectors import Search
    from tests.factories import TEST_PASSWORD, AddressFactory, ChildFactory, PlanFactory
    from tests.support.second_factor import code_for, enrol
    from tests.support.working_days import at, last_working_day
    from visits import services as visit_services
    from visits.services import VisitInput

    today = timezone.localdate()
    held_on = last_working_day(today)  # conferences meet on working days
    sw, chair = personas["social_worker"], personas["conference_chair"]
    unit_manager = personas["safeguarding_unit_manager"]
    child = ChildFactory(
        first_name="Amelia",
        last_name="Walkabout",
        la_child_id=la_child_id,
        date_of_birth=dt.date(2017, 5, 4),
        responsible_authority=sw.authority,
        team=sw.team,
        lead_social_worker=sw,
        address=AddressFactory(line1="3 Fictional Close", postcode="ZZ9 9ZZ"),
    )
    from cpcase.services import _grant_allocated_worker

    _grant_allocated_worker(child, None, sw)
    # The front door: a referral opened the episode; an assessment (not yet authorised)
    # and a section 47 enquiry (its outcome not yet known) are under way.
    from cpcase import front_door

    referral = front_door.referral_record(
        actor=sw,
        child_id=child.pk,
        received_on=today - dt.timedelta(days=20),
        source="2A",
        primary_need="N1",
        nfa=False,
        next_step="assessment",
        referrer=front_door.ReferrerInput(name="Ms Fictional Teacher", agency="Anytown Primary"),
        details="Amelia said there was no food at home.",
    )
    assessment = front_door.assessment_record(
        actor=sw, child_id=child.pk, started_on=today - dt.timedelta(days=18)
    )
    discussion = conference_services.strategy_discussion_record(
        actor=sw, child_id=child.pk, held_on=today - dt.timedelta(days=10), outcome="s47_enquiry"
    )
    section47 = conference_services.section47_start(
        actor=sw,
        child_id=child.pk,
        strategy_discussion_id=discussion.pk,
        started_on=today - dt.timedelta(days=10),
    )
    conference = conference_services.conference_schedule(
        actor=chair,
        kind="initial",
        child_ids=[child.pk],
        scheduled_for=at(held_on),
        chair=chair,
    )
    conference_services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=OutcomeInput(
            held_on=held_on,
            decisions=[DecisionInput(child_id=child.pk, decision="plan", category="NEG")],
            parents=[ParentInput(name="Jo Walkabout", relationship="Mother", attended=True)],
            outline_plan=[
                IssueInput(
                    description="No food in the house on three visits",
                    risk_type="HRI",
                    desired_outcome="Three meals a day",
                    improvement_required="Significant",
                )
            ],
            lead_social_worker=sw,
            core_group=[CoreGroupInput(kind="professional", user=personas["core_group_member"])],
            reasons="Often hungry and alone at home.",
            next_review_on=today + dt.timedelta(days=84),
            quorate=True,
            parents_informed=True,
            child_informed=True,
        ),
    )
    with capture(execute=True):
        conference_services.conference_finalise(actor=chair, conference_id=conference.pk)
    plan = child.plans.get()
    plan_services.plan_update_detail(
        actor=sw,
        plan_id=plan.pk,
        version=plan.version,
        changes=dict.fromkeys(DETAIL_FIELDS, "Agreed at the first core group"),
    )
    action = plan_services.plan_action_add(
        actor=sw,
        plan_id=plan.pk,
        version=None,
        data=plan_services.ActionInput(
            description="Weekly food shop with the family support worker",
            responsible="Family support worker",
            due_on=today + dt.timedelta(days=30),
            evidence_of_success="Food in the cupboards at each visit",
            issue_id=plan.issues.get().pk,
        ),
    )
    plan_services.core_group_meeting_record(
        actor=sw, plan_id=plan.pk, held_on=today, attendees=["Robin", "Jo"], notes="Going well"
    )
    # A second version: sent for authorisation, and returned to the worker.
    plan.refresh_from_db()
    plan_services.plan_submit(actor=sw, plan_id=plan.pk, version=plan.version)
    plan.refresh_from_db()
    plan_services.plan_return(
        actor=personas["team_manager"], plan_id=plan.pk, version=plan.version, comments="Dates"
    )
    plan.refresh_from_db()
    visit = visit_services.visit_save(
        actor=sw,
        child_id=child.pk,
        data=VisitInput(
            kind="statutory",
            visited_at=timezone.now() - dt.timedelta(hours=1),
            child_seen=True,
            seen_alone=True,
            observations="Amelia showed me her room",
            childs_views="She likes school",
        ),
        complete=True,
    )
    draft = visit_services.visit_save(
        actor=sw, child_id=child.pk, data=VisitInput(kind="home_visit"), complete=False
    )
    complaint = conference_services.complaint_record(
        actor=chair,
        conference_id=conference.pk,
        child_id=child.pk,
        complainant="Jo Walkabout",
        complainant_is_child=False,
        received_on=today,
        summary="Disagrees with the plan",
    )
    conference_services.complaint_assign_reviewer(
        actor=unit_manager, complaint_id=complaint.pk, reviewer=personas["senior_officer"]
    )
    conference_services.complaint_decide(
        actor=personas["senior_officer"],
        complaint_id=complaint.pk,
        outcome="not_upheld",
        reasons="The decision followed the procedure.",
        decided_on=today,
    )
    from conferences.disagreements import disagreement_raise

    disagreement = disagreement_raise(
        actor=sw,
        plan_id=plan.pk,
        what_is_disagreed="The review is set too far away",
        wanted_instead="A review within six weeks",
    )
    notification = Notification.objects.create(
        recipient=sw,
        kind=Notification.Kind.DEADLINE_DUE,
        child_id=child.pk,
        title="A visit is due",
        body="Amelia's visit is due",
        dedupe_key=f"world:{la_child_id}",
    )
    with capture(execute=True):
        enquiry = registry_services.enquiry_make(
            actor=personas["police_enquirer"],
            enquirer=registry_services.Enquirer(
                name="PC Example", agency="Police", role="Officer", phone="01632 960000"
            ),
            reason="Concern reported at school",
            search=Search(
                first_name="Amelia", last_name="Walkabout", date_of_birth=child.date_of_birth
            ),
        )
    with capture(execute=True):
        # The date of birth and the first name alone: a possible match, naming nobody.
        weak = registry_services.enquiry_make(
            actor=personas["health_enquirer"],
            enquirer=registry_services.Enquirer(
                name="Nurse Example", agency="Health", role="Nurse", phone="01632 960001"
            ),
            reason="A child at the clinic",
            search=Search(
                first_name="Amelia", last_name="Quitedifferent", date_of_birth=child.date_of_birth
            ),
        )
    # (One a child called Amelia born that day: more when the world is built again.)
    possible_match = PossibleMatch.objects.filter(enquiry_id=weak.pk).order_by("pk").first()
    token, _key = api_token_issue(
        username=sw.username, password=TEST_PASSWORD, otp=code_for(enrol(sw))
    )
    historic_child = ChildFactory(
        first_name="Oliver",
        last_name="Bygone",
        responsible_authority=sw.authority,
        team=sw.team,
        lead_social_worker=sw,
    )
    PlanFactory(
        child=historic_child,
        started_on=dt.date(2024, 1, 10),
        status="ended",
        stage="authorised",
        ended_on=dt.date(2025, 2, 1),
        end_reason="conference",
    )
    assign_perm("cpcase.view_child", receiving_worker, historic_child)
    release = registry_services.historic_plan_request(
        actor=receiving_worker,
        child_id=historic_child.pk,
        reason="Moved to our area",
        parents_told=True,
    )
    registry_services.historic_plan_decide(
        actor=unit_manager, request_id=release.pk, grant=True, reason="Legitimate need", days=7
    )
    with capture(execute=True):  # produced at once (the tests' Celery is eager)
        return_job = return_job_start(
            actor=unit_manager, kind="cin_census", year=collection_year(today)
        )
    return World(
        personas=personas,
        child=child,
        plan=plan,
        action=action,
        conference=conference,
        letter=Letter.objects.filter(conference=conference).order_by("kind").first(),
        complaint=complaint,
        visit=visit,
        draft=draft,
        notification=notification,
        enquiry=enquiry,
        release=release,
        historic_child=historic_child,
        receiving_worker=receiving_worker,
        possible_match=possible_match,
        token=token,
        return_job=return_job,
        referral=referral,
        assessment=assessment,
        section47=section47,
        disagreement=disagreement,
    )


# --- Fixtures and requests shared by the two walkers -----------------------------------

ROLE_FIXTURES = {
    "social_worker": "social_worker",
    "team_manager": "team_manager",
    "service_leader": "service_leader",
    "conference_chair": "chair",
    "safeguarding_unit_manager": "unit_manager",
    "core_group_member": "core_group_member",
    "police_enquirer": "police_enquirer",
    "health_enquirer": "health_enquirer",
    "senior_officer": "senior_officer",
    "system_admin": "system_admin",
}


def world_for(request: Any, la_child_id: str = "WALK0001") -> World:
    """The world, with the personas of tests/conftest.py (for a test module's fixture);
    built again with another ``la_child_id``, another child with everything beside it."""
    personas = {role: request.getfixturevalue(name) for role, name in ROLE_FIXTURES.items()}
    return build_world(
        personas=personas,
        receiving_worker=request.getfixturevalue("other_authority_worker"),
        capture=request.getfixturevalue("django_capture_on_commit_callbacks"),
        la_child_id=la_child_id,
    )


def status_class(code: int) -> int:
    """A response as the tables write it: any success 200, any redirect 302."""
    if 200 <= code < 300:
        return 200
    if 300 <= code < 400:
        return 302
    return code


def send(client: Any, method: str, url: str, *, is_api: bool) -> Any:
    """One request with an empty body (an unsafe method's body is invalid on purpose)."""
    if method in UNSAFE:
        if is_api:
            return client.generic(method, url, data="{}", content_type="application/json")
        return client.generic(
            method, url, data="", content_type="application/x-www-form-urlencoded"
        )
    return client.generic(method, url)

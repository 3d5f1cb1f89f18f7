"""Reads of plans and core groups."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from cpcase import access, read_audit, running_deadlines
from cpcase.chronology import Event
from cpcase.errors import NotFound, NotPermitted
from cpcase.models import Child, User
from cpcase.my_week import RANK_PLAN, WeekContext, WeekItem, WeekWork
from cpcase.timescales import AuthorityTimescales, Deadline, DeadlineContext
from plans.models import CoreGroupMeeting, CoreGroupMember, Plan, PlanAction, PlanIssue, PlanVersion

# The detailed plan's own text (DOMAIN.md section 1, step 4).
DETAIL_FIELDS = (
    "cause_of_harm",
    "short_term_goals",
    "long_term_goals",
    "daily_safety_check",
    "seen_alone_arrangements",
    "seen_with_family_arrangements",
    "contingency_plan",
)


@dataclass(frozen=True)
class PlanFacts:
    """What the deadline providers of every app need to know about a plan."""

    id: Any
    child_id: Any
    authority_id: Any
    started_on: dt.date
    ended_on: dt.date | None
    pre_birth: bool
    visit_interval_value: int | None
    visit_interval_unit: str

    def applies_on(self, day: dt.date) -> bool:
        """A deadline falling due after the plan ended no longer applies."""
        return self.ended_on is None or day <= self.ended_on


def plans_for_deadlines(context: DeadlineContext) -> QuerySet[Plan]:
    qs = context.in_range(Plan.objects.filter(child__in=context.children))
    if not context.history:
        qs = qs.filter(status=Plan.Status.ACTIVE)
    return qs


def plan_facts(context: DeadlineContext) -> list[PlanFacts]:
    """The plans in question, read once however many providers ask."""

    def load() -> list[PlanFacts]:
        rows = plans_for_deadlines(context).values_list(
            "id",
            "child_id",
            "child__responsible_authority_id",
            "started_on",
            "ended_on",
            "pre_birth",
            "visit_interval_value",
            "visit_interval_unit",
        )
        return [PlanFacts(*row) for row in context.rows(rows)]

    facts: list[PlanFacts] = context.once("plan_facts", load)
    return facts


def children_with_open_plans() -> QuerySet[Plan, Mapping[str, object]]:
    """The ids (``child_id``) of children with an active plan: the bulk of the daily scan's
    work (the core's running-work provider)."""
    return Plan.objects.filter(status=Plan.Status.ACTIVE).values("child_id")


def children_with_active_plan(child_ids: Iterable[Any]) -> set[Any]:
    """Of these children, the ones with an active plan (the core's plan_status provider)."""
    return set(
        Plan.objects.filter(child_id__in=list(child_ids), status=Plan.Status.ACTIVE).values_list(
            "child_id", flat=True
        )
    )


def _deadline(
    context: DeadlineContext,
    plan: Mapping[str, Any],
    kind: str,
    due_on: dt.date,
    met_on: dt.date | None,
    source: str,
    key: str,
) -> Deadline:
    return Deadline(
        child_id=plan["child_id"],
        authority_id=plan["child__responsible_authority_id"],
        kind=kind,
        due_on=due_on,
        met_on=met_on,
        source=source,
        key=key,
        today=context.today,
        closed_on=plan["ended_on"],
    )


def plan_deadlines(context: DeadlineContext) -> Iterable[Deadline]:
    """First core group, authorisation of the detailed plan, and later core groups."""
    plans = plans_for_deadlines(context).annotate(
        first_core_group_on=Min("core_group_meetings__held_on"),
        last_core_group_on=Max("core_group_meetings__held_on"),
        core_groups=Count("core_group_meetings"),
    )
    meetings = _core_group_dates(context, plans)
    rows = plans.values(
        "id",
        "child_id",
        "child__responsible_authority_id",
        "started_on",
        "ended_on",
        "submitted_on",
        "first_core_group_on",
        "last_core_group_on",
        "core_groups",
        "core_group_interval_days",
    )
    for plan in context.rows(rows):
        timescales = context.for_authority(plan["child__responsible_authority_id"])
        yield from _first_core_group_deadline(context, timescales, plan)
        first = plan["first_core_group_on"]
        if first is not None:
            yield from _authorisation_deadline(context, timescales, plan, first)
            yield from _core_group_deadlines(context, timescales, plan, meetings)


def _core_group_dates(context: DeadlineContext, plans: QuerySet[Plan]) -> dict[Any, list[dt.date]]:
    """Each plan's core group meetings, in order (only the history needs them all)."""
    meetings: dict[Any, list[dt.date]] = defaultdict(list)
    if context.history:
        for plan_id, held_on in (
            CoreGroupMeeting.objects.filter(plan__in=plans.values("pk"))
            .order_by("plan_id", "held_on")
            .values_list("plan_id", "held_on")
        ):
            meetings[plan_id].append(held_on)
    return meetings


def _applies(plan: Mapping[str, Any], due_on: dt.date, met_on: dt.date | None) -> bool:
    """A deadline met, or falling due before the plan ended, applies."""
    ended_on: dt.date | None = plan["ended_on"]
    return met_on is not None or ended_on is None or due_on <= ended_on


def _first_core_group_deadline(
    context: DeadlineContext, timescales: AuthorityTimescales, plan: Mapping[str, Any]
) -> Iterator[Deadline]:
    first = plan["first_core_group_on"]
    computed = timescales.due("first_core_group", plan["started_on"])
    if computed and (context.history or first is None):
        due_on, rule = computed
        if _applies(plan, due_on, first):
            yield _deadline(
                context,
                plan,
                "first_core_group",
                due_on,
                first,
                f"{rule.describe()} after the conference on {plan['started_on']:%d %b %Y}",
                f"first_core_group:{plan['id']}",
            )


def _authorisation_deadline(
    context: DeadlineContext,
    timescales: AuthorityTimescales,
    plan: Mapping[str, Any],
    first: dt.date,
) -> Iterator[Deadline]:
    computed = timescales.due("plan_authorisation", first)
    submitted = plan["submitted_on"]
    if computed and (context.history or submitted is None):
        due_on, rule = computed
        if _applies(plan, due_on, submitted):
            yield _deadline(
                context,
                plan,
                "plan_authorisation",
                due_on,
                submitted,
                f"{rule.describe()} after the first core group on {first:%d %b %Y}",
                f"plan_authorisation:{plan['id']}",
            )


def _core_group_deadlines(
    context: DeadlineContext,
    timescales: AuthorityTimescales,
    plan: Mapping[str, Any],
    meetings: dict[Any, list[dt.date]],
) -> Iterator[Deadline]:
    held = meetings[plan["id"]] if context.history else [plan["last_core_group_on"]]
    offset = 0 if context.history else plan["core_groups"] - 1
    for i, anchor in enumerate(held):
        next_due = _next_core_group_due(timescales, plan["core_group_interval_days"], anchor)
        if next_due is None:
            break
        due_on, described = next_due
        met_on = held[i + 1] if i + 1 < len(held) else None
        if _applies(plan, due_on, met_on):
            yield _deadline(
                context,
                plan,
                "core_group",
                due_on,
                met_on,
                f"{described} after the core group on {anchor:%d %b %Y}",
                f"core_group:{plan['id']}:{offset + i + 1}",
            )


def _next_core_group_due(
    timescales: AuthorityTimescales, interval: int | None, anchor: dt.date
) -> tuple[dt.date, str] | None:
    """When the core group after the one on ``anchor`` is due, and the rule in words."""
    if interval:
        # Set for this child by the initial conference, over the profile's.
        due_on = timescales.calendar.add_working_days(anchor, interval)
        return due_on, f"{interval} working days (set by the initial conference)"
    computed = timescales.due("core_group", anchor)
    if not computed:
        return None
    due_on, rule = computed
    return due_on, rule.describe()


def plan_snapshot(plan: Plan) -> dict[str, Any]:
    """The plan as it stands, for an immutable version."""
    return {
        "status": plan.status,
        "stage": plan.stage,
        "started_on": plan.started_on.isoformat(),
        "ended_on": plan.ended_on.isoformat() if plan.ended_on else None,
        "initial_category": plan.initial_category,
        "latest_category": plan.latest_category,
        "lead_social_worker": str(plan.lead_social_worker_id)
        if plan.lead_social_worker_id
        else None,
        **{field: getattr(plan, field) for field in DETAIL_FIELDS},
        "actions": [
            {
                "id": str(a.pk),
                "issue": str(a.issue_id) if a.issue_id else None,
                "description": a.description,
                "responsible": a.responsible,
                "responsible_agency": a.responsible_agency,
                "due_on": a.due_on.isoformat(),
                "evidence_of_success": a.evidence_of_success,
                "status": a.status,
            }
            for a in plan.actions.order_by("due_on", "created_at")
        ],
        "issues": [
            {
                "description": i.description,
                "risk_type": i.risk_type,
                "desired_outcome": i.desired_outcome,
                "improvement_required": i.improvement_required,
            }
            for i in plan.issues.order_by("position")
        ],
        "core_group": [
            {"kind": m.kind, "name": m.name, "agency": m.agency}
            for m in plan.core_group.filter(left_on__isnull=True).order_by("kind", "name")
        ],
    }


def plan_versions_compare(older: dict[str, Any], newer: dict[str, Any]) -> dict[str, Any]:
    """What changed between two versions: actions added, removed and changed, and text."""
    before = {a["id"]: a for a in older.get("actions", [])}
    after = {a["id"]: a for a in newer.get("actions", [])}
    changed_actions = []
    for pk in before.keys() & after.keys():
        fields = {
            k: {"from": before[pk][k], "to": after[pk][k]}
            for k in after[pk]
            if before[pk].get(k) != after[pk][k]
        }
        if fields:
            changed_actions.append({"action": after[pk], "fields": fields})
    text = {
        k: {"from": older.get(k), "to": newer.get(k)}
        for k in newer
        if k not in ("actions", "issues", "core_group") and older.get(k) != newer.get(k)
    }
    issues_before = {i["description"] for i in older.get("issues", [])}
    issues_after = {i["description"] for i in newer.get("issues", [])}
    return {
        "actions_added": [after[pk] for pk in after.keys() - before.keys()],
        "actions_removed": [before[pk] for pk in before.keys() - after.keys()],
        "actions_changed": changed_actions,
        "issues_added": sorted(issues_after - issues_before),
        "issues_removed": sorted(issues_before - issues_after),
        "text": text,
    }


def plans_visible_to(user: User, child_id: Any = None) -> QuerySet[Plan]:
    """Plans of children whose plan the user may read (core group members included)."""
    qs = Plan.objects.filter(
        child__in=access.children_visible_to(user, access.Action.VIEW_PLAN).values("pk")
    ).filter(access.records_visible_q(user))
    if child_id:
        pk = access.as_uuid(child_id)
        qs = qs.filter(child_id=pk) if pk else qs.none()
    return qs.prefetch_related("issues", "actions").order_by("-started_on")


def plan_for(actor: User, plan_id: Any, action: access.Action = access.Action.VIEW_PLAN) -> Plan:
    """A plan of a child the actor may see (or act on); 404 otherwise."""
    pk = access.as_uuid(plan_id)
    plan = Plan.objects.select_related("child").filter(pk=pk).first() if pk else None
    if (
        plan is None
        or not access.can(actor, access.Action.VIEW_PLAN, plan.child)
        or not access.may_read_record(actor, plan.child, plan.authority_id)
    ):
        raise NotFound("No plan was found.")
    if action != access.Action.VIEW_PLAN and (
        not access.can(actor, action, plan.child)
        or access.is_released_record(actor, plan.child, plan.authority_id)
    ):  # a release lets another authority read the plan, never change it
        raise NotPermitted("You can read this plan, but not do that to it.")
    return plan


def plan_get_for_view(*, user: User, plan_id: Any) -> Plan:
    """A plan, for showing; the view is audited."""
    plan = plan_for(user, plan_id)
    read_audit.record_objects(
        user=user, objects=[plan], summary="Viewed the plan" + _released(user, plan)
    )
    return plan


def _released(user: User, plan: Plan) -> str:
    if access.is_released_record(user, plan.child, plan.authority_id):
        return " (another authority's, through a historic release)"
    return ""


def current_version(user: User, plan_id: Any) -> int:
    return plan_for(user, plan_id).version


def plan_versions(*, user: User, plan_id: Any) -> QuerySet[PlanVersion]:
    """The plan's versions (what each said): the read is recorded."""
    plan = plan_for(user, plan_id)
    read_audit.record_objects(
        user=user, objects=[plan], summary="Viewed the plan's versions" + _released(user, plan)
    )
    return plan.versions.order_by("number")


def core_group_meetings(*, user: User, plan_id: Any) -> QuerySet[CoreGroupMeeting]:
    """The plan's core group meetings: the read is recorded."""
    plan = plan_for(user, plan_id)
    read_audit.record_objects(user=user, objects=[plan], summary="Read the core group meetings")
    return plan.core_group_meetings.order_by("held_on")


def _name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def plan_chronology(child: Child) -> Iterator[Event]:
    """Plans started, reviewed and ended, and core group meetings, for the chronology."""
    plans = Plan.objects.filter(child=child).prefetch_related(
        "core_group_meetings", "versions__created_by"
    )
    for plan in plans:
        authority_id = plan.authority_id or child.responsible_authority_id
        yield from _version_events(plan, authority_id)
        yield from _plan_events(plan, authority_id)


def _version_events(plan: Plan, authority_id: Any) -> Iterator[Event]:
    for version in plan.versions.all():
        yield Event(
            on=timezone.localdate(version.created_at),
            at=version.created_at,
            kind="plan_version",
            title=f"Plan version {version.number}: {version.reason}",
            source="plans",
            authority_id=authority_id,
            object_id=str(version.pk),
            url=reverse("plan-versions", args=[plan.pk]),
            recorded_by=_name(version.created_by),
        )


def _plan_events(plan: Plan, authority_id: Any) -> Iterator[Event]:
    """The plan started, its core group meetings, and its end."""
    url = reverse("plan-detail", args=[plan.pk])
    yield Event(
        url=url,
        on=plan.started_on,
        at=None,
        kind="plan_started",
        title=f"Child protection plan started ({plan.get_initial_category_display().lower()})",
        source="plans",
        authority_id=authority_id,
        object_id=str(plan.pk),
    )
    for meeting in plan.core_group_meetings.all():
        yield Event(
            on=meeting.held_on,
            at=None,
            kind="core_group",
            title="Core group meeting",
            url=url,
            source="plans",
            authority_id=authority_id,
            object_id=str(meeting.pk),
        )
    if plan.ended_on:
        yield Event(
            on=plan.ended_on,
            at=None,
            kind="plan_ended",
            url=url,
            title=f"Child protection plan ended: {plan.get_end_reason_display().lower()}",
            source="plans",
            authority_id=authority_id,
            object_id=str(plan.pk),
        )


# --- The browser's pages ----------------------------------------------------------------

# Deadlines a plan's page shows: the plan's own, and the review that looks at it.
PLAN_DEADLINE_KINDS = frozenset(
    {
        "first_core_group",
        "plan_authorisation",
        "core_group",
        "review_conference",
        "review_conference_required",
    }
)


def plan_with_parts(plan_id: Any) -> Plan:
    """The plan with everything its page and documents show, in a fixed number of queries."""
    return (
        Plan.objects.select_related(
            "child__responsible_authority", "lead_social_worker", "authorised_by"
        )
        .prefetch_related(
            "issues",
            Prefetch(
                "actions",
                queryset=PlanAction.objects.select_related("issue", "responsible_user").order_by(
                    "due_on", "created_at"
                ),
            ),
            Prefetch(
                "core_group",
                queryset=CoreGroupMember.objects.filter(left_on__isnull=True),
                to_attr="current_core_group",
            ),
        )
        .get(pk=plan_id)
    )


def plan_page(*, user: User, plan_id: Any) -> Plan:
    """A plan for its page (the view is audited), with its parts."""
    plan = plan_get_for_view(user=user, plan_id=plan_id)
    return plan_with_parts(plan.pk)


def plan_next_deadlines(plan: Plan, today: dt.date) -> list[Deadline]:
    """The plan's deadlines still running, soonest first (none once it has ended)."""
    if plan.status != Plan.Status.ACTIVE:
        return []
    running = running_deadlines.running_for(plan.child, today)
    return [d for d in running if d.kind in PLAN_DEADLINE_KINDS]


def plan_for_child(*, user: User, child_id: Any) -> tuple[Plan | None, list[Plan]]:
    """The child's active plan (or None) and all the plans the user may read, newest first."""
    plans = list(plans_visible_to(user, child_id=child_id).select_related("child"))
    active = next((p for p in plans if p.status == Plan.Status.ACTIVE), None)
    return active, plans


def plan_versions_compare_for(
    *, user: User, plan_id: Any, older: int, newer: int
) -> dict[str, Any]:
    """Two versions of a plan the user may read, and what changed between them."""
    versions = {v.number: v for v in plan_versions(user=user, plan_id=plan_id)}
    if older not in versions or newer not in versions:
        raise NotFound("No such version of this plan.")
    if older > newer:
        older, newer = newer, older
    return {
        "older": versions[older],
        "newer": versions[newer],
        "changes": plan_versions_compare(versions[older].content, versions[newer].content),
    }


def plan_document_context(plan: Plan) -> dict[str, Any]:
    """What the plan's PDFs show."""
    plan = plan_with_parts(plan.pk)
    issues = list(plan.issues.all())
    actions = list(plan.actions.all())
    return {
        "plan": plan,
        "child": plan.child,
        "authority": plan.child.responsible_authority,
        "today": timezone.localdate(),
        "issues": [
            {"issue": issue, "actions": [a for a in actions if a.issue_id == issue.pk]}
            for issue in issues
        ],
        "other_actions": [a for a in actions if a.issue_id is None],
        "actions": actions,
        "core_group": getattr(plan, "current_core_group", []),
        "lead_social_worker": plan.lead_social_worker,
    }


def plan_episode_activity(referral: Any, on: dt.date) -> list[str]:
    """For the episode's closure reason: the child protection plans that began during
    the episode, up to ``on`` (the census counts a plan in the episode it began in)."""
    return [
        f"the child protection plan started on {started_on:%d %B %Y}"
        for started_on in Plan.objects.filter(
            child_id=referral.child_id, started_on__range=(referral.received_on, on)
        )
        .order_by("started_on")
        .values_list("started_on", flat=True)
    ]


def plan_open_work(referral: Any, on: dt.date) -> list[str]:
    """For the episode's closure: a child protection plan still running."""
    plan = (
        Plan.objects.filter(child_id=referral.child_id, status=Plan.Status.ACTIVE)
        .only("started_on")
        .first()
    )
    if plan is None:
        return []
    return [f"the child protection plan since {plan.started_on:%d %B %Y}"]


# --- My week (issue 14) -------------------------------------------------------------------

# Where each of the plan's running deadlines is met.
_WEEK_PAGES = {
    "first_core_group": "plan-meeting-record",
    "core_group": "plan-meeting-record",
    "plan_authorisation": "plan-detail",  # the plan is finished, then sent (plan-submit)
    "review_conference": "plan-detail",  # the plan's progress, ready for the review
    "review_conference_required": "plan-detail",
}


def _week_plans(context: WeekContext) -> list[Plan]:
    """The active plans with a deadline this week, returned for changes, or (a team
    manager's week) waiting for authorisation."""
    user = context.user
    deadline_children = {row.child_id for row in context.deadlines if row.kind in _WEEK_PAGES}
    wanted = Q(child_id__in=deadline_children) | Q(
        child__in=context.children.values("pk"),
        stage=Plan.Stage.DETAILED_DRAFT,
        returned_comments__gt="",
    )
    if context.team_week:
        wanted |= Q(child__team_id=user.team_id, stage=Plan.Stage.AWAITING_AUTHORISATION)
    return list(
        plans_visible_to(user)
        .prefetch_related(None)
        .filter(wanted, status=Plan.Status.ACTIVE)
        .select_related("child__lead_social_worker")
    )


def _week_links(context: WeekContext, plans: list[Plan]) -> dict[Any, str]:
    """The page where each of the plans' deadlines is met, by deadline row."""
    links: dict[Any, str] = {}
    active = {plan.child_id: plan for plan in plans}
    for row in context.deadlines:
        plan = active.get(row.child_id)
        if plan is None or row.kind not in _WEEK_PAGES:
            continue
        page = _WEEK_PAGES[row.kind]
        if row.kind == "plan_authorisation" and plan.stage == Plan.Stage.DETAILED_DRAFT:
            page = "plan-submit"
        links[row.pk] = reverse(page, args=[plan.pk])
    return links


def _week_item(user: User, plan: Plan) -> WeekItem | None:
    """A plan waiting for this user's authorisation, or one returned to be sent again."""
    child = plan.child
    if plan.stage == Plan.Stage.AWAITING_AUTHORISATION:
        if not access.may_authorise_plan(user, child):
            return None
        sent = f"Sent on {plan.submitted_on:%-d %b %Y}" if plan.submitted_on else "Sent"
        return WeekItem(
            what="Detailed plan to authorise",
            href=reverse("plan-authorise", args=[plan.pk]),
            child=child,
            worker=child.lead_social_worker,
            note=f"{sent} by {child.lead_social_worker.name}" if child.lead_social_worker else sent,
            rank=RANK_PLAN,
            since=plan.submitted_on,
            for_authorisation=True,
            record=plan,
        )
    if plan.stage == Plan.Stage.DETAILED_DRAFT and plan.returned_comments:
        return WeekItem(
            what="Detailed plan returned for changes: send it again",
            href=reverse("plan-detail", args=[plan.pk]),
            child=child,
            worker=child.lead_social_worker,
            note=f"The team manager said: {plan.returned_comments[:200]}",
            rank=RANK_PLAN,
            since=plan.submitted_on,
            record=plan,
        )
    return None


def plan_week_work(context: WeekContext) -> WeekWork:
    """My week's plans, in one query: the page of each plan deadline; the plans returned
    for changes (to send again); and a team manager's plans waiting for their
    authorisation."""
    plans = _week_plans(context)
    work = WeekWork(links=_week_links(context, plans))
    for plan in plans:
        item = _week_item(context.user, plan)
        if item is not None:
            work.items.append(item)
    return work


# --- For the conferences app (issue 15: it reads plans through these) -------------------


def active_plans_by_child(child_ids: Iterable[Any]) -> dict[Any, Plan]:
    """Each of these children's active plan, by child."""
    return {
        p.child_id: p
        for p in Plan.objects.filter(child_id__in=list(child_ids), status=Plan.Status.ACTIVE)
    }


def core_group_meeting_dates(plan_ids: Iterable[Any]) -> dict[Any, list[dt.date]]:
    """The days the core groups of these plans met, by plan."""
    meetings: dict[Any, list[dt.date]] = defaultdict(list)
    for plan_id, held_on in CoreGroupMeeting.objects.filter(plan_id__in=list(plan_ids)).values_list(
        "plan_id", "held_on"
    ):
        meetings[plan_id].append(held_on)
    return meetings


def ended_plan_around(child_field: str, day_field: str) -> Subquery:
    """For a query of another app's records: the end date of the child's plan that ran on
    the record's day, if that plan has ended (``child_field``, ``day_field`` are the outer
    query's fields)."""
    return Subquery(
        Plan.objects.filter(
            child_id=OuterRef(child_field),
            started_on__lte=OuterRef(day_field),
            ended_on__gte=OuterRef(day_field),
        )
        .order_by("-started_on")
        .values("ended_on")[:1]
    )


def plan_issues_by_plan(plan_ids: Iterable[Any]) -> dict[Any, list[dict[str, Any]]]:
    """The issues of these plans, by plan, as a letter shows them."""
    issues: dict[Any, list[dict[str, Any]]] = {}
    for issue in PlanIssue.objects.filter(plan_id__in=list(plan_ids)).only(
        "plan_id", "description", "desired_outcome", "improvement_required"
    ):
        issues.setdefault(issue.plan_id, []).append(
            {
                "description": issue.description,
                "desired_outcome": issue.desired_outcome,
                "improvement_required": issue.improvement_required,
            }
        )
    return issues


# --- Plans as other apps read them (the register, its returns and its measures) -------
# Each answers a queryset that the reader narrows by its own rules (who may see, which
# period); the plans app stays the one place that queries plans.


def plans_all() -> QuerySet[Plan]:
    """Every plan, for a report that narrows them by its own rules."""
    return Plan.objects.all()


def plans_of_child(child_id: Any) -> QuerySet[Plan]:
    """A child's plans, any status (``child_id`` may be an ``OuterRef``)."""
    return Plan.objects.filter(child_id=child_id)


def plans_of_children(child_ids: Iterable[Any]) -> QuerySet[Plan]:
    """The plans of these children, any status."""
    return Plan.objects.filter(child_id__in=child_ids)


def historic_plans_of_child(child_id: Any) -> QuerySet[Plan]:
    """A child's historic plans: those that have ended."""
    return Plan.objects.filter(child_id=child_id, status=Plan.Status.ENDED)


def active_plan_of(child_id: Any) -> Plan | None:
    """The child's active plan, if it has one (at most one: a constraint says so)."""
    return Plan.objects.filter(child_id=child_id, status=Plan.Status.ACTIVE).first()


def plan_by_id(plan_id: Any) -> Plan | None:
    """A plan by its id, for another app's record that names it; no access check (the
    caller has checked the record)."""
    return Plan.objects.filter(pk=plan_id).first()

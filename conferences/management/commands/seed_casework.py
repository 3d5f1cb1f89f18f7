"""Demo casework for the demo children of both demo authorities: referrals, assessments,
section 47 enquiries, conferences, plans at every stage, core groups, visits, child in
need plans and closures, made through the services exactly as staff would make them.
Called by ``seed_demo``.

A living authority: most work is on time, and only a handful of children have
something overdue. Every date counts back from today on the authority's own working
calendar (weekends, England's bank holidays, its closures), so every conference,
core group and visit falls on a working day, at the intervals its timescales set.

Idempotent: a family whose children already have a referral is left as it is, so
running it twice changes nothing. Deterministic for a given date.

Two services take no date: sending a plan for authorisation and authorising it
(``plan_submit``, ``plan_authorise``) record today, and a section 47 enquiry's outcome
records the day it was given. The demo replays those days by setting the service's
``timezone.localdate`` to that day while it calls it (the audit trail's own timestamps
stay real: they say when the demo wrote the record).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

from dateutil.relativedelta import relativedelta
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from conferences import services as conference_services
from conferences.models import Conference, StrategyDiscussion
from conferences.services import DecisionInput, OutcomeInput, ParentInput
from cpcase import demo, front_door, running_deadlines
from cpcase.models import Assessment, Authority, Child, Referral, User
from cpcase.services import AddressInput, child_update
from cpcase.timescales import AuthorityTimescales, load_authority_timescales
from plans import services as plan_services
from plans.models import Plan
from plans.services import ActionInput, CoreGroupInput, IssueInput
from visits import services as visit_services
from visits.services import VisitInput

ISSUES = [
    IssueInput(
        "The children are often left without an adult in the evenings",
        "HRI",
        "An adult the plan has agreed is always with the children",
        "Significant and sustained",
    ),
    IssueInput(
        "Parental alcohol use affects the care the children get",
        "URF",
        "Care is consistent whatever happens with drinking",
        "Steady improvement over three months",
    ),
]
DETAIL = {
    "cause_of_harm": "Evenings without an adult at home; drinking affects the parent's care.",
    "short_term_goals": "An agreed adult at home every evening within two weeks.",
    "long_term_goals": "Consistent care for six months without the plan's support.",
    "daily_safety_check": "School staff each weekday; the family support worker at weekends.",
    "seen_alone_arrangements": "At school, by the lead social worker, every other visit.",
    "seen_with_family_arrangements": "At home, after school, on the other visits.",
    "contingency_plan": "A strategy discussion the same day if the agreed adult is absent.",
}
OBSERVATIONS = "Food in the kitchen; the children were clean, cheerful and talked freely."
WORK_HOURS = (10, 11, 14)
VISIT_INTERVAL = 13  # working days between statutory visits (the limit is 15)
CORE_GROUP_INTERVAL = 19  # working days between core groups (the limit is 20)


@dataclass(frozen=True)
class Story:
    """What happens to a family. ``start`` counts back from today: working days, or
    calendar months for a long plan."""

    kind: str
    start_days: int = 0
    start_months: int = 0
    category: str = "NEG"
    source: str = "2A"


# The first authority's 25 families, in the order of demo.demo_families.
NORTHBROOK_STORIES = (
    Story("plan_authorised", start_months=5, category="NEG", source="2A"),  # 0: 1 review
    Story("plan_outline", start_days=4, category="EMO", source="6"),  # 1
    Story("assessment_early_help", start_days=70, source="3B"),  # 2
    Story("plan_authorised", start_months=2, category="NEG", source="2A"),  # 3: no review yet
    Story("referral_nfa", start_days=45, source="1A"),  # 4
    Story("plan_draft", start_days=12, category="PHY", source="3E"),  # 5
    Story("assessment_cin", start_days=40, source="3A"),  # 6
    Story("plan_authorised", start_months=8, category="EMO", source="6"),  # 7: 1 review
    Story("referral_early_help", start_days=25, source="5D"),  # 8
    Story("s47_no_conference_cin", start_days=55, source="6"),  # 9
    Story("s47_open", start_days=6, source="3D"),  # 10: pre-birth
    Story("plan_authorised", start_months=13, category="MUL", source="2A"),  # 11: 2 reviews
    Story("assessment_nfa", start_days=60, source="1B"),  # 12
    Story("plan_overdue_visit", start_months=4, category="NEG", source="2A"),  # 13
    Story("referral_nfa", start_days=20, source="3B"),  # 14
    Story("s47_open", start_days=4, source="2A"),  # 15
    Story("plan_step_down", start_months=5, category="EMO", source="2A"),  # 16
    Story("plan_awaiting", start_days=20, category="NEG", source="2A"),  # 17
    Story("referral_early_help", start_days=15, source="3D"),  # 18: pre-birth
    Story("plan_closed", start_months=7, category="PHY", source="6"),  # 19
    Story("assessment_cin", start_days=30, source="3B"),  # 20
    Story("plan_overdue_core_group", start_months=4, category="EMO", source="2A"),  # 21
    Story("s47_no_conference_nfa", start_days=50, source="6"),  # 22
    Story("referral_early_help", start_days=35, source="2A"),  # 23
    Story("plan_overdue_authorisation", start_days=18, category="NEG", source="3B"),  # 24
)
# The second authority's families (demo.second_authority_families).
SOUTHMERE_STORIES = (
    Story("plan_authorised", start_months=5, category="NEG", source="2A"),
    Story("plan_authorised", start_months=2, category="EMO", source="6"),
    Story("assessment_early_help", start_days=50, source="2A"),
    Story("plan_moved_away", start_months=9, category="NEG", source="3B"),
)
# Where the second authority's child who moved now lives (the first authority).
MOVED_TO = AddressInput(line1="14 Hollins Close", town=demo.TOWN, postcode="NB2 4PQ")


@contextmanager
def _as_of(day: dt.date) -> Iterator[None]:
    """``timezone.localdate()`` is ``day`` inside (for the services that record today)."""
    real = timezone.localdate

    def localdate(value: dt.datetime | None = None, timezone: Any = None) -> dt.date:
        return day if value is None else real(value, timezone)

    with mock.patch.object(timezone, "localdate", localdate):
        yield


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class Command(BaseCommand):
    help = "Demo referrals, enquiries, conferences, plans, core groups and visits (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        made = existing = 0
        for code, families, stories in (
            (demo.AUTHORITY_CODE, demo.demo_families(today), NORTHBROOK_STORIES),
            (demo.SECOND_AUTHORITY_CODE, demo.second_authority_families(today), SOUTHMERE_STORIES),
        ):
            authority = Authority.objects.filter(code=code).first()
            if authority is None:
                self.stdout.write(f"No demo authority {code}: run seed_demo first.")
                continue
            seeder = _Seeder(authority, today)
            for family, story in zip(families, stories, strict=True):
                ids = [c.la_child_id for c in family.children]
                children = list(
                    Child.objects.filter(responsible_authority=authority, la_child_id__in=ids)
                    .select_related("lead_social_worker", "team")
                    .order_by("la_child_id")
                )
                if not children:
                    continue
                if _has_casework(children):
                    existing += 1
                    continue
                # The family's running deadlines are refreshed once, when its story is told.
                with transaction.atomic(), running_deadlines.deferred():
                    seeder.family(children, story)
                made += 1
        if made == 0 and existing:
            self.stdout.write("Demo casework already there.")
        else:
            self.stdout.write(f"Demo casework: {made} families' stories recorded.")


def _has_casework(children: list[Child]) -> bool:
    """Whether the family's story is already told: by this command (a referral), or by
    an earlier demo's (a strategy discussion or a plan with no referral before it)."""
    return (
        Referral.objects.filter(child__in=children).exists()
        or StrategyDiscussion.objects.filter(child__in=children).exists()
        or Plan.objects.filter(child__in=children).exists()
    )


class _Seeder:
    def __init__(self, authority: Authority, today: dt.date) -> None:
        self.authority = authority
        self.today = today
        self.timescales: AuthorityTimescales = load_authority_timescales([authority.pk])[
            authority.pk
        ]
        self.calendar = self.timescales.calendar
        users = {u.username: u for u in User.objects.filter(authority=authority)}
        self.users = users
        second = authority.code == demo.SECOND_AUTHORITY_CODE
        self.chair = users["chair.southmere" if second else "chair"]
        self.unit_manager = users["sum.southmere" if second else "sum"]
        self.core_group_member = None if second else User.objects.filter(username="cgm").first()

    # --- dates ----------------------------------------------------------------

    def back(self, days: int) -> dt.date:
        """The working day ``days`` working days before today."""
        return self.calendar.add_working_days(self.today, -days)

    def after(self, day: dt.date, days: int) -> dt.date:
        return self.calendar.add_working_days(day, days)

    def on_or_before(self, day: dt.date) -> dt.date:
        while not self.calendar.is_working_day(day):
            day -= dt.timedelta(days=1)
        return day

    def due(self, kind: str, start: dt.date) -> dt.date:
        computed = self.timescales.due(kind, start)
        if computed is None:
            raise ValueError(f"the demo authority has no {kind} timescale")
        return computed[0]

    def start_of(self, story: Story) -> dt.date:
        if story.start_months:
            return self.on_or_before(self.today - relativedelta(months=story.start_months))
        return self.back(story.start_days)

    # --- the family's story ---------------------------------------------------

    def family(self, children: list[Child], story: Story) -> None:
        start = self.start_of(story)
        plan_story = story.kind.startswith("plan_")
        # The referral comes 13 working days before a plan's initial conference.
        referred_on = self.after(start, -13) if plan_story else start
        taking_part = [c for c in children if self._born_by(c, referred_on, plan_story)]
        for child in children:
            if child not in taking_part:
                self.later_sibling(child)
        if not taking_part:
            return
        getattr(self, story.kind)(taking_part, story, start, referred_on)

    def _born_by(self, child: Child, day: dt.date, plan_story: bool) -> bool:
        if child.date_of_birth is None:
            return not plan_story  # an unborn sibling is assessed on its own (below)
        return child.date_of_birth < day - dt.timedelta(days=7)

    def later_sibling(self, child: Child) -> None:
        """A baby born (or expected) since the family's story began: referred recently,
        a (pre-birth) assessment under way."""
        born = child.date_of_birth or self.today - dt.timedelta(days=60)
        received = max(self.back(8), self.on_or_before(born + dt.timedelta(days=10)))
        received = min(received, self.today)
        referral = self.refer(child, received, "3B", next_step="assessment")
        self.assess(child, referral, min(self.after(received, 1), self.today))

    # --- the front door -------------------------------------------------------

    def worker(self, child: Child) -> User:
        assert child.lead_social_worker is not None  # noqa: S101 - every demo child has one
        return child.lead_social_worker

    def manager(self, child: Child) -> User:
        assert child.team is not None  # noqa: S101 - every demo child has one
        return self.users[demo.TEAM_MANAGER_FOR[child.team.name]]

    def refer(
        self, child: Child, received_on: dt.date, source: str, *, next_step: str, need: str = "N1"
    ) -> Referral:
        nfa = next_step in ("nfa", "early_help")
        return front_door.referral_record(
            actor=self.worker(child),
            child_id=child.pk,
            received_on=received_on,
            source=source,
            primary_need="" if nfa else need,
            nfa=nfa,
            next_step=next_step,
            referrer=front_door.ReferrerInput(
                name="Made-up referrer", role="Safeguarding lead", agency="Demo agency"
            ),
            details="Fictional demonstration referral.",
        )

    def assess(self, child: Child, referral: Referral, started_on: dt.date) -> Assessment:
        return front_door.assessment_record(
            actor=self.worker(child),
            child_id=child.pk,
            referral_id=referral.pk,
            started_on=started_on,
            summary="Child and family assessment (demonstration).",
        )

    def authorise(
        self, child: Child, assessment: Assessment, on: dt.date, factors: list[str], outcome: str
    ) -> None:
        front_door.assessment_authorise(
            actor=self.manager(child),
            assessment_id=assessment.pk,
            authorised_on=on,
            factors=factors,
            outcome=outcome,
        )

    def enquiry(
        self,
        child: Child,
        held_on: dt.date,
        *,
        conference_required: bool | None,
        decided_on: dt.date | None = None,
        reason: str = "",
    ) -> None:
        worker = self.worker(child)
        discussion = conference_services.strategy_discussion_record(
            actor=worker,
            child_id=child.pk,
            held_on=held_on,
            outcome="s47_enquiry",
            notes="Police, health and children's services agreed a section 47 enquiry.",
        )
        enquiry = conference_services.section47_start(
            actor=worker,
            child_id=child.pk,
            strategy_discussion_id=discussion.pk,
            started_on=held_on,
        )
        if conference_required is not None:
            with _as_of(decided_on or held_on):
                conference_services.section47_record_outcome(
                    actor=worker,
                    enquiry_id=enquiry.pk,
                    conference_required=conference_required,
                    reason_not_required=reason,
                )

    # --- stories without a plan -----------------------------------------------

    def referral_nfa(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        for child in children:
            self.refer(child, start, story.source, next_step="nfa")

    def referral_early_help(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        for child in children:
            self.refer(child, start, story.source, next_step="early_help")

    def _assessed(
        self, children: list[Child], story: Story, start: dt.date, outcome: str, factors: list[str]
    ) -> None:
        for child in children:
            referral = self.refer(child, start, story.source, next_step="assessment", need="N2")
            assessment = self.assess(child, referral, self.after(start, 1))
            self.authorise(child, assessment, self.after(start, 25), factors, outcome)

    def assessment_nfa(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        self._assessed(children, story, start, "nfa", ["21"])

    def assessment_early_help(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        self._assessed(children, story, start, "early_help", ["4B"])

    def assessment_cin(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        self._assessed(children, story, start, "cin_plan", ["2B", "4B"])

    def _no_conference(
        self, children: list[Child], story: Story, start: dt.date, outcome: str
    ) -> None:
        for child in children:
            referral = self.refer(child, start, story.source, next_step="strategy_discussion")
            assessment = self.assess(child, referral, self.after(start, 1))
            self.enquiry(
                child,
                self.after(start, 2),
                conference_required=False,
                decided_on=self.after(start, 9),
                reason="Concerns not substantiated: "
                + (
                    "the family accepts support under a child in need plan."
                    if outcome == "cin_plan"
                    else "the family needs nothing more from children's social care."
                ),
            )
            # The enquiry followed a police report of domestic abuse: the assessment
            # names that factor even when the outcome is no further action (an episode
            # with an enquiry closes RC7, and "21 No factors identified" alone would
            # ask for RC8: the DfE's query 8873Q).
            self.authorise(child, assessment, self.after(start, 20), ["3B"], outcome)

    def s47_no_conference_cin(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        self._no_conference(children, story, start, "cin_plan")

    def s47_no_conference_nfa(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        self._no_conference(children, story, start, "nfa")

    def s47_open(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        """An enquiry under way: the initial (or pre-birth) conference is still to come."""
        for child in children:
            referral = self.refer(child, start, story.source, next_step="strategy_discussion")
            self.assess(child, referral, self.after(start, 1))
            self.enquiry(child, self.after(start, 2), conference_required=None)

    # --- children on a plan -----------------------------------------------------

    def _conference(
        self,
        kind: str,
        children: list[Child],
        held_on: dt.date,
        decisions: list[DecisionInput],
        *,
        first: bool,
    ) -> None:
        worker = self.worker(children[0])
        conference = conference_services.conference_schedule(
            actor=self.chair,
            kind=kind,
            child_ids=[c.pk for c in children],
            scheduled_for=_at(held_on, 10),
            chair=self.chair,
            venue=f"{self.authority.name}, conference room 2",
        )
        core_group = [CoreGroupInput(kind="professional", user=self.core_group_member or worker)]
        conference_services.conference_record_outcome(
            actor=self.chair,
            conference_id=conference.pk,
            data=OutcomeInput(
                held_on=held_on,
                decisions=decisions,
                parents=[ParentInput(name=f"Parent of {children[0].first_name}", attended=True)],
                outline_plan=ISSUES if first else [],
                lead_social_worker=worker,
                core_group=core_group if first else [],
                reasons="The children have been left alone and hungry on several evenings.",
                quorate=True,
                parents_informed=True,
                child_informed=False,
                child_not_informed_reason="Too young to understand a letter; the worker will explain.",
            ),
        )
        conference_services.conference_finalise(actor=self.chair, conference_id=conference.pk)

    def _open(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> dict[Any, Plan]:
        """Referral, assessment, strategy discussion, enquiry, initial conference: each
        child's plan starts at ``start``, within the timescale of the discussion. The
        assessment, which the enquiry's findings feed, is authorised on the day of the
        conference: whatever the census year the conference falls in, the enquiry is
        never in it without its assessment (the DfE's query 2991Q)."""
        discussed_on = self.after(referred_on, 2)
        for child in children:
            referral = self.refer(child, referred_on, story.source, next_step="strategy_discussion")
            assessment = self.assess(child, referral, self.after(referred_on, 1))
            self.enquiry(
                child, discussed_on, conference_required=True, decided_on=self.after(start, -3)
            )
            self.authorise(child, assessment, start, ["3B", "1B"], "strategy_discussion")
        self._conference(
            Conference.Kind.INITIAL,
            children,
            start,
            [
                DecisionInput(child_id=c.pk, decision="plan", category=story.category)
                for c in children
            ],
            first=True,
        )
        return {c.pk: Plan.objects.get(child=c, status=Plan.Status.ACTIVE) for c in children}

    def _first_core_group(self, plans: dict[Any, Plan], start: dt.date) -> dt.date:
        held_on = self.after(start, 8)
        for plan in plans.values():
            self.core_group(plan, held_on, "The detailed plan was agreed.")
        return held_on

    def core_group(self, plan: Plan, held_on: dt.date, notes: str) -> None:
        worker = plan.lead_social_worker or self.worker(plan.child)
        plan_services.core_group_meeting_record(
            actor=worker,
            plan_id=plan.pk,
            held_on=held_on,
            attendees=[worker.name, "Parent", "Designated safeguarding lead"],
            notes=notes,
        )

    def _detail(self, plan: Plan, first_core_group: dt.date) -> Plan:
        worker = plan.lead_social_worker or self.worker(plan.child)
        plan.refresh_from_db()
        plan = plan_services.plan_update_detail(
            actor=worker, plan_id=plan.pk, version=plan.version, changes=DETAIL
        )
        for i, issue in enumerate(plan.issues.order_by("position")):
            plan_services.plan_action_add(
                actor=worker,
                plan_id=plan.pk,
                version=None,
                data=ActionInput(
                    description=[
                        "An agreed adult stays with the children every evening",
                        "The parent attends the alcohol service weekly",
                    ][i % 2],
                    responsible="Parent, with the family support worker",
                    due_on=first_core_group + dt.timedelta(days=28 + 14 * i),
                    evidence_of_success="Unannounced evening visits find an adult at home",
                    issue_id=issue.pk,
                ),
            )
        plan.refresh_from_db()
        return plan

    def _submit(self, plan: Plan, on: dt.date) -> Plan:
        with _as_of(on):
            return plan_services.plan_submit(
                actor=plan.lead_social_worker or self.worker(plan.child),
                plan_id=plan.pk,
                version=plan.version,
            )

    def _authorise_plan(self, plan: Plan, on: dt.date) -> None:
        plan.refresh_from_db()
        with _as_of(on):
            plan_services.plan_authorise(
                actor=self.manager(plan.child), plan_id=plan.pk, version=plan.version
            )

    def _authorised(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> tuple[dict[Any, Plan], dt.date]:
        plans = self._open(children, story, start, referred_on)
        first = self._first_core_group(plans, start)
        for plan in plans.values():
            plan = self._submit(self._detail(plan, first), self.after(first, 3))
            self._authorise_plan(plan, self.after(first, 4))
        return plans, first

    def _run(
        self,
        children: list[Child],
        plans: dict[Any, Plan],
        start: dt.date,
        first_core_group: dt.date,
        *,
        until: dt.date | None = None,
        last_visit_before: int = 0,
        last_core_group_before: int = 0,
        reviews: Callable[[dt.date], None] | None = None,
    ) -> None:
        """Core groups, visits and reviews from the plan's start until ``until`` (the
        plan's end) or today; ``last_*_before`` stops them that many working days early
        (something overdue, on purpose)."""
        end = until or self.today
        stop_core_groups = (
            self.after(end, -last_core_group_before) if last_core_group_before else end
        )
        held_on = self.after(first_core_group, CORE_GROUP_INTERVAL)
        while held_on < stop_core_groups:
            for plan in plans.values():
                self.core_group(plan, held_on, "Progress on each action reviewed.")
            held_on = self.after(held_on, CORE_GROUP_INTERVAL)
        # Before today (a visit later today would be in the future) or the plan's end.
        stop_visits = self.after(end, -last_visit_before) if last_visit_before else end
        visit_on = self.after(start, 3)
        number = 0
        while visit_on < stop_visits:
            for child in children:
                self.visit(child, visit_on, number)
            number += 1
            visit_on = self.after(visit_on, VISIT_INTERVAL)
        if reviews is not None:
            reviews(start)

    def visit(self, child: Child, on: dt.date, number: int) -> None:
        old_enough = child.date_of_birth is not None and (on - child.date_of_birth).days > 4 * 365
        # Now and then the worker calls and does not see the child: recorded, but not a
        # statutory visit (the next statutory visit still falls within the interval).
        if number % 9 == 4:
            visit_services.visit_save(
                actor=self.worker(child),
                child_id=child.pk,
                complete=True,
                data=VisitInput(
                    kind="home_visit",
                    visited_at=_at(self.after(on, -2), 11),
                    child_seen=False,
                    location="Home",
                    observations="Nobody answered; a card was left.",
                ),
            )
        visit_services.visit_save(
            actor=self.worker(child),
            child_id=child.pk,
            complete=True,
            data=VisitInput(
                kind="statutory",
                visited_at=_at(on, WORK_HOURS[number % 3] + 2),
                child_seen=True,
                seen_alone=old_enough and number % 4 != 3,
                bedroom_seen=number % 2 == 0,
                location="School" if old_enough and number % 2 else "Home",
                observations=OBSERVATIONS,
            ),
        )

    def _reviews(
        self,
        children: list[Child],
        story: Story,
        *,
        count: int,
        last: str = "continue",
        step_down: str = "",
    ) -> list[dt.date]:
        """Review conferences on the last working day the timescales allow: the first
        after the initial conference, then each after the one before."""
        held: list[dt.date] = []
        previous = None
        plan_start = Plan.objects.filter(child=children[0]).order_by("-started_on").first()
        assert plan_start is not None  # noqa: S101
        anchor = plan_start.started_on
        for i in range(count):
            kind = "first_review_conference" if previous is None else "review_conference"
            on = self.on_or_before(self.due(kind, anchor))
            if on >= self.today:
                break
            ending = i == count - 1 and last == "discontinue"
            decisions = [
                DecisionInput(
                    child_id=c.pk,
                    decision="discontinue" if ending else "continue",
                    latest_category="" if ending else story.category,
                    step_down=step_down if ending else "",
                )
                for c in children
            ]
            self._conference(Conference.Kind.REVIEW, children, on, decisions, first=False)
            held.append(on)
            previous = anchor = on
        return held

    def plan_outline(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        plans = self._open(children, story, start, referred_on)
        self._run(children, plans, start, self.today)

    def plan_draft(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        plans = self._open(children, story, start, referred_on)
        first = self._first_core_group(plans, start)
        for plan in plans.values():
            self._detail(plan, first)
        self._run(children, plans, start, first)

    def plan_awaiting(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        plans = self._open(children, story, start, referred_on)
        first = self._first_core_group(plans, start)
        for plan in plans.values():
            self._submit(self._detail(plan, first), self.after(first, 3))
        self._run(children, plans, start, first)

    def plan_authorised(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        plans, first = self._authorised(children, story, start, referred_on)
        self._run(children, plans, start, first)
        self._reviews(children, story, count=4)

    def plan_overdue_visit(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        plans, first = self._authorised(children, story, start, referred_on)
        self._run(children, plans, start, first, last_visit_before=VISIT_INTERVAL + 6)
        self._reviews(children, story, count=4)

    def plan_overdue_core_group(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        plans, first = self._authorised(children, story, start, referred_on)
        self._run(children, plans, start, first, last_core_group_before=CORE_GROUP_INTERVAL + 5)
        self._reviews(children, story, count=4)

    def plan_overdue_authorisation(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        """The detailed plan was written but never sent for authorisation."""
        plans = self._open(children, story, start, referred_on)
        first = self._first_core_group(plans, start)
        for plan in plans.values():
            self._detail(plan, first)
        self._run(children, plans, start, first)

    def _ended(
        self,
        children: list[Child],
        story: Story,
        start: dt.date,
        referred_on: dt.date,
        step_down: str,
    ) -> dt.date:
        """Discontinued at the first review: the child is no longer at risk."""
        plans, first = self._authorised(children, story, start, referred_on)
        ends_on = self.on_or_before(self.due("first_review_conference", start))
        self._run(children, plans, start, first, until=ends_on)
        held = self._reviews(children, story, count=1, last="discontinue", step_down=step_down)
        return held[-1]

    def plan_step_down(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        """Ended at a review, support continuing under a child in need plan."""
        self._ended(children, story, start, referred_on, "child_in_need")

    def plan_closed(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        """Ended at a review with no further plan; the episode then closed."""
        ended_on = self._ended(children, story, start, referred_on, "none")
        for child in children:
            referral = front_door.open_episode(child, on=ended_on)
            assert referral is not None  # noqa: S101
            front_door.episode_close(
                actor=self.worker(child),
                referral_id=referral.pk,
                closed_on=self.after(ended_on, 10),
                reason="RC7",
            )

    def plan_moved_away(
        self, children: list[Child], story: Story, start: dt.date, referred_on: dt.date
    ) -> None:
        """The second authority's plan ended and its episode closed; the family then moved
        into the first authority, whose North team now works with the child (its social
        worker can ask for the historic plan to be released)."""
        self.plan_closed(children, story, start, referred_on)
        receiving = Authority.objects.get(code=demo.AUTHORITY_CODE)
        north = receiving.teams.get(name=demo.NORTH_TEAM)
        worker = User.objects.get(username=demo.SOCIAL_WORKER_FOR[demo.NORTH_TEAM])
        for child in children:
            child.refresh_from_db()
            child_update(
                actor=self.unit_manager,
                child_id=child.pk,
                version=child.version,
                changes={
                    "resident_authority": receiving,
                    "address": MOVED_TO,
                    "team": north,
                    "lead_social_worker": worker,
                },
            )

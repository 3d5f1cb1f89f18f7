"""Demo casework for the demo children: enquiries, conferences, plans, core groups and
visits, made through the services exactly as staff would make them. Idempotent: it adds
nothing once the demo authority has any plan. Called by ``seed_demo``."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from conferences import services as conference_services
from conferences.services import DecisionInput, OutcomeInput, ParentInput
from cpcase.models import Authority, Child, User
from cpcase.timescales import calendar_of
from plans import services as plan_services
from plans.models import Plan
from plans.services import ActionInput, CoreGroupInput, IssueInput
from visits import services as visit_services
from visits.services import VisitInput

DEMO_AUTHORITY = "990"
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
CATEGORIES = ["NEG", "EMO", "PHY", "NEG", "MUL", "EMO"]


class Command(BaseCommand):
    help = "Demo enquiries, conferences, plans, core groups and visits (idempotent)."

    def handle(self, *args, **options):
        authority = Authority.objects.filter(code=DEMO_AUTHORITY).first()
        if authority is None:
            self.stdout.write("No demo authority: run seed_demo first.")
            return
        if Plan.objects.filter(child__responsible_authority=authority).exists():
            self.stdout.write("Demo casework already there.")
            return
        users = {u.username: u for u in User.objects.filter(authority=authority)}
        chair, cgm = users.get("chair"), User.objects.filter(username="cgm").first()
        children = list(
            Child.objects.filter(responsible_authority=authority, date_of_birth__isnull=False)
            .exclude(lead_social_worker=None)
            .select_related("lead_social_worker")
            .order_by("la_child_id")
        )
        today = timezone.localdate()
        calendar = calendar_of(authority.pk)
        made = 0
        for i, child in enumerate(children[:14]):
            # Conferences meet on working days: the next one on or after each date.
            held_on = calendar.on_or_after(today - dt.timedelta(days=20 + 11 * i))
            with transaction.atomic():
                self._plan(child, chair, cgm, held_on, CATEGORIES[i % 6])
            made += 1
        for child in children[14:18]:
            conference_services.strategy_discussion_record(
                actor=child.lead_social_worker,
                child_id=child.pk,
                held_on=today - dt.timedelta(days=4),
                outcome="s47_enquiry",
            )
        self.stdout.write(f"Demo casework: {made} plans, 4 open enquiries.")

    def _plan(self, child: Child, chair: User, cgm: User | None, held_on: dt.date, category: str):
        worker = child.lead_social_worker
        conference_services.strategy_discussion_record(
            actor=worker,
            child_id=child.pk,
            held_on=held_on - dt.timedelta(days=14),
            outcome="s47_enquiry",
        )
        conference = conference_services.conference_schedule(
            actor=chair,
            kind="initial",
            child_ids=[child.pk],
            scheduled_for=timezone.make_aware(dt.datetime.combine(held_on, dt.time(10))),
            chair=chair,
            venue="Northbrook Civic Centre, Room 2",
        )
        conference_services.conference_record_outcome(
            actor=chair,
            conference_id=conference.pk,
            data=OutcomeInput(
                held_on=held_on,
                decisions=[DecisionInput(child_id=child.pk, decision="plan", category=category)],
                parents=[ParentInput(name=f"Parent of {child.first_name}", attended=True)],
                outline_plan=ISSUES,
                lead_social_worker=worker,
                core_group=[CoreGroupInput(kind="professional", user=cgm)] if cgm else [],
                reasons="The children have been left alone and hungry on several evenings.",
                quorate=True,
                parents_informed=True,
                child_informed=False,
                child_not_informed_reason="Too young to understand a letter; the worker will explain.",
            ),
        )
        conference_services.conference_finalise(actor=chair, conference_id=conference.pk)
        plan = Plan.objects.get(child=child, status="active")
        first_meeting = held_on + dt.timedelta(days=9)
        if first_meeting < timezone.localdate():
            plan_services.core_group_meeting_record(
                actor=worker,
                plan_id=plan.pk,
                held_on=first_meeting,
                attendees=[worker.name, "Parent"],
                notes="The detailed plan was agreed.",
            )
            plan.refresh_from_db()
            plan_services.plan_action_add(
                actor=worker,
                plan_id=plan.pk,
                version=None,
                data=ActionInput(
                    description="An agreed adult stays with the children every evening",
                    responsible="Parent, with the family support worker",
                    due_on=first_meeting + dt.timedelta(days=28),
                    evidence_of_success="Unannounced evening visits find an adult at home",
                    issue_id=plan.issues.first().pk,
                ),
            )
        visit_on = held_on + dt.timedelta(days=7)
        while visit_on < timezone.localdate() - dt.timedelta(days=3):
            visit_services.visit_save(
                actor=worker,
                child_id=child.pk,
                complete=True,
                data=VisitInput(
                    kind="statutory",
                    visited_at=timezone.make_aware(dt.datetime.combine(visit_on, dt.time(16))),
                    child_seen=True,
                    seen_alone=True,
                    location="Home",
                    observations="Food in the kitchen; the children were clean and cheerful.",
                ),
            )
            visit_on += dt.timedelta(days=12)

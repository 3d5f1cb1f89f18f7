"""Child protection plans and their core groups.

A plan is started, continued and ended by conference decisions (the
conferences app calls :mod:`plans.services`); this app never imports the
conferences app.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from cpcase.models import Child, TimeUnit, User
from cpcase.validators import TEXT_MAX_LENGTH
from plans.validators import action_errors

# The longest interval between core groups a conference can set (about three months).
CORE_GROUP_INTERVAL_MAX = 60


class Category(models.TextChoices):
    """Categories of abuse: the Children in Need census codes."""

    NEGLECT = "NEG", "Neglect"
    PHYSICAL = "PHY", "Physical abuse"
    SEXUAL = "SAB", "Sexual abuse"
    EMOTIONAL = "EMO", "Emotional abuse"
    MULTIPLE = "MUL", "Multiple (not recommended)"


class StepDown(models.TextChoices):
    """The support that follows a plan that ends (DOMAIN.md): a child in need plan (in
    Scotland, a GIRFEC plan), or none."""

    CHILD_IN_NEED = "child_in_need", "Child in need plan"
    GIRFEC = "girfec", "GIRFEC plan"
    NONE = "none", "No further plan"


class Plan(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    class Stage(models.TextChoices):
        OUTLINE = "outline", "Outline plan"
        DETAILED_DRAFT = "detailed_draft", "Detailed plan (draft)"
        AWAITING_AUTHORISATION = "awaiting_authorisation", "Awaiting authorisation"
        AUTHORISED = "authorised", "Authorised"

    class EndReason(models.TextChoices):
        CONFERENCE = "conference", "Discontinued by a review conference"
        AGE = "turned_18", "The child turned 18"
        DIED = "died", "The child died"
        MOVED = "moved", "Moved permanently to another authority (transfer-in conference held)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="plans")
    # The authority that recorded it: a child's past belongs to the authority that held it,
    # and another authority reads it only through a granted historic release (access.py).
    authority = models.ForeignKey(
        "cpcase.Authority", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    stage = models.CharField(max_length=30, choices=Stage.choices, default=Stage.OUTLINE)
    pre_birth = models.BooleanField(default=False)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    initial_category = models.CharField(max_length=3, choices=Category.choices)
    latest_category = models.CharField(max_length=3, choices=Category.choices)
    lead_social_worker = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="lead_plans"
    )
    # The maximum interval between statutory visits, where the conference set one.
    visit_interval_value = models.PositiveSmallIntegerField(null=True, blank=True)
    visit_interval_unit = models.CharField(max_length=20, choices=TimeUnit.choices, blank=True)
    # The interval between later core groups, in working days, where the initial
    # conference set one for this child (else the timescale profile's).
    core_group_interval_days = models.PositiveSmallIntegerField(null=True, blank=True)
    submitted_on = models.DateField(null=True, blank=True)
    authorised_on = models.DateField(null=True, blank=True)
    authorised_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_comments = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    # The detailed plan (DOMAIN.md section 1, step 4).
    cause_of_harm = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    short_term_goals = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    long_term_goals = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    daily_safety_check = models.TextField(
        "who checks day to day that the child is safe and well",
        blank=True,
        max_length=TEXT_MAX_LENGTH,
    )
    seen_alone_arrangements = models.TextField(
        "when and where the child is seen alone", blank=True, max_length=TEXT_MAX_LENGTH
    )
    seen_with_family_arrangements = models.TextField(
        "when and where the child is seen with their family", blank=True, max_length=TEXT_MAX_LENGTH
    )
    contingency_plan = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    step_down = models.CharField(
        max_length=20,
        blank=True,
        choices=StepDown.choices,
    )
    # A plan ended by a permanent move: the receiving authority's transfer-in conference.
    transfer_conference_on = models.DateField(null=True, blank=True)
    transferred_to = models.CharField("receiving authority", max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(status="active"),
                name="plan_one_active_per_child",
                violation_error_message="This child already has an active plan.",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="plan_ends_after_it_starts",
                violation_error_message="A plan cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(status="active", ended_on__isnull=True)
                | Q(status="ended", ended_on__isnull=False),
                name="plan_status_matches_end",
            ),
            models.CheckConstraint(
                condition=Q(visit_interval_value__isnull=True) | Q(visit_interval_value__gt=0),
                name="plan_visit_interval_positive",
            ),
            models.CheckConstraint(
                condition=Q(core_group_interval_days__isnull=True)
                | Q(core_group_interval_days__gt=0),
                name="plan_core_group_interval_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "child"]),
            # The measures: plans started, and plans ended, in a period.
            models.Index(fields=["started_on"], name="plan_started_on"),
            models.Index(fields=["ended_on"], name="plan_ended_on"),
        ]

    def __str__(self) -> str:
        return f"Plan for {self.child} from {self.started_on:%d %B %Y}"

    # For templates, which compare no status strings (STYLE.md: no rules in templates).
    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_ended(self) -> bool:
        return self.status == self.Status.ENDED

    @property
    def is_detailed_draft(self) -> bool:
        return self.stage == self.Stage.DETAILED_DRAFT

    @property
    def is_awaiting_authorisation(self) -> bool:
        return self.stage == self.Stage.AWAITING_AUTHORISATION

    @property
    def is_authorised(self) -> bool:
        return self.stage == self.Stage.AUTHORISED

    @property
    def stage_tag_colour(self) -> str:
        """The GOV.UK tag colour of the plan's stage."""
        return _STAGE_TAG_COLOURS.get(self.stage, "grey")


_STAGE_TAG_COLOURS: dict[str, str] = {
    Plan.Stage.AUTHORISED: "green",
    Plan.Stage.AWAITING_AUTHORISATION: "yellow",
    Plan.Stage.DETAILED_DRAFT: "orange",
}


class CoreGroupMeeting(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="core_group_meetings")
    held_on = models.DateField()
    attendees = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["held_on"]
        indexes = [models.Index(fields=["plan", "held_on"])]

    def __str__(self) -> str:
        return f"Core group on {self.held_on}"


class PlanIssue(models.Model):
    """A risk from the outline plan, and the outcome it must reach."""

    class RiskType(models.TextChoices):
        HRI = "HRI", "High risk indicator"
        URF = "URF", "Underlying risk factor"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="issues")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(max_length=TEXT_MAX_LENGTH)
    risk_type = models.CharField(max_length=3, choices=RiskType.choices)
    desired_outcome = models.TextField(max_length=TEXT_MAX_LENGTH)
    improvement_required = models.TextField(max_length=TEXT_MAX_LENGTH)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_high_risk_indicator(self) -> bool:
        return self.risk_type == self.RiskType.HRI


class CoreGroupMember(models.Model):
    """A member of the child's core group: a professional (a user, with their agency),
    or a parent, carer or the child (a person around the child)."""

    class Kind(models.TextChoices):
        PROFESSIONAL = "professional", "Professional"
        PARENT_OR_CARER = "parent_or_carer", "Parent or carer"
        CHILD = "child", "The child"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="core_group")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person_id = models.UUIDField(null=True, blank=True)
    name = models.CharField(max_length=200)
    agency = models.CharField(max_length=200, blank=True)
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "user"],
                condition=Q(user__isnull=False, left_on__isnull=True),
                name="core_group_member_once",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PlanVersion(models.Model):
    """An immutable snapshot of the plan at a finalisation, authorisation or review."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    reason = models.CharField(max_length=200)
    content = models.JSONField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique")
        ]

    def __str__(self) -> str:
        return f"Version {self.number}: {self.reason}"


class PlanAction(models.Model):
    """A SMART action: what, who, by when, and the evidence that shows it worked."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        DONE = "done", "Done"
        NOT_DONE = "not_done", "Not done"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    issue = models.ForeignKey(
        PlanIssue, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    description = models.TextField(max_length=TEXT_MAX_LENGTH)
    responsible = models.CharField(max_length=200)
    responsible_agency = models.CharField(max_length=200, blank=True)
    responsible_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="plan_actions"
    )
    due_on = models.DateField()
    evidence_of_success = models.TextField(max_length=TEXT_MAX_LENGTH)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["due_on", "created_at"]

    def __str__(self) -> str:
        return self.description[:60]

    def clean(self) -> None:
        """The SMART check of the services, for any model form (the admin's included)."""
        errors = action_errors(
            description=self.description,
            responsible=self.responsible,
            has_responsible_user=self.responsible_user_id is not None,
            due_on=self.due_on,
            evidence_of_success=self.evidence_of_success,
            plan_started_on=self.plan.started_on if self.plan_id else None,
        )
        if errors:
            raise ValidationError(errors)

    @property
    def rag(self) -> str:
        return {
            "done": "green",
            "on_track": "green",
            "at_risk": "amber",
            "not_started": "amber",
            "not_done": "red",
        }[self.status]

    @property
    def rag_tag_colour(self) -> str:
        """The GOV.UK tag colour of :attr:`rag` (GOV.UK has orange, not amber)."""
        return {"green": "green", "amber": "orange", "red": "red"}[self.rag]


class ActionUpdate(models.Model):
    """Progress on an action, at a core group meeting or by the person responsible."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="updates")
    meeting = models.ForeignKey(
        CoreGroupMeeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="updates"
    )
    status = models.CharField(max_length=20, choices=PlanAction.Status.choices)
    note = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.note[:40]}"

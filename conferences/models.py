"""Strategy discussions and child protection conferences."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from cpcase.models import Child, Referral, User
from cpcase.validators import TEXT_MAX_LENGTH
from plans.models import Category, StepDown

STEP_DOWN_CHOICES = StepDown.choices


class StrategyDiscussion(models.Model):
    """A strategy discussion; an ``s47_enquiry`` outcome starts the ICPC clock."""

    class Outcome(models.TextChoices):
        S47_ENQUIRY = "s47_enquiry", "Start a child protection enquiry (section 47)"
        NO_FURTHER_ACTION = "no_further_action", "No further action"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="strategy_discussions")
    held_on = models.DateField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    notes = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-held_on"]
        indexes = [models.Index(fields=["child", "-held_on"])]

    def __str__(self) -> str:
        return f"Strategy discussion on {self.held_on}"


class Section47Enquiry(models.Model):
    """A child protection enquiry (England: section 47), started from a strategy
    discussion within a child in need episode. Its outcome is that an initial conference
    is needed, or not (the census's ``ICPCnotRequired``) with the reason. The initial
    conference's target date runs from the strategy discussion, as before."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="section47_enquiries")
    strategy_discussion = models.OneToOneField(
        StrategyDiscussion, on_delete=models.PROTECT, related_name="section47_enquiry"
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="section47_enquiries"
    )
    started_on = models.DateField()
    # None while the enquiry runs; then True (an initial conference) or False.
    conference_required = models.BooleanField(null=True, blank=True)
    reason_not_required = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    outcome_recorded_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-started_on"]
        indexes = [models.Index(fields=["child", "-started_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(conference_required=False) | Q(reason_not_required=""),
                name="s47_reason_only_when_not_required",
                violation_error_message="A reason is given only when no conference is needed.",
            ),
        ]

    def __str__(self) -> str:
        return f"Section 47 enquiry started on {self.started_on:%d %B %Y}"


class Conference(models.Model):
    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial child protection conference"
        REVIEW = "review", "Review conference"
        PRE_BIRTH = "pre_birth", "Pre-birth conference"
        TRANSFER_IN = "transfer_in", "Transfer-in conference"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held, outcome recorded"
        FINALISED = "finalised", "Finalised"
        CANCELLED = "cancelled", "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    scheduled_for = models.DateTimeField()
    venue = models.CharField(max_length=200, blank=True)
    chair = models.ForeignKey(User, on_delete=models.PROTECT, related_name="chaired_conferences")
    # The authority that recorded it: a child's past belongs to the authority that held it,
    # and another authority reads it only through a granted historic release (access.py).
    authority = models.ForeignKey(
        "cpcase.Authority", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scheduled_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quorate = models.BooleanField(null=True, blank=True)
    notes = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    held_on = models.DateField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    children = models.ManyToManyField(Child, through="ConferenceChild", related_name="conferences")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-scheduled_for"]
        # The measures: conferences held in a period.
        indexes = [models.Index(fields=["held_on"], name="conference_held_on")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "cancelled"]) | Q(held_on__isnull=False),
                name="conference_held_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.scheduled_for:%d %B %Y}"

    # For templates, which compare no status strings.
    @property
    def is_held(self) -> bool:
        return self.status == self.Status.HELD

    @property
    def status_tag_colour(self) -> str:
        """The GOV.UK tag colour of the conference's status."""
        colours: dict[str, str] = {
            self.Status.SCHEDULED: "blue",
            self.Status.HELD: "yellow",
            self.Status.FINALISED: "green",
        }
        return colours.get(self.status, "grey")


class ConferenceChild(models.Model):
    """One child at a conference, and the conference's decision about them."""

    class Decision(models.TextChoices):
        PLAN = "plan", "A child protection plan is needed"
        NO_PLAN = "no_plan", "No child protection plan"
        CONTINUE = "continue", "Continue the plan"
        DISCONTINUE = "discontinue", "Discontinue the plan"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="subjects")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    category = models.CharField(max_length=3, choices=Category.choices, blank=True)
    latest_category = models.CharField(max_length=3, choices=Category.choices, blank=True)
    # With a discontinuation: the support that follows (child in need plan; Scotland: GIRFEC).
    step_down = models.CharField(max_length=20, choices=STEP_DOWN_CHOICES, blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    plan_id = models.UUIDField(null=True, blank=True)
    # The outline plan as the conference agreed it (the plan keeps its own copy).
    outline_plan = models.JSONField(default=list, blank=True)
    lead_social_worker = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    core_group = models.JSONField(default=list, blank=True)
    visit_interval_value = models.PositiveSmallIntegerField(null=True, blank=True)
    visit_interval_unit = models.CharField(max_length=20, blank=True)
    # Set by an initial conference for this child where it differs from the profile.
    core_group_interval_days = models.PositiveSmallIntegerField(null=True, blank=True)
    decision_reasons = models.TextField(
        "the reasons for the decision", blank=True, max_length=TEXT_MAX_LENGTH
    )
    # Other unmet needs: in the conference record, never in the plan (DOMAIN.md).
    unmet_needs = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    childs_views = models.TextField("the child's views", blank=True, max_length=TEXT_MAX_LENGTH)
    views_given = models.CharField(
        max_length=20,
        blank=True,
        choices=[
            ("directly", "Directly"),
            ("advocate", "Through an advocate"),
            ("in_writing", "In writing"),
            ("not_given", "Not given"),
        ],
    )
    parents_informed = models.BooleanField(null=True, blank=True)
    parents_not_informed_reason = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    child_informed = models.BooleanField(null=True, blank=True)
    child_not_informed_reason = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    # At the first review after the child became looked after: why both plans are kept.
    dual_plan_justification = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conference", "child"], name="conference_child_unique")
        ]

    def __str__(self) -> str:
        return f"{self.child} at {self.conference}"

    # For templates, which compare no decision strings.
    @property
    def starts_plan(self) -> bool:
        return self.decision == self.Decision.PLAN

    @property
    def continues_plan(self) -> bool:
        return self.decision == self.Decision.CONTINUE

    @property
    def discontinues_plan(self) -> bool:
        return self.decision == self.Decision.DISCONTINUE


class TransferNotice(models.Model):
    """Notice that a child with a plan elsewhere has moved into the authority's area.

    Recorded by the receiving authority (``authority``); it starts the transfer-in
    conference deadline, and is completed when that conference is finalised."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the transfer-in conference"
        COMPLETED = "completed", "Transfer-in conference finalised"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="transfer_notices")
    notified_on = models.DateField()
    from_authority_name = models.CharField(max_length=200)
    # The authority the child moved from (responsible until the transfer-in conference).
    from_authority = models.ForeignKey(
        "cpcase.Authority", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The receiving authority, which recorded the notice and holds the conference.
    authority = models.ForeignKey(
        "cpcase.Authority", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    address = models.ForeignKey(
        "cpcase.Address", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    conference = models.ForeignKey(
        "Conference", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-notified_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "authority"],
                condition=Q(status="open"),
                name="transfer_notice_one_open_per_child",
                violation_error_message="A notice of this child's move is already open.",
            )
        ]

    def __str__(self) -> str:
        return f"Transfer notice on {self.notified_on}"


class ConferenceAttendee(models.Model):
    """A professional invited to a conference, and whether they came."""

    class Attendance(models.TextChoices):
        INVITED = "invited", "Invited"
        ATTENDED = "attended", "Attended"
        APOLOGIES = "apologies", "Sent apologies"
        ABSENT = "absent", "Did not attend"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200)
    agency = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=200, blank=True)
    attendance = models.CharField(
        max_length=20, choices=Attendance.choices, default=Attendance.INVITED
    )
    report_submitted = models.BooleanField(default=False)

    class Meta:
        ordering = ["agency", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"


class ConferenceParent(models.Model):
    """A parent or carer: invited, attended, or excluded by the chair for a recorded reason."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="parents")
    person_id = models.UUIDField(null=True, blank=True)
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=100, blank=True)
    invited = models.BooleanField(default=True)
    attended = models.BooleanField(default=False)
    excluded = models.BooleanField(default=False)
    exclusion_reason = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    exclusion_explained = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(excluded=False) | ~Q(exclusion_reason=""),
                name="conference_parent_exclusion_has_reason",
                violation_error_message="A parent can only be excluded for a recorded reason.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Letter(models.Model):
    """A letter produced from a conference: stored as produced, with its checksum."""

    class Kind(models.TextChoices):
        OUTCOME_PARENT = "outcome_parent", "Outcome letter to a parent or carer"
        OUTCOME_CHILD = "outcome_child", "Letter to the child"
        DISCONTINUATION = "discontinuation", "The plan has ended"

    class SentBy(models.TextChoices):
        POST = "post", "Post"
        HAND = "hand", "By hand"
        EMAIL = "email", "Secure email"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conference = models.ForeignKey(Conference, on_delete=models.PROTECT, related_name="letters")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipient = models.CharField(max_length=200)
    recipient_key = models.CharField(max_length=100)
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    produced_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_on = models.DateField(null=True, blank=True)
    sent_by = models.CharField(max_length=10, choices=SentBy.choices, blank=True)

    class Meta:
        ordering = ["created_at", "kind", "recipient"]
        constraints = [
            # Producing a conference's letters twice makes each letter once.
            models.UniqueConstraint(
                fields=["conference", "child", "kind", "recipient_key"], name="letter_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}"


class LookedAfterEvent(models.Model):
    """An event in a looked after child's life that requires a review conference (DOMAIN.md)."""

    class Kind(models.TextChoices):
        REMOVED_BY_PARENTS = "removed_by_parents", "Removed from accommodation by the parents"
        RETURNED_BY_COURT = (
            "returned_by_court",
            "Returned home by a court against the authority's recommendation",
        )
        REVIEW_PROPOSES_RETURN = (
            "review_proposes_return",
            "A looked after review proposes return home or another change that may affect risk",
        )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="looked_after_events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    occurred_on = models.DateField()
    notes = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-occurred_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on}"


class Complaint(models.Model):
    """A parent's or child's disagreement with a conference decision, reviewed by a senior
    officer who was not at the conference."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        UNDER_REVIEW = "under_review", "With the reviewing officer"
        UPHELD = "upheld", "Upheld"
        PARTLY_UPHELD = "partly_upheld", "Partly upheld"
        NOT_UPHELD = "not_upheld", "Not upheld"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conference = models.ForeignKey(Conference, on_delete=models.PROTECT, related_name="complaints")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    complainant = models.CharField(max_length=200)
    complainant_is_child = models.BooleanField(default=False)
    received_on = models.DateField()
    summary = models.TextField(max_length=TEXT_MAX_LENGTH)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    reviewing_officer = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints_to_review"
    )
    outcome_reasons = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    decided_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    letter_pdf = models.BinaryField(null=True, blank=True)
    letter_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-received_on"]

    def __str__(self) -> str:
        return f"Complaint from {self.complainant}"

    @property
    def is_upheld(self) -> bool:
        return self.status == self.Status.UPHELD

    @property
    def is_partly_upheld(self) -> bool:
        return self.status == self.Status.PARTLY_UPHELD


class Disagreement(models.Model):
    """A professional disagreement with the conference chair about a child's plan, raised
    by the lead social worker or the team manager and resolved by a senior operational
    manager (in our roles: the service leader of the child's responsible authority)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "Upheld"
        NOT_UPHELD = "not_upheld", "Not upheld"
        RESOLVED_BY_AGREEMENT = "resolved_by_agreement", "Resolved by agreement"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    conference = models.ForeignKey(
        Conference, on_delete=models.PROTECT, null=True, blank=True, related_name="disagreements"
    )
    plan = models.ForeignKey(
        "plans.Plan", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The authority that recorded it (a child's past belongs to the authority that held it).
    authority = models.ForeignKey(
        "cpcase.Authority", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    chair = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    raised_on = models.DateField()
    what_is_disagreed = models.TextField(max_length=TEXT_MAX_LENGTH)
    wanted_instead = models.TextField(max_length=TEXT_MAX_LENGTH)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    outcome_reasons = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    resolved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-raised_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(conference__isnull=False) | Q(plan__isnull=False),
                name="disagreement_about_conference_or_plan",
            ),
            models.CheckConstraint(
                condition=Q(status="open", outcome="")
                | (Q(status="resolved") & ~Q(outcome="") & ~Q(outcome_reasons="")),
                name="disagreement_resolved_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Disagreement raised on {self.raised_on}"

"""The record (register) of children with a plan, and the enquiries made of it."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from cpcase.models import Authority, Child, User
from cpcase.validators import TEXT_MAX_LENGTH


class Enquiry(models.Model):
    """One enquiry of the register: who asked, why, what they searched and what they saw.

    Written for every attempt, a refused one or one that found nothing included.
    """

    class Outcome(models.TextChoices):
        MATCHED = "matched", "Found a record"
        POSSIBLE_MATCH = "possible_match", "A possible match: told to call the duty team"
        NO_MATCH = "no_match", "No record found"
        REFUSED = "refused", "Refused (details missing or search too broad)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enquirer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="register_enquiries")
    enquirer_name = models.CharField(max_length=200, blank=True)
    enquirer_agency = models.CharField(max_length=200, blank=True)
    enquirer_role = models.CharField(max_length=200, blank=True)
    enquirer_phone = models.CharField(max_length=50, blank=True)
    enquirer_reference = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    search = models.JSONField(default=dict)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    refusal = models.JSONField(default=dict, blank=True)
    matches = models.JSONField(default=list, blank=True)
    matched_children = models.ManyToManyField(Child, blank=True, related_name="register_enquiries")
    # Weak matches (the date of birth and one name, say): how many, and whom the enquirer was
    # told to call (name, out-of-hours phone). The children are in PossibleMatch, for the unit
    # manager only.
    possible_match_count = models.PositiveSmallIntegerField(default=0)
    call = models.JSONField(default=dict, blank=True)
    told = models.JSONField(default=list, blank=True)
    # The children the search found (on the register or not) with their address keys: what
    # the follow-up works from. Never shown to the enquirer.
    asked_about = models.JSONField(default=list, blank=True)
    # When the lead social workers were told and the same-address and cluster rules applied
    # (after the answer, in the background); empty until then, and the safety net looks here.
    followed_up_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "enquiries"
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(followed_up_at__isnull=True),
                name="enquiry_follow_up_pending",
            )
        ]

    def __str__(self) -> str:
        return f"Enquiry by {self.enquirer_name} at {self.created_at:%d %b %Y %H:%M}"

    @property
    def is_refused(self) -> bool:
        return self.outcome == self.Outcome.REFUSED

    @property
    def possible_answer(self) -> dict[str, Any]:
        """What the enquirer is told of the weak matches: how many, and whom to call."""
        return {"count": self.possible_match_count, "call": self.call or None}


class PossibleMatch(models.Model):
    """A child on the register whom an enquiry found only weakly (the date of birth and one
    name, say). The enquirer is named no child and told to call the duty team; the
    safeguarding unit manager of the child's authority reviews it, with a note of the
    call-back and what was decided. Nobody else is told."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enquiry = models.ForeignKey(Enquiry, on_delete=models.PROTECT, related_name="possible_matches")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    # The child's responsible authority when asked: whose duty team the enquirer was told to
    # call, and whose unit manager reviews it (with the resident authority's).
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        verbose_name_plural = "possible matches"
        constraints = [
            models.UniqueConstraint(fields=["enquiry", "child"], name="one_possible_match_a_child")
        ]
        indexes = [
            models.Index(
                fields=["authority"],
                condition=Q(reviewed_at__isnull=True),
                name="possible_match_to_review",
            )
        ]

    def __str__(self) -> str:
        return f"Possible match of an enquiry of {self.enquiry.created_at:%d %b %Y %H:%M}"


class DesignatedManager(models.Model):
    """The authority's designated manager of the register, over time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, related_name="designated_managers"
    )
    manager = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    from_date = models.DateField()
    to_date = models.DateField(null=True, blank=True)
    department_notified_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-from_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority"],
                condition=Q(to_date__isnull=True),
                name="one_current_designated_manager",
            )
        ]

    def __str__(self) -> str:
        return f"{self.manager} from {self.from_date}"


class HistoricPlanRequest(models.Model):
    """A receiving authority asks the originating one to release a child's historic plans."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        GRANTED = "granted", "Granted"
        REFUSED = "refused", "Refused"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requesting_authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="+")
    originating_authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=TEXT_MAX_LENGTH)
    parents_told = models.BooleanField()
    parents_not_told_reason = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    access_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Release of historic plans: {self.get_status_display()}"

    # For templates, which compare no status strings.
    @property
    def is_requested(self) -> bool:
        return self.status == self.Status.REQUESTED

    @property
    def is_granted(self) -> bool:
        return self.status == self.Status.GRANTED

    @property
    def is_refused(self) -> bool:
        return self.status == self.Status.REFUSED


class ReturnJob(models.Model):
    """A statutory return produced in the background for the safeguarding unit manager of
    an authority: queued, running (with its progress), then done (its file kept once, in
    :class:`ReturnFile`) or failed (with a message a person can read)."""

    class Kind(models.TextChoices):
        CIN_CENSUS = "cin_census", "Children in need census"
        ANNEX_A = "annex_a", "Annex A (Ofsted inspection lists)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The collection year: the census year ending 31 March ``year``.
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    # The Celery task that holds the job while it runs (its retries keep the same id).
    claimed_by = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["authority", "-created_at"], name="return_job_list")]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100), name="return_job_progress"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}: {self.get_status_display()}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def is_running_now(self) -> bool:
        """Started and not finished (``is_running`` also counts a job still queued)."""
        return self.status == self.Status.RUNNING

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED


class ReturnFile(models.Model):
    """The file a return job produced: made once, kept, and served as it is at each
    download (never produced again). ``children`` are the children in it, named again in
    the audit trail at each download."""

    job = models.OneToOneField(
        ReturnJob, on_delete=models.PROTECT, primary_key=True, related_name="file"
    )
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=200)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    children = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return self.filename


class TimescaleFact(models.Model):
    """One deadline that a measure counts (an initial conference, a first core group, an
    authorisation, a review, a statutory visit), with its due date and the day it was met,
    or one plan's start or end, stored so that a measure over a period reads one index
    range instead of computing every deadline of the authority on each request.

    Derived data: :mod:`registry.measure_facts` writes a child's rows whenever the services
    refresh the child's running deadlines (every change to a record a deadline depends on,
    and to the child's team), and rewrites an authority's rows when its timescales or
    working days change. The dates are computed by the database from the authority's
    profile and working days (:mod:`cpcase.working_days_sql`), as the measures always did.
    """

    class Measure(models.TextChoices):
        INITIAL_CONFERENCE = "initial_conference", "Initial conference"
        FIRST_CORE_GROUP = "first_core_group", "First core group"
        PLAN_AUTHORISATION = "plan_authorisation", "Plan authorisation"
        REVIEW = "review", "Review conference"
        VISIT_FROM_PLAN_START = "visit_from_start", "Statutory visit after the plan's start"
        VISIT_FROM_VISIT = "visit_from_visit", "Statutory visit after a statutory visit"
        PLAN_START = "plan_start", "A plan started"
        PLAN_END = "plan_end", "A plan ended"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    # Whose record it is (the measures count an authority's own work), and the child's team
    # now (a measure's rows are teams).
    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        "cpcase.Team", null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    measure = models.CharField(max_length=30, choices=Measure.choices)
    # The day compared with the period: the due date, or for an initial conference the day
    # it was held. None only for a visit with no interval to count from.
    counted_on = models.DateField(null=True)
    due_on = models.DateField(null=True)
    met_on = models.DateField(null=True)
    # The day the plan ended (the latest date while it is open); None: not in a plan.
    ends_on = models.DateField(null=True)
    # A statutory visit's own day and the day of the next one (the latest date if none
    # yet): the visits' rows answer "seen alone at the last visit" too.
    anchor_on = models.DateField(null=True)
    superseded_on = models.DateField(null=True)
    # The yes or no a measure counts: the child seen alone (a visit), the plan lasted two
    # years or more (a plan's end), the child had a plan before (a plan's start).
    flag = models.BooleanField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["authority", "measure", "counted_on"],
                include=["team", "due_on", "met_on", "ends_on", "flag"],
                name="fact_counted",
            ),
            models.Index(
                fields=["authority", "superseded_on"],
                include=["team", "anchor_on", "ends_on", "flag"],
                condition=Q(measure="visit_from_visit"),
                name="fact_last_visit",
            ),
            # The children who started a plan: counted once each.
            models.Index(
                fields=["authority", "counted_on"],
                include=["team", "child", "flag"],
                condition=Q(measure="plan_start"),
                name="fact_plan_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} of {self.child_id} due {self.due_on}"

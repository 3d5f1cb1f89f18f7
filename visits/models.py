"""Visits to a child by the lead social worker."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from cpcase.models import Child, User
from cpcase.validators import TEXT_MAX_LENGTH


class Visit(models.Model):
    """A visit. Only a completed ``statutory`` visit in which the child was seen counts as a
    statutory visit (DOMAIN.md section 1, step 5); a draft is not yet a visit at all."""

    class Kind(models.TextChoices):
        STATUTORY = "statutory", "Statutory visit (child protection)"
        HOME_VISIT = "home_visit", "Home visit"
        OTHER = "other", "Other visit or contact"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        COMPLETED = "completed", "Completed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="visits")
    # The authority that recorded it: a child's past belongs to the authority that held it,
    # and another authority reads it only through a granted historic release (access.py).
    authority = models.ForeignKey(
        "cpcase.Authority", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    visited_at = models.DateTimeField(null=True, blank=True)
    child_seen = models.BooleanField(default=False)
    seen_alone = models.BooleanField(default=False)
    bedroom_seen = models.BooleanField(null=True, blank=True)
    others_present = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    location = models.CharField(max_length=200, blank=True)
    observations = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    childs_views = models.TextField(
        "the child's words and views", blank=True, max_length=TEXT_MAX_LENGTH
    )
    analysis = models.TextField("the worker's analysis", blank=True, max_length=TEXT_MAX_LENGTH)
    notes = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    next_planned_visit_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-visited_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="completed", kind="statutory", child_seen=False),
                name="visit_statutory_child_seen",
                violation_error_message="A statutory visit is one in which the child was seen.",
            ),
            models.CheckConstraint(
                condition=Q(child_seen=True) | Q(seen_alone=False),
                name="visit_seen_alone_needs_seen",
                violation_error_message="The child cannot be seen alone without being seen.",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(visited_at__isnull=False),
                name="visit_completed_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["child", "-visited_at"],
                condition=Q(status="completed", kind="statutory", child_seen=True),
                name="visit_statutory_seen",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} on {self.visited_at:%d %B %Y}"
            if self.visited_at
            else "Draft visit"
        )

    @property
    def is_statutory_visit(self) -> bool:
        return (
            self.status == self.Status.COMPLETED
            and self.kind == self.Kind.STATUTORY
            and self.child_seen
        )


class CannotVisitNotice(models.Model):
    """A worker's record that a statutory visit cannot be made in time, and why."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="cannot_visit_notices")
    due_on = models.DateField()
    reason = models.TextField(max_length=TEXT_MAX_LENGTH)
    expected_visit_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Cannot visit by {self.due_on}"


class VisitAmendment(models.Model):
    """A correction to a completed visit: what changed, why, and who made it. The record
    keeps every earlier value here, so nothing recorded is ever lost."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="amendments")
    reason = models.TextField(max_length=TEXT_MAX_LENGTH)
    changes = models.JSONField()
    amended_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    amended_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["amended_at"]

    def __str__(self) -> str:
        return f"Amendment of {self.visit} on {self.amended_at:%d %B %Y}"

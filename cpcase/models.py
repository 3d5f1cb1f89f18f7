"""Core records: authorities, teams, agencies, staff, children, people, addresses, audit."""

from __future__ import annotations

import re
import uuid
from datetime import date
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from knox.models import AbstractAuthToken

from cpcase.reference import (
    ASSESSMENT_FACTOR_CHOICES,
    CLOSURE_REASON_CHOICES,
    DISABILITY_CHOICES,
    PRIMARY_NEED_CHOICES,
    REFERRAL_SOURCE_CHOICES,
    UPN_UNKNOWN_CHOICES,
)
from cpcase.roles import Role
from cpcase.validators import (
    TEXT_MAX_LENGTH,
    format_nhs_number,
    normalise_nhs_number,
    normalise_postcode,
    normalise_upn,
    validate_la_child_id,
)


class Nation(models.TextChoices):
    ENGLAND = "england", "England"
    WALES = "wales", "Wales"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"


class Authority(models.Model):
    """A local authority; ``code`` is the DfE three-digit code."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^\d{3}$", "The authority code is three digits.")],
    )
    name = models.CharField(max_length=200)
    nation = models.CharField(max_length=20, choices=Nation.choices, default=Nation.ENGLAND)
    office_phone = models.CharField("office-hours phone", max_length=30)
    out_of_hours_phone = models.CharField("out-of-hours phone", max_length=30)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "authorities"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Team(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "name"], name="team_name_unique_in_authority"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    class Kind(models.TextChoices):
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        POLICE = "police", "Police force"
        HEALTH = "health", "NHS trust or health service"
        EDUCATION = "education", "School or education"
        PROBATION = "probation", "Probation"
        VOLUNTARY = "voluntary", "Voluntary sector"
        OTHER = "other", "Other"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    phone = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


# The stubs' plugin cannot type the reverse manager (auth_token_set) of knox's untyped
# abstract token, which names its user by settings.AUTH_USER_MODEL: a plugin limitation.
class User(AbstractUser):  # type: ignore[django-manager-missing]
    """A member of staff. Roles are Django groups named by the role slug."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.ForeignKey(
        Authority, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    phone = models.CharField(max_length=30, blank=True)
    job_title = models.CharField(max_length=100, blank=True)
    # Police badge or NHS employee number, prefilled on register enquiries.
    staff_reference = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    @property
    def name(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        if not self.pk or not self.is_active:
            return frozenset()
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.roles) if r in Role.values]


class Address(models.Model):
    """A postal address. ``match_key`` lets two records of one home be found together."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    town = models.CharField("town or city", max_length=100)
    postcode = models.CharField(max_length=8, db_index=True)
    match_key = models.CharField(max_length=120, db_index=True, editable=False)

    class Meta:
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return ", ".join(p for p in [self.line1, self.line2, self.town, self.postcode] if p)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.match_key = self.make_match_key(self.line1, self.postcode)
        super().save(*args, **kwargs)

    @staticmethod
    def make_match_key(line1: str, postcode: str) -> str:
        return f"{re.sub(r'[^A-Z0-9]', '', postcode.upper())}|{re.sub(r'[^a-z0-9]', '', line1.lower())}"

    def clean(self) -> None:
        try:
            self.postcode = normalise_postcode(self.postcode)
        except ValidationError as e:
            raise ValidationError({"postcode": e.messages}) from e
        if not self.postcode:
            raise ValidationError({"postcode": ["Enter a postcode."]})


class Person(models.Model):
    """Someone around a child: a parent, carer or household member."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="people")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def name(self) -> str:
        return str(self)


# Where a selector puts a child's current residences (cpcase.selectors._with_address).
CURRENT_RESIDENCES = "current_residences"


class Child(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", "Male"
        FEMALE = "F", "Female"
        UNKNOWN = "U", "Not known or not stated"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    la_child_id = models.CharField(
        "LA child ID", max_length=20, blank=True, validators=[validate_la_child_id]
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    # The full name as the name search compares it (unaccented, lower case: the SQL
    # function of migration 0009), kept by PostgreSQL beside the names, so that a search
    # does not work it out again for every candidate its trigram index finds.
    name_key = models.GeneratedField(
        expression=models.Func(
            models.F("first_name"), models.F("last_name"), function="public.cpcase_name_key"
        ),
        output_field=models.TextField(),
        db_persist=True,
    )
    date_of_birth = models.DateField(null=True, blank=True)
    expected_date_of_delivery = models.DateField(null=True, blank=True)
    mother = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="unborn_children"
    )
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity = models.CharField(max_length=4, blank=True)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    upn = models.CharField("UPN", max_length=13, blank=True)
    upn_unknown = models.CharField(
        "reason the UPN is unknown", max_length=4, blank=True, choices=UPN_UNKNOWN_CHOICES
    )
    # The census's disability codes; ["NONE"] is "no disability", NULL is "not recorded".
    disabilities = ArrayField(
        models.CharField(max_length=4, choices=DISABILITY_CHOICES),
        null=True,
        blank=True,
        default=None,
    )
    responsible_authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, related_name="children_responsible_for"
    )
    resident_authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, related_name="children_resident"
    )
    lead_social_worker = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="allocated_children"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    looked_after = models.BooleanField(default=False)
    looked_after_since = models.DateField(null=True, blank=True)
    care_plan_reference = models.CharField(max_length=50, blank=True)
    date_of_death = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "children"
        permissions = [("view_child_plan", "Can read the child's plan only (core group)")]
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"],
                condition=~Q(nhs_number=""),
                name="child_nhs_number_unique",
                violation_error_message="Another child already has this NHS number.",
            ),
            models.UniqueConstraint(
                fields=["responsible_authority", "la_child_id"],
                condition=~Q(la_child_id=""),
                name="child_la_child_id_unique",
                violation_error_message="Another child already has this LA child ID.",
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=False)
                | Q(expected_date_of_delivery__isnull=False),
                name="child_born_or_expected",
                violation_error_message="Enter a date of birth, or an expected date of delivery.",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "last_name"]),
            # A worker's own children in the lists' order (the home page's first list).
            models.Index(
                fields=["lead_social_worker", "last_name", "first_name", "id"],
                name="child_lead_name_order_idx",
            ),
            models.Index(fields=["date_of_birth"]),
            # The lists' order (name, then id): a first page is read from the index in
            # order and stops at fifty rows, however many children the user may see.
            models.Index(fields=["last_name", "first_name", "id"], name="child_name_order_idx"),
            # Typo-tolerant name search (``cpcase.selectors.child_search``).
            GinIndex(
                OpClass(models.F("name_key"), name="gin_trgm_ops"), name="child_name_key_trgm"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.is_unborn and not self.first_name:
            return f"Unborn {self.last_name}".strip()
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_unborn(self) -> bool:
        return self.date_of_birth is None

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number)

    @property
    def has_disability(self) -> bool | None:
        """Yes, no, or None when the disabilities are not recorded."""
        if self.disabilities is None:
            return None
        return any(code != "NONE" for code in self.disabilities)

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    @property
    def current_residence(self) -> Residence | None:
        # Uses the prefetched list where a selector provided one.
        prefetched = getattr(self, CURRENT_RESIDENCES, None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        for residence in self.residences.all():
            if residence.moved_out_on is None:
                return residence
        return None

    @property
    def address(self) -> Address | None:
        residence = self.current_residence
        return residence.address if residence else None

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        today = timezone.localdate()
        if self.nhs_number:
            try:
                self.nhs_number = normalise_nhs_number(self.nhs_number)
            except ValidationError as e:
                errors["nhs_number"] = e.messages
        if self.date_of_birth and self.date_of_birth > today:
            errors["date_of_birth"] = ["The date of birth cannot be in the future."]
        if self.date_of_birth is None and self.expected_date_of_delivery is None:
            errors["date_of_birth"] = [
                "Enter a date of birth, or an expected date of delivery for an unborn baby."
            ]
        if self.date_of_death and self.date_of_birth and self.date_of_death < self.date_of_birth:
            errors["date_of_death"] = ["The date of death cannot be before the date of birth."]
        if self.date_of_death and self.date_of_death > today:
            errors["date_of_death"] = ["The date of death cannot be in the future."]
        if self.upn:
            try:
                self.upn = normalise_upn(self.upn)
            except ValidationError as e:
                errors["upn"] = e.messages
            if self.upn_unknown:
                errors["upn_unknown"] = ["Give the UPN or the reason it is unknown, not both."]
        if self.disabilities is not None:
            codes = list(dict.fromkeys(self.disabilities))
            if not codes:
                errors["disabilities"] = [
                    "Choose the child's disabilities, or 'No disability' (NONE)."
                ]
            elif "NONE" in codes and len(codes) > 1:
                errors["disabilities"] = ["'No disability' cannot be chosen with a disability."]
            self.disabilities = codes
        if self.is_unborn and self.mother_id is None:
            errors["mother"] = ["An unborn baby is identified by the mother: enter her details."]
        if not self.is_unborn and not self.first_name:
            errors["first_name"] = ["Enter the child's first name."]
        if errors:
            raise ValidationError(errors)


class ChildUserObjectPermission(UserObjectPermissionBase):
    """Object-level grants on a child to one person (allocated worker, core group member)."""

    content_object = models.ForeignKey(Child, on_delete=models.CASCADE)


class ChildGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Child, on_delete=models.CASCADE)


class Residence(models.Model):
    """Who lived at an address, and when. One of ``child`` and ``person`` is set."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    address = models.ForeignKey(Address, on_delete=models.PROTECT, related_name="residences")
    child = models.ForeignKey(
        Child, null=True, blank=True, on_delete=models.CASCADE, related_name="residences"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="residences"
    )
    moved_in_on = models.DateField(null=True, blank=True)
    moved_out_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-moved_in_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(child__isnull=False, person__isnull=True)
                | Q(child__isnull=True, person__isnull=False),
                name="residence_child_xor_person",
            ),
            models.CheckConstraint(
                condition=Q(moved_out_on__isnull=True)
                | Q(moved_in_on__isnull=True)
                | Q(moved_out_on__gte=models.F("moved_in_on")),
                name="residence_out_after_in",
                violation_error_message="The date they moved out cannot be before they moved in.",
            ),
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(moved_out_on__isnull=True, child__isnull=False),
                name="residence_one_current_per_child",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(moved_out_on__isnull=True, person__isnull=False),
                name="residence_one_current_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child or self.person} at {self.address}"


class Relationship(models.Model):
    """How a person is related to a child."""

    class Kind(models.TextChoices):
        MOTHER = "mother", "Mother"
        FATHER = "father", "Father"
        STEP_PARENT = "step_parent", "Step-parent"
        PARENTS_PARTNER = "parents_partner", "Parent's partner"
        GRANDPARENT = "grandparent", "Grandparent"
        SIBLING = "sibling", "Brother or sister"
        OTHER_RELATIVE = "other_relative", "Other relative"
        FOSTER_CARER = "foster_carer", "Foster carer"
        KINSHIP_CARER = "kinship_carer", "Kinship carer"
        HOUSEHOLD_MEMBER = "household_member", "Other household member"
        OTHER = "other", "Other"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="relationships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="relationships")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parental_responsibility = models.BooleanField(default=False)
    lives_with_child = models.BooleanField(default=False)
    is_carer = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["child", "person"], name="relationship_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_kind_display()}) of {self.child}"


class AuditEvent(models.Model):
    """An append-only record of who did what to which record, and from where.

    On PostgreSQL a trigger (migration 0002) refuses UPDATE and DELETE on this
    table, and the application's database role may only INSERT and SELECT it
    (migration 0010), so not even the application can edit history; each
    event's hash is chained to the one before, so an edit by the owner shows.
    ``actor`` and ``child_id`` carry no database constraint, so that no
    cascade can ever try to remove an event.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        SEARCH = "search", "Searched"
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        EXPORT = "export", "Exported"
        LETTER = "letter", "Produced a letter"
        LOGIN = "login", "Signed in"
        LOGIN_FAILED = "login_failed", "Failed to sign in"
        LOGOUT = "logout", "Signed out"
        TOKEN = "token", "Issued an API token"
        TOKEN_REVOKED = "token_revoked", "Revoked an API token"
        SECOND_FACTOR_ENROLLED = "2fa_enrolled", "Set up a second factor"
        SECOND_FACTOR_REMOVED = "2fa_removed", "Removed a second factor"
        DENIED = "denied", "Was refused"
        PASSWORD_RESET = "password_reset", "Password reset"
        LOCKOUT = "lockout", "Sign-in locked or slowed down"

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    child_id = models.UUIDField(null=True, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    # Tamper evidence, set by a database trigger on insert (migration 0010): the event's
    # place in the chain and sha256 over the hash before it and this event's content.
    # ``manage.py verify_audit`` walks the chain.
    chain_seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    chain_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["child_id", "-at"]),
            models.Index(fields=["actor", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type}"


class Notification(models.Model):
    """A message in a member of staff's inbox, and by email.

    ``dedupe_key`` makes every notification exactly-once: the same (deadline,
    recipient, stage) can be raised any number of times, by any number of
    workers, and is stored once (a unique constraint, inserted with ON
    CONFLICT DO NOTHING). Email goes out from this row as an outbox:
    ``emailed_at`` is set in the transaction that claims the row. Only the
    ``title`` goes by email, so a title never names a child.
    """

    class Kind(models.TextChoices):
        """Every message the service sends (a closed set: each app raises its own)."""

        DEADLINE_BEFORE = "deadline_before", "A deadline is coming up"
        DEADLINE_DUE = "deadline_due", "A deadline is due today"
        DEADLINE_OVERDUE = "deadline_overdue", "A deadline is overdue"
        ACCOUNT_LOCKOUT = "account_lockout", "An account was locked"
        CANNOT_VISIT = "cannot_visit", "A visit cannot be made in time"
        PLAN_SUBMITTED = "plan_submitted", "A plan was sent for authorisation"
        REGISTER_CHANGE = "register_change", "The register changed"
        REGISTER_CORRECTION = "register_correction", "The register was corrected"
        REGISTER_ENQUIRY = "register_enquiry", "An enquiry of the register"
        REGISTER_ENQUIRY_SAME_ADDRESS = (
            "register_enquiry_same_address",
            "An enquiry about someone at the same address",
        )
        REGISTER_ENQUIRY_CLUSTER = "register_enquiry_cluster", "Repeated enquiries of the register"
        HISTORIC_PLAN_REQUEST = "historic_plan_request", "A request for a past plan"
        HISTORIC_PLAN_DECISION = "historic_plan_decision", "A decision on a past plan"
        CONFERENCE_INVITATION = "conference_invitation", "An invitation to a conference"
        CONFERENCE_FINALISED = "conference_finalised", "A conference was finalised"
        REVIEW_REQUIRED = "review_required", "A review conference is required"
        COMPLAINT_ASSIGNED = "complaint_assigned", "A complaint to consider"
        DISAGREEMENT_RAISED = "disagreement_raised", "A professional disagreement was raised"
        DISAGREEMENT_RESOLVED = "disagreement_resolved", "A professional disagreement was decided"
        TRANSFER_NOTICE = "transfer_notice", "A child is moving in"
        TRANSFER_COMPLETED = "transfer_completed", "A transfer-in conference made a plan"
        TRANSFER_NO_PLAN = "transfer_no_plan", "A transfer-in conference made no plan"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=50, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    url = models.CharField(max_length=300, blank=True)
    child_id = models.UUIDField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_wanted = models.BooleanField(default=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                name="notification_inbox",
            ),
            models.Index(
                fields=["created_at"],
                condition=Q(email_wanted=True, emailed_at__isnull=True),
                name="notification_email_outbox",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} for {self.recipient}"


class TimescaleKind(models.TextChoices):
    """The statutory timescales of DOMAIN.md section 3."""

    ICPC = "icpc", "Initial conference after the strategy discussion"
    FIRST_CORE_GROUP = "first_core_group", "First core group after the initial conference"
    PLAN_AUTHORISATION = (
        "plan_authorisation",
        "Detailed plan sent for authorisation after the first core group",
    )
    CORE_GROUP = "core_group", "Later core groups, interval"
    FIRST_REVIEW = "first_review_conference", "First review conference after the initial conference"
    REVIEW = "review_conference", "Later review conferences, interval"
    PRE_BIRTH_REVIEW = "pre_birth_review", "First review after a pre-birth plan"
    STATUTORY_VISIT = "statutory_visit", "Lead social worker's visits, maximum interval"
    TRANSFER_IN = "transfer_in", "Transfer-in conference after notice of a move"
    CONVENED_REVIEW = (
        "convened_review",
        "Review conference convened after a looked after child's change of circumstances",
    )
    BIRTH_MEETING = (
        "birth_meeting",
        "Meeting after the birth of a baby with a pre-birth plan (before leaving hospital)",
    )


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", "working days"
    CALENDAR_DAYS = "calendar_days", "calendar days"
    WEEKS = "weeks", "weeks"
    MONTHS = "months", "months"


# The largest value that makes sense for each unit (about two years).
TIME_UNIT_MAXIMUM = {
    TimeUnit.WORKING_DAYS: 500,
    TimeUnit.CALENDAR_DAYS: 730,
    TimeUnit.WEEKS: 104,
    TimeUnit.MONTHS: 24,
}


class TimescaleProfile(models.Model):
    """A set of timescales: a nation's defaults (no authority) or one authority's overrides."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    nation = models.CharField(max_length=20, choices=Nation.choices)
    authority = models.OneToOneField(
        Authority,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="timescale_profile",
    )

    class Meta:
        ordering = ["nation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["nation"],
                condition=Q(authority__isnull=True),
                name="timescale_profile_one_default_per_nation",
            )
        ]

    def __str__(self) -> str:
        return self.name


class TimescaleRule(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    profile = models.ForeignKey(TimescaleProfile, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=30, choices=TimescaleKind.choices)
    value = models.PositiveSmallIntegerField()
    unit = models.CharField(max_length=20, choices=TimeUnit.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "kind"], name="timescale_rule_unique"),
            models.CheckConstraint(
                condition=Q(value__gt=0),
                name="timescale_rule_positive",
                violation_error_message="A timescale must be at least 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value} {self.get_unit_display()}"

    def clean(self) -> None:
        if self.unit not in TimeUnit.values:
            raise ValidationError(
                {"unit": ["Choose working days, calendar days, weeks or months."]}
            )
        if self.kind not in TimescaleKind.values:
            raise ValidationError({"kind": ["Choose a timescale from the list."]})
        if self.value is not None:
            if self.value < 1:
                raise ValidationError({"value": ["A timescale must be at least 1."]})
            maximum = TIME_UNIT_MAXIMUM[TimeUnit(self.unit)]
            if self.value > maximum:
                raise ValidationError(
                    {"value": [f"A timescale can be at most {maximum} {self.get_unit_display()}."]}
                )


class CalendarDay(models.Model):
    """An authority's own exception to its nation's working days."""

    class Kind(models.TextChoices):
        CLOSURE = "closure", "Not a working day (office closure)"
        WORKING_DAY = "working_day", "A working day (a listed holiday the authority keeps open)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="calendar_days")
    date = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "date"], name="calendar_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.get_kind_display()}"


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox: only a hash is stored; it expires).

    ``id`` is what the owner and administrators see and revoke by; the token itself
    is shown once, when issued. ``password_fingerprint`` ties the token to the
    password it was issued under: a changed password ends every token.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    digest = models.CharField(max_length=128, unique=True)
    password_fingerprint = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"API token {self.token_key}… of {self.user_id}"


# --- The front door: the child in need episode ---------------------------------------


class Referral(models.Model):
    """A referral to children's social care. It opens a child in need episode (the CIN
    census's ``CINdetails``): the assessments, section 47 enquiries, child in need and
    child protection plans that follow belong to it, and its closure ends it. A child
    can have several episodes over the years; a referral with no further action (NFA)
    stands alone and opens no work."""

    class NextStep(models.TextChoices):
        ASSESSMENT = "assessment", "Child and family assessment"
        STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
        EARLY_HELP = "early_help", "Early help"
        NO_FURTHER_ACTION = "nfa", "No further action"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="referrals")
    # The authority whose record this is: the recorder's (a receiving authority records
    # its own referral before it becomes responsible for the child).
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField()
    source = models.CharField(max_length=3, choices=REFERRAL_SOURCE_CHOICES)
    primary_need = models.CharField(max_length=2, choices=PRIMARY_NEED_CHOICES, blank=True)
    nfa = models.BooleanField("no further action", default=False)
    next_step = models.CharField(max_length=20, choices=NextStep.choices)
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_role = models.CharField(max_length=200, blank=True)
    referrer_agency = models.CharField(max_length=200, blank=True)
    referrer_phone = models.CharField(max_length=30, blank=True)
    details = models.TextField("what the referrer said", blank=True, max_length=TEXT_MAX_LENGTH)
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=3, choices=CLOSURE_REASON_CHOICES, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-received_on", "-created_at"]
        indexes = [
            models.Index(fields=["child", "-received_on"]),
            models.Index(fields=["authority", "received_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(closed_on__isnull=True, nfa=False),
                name="referral_one_open_episode",
                violation_error_message="This child already has an open episode.",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("received_on")),
                name="referral_closed_after_received",
                violation_error_message="An episode cannot close before its referral.",
            ),
            models.CheckConstraint(
                condition=(Q(closed_on__isnull=True) & Q(closure_reason=""))
                | (Q(closed_on__isnull=False) & ~Q(closure_reason="")),
                name="referral_closure_has_reason",
                violation_error_message="A closure needs its date and its reason.",
            ),
            models.CheckConstraint(
                condition=Q(nfa=True) | ~Q(primary_need=""),
                name="referral_primary_need_unless_nfa",
                violation_error_message="A referral that goes on to further action needs its primary need.",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral received on {self.received_on:%d %B %Y}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None and not self.nfa


class Assessment(models.Model):
    """A child and family assessment within an episode. Authorised by a team manager;
    the census counts an assessment as completed on its authorisation date."""

    class Outcome(models.TextChoices):
        CHILD_IN_NEED_PLAN = "cin_plan", "Child in need plan"
        STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
        EARLY_HELP = "early_help", "Referred to early help"
        NO_FURTHER_ACTION = "nfa", "No further action"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="assessments")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="assessments")
    started_on = models.DateField()
    authorised_on = models.DateField(null=True, blank=True)
    authorised_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    factors = ArrayField(
        models.CharField(max_length=3, choices=ASSESSMENT_FACTOR_CHOICES),
        default=list,
        blank=True,
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    summary = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-started_on", "-created_at"]
        indexes = [models.Index(fields=["child", "-started_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(authorised_on__isnull=True)
                | Q(authorised_on__gte=models.F("started_on")),
                name="assessment_authorised_after_start",
                violation_error_message="An assessment cannot be authorised before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment started on {self.started_on:%d %B %Y}"

    @property
    def is_authorised(self) -> bool:
        return self.authorised_on is not None


class ChildInNeedPlan(models.Model):
    """A child in need plan within an episode (the census's ``CINPlanDates``): after an
    assessment, after a section 47 enquiry with no conference, or as the step-down when
    a child protection plan ends."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="cin_plans")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="cin_plans")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-started_on"]
        indexes = [models.Index(fields=["child", "-started_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(ended_on__isnull=True),
                name="cin_plan_one_open",
                violation_error_message="This child already has a child in need plan running.",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="cin_plan_ends_after_start",
                violation_error_message="A child in need plan cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"Child in need plan from {self.started_on:%d %B %Y}"


class EmergencyProtection(models.Model):
    """An emergency protection order (Children Act 1989, section 44) or police protection
    (section 46): Ofsted's Annex A asks of each child on a plan whether they were subject
    to either in the last six months."""

    class Kind(models.TextChoices):
        EMERGENCY_PROTECTION_ORDER = "epo", "Emergency protection order (section 44)"
        POLICE_PROTECTION = "police_protection", "Police protection (section 46)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="emergency_protections")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-started_on"]
        indexes = [models.Index(fields=["child", "-started_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="emergency_protection_ends_after_start",
                violation_error_message="It cannot end before it started.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.started_on:%d %B %Y}"


class RunningDeadline(models.Model):
    """One deadline running for a child today, stored so that dashboards read it.

    Derived data: the deadline engine (:mod:`cpcase.timescales`) is the single source of
    the dates; :mod:`cpcase.running_deadlines` rewrites a child's rows whenever a service
    changes a record they depend on (the daily check reads its reminders from them; a
    weekly repair rewrites what drifted). The child's authorities, team and lead social
    worker are copied here, under the child's own field names, so that the access
    module's scope filters these rows as it filters children.
    """

    # No index of their own on the foreign keys: the unique (child, key) and the partial
    # indexes below serve every read, and each index costs every write.
    child = models.ForeignKey(
        Child, on_delete=models.CASCADE, related_name="running_deadlines", db_index=False
    )
    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    due_on = models.DateField()
    source = models.TextField(max_length=TEXT_MAX_LENGTH)
    # Whose rules and working days set it (the responsible authority's, or the receiving
    # authority's for a transfer-in conference).
    rules_authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    chair = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # The child's soonest running deadline (one per child): what a dashboard lists.
    is_next = models.BooleanField(default=False)
    responsible_authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    resident_authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        Team, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    lead_social_worker = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # When it was written (for whoever looks into a row's history).
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["child", "key"], name="running_deadline_unique"),
        ]
        indexes = [
            models.Index(
                fields=[field, "due_on", "child"],
                condition=Q(is_next=True),
                name=f"running_next_{short}",
            )
            for field, short in (
                ("team", "team"),
                ("responsible_authority", "resp"),
                ("resident_authority", "res"),
                ("lead_social_worker", "lead"),
            )
        ] + [
            models.Index(
                fields=["due_on", "child"], condition=Q(is_next=True), name="running_next"
            ),
            # The visits page: each child's next statutory visit, by team or authority.
            models.Index(
                fields=["team", "due_on", "child"],
                condition=Q(kind="statutory_visit"),
                name="running_visit_team",
            ),
            models.Index(
                fields=["responsible_authority", "due_on", "child"],
                condition=Q(kind="statutory_visit"),
                name="running_visit_resp",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} due {self.due_on:%d %B %Y}"


class SignificantEvent(models.Model):
    """An event of a child's chronology that a worker marked as significant, and why.

    The event is named by its key (:attr:`cpcase.chronology.Event.key`): kind, record and
    date, as the chronology's providers give them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="significant_events")
    event_key = models.CharField(max_length=200)
    reason = models.TextField(max_length=TEXT_MAX_LENGTH)
    marked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "event_key"], name="significant_event_once")
        ]

    def __str__(self) -> str:
        return f"Significant: {self.event_key}"

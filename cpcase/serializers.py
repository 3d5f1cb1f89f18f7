"""Serializers of the core API (API.md). They parse and render; the services decide.

Input serializers (``...In``) turn JSON into the values a service takes, and
answer a 400 naming the field for anything that is not even the right shape
(a bad date, an unknown authority code, an unknown member of staff). Whether
a valid-looking value is allowed (a date of birth in the future, an NHS number
whose check digit is wrong) is the service's to say, so that the browser and
the API give the same answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cpcase import access
from cpcase.api_support import StaffField
from cpcase.api_tokens import absolute_expiry
from cpcase.models import (
    AuditEvent,
    Authority,
    Child,
    EmergencyProtection,
    Person,
    Relationship,
    Team,
    User,
)
from cpcase.reference import DISABILITY_CHOICES, UPN_UNKNOWN_CHOICES
from cpcase.roles import Role
from cpcase.services import AddressInput, PersonInput
from cpcase.validators import TEXT_MAX_LENGTH, nhs_number_digits

# --- Authentication and people -----------------------------------------------


class TokenIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=12,
        help_text="The current code from the authenticator app (every account has one).",
    )


class TokenOut(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")
    expires_at = serializers.DateTimeField(
        help_text="When the token ends if it is not used; each use moves this on, up to "
        "the absolute limit from its issue."
    )


class ApiTokenOut(serializers.Serializer):
    """A token as its owner (or an administrator) sees it: never the token itself."""

    id = serializers.UUIDField()
    user = serializers.UUIDField(source="user_id")
    created_at = serializers.DateTimeField(source="created")
    expires_at = serializers.DateTimeField(source="expiry")
    ends_by = serializers.SerializerMethodField(
        help_text="The latest it can last, however much it is used."
    )

    def get_ends_by(self, token) -> dt.datetime:
        return absolute_expiry(token)


class ApiTokenQuery(serializers.Serializer):
    user = serializers.UUIDField(
        required=False, help_text="Another member of staff's id (system administrators)."
    )


def _role_slugs(user: User) -> list[str]:
    # From the prefetched groups where a selector provided them.
    return sorted(g.name for g in user.groups.all())


class MeOut(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField()
    roles = serializers.SerializerMethodField()
    team = serializers.UUIDField(source="team_id", allow_null=True)
    team_name = serializers.CharField(source="team.name", default=None, allow_null=True)
    authority = serializers.CharField(source="authority.code", default=None, allow_null=True)
    authority_name = serializers.CharField(source="authority.name", default=None, allow_null=True)

    def get_roles(self, obj: User) -> list[str]:
        return sorted(obj.roles)


class StaffOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    roles = serializers.SerializerMethodField()
    team = serializers.UUIDField(source="team_id", allow_null=True)
    team_name = serializers.CharField(source="team.name", default=None, allow_null=True)
    phone = serializers.CharField()
    job_title = serializers.CharField()
    agency = serializers.CharField(source="agency.name", default=None, allow_null=True)

    def get_roles(self, obj: User) -> list[str]:
        return _role_slugs(obj)


class StaffQuery(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True)
    team = serializers.CharField(required=False, allow_blank=True, max_length=200)


# --- Children -----------------------------------------------------------------


class AddressSerializer(serializers.Serializer):
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    town = serializers.CharField(max_length=100)
    postcode = serializers.CharField(max_length=10)

    def to_internal_value(self, data: Any) -> AddressInput:
        values = super().to_internal_value(data)
        # A PATCH is partial about the child, never about an address: it is given whole.
        missing = {
            name: ["Give the whole address: this part is missing."]
            for name, field in self.fields.items()
            if field.required and name not in values
        }
        if missing:
            raise serializers.ValidationError(missing)
        return AddressInput(**values)


@extend_schema_field({"type": "string", "maxLength": 3, "example": "990"})
class AuthorityCodeField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": "No authority has the code {value}.",
        "invalid": "Give the authority's three-digit code.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault("queryset", Authority.objects.all())
        super().__init__(**kwargs)


class TeamField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": "No team has the id {pk_value}.",
        "incorrect_type": "Give a team's id (a UUID).",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Team.objects.all())
        kwargs.setdefault("pk_field", serializers.UUIDField())
        super().__init__(**kwargs)


class PersonSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    name = serializers.CharField(read_only=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")

    def to_internal_value(self, data: Any) -> PersonInput:
        return PersonInput(**super().to_internal_value(data))


@extend_schema_field(PersonSerializer)
class MotherField(serializers.Field):
    """The mother of an unborn baby: her details (a new person), or the ``id`` of
    someone already recorded around a child the caller may see. Sending back the
    ``id`` read from the child is no change."""

    default_error_messages = {
        "invalid": "Give the mother's details, or the id of a person already recorded.",
        "does_not_exist": "No person with the id {pk} is recorded around a child you can see.",
    }

    def to_representation(self, value: Person) -> dict[str, Any]:
        return PersonSerializer(value).data

    def to_internal_value(self, data: Any) -> Person | PersonInput:
        if isinstance(data, dict) and "id" in data:
            data = data["id"]
        if isinstance(data, str):
            pk = access.as_uuid(data)
            user = self.context["request"].user
            person = (
                Person.objects.filter(
                    pk=pk, relationships__child__in=access.children_visible_to(user)
                ).first()
                if pk
                else None
            )
            if person is None:
                self.fail("does_not_exist", pk=data)
            assert person is not None  # noqa: S101 - fail() raised
            return person
        if not isinstance(data, dict):
            self.fail("invalid")
        serializer = PersonSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class ChildIn(serializers.Serializer):
    """A new child (POST) or the fields to change (PATCH, with ``version``)."""

    la_child_id = serializers.CharField(max_length=20, required=False, allow_blank=True)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    expected_date_of_delivery = serializers.DateField(required=False, allow_null=True)
    date_of_death = serializers.DateField(required=False, allow_null=True)
    sex = serializers.ChoiceField(choices=Child.Sex.choices, required=False)
    ethnicity = serializers.CharField(max_length=4, required=False, allow_blank=True)
    nhs_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    upn = serializers.CharField(max_length=20, required=False, allow_blank=True)
    upn_unknown = serializers.ChoiceField(
        choices=UPN_UNKNOWN_CHOICES, required=False, allow_blank=True
    )
    disabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=DISABILITY_CHOICES),
        required=False,
        allow_null=True,
        max_length=len(DISABILITY_CHOICES),
        help_text='The census codes, or ["NONE"]; null when not recorded.',
    )
    address = AddressSerializer(required=False)
    mother = MotherField(required=False, allow_null=True)
    responsible_authority = AuthorityCodeField(required=False)
    resident_authority = AuthorityCodeField(required=False)
    lead_social_worker = StaffField(required=False, allow_null=True)
    team = TeamField(required=False, allow_null=True)
    looked_after = serializers.BooleanField(required=False)
    looked_after_since = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Required when looked_after becomes true (not in the future); cleared "
        "when it is false.",
    )
    care_plan_reference = serializers.CharField(max_length=50, required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, min_value=1)

    def validate_nhs_number(self, value: str) -> str:
        # Spacing is how people write it; the digits are the number.
        return nhs_number_digits(value)


class ChildOut(serializers.Serializer):
    id = serializers.UUIDField()
    la_child_id = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    expected_date_of_delivery = serializers.DateField(allow_null=True)
    date_of_death = serializers.DateField(allow_null=True)
    sex = serializers.CharField()
    ethnicity = serializers.CharField()
    nhs_number = serializers.CharField()
    upn = serializers.CharField()
    upn_unknown = serializers.CharField()
    disabilities = serializers.ListField(child=serializers.CharField(), allow_null=True)
    disability = serializers.BooleanField(
        source="has_disability", allow_null=True, help_text="Null when not recorded."
    )
    address = AddressSerializer(allow_null=True)
    mother = MotherField(allow_null=True)
    responsible_authority = serializers.CharField(source="responsible_authority.code")
    resident_authority = serializers.CharField(source="resident_authority.code")
    lead_social_worker = serializers.UUIDField(source="lead_social_worker_id", allow_null=True)
    lead_social_worker_name = serializers.CharField(
        source="lead_social_worker.name", default=None, allow_null=True
    )
    team = serializers.UUIDField(source="team_id", allow_null=True)
    team_name = serializers.CharField(source="team.name", default=None, allow_null=True)
    looked_after = serializers.BooleanField()
    looked_after_since = serializers.DateField(allow_null=True)
    care_plan_reference = serializers.CharField()
    has_active_plan = serializers.SerializerMethodField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_has_active_plan(self, obj: Child) -> bool:
        # The view works out, for a whole page at once, which children have a plan.
        return obj.pk in self.context.get("with_active_plan", ())


class ChildQuery(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    date_of_birth = serializers.DateField(required=False)
    postcode = serializers.CharField(required=False, allow_blank=True, max_length=10)
    nhs_number = serializers.CharField(required=False, allow_blank=True, max_length=20)


# --- Around a child -------------------------------------------------------------


class RelationshipIn(serializers.Serializer):
    person = PersonSerializer()
    relationship = serializers.ChoiceField(choices=Relationship.Kind.choices)
    parental_responsibility = serializers.BooleanField(default=False)
    lives_with_child = serializers.BooleanField(default=False)
    is_carer = serializers.BooleanField(default=False)
    address = AddressSerializer(required=False, allow_null=True, default=None)


class RelationshipOut(serializers.Serializer):
    id = serializers.UUIDField()
    person = PersonSerializer()
    relationship = serializers.CharField(source="kind")
    relationship_label = serializers.CharField(source="get_kind_display")
    parental_responsibility = serializers.BooleanField()
    lives_with_child = serializers.BooleanField()
    is_carer = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class DeadlineOut(serializers.Serializer):
    kind = serializers.CharField()
    due_on = serializers.DateField()
    status = serializers.ChoiceField(
        choices=["upcoming", "due_today", "overdue", "met", "met_late", "missed"]
    )
    met_on = serializers.DateField(allow_null=True)
    source = serializers.CharField()


class EventOut(serializers.Serializer):
    date = serializers.DateField(source="on")
    at = serializers.DateTimeField(allow_null=True)
    kind = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField()
    source = serializers.CharField()
    object_id = serializers.CharField()
    recorded_by = serializers.CharField()


class AuditEventOut(serializers.ModelSerializer):
    actor = serializers.UUIDField(source="actor_id", allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_username",
            "action",
            "object_type",
            "object_id",
            "summary",
            "changes",
            "ip_address",
            "path",
            "request_id",
        ]


class NotificationOut(serializers.ModelSerializer):
    child = serializers.UUIDField(source="child_id", allow_null=True)
    read = serializers.SerializerMethodField()

    class Meta:
        from cpcase.models import Notification

        model = Notification
        fields = ["id", "kind", "title", "body", "url", "child", "created_at", "read", "read_at"]

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class EmergencyProtectionIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EmergencyProtection.Kind.choices)
    started_on = serializers.DateField()
    ended_on = serializers.DateField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_MAX_LENGTH
    )


class EmergencyProtectionOut(serializers.Serializer):
    id = serializers.UUIDField()
    child = serializers.UUIDField(source="child_id")
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()

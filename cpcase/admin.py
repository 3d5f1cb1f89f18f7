"""The Django admin: reference data and accounts, for system administrators.

Case content is not the admin's business. Children appear only through the
access module (a system administrator, or a superuser with no role, sees
none) and only to read; the audit trail is read only and shown to the
safeguarding unit manager alone.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django.db.models import Count, ForeignKey, Model, Q, QuerySet
from django.http import HttpRequest

from cpcase import access, accounts
from cpcase.models import (
    Agency,
    AuditEvent,
    Authority,
    CalendarDay,
    Child,
    Team,
    TimescaleRule,
    User,
)
from cpcase.selectors import audit_events_of_authority
from cpcase.services import calendar_day_set, timescale_rule_set


def staff_user(request: HttpRequest) -> User:
    """The admin's user: the admin site lets in only signed-in, active staff."""
    return cast(User, request.user)


def _manages_accounts(request: HttpRequest) -> bool:
    user = staff_user(request)
    return access.may_manage_accounts(user)


class _GatedAdmin(admin.ModelAdmin):
    """Who may use a page is one question, asked by ``allowed``."""

    deletable = True

    def allowed(self, request: HttpRequest) -> bool:
        raise NotImplementedError

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.deletable and self.allowed(request)


class ReferenceDataAdmin(_GatedAdmin):
    """Authorities, teams, agencies and accounts: the system administrator's to manage."""

    def allowed(self, request: HttpRequest) -> bool:
        return _manages_accounts(request)


@admin.register(Authority)
class AuthorityAdmin(ReferenceDataAdmin):
    deletable = False  # its children, staff and history stay; an authority is never removed
    list_display = ["name", "code", "nation", "office_phone", "out_of_hours_phone"]
    list_filter = ["nation"]
    search_fields = ["name", "code"]


@admin.register(Team)
class TeamAdmin(ReferenceDataAdmin):
    """The teams of the administrator's own authority."""

    deletable = False  # its children, staff and history point to it
    list_display = ["name", "authority"]
    list_select_related = ["authority"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        qs = super().get_queryset(request)
        user = staff_user(request)
        if accounts.unbounded(user):
            return qs
        return qs.filter(authority_id=user.authority_id)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        user = staff_user(request)
        if db_field.name == "authority" and not accounts.unbounded(user):
            own = user.authority_id  # none of their own: no choices (as the filter gave)
            kwargs["queryset"] = (
                Authority.objects.filter(pk=own) if own else Authority.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Agency)
class AgencyAdmin(ReferenceDataAdmin):
    list_display = ["name", "kind", "phone"]
    list_filter = ["kind"]
    search_fields = ["name"]


# The accounts themselves (registered on import).
from cpcase import admin_accounts  # noqa: E402, F401

admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(ReferenceDataAdmin, DjangoGroupAdmin):
    """The roles, one group each. Their names are the role slugs the code relies on, so
    they are listed here, and given to people on the user page, but never edited."""

    list_display = ["name", "members"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Group]:
        return super().get_queryset(request).annotate(member_count=Count("user"))

    @admin.display(description="People", ordering="member_count")
    def members(self, obj: Any) -> int:  # a Group annotated with member_count
        return obj.member_count

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Child)
class ChildAdmin(admin.ModelAdmin):
    """Read only, and only the children the access module lets this person see."""

    list_display = ["name", "date_of_birth", "responsible_authority", "team"]
    list_select_related = ["responsible_authority", "team"]
    search_fields = ["last_name", "first_name", "la_child_id"]
    exclude = ["mother"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Child]:
        return access.children_visible_to(staff_user(request))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.has_case_access(staff_user(request))

    def has_view_permission(self, request: HttpRequest, obj: Child | None = None) -> bool:
        if obj is not None:
            return access.can(staff_user(request), access.Action.VIEW, obj)
        return access.has_case_access(staff_user(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Nobody edits history (the database refuses it too); the unit manager reads it."""

    list_display = ["at", "actor_username", "action", "object_type", "summary", "ip_address"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_username", "object_id", "child_id", "summary"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.may_read_audit_trail(staff_user(request))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return audit_events_of_authority(authority_id=staff_user(request).authority_id)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: AuditEvent | None = None) -> list[str]:
        return [f.name for f in AuditEvent._meta.fields]


# --- The authority's own timescales and calendar (DOMAIN.md section 3) ------------


def _sets_timescales(request: HttpRequest) -> bool:
    user = staff_user(request)
    return access.may_change_authority_settings(user, getattr(user, "authority_id", None))


class _AuthoritySettingsAdmin(_GatedAdmin):
    """Changes go through the services, which validate them and write the audit trail.
    Nothing is deleted: an override is changed, and the history stays in the audit."""

    deletable = False

    def allowed(self, request: HttpRequest) -> bool:
        return _sets_timescales(request)


class TimescaleRuleForm(forms.ModelForm):
    class Meta:
        model = TimescaleRule
        fields = ["kind", "value", "unit", "note"]
        help_texts = {
            "unit": "Working days leave out weekends, the bank holidays of the authority's "
            "nation and its own closure days. Months are calendar months: a date in months "
            "that falls on a day that is not a working day is brought forward to the "
            "working day before.",
        }


@admin.register(TimescaleRule)
class TimescaleRuleAdmin(_AuthoritySettingsAdmin):
    form = TimescaleRuleForm
    list_display = ["get_kind_display", "value", "unit", "profile"]
    list_filter = ["kind"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TimescaleRule]:
        authority = staff_user(request).authority
        if authority is None:
            return TimescaleRule.objects.none()
        # The authority's overrides and, for reference, its nation's defaults.
        return TimescaleRule.objects.filter(
            Q(profile__authority=authority)
            | Q(profile__authority__isnull=True, profile__nation=authority.nation)
        ).select_related("profile")

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # The nation's defaults are read only: an authority overrides them with its own.
        if (
            isinstance(obj, TimescaleRule)
            and obj.profile.authority_id != staff_user(request).authority_id
        ):
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: TimescaleRule, form: Any, change: bool) -> None:
        user = staff_user(request)
        # Only its own authority's people reach this page (_sets_timescales).
        assert user.authority is not None  # noqa: S101
        saved = timescale_rule_set(
            actor=user,
            authority=user.authority,
            kind=obj.kind,
            value=obj.value,
            unit=obj.unit,
            note=obj.note,
        )
        obj.pk, obj.profile = saved.pk, saved.profile


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "reason"]


@admin.register(CalendarDay)
class CalendarDayAdmin(_AuthoritySettingsAdmin):
    form = CalendarDayForm
    list_display = ["date", "kind", "reason"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarDay]:
        own = staff_user(request).authority_id  # none of their own: no days (as the filter gave)
        return CalendarDay.objects.filter(authority_id=own) if own else CalendarDay.objects.none()

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        user = staff_user(request)
        # Only its own authority's people reach this page (_sets_timescales).
        assert user.authority is not None  # noqa: S101
        saved = calendar_day_set(
            actor=user,
            authority=user.authority,
            day=obj.date,
            kind=obj.kind,
            reason=obj.reason,
        )
        obj.pk, obj.authority = saved.pk, saved.authority

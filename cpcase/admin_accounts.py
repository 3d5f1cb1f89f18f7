"""Accounts in the Django admin: a system administrator's own authority, through the
account services (cpcase/accounts.py), which check and audit every change.

No password is ever set here (a one-time reset link is sent instead), no account is
deleted (it is deactivated), and nobody changes their own roles, place or active flag.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import ForeignKey, QuerySet
from django.http import HttpRequest, HttpResponse

from cpcase import accounts
from cpcase.admin import ReferenceDataAdmin, staff_user
from cpcase.admin_second_factor import reset_second_factor, revoke_api_tokens
from cpcase.errors import DomainError
from cpcase.models import Agency, Authority, Team, User
from cpcase.roles import Role

PROTECTED_ON_SELF = ("groups", "authority", "team", "is_active")


class AccountForm(forms.ModelForm):
    """An account's details, place and roles; never its password."""

    groups = forms.ModelMultipleChoiceField(
        queryset=Group.objects.filter(name__in=Role.values).order_by("name"),
        required=True,
        label="Roles",
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = User
        fields = [
            "username",
            *accounts.DETAIL_FIELDS,
            *accounts.PLACE_FIELDS,
            "groups",
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data  # a ModelForm's clean() returns it
        team, authority = data.get("team"), data.get("authority")
        if team is not None and authority is not None and team.authority_id != authority.pk:
            self.add_error("team", f"{team.name} is not a team of {authority}.")
        return data


@admin.register(User)
class UserAdmin(ReferenceDataAdmin, DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "authority", "team", "is_active"]
    list_filter = ["groups", "is_active"]
    list_select_related = ["authority", "team"]
    search_fields = ["username", "first_name", "last_name", "email"]
    form = AccountForm
    add_form = AccountForm
    deletable = False
    fieldsets = (
        (None, {"fields": ("username",)}),
        ("Person", {"fields": ("first_name", "last_name", "email", "phone", "job_title")}),
        ("Where they work", {"fields": ("authority", "team", "agency", "staff_reference")}),
        (
            "Roles and access",
            {
                "fields": ("groups", "is_active"),
                "description": (
                    "Nobody changes their own roles or deactivates themselves. A password "
                    "is never set here: use the action 'Send a one-time password reset'."
                ),
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username",)}),
        (
            "Person",
            {
                "fields": ("first_name", "last_name", "email", "phone", "job_title"),
                "description": "The person is emailed a one-time link to set their password.",
            },
        ),
        ("Where they work", {"fields": ("authority", "team", "agency", "staff_reference")}),
        ("Roles", {"fields": ("groups",)}),
    )
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = []
    actions = [
        "deactivate",
        "reactivate",
        "send_password_reset",
        reset_second_factor,
        revoke_api_tokens,
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return accounts.accounts_visible_to(staff_user(request)).select_related("authority", "team")

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.append("username")
            if obj.pk == request.user.pk:
                readonly.extend(PROTECTED_ON_SELF)
        return readonly

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        found = super().get_actions(request)
        found.pop("delete_selected", None)
        return found

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        user = staff_user(request)
        if not accounts.unbounded(user):
            # No authority of their own: no choices (as the filter on a missing id gave).
            own = user.authority_id
            if db_field.name == "authority":
                kwargs["queryset"] = (
                    Authority.objects.filter(pk=own) if own else Authority.objects.none()
                )
            elif db_field.name == "team":
                kwargs["queryset"] = (
                    Team.objects.filter(authority_id=own) if own else Team.objects.none()
                )
        if db_field.name == "agency":
            kwargs["queryset"] = Agency.objects.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        raise PermissionDenied("Nobody sets another person's password: send a one-time reset.")

    def save_model(self, request: HttpRequest, obj: User, form: AccountForm, change: bool) -> None:
        data = form.cleaned_data
        details = {f: data[f] for f in accounts.DETAIL_FIELDS if f in data}
        place = {f: data.get(f, getattr(obj, f)) for f in accounts.PLACE_FIELDS}
        roles = [g.name for g in data["groups"]] if "groups" in data else None
        try:
            if not change:
                saved = accounts.user_create(
                    actor=staff_user(request),
                    username=data["username"],
                    roles=roles or [],
                    details=details,
                    **place,
                )
                obj.pk = saved.pk
                return
            user = User.objects.get(pk=obj.pk)
            accounts.user_details_change(
                actor=staff_user(request), user=user, details=details, **place
            )
            stored = set(user.groups.values_list("name", flat=True))
            if roles is not None and set(roles) != stored:
                accounts.user_roles_change(actor=staff_user(request), user=user, roles=roles)
            if "is_active" in data and data["is_active"] != user.is_active:
                change_active = (
                    accounts.user_reactivate if data["is_active"] else accounts.user_deactivate
                )
                change_active(actor=staff_user(request), user=user)
        except DomainError as e:
            raise PermissionDenied(e.message) from e

    def save_related(
        self, request: HttpRequest, form: AccountForm, formsets: list[Any], change: bool
    ) -> None:
        """The roles were set by the services in save_model, not by the form."""

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[User],
        service: Callable[..., object],
        done: str,
    ) -> None:
        count = 0
        for user in queryset:
            try:
                service(actor=request.user, user=user)
            except DomainError as e:
                self.message_user(request, f"{user.username}: {e.message}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, f"{done}: {count}.", messages.SUCCESS)

    @admin.action(description="Deactivate the selected accounts")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._each(request, queryset, accounts.user_deactivate, "Accounts deactivated")

    @admin.action(description="Reactivate the selected accounts")
    def reactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._each(request, queryset, accounts.user_reactivate, "Accounts reactivated")

    @admin.action(description="Send a one-time password reset")
    def send_password_reset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._each(request, queryset, accounts.user_password_reset_send, "Reset links sent")

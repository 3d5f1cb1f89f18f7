"""The admin's part in the second factor: reset it for a user who lost their phone,
and revoke their API tokens. Nobody reads anyone's secret key here: django-otp's own
device pages are taken off the site."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpcase.api_tokens import api_tokens_revoke_all
from cpcase.errors import DomainError
from cpcase.models import User
from cpcase.second_factor import second_factor_reset

for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


def _each(
    request: HttpRequest, queryset: QuerySet[User], run: Callable[[User], object], done: str
) -> None:
    names: list[str] = []
    for user in queryset:
        try:
            run(user)
        except DomainError as error:
            messages.error(request, f"{user.get_username()}: {error.message}")
        else:
            names.append(user.get_username())
    if names:
        messages.success(request, f"{done}: {', '.join(names)}.")


@admin.action(description="Reset the second factor (they set it up again at next sign-in)")
def reset_second_factor(
    modeladmin: admin.ModelAdmin[User], request: HttpRequest, queryset: QuerySet[User]
) -> None:
    _each(
        request,
        queryset,
        lambda user: second_factor_reset(actor=cast(User, request.user), user=user),
        "Second factor reset for",
    )


@admin.action(description="Revoke all their API tokens")
def revoke_api_tokens(
    modeladmin: admin.ModelAdmin[User], request: HttpRequest, queryset: QuerySet[User]
) -> None:
    _each(
        request,
        queryset,
        lambda user: api_tokens_revoke_all(
            actor=cast(User, request.user), user=user, reason="revoked by a system administrator"
        ),
        "API tokens revoked for",
    )

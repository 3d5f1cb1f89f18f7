"""API tokens (django-rest-knox): issued for a password and a second-factor code,
stored only as a hash, ended by idle and absolute limits (settings.REST_KNOX), by
revocation, and by a change of password.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import authenticate
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from knox.settings import knox_settings

from cpcase import access
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import ApiToken, AuditEvent, User


def password_fingerprint(user: User) -> str:
    """Changes whenever the password does (Django's own session hash does the same)."""
    return user.get_session_auth_hash()


def issued_under_current_password(token: ApiToken) -> bool:
    return constant_time_compare(token.password_fingerprint, password_fingerprint(token.user))


# --- Selectors -------------------------------------------------------------------------


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first."""
    live = ApiToken.objects.filter(user=user, expiry__gt=timezone.now())
    return live.filter(password_fingerprint=password_fingerprint(user)).order_by("-created")


def api_tokens_visible_to(*, actor: User, user: User) -> QuerySet[ApiToken]:
    if actor.pk != user.pk and not access.may_manage_account_of(actor, user):
        raise NotFound("No such member of staff.")
    return api_tokens_of(user=user)


def expires_at(token: ApiToken) -> dt.datetime | None:
    return token.expiry


def absolute_expiry(token: ApiToken) -> dt.datetime:
    return token.created + knox_settings.AUTO_REFRESH_MAX_TTL


# --- Services --------------------------------------------------------------------------


def api_token_issue(
    *, username: str, password: str, otp: str = "", request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """A new API token for the user whose password and current second-factor code these
    are; returns the stored token and the token itself (shown once). Refusals are
    audited (a wrong password by Django's sign-in signal, a wrong code here) outside
    any transaction, so that they are never rolled back."""
    # A cycle: cpcase.second_factor imports this module (a reset revokes the tokens).
    from cpcase.second_factor import _right_code, app_device

    user = authenticate(request, username=username, password=password)
    if user is None:
        raise DomainError("The username or password is not right.")
    assert isinstance(user, User)  # noqa: S101 (AUTH_USER_MODEL)
    device = app_device(user)
    if device is None:
        raise DomainError(
            errors={
                "otp": [
                    "This account has no second factor yet: sign in to the website once to "
                    "set it up, then ask for a token."
                ]
            }
        )
    if not otp:
        raise DomainError(errors={"otp": ["Enter the current code from your authenticator app."]})
    if not _right_code(device, otp):
        audit_record(
            actor=user,
            action=AuditEvent.Action.LOGIN_FAILED,
            obj=user,
            summary="Wrong second-factor code for an API token",
        )
        raise DomainError(
            errors={"otp": ["The code is not right or has expired: enter the current code."]}
        )
    with transaction.atomic():
        token, key = ApiToken.objects.create(
            user=user, password_fingerprint=password_fingerprint(user)
        )
        audit_record(
            actor=user,
            action=AuditEvent.Action.TOKEN,
            obj=token,
            summary="Issued an API token",
            changes={"token": {"from": None, "to": str(token.pk)}, "expires_at": token.expiry},
        )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: object) -> None:
    """End one token: the owner's own, or (a system administrator) anyone's in their
    authority. A token the actor may not touch is a 404, like a missing one."""
    token_uuid = access.as_uuid(token_id)
    token = (
        ApiToken.objects.select_related("user").filter(pk=token_uuid).first()
        if token_uuid
        else None
    )
    if token is None or (
        token.user_id != actor.pk and not access.may_manage_account_of(actor, token.user)
    ):
        raise NotFound("No such API token.")
    _revoke(actor=actor, tokens=[token], reason="revoked")


@transaction.atomic
def api_token_revoke_presented(*, actor: User, token: ApiToken | None) -> None:
    """End the token this request came with (``DELETE /api/v1/auth/token/``)."""
    if token is None or token.user_id != actor.pk:
        raise DomainError(
            "This request carries no API token to revoke: send Authorization: Token …"
        )
    _revoke(actor=actor, tokens=[token], reason="revoked by its holder")


@transaction.atomic
def api_tokens_revoke_all(*, actor: User | None, user: User, reason: str) -> int:
    """End every token of ``user`` (a changed password, a reset second factor)."""
    if actor is not None and actor.pk != user.pk and not access.may_manage_account_of(actor, user):
        raise NotPermitted("You cannot revoke this account's API tokens.")
    tokens = list(ApiToken.objects.filter(user=user))
    _revoke(actor=actor or user, tokens=tokens, reason=reason)
    return len(tokens)


def api_token_expired(*, token: ApiToken, reason: str) -> None:
    """A token found to have ended (its password changed): gone, and recorded."""
    with transaction.atomic():
        _revoke(actor=None, tokens=[token], reason=reason)


def expired_sign_ins_clear() -> dict[str, int]:
    """Delete sessions and API tokens past their end (the scheduled clean-up)."""
    now = timezone.now()
    sessions = Session.objects.filter(expire_date__lt=now).delete()[0]
    tokens = ApiToken.objects.filter(expiry__lt=now).delete()[0]
    return {"sessions": sessions, "tokens": tokens}


def _revoke(*, actor: User | None, tokens: list[ApiToken], reason: str) -> None:
    if not tokens:
        return
    ApiToken.objects.filter(pk__in=[t.pk for t in tokens]).delete()
    for token in tokens:
        audit_record(
            actor=actor,
            actor_username="" if actor else "cpcase",
            action=AuditEvent.Action.TOKEN_REVOKED,
            obj=token,
            summary=f"Revoked {token.user.get_username()}'s API token: {reason}"[:500],
            changes={"token": {"from": str(token.pk), "to": None}, "reason": reason},
        )

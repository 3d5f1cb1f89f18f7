"""How the API knows who is asking: an expiring token, or a browser session that has
passed the second factor. Anything else is a 401 (API.md)."""

from __future__ import annotations

import binascii
from hmac import compare_digest
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

from cpcase.api_tokens import api_token_expired, issued_under_current_password
from cpcase.models import ApiToken, User

_INVALID = "Invalid token."


class ExpiringTokenAuthentication(TokenAuthentication):
    """django-rest-knox's token (hashed, idle and absolute expiry), which also ends when
    the password it was issued under changes.

    One query finds the token, its user and the user's roles (knox's own asks again for
    all the user's tokens, to delete the expired ones, and the roles come a third time):
    an expired token is refused and deleted as knox does, and the others of the user are
    left to the scheduled clean-up (``expired_sign_ins_clear``), which is when they go
    anyway for a user who does not come back."""

    def authenticate_credentials(self, token: bytes) -> tuple[User, ApiToken]:
        try:
            key = token.decode("utf-8")
            digest = hash_token(key)
        except (TypeError, UnicodeDecodeError, binascii.Error) as e:
            raise exceptions.AuthenticationFailed(_INVALID) from e
        roles = Group.objects.filter(user=OuterRef("user_id")).order_by().values("name")
        candidates = (
            ApiToken.objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH])
            .select_related("user")
            .annotate(user_roles=ArraySubquery(roles))
            .order_by()
        )
        for auth_token in candidates:
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                username = auth_token.user.get_username()
                auth_token.delete()
                token_expired.send(sender=self.__class__, username=username, source="auth_token")
                continue
            if compare_digest(digest, auth_token.digest):
                user = auth_token.user
                # What User.roles would ask for (and the same nothing for an inactive user).
                user.__dict__["roles"] = (
                    frozenset(auth_token.user_roles) if user.is_active else frozenset()
                )
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(_INVALID)

    def validate_user(self, auth_token: Any) -> tuple[Any, Any]:
        user, token = super().validate_user(auth_token)
        if not issued_under_current_password(token):
            api_token_expired(token=token, reason="the password changed")
            raise exceptions.AuthenticationFailed("Invalid token.")
        return user, token


class VerifiedSessionAuthentication(SessionAuthentication):
    """The browser's session, once it has passed the second factor: a session signed in
    with a password alone reaches no data (and so cannot walk round the token endpoint's
    code check)."""

    def authenticate(self, request: Any) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = request._request.user
        is_verified = getattr(user, "is_verified", None)
        if is_verified is None or not is_verified():
            return None
        return result


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    target_class = "cpcase.api_auth.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>`, from POST /api/v1/auth/token/. Tokens expire.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "cpcase.api_auth.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "A browser session that has passed the second factor.",
        }

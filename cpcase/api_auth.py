"""How the API knows who is asking: an expiring token, or a browser session that has
passed the second factor. Anything else is a 401 (API.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

from cpcase.api_tokens import api_token_expired, issued_under_current_password


class ExpiringTokenAuthentication(TokenAuthentication):
    """django-rest-knox's token (hashed, idle and absolute expiry), which also ends when
    the password it was issued under changes."""

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

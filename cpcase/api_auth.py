"""How the API knows who is asking: an expiring token, or a browser session that has
passed the second factor. Anything else is a 401 (API.md)."""

from __future__ import annotations

import binascii
import functools
from collections.abc import Sequence
from hmac import compare_digest
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Field, Model
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
        for auth_token, user_roles in _tokens_with_key(key[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                username = auth_token.user.get_username()
                auth_token.delete()
                token_expired.send(sender=self.__class__, username=username, source="auth_token")
                continue
            if compare_digest(digest, auth_token.digest):
                user = auth_token.user
                # What User.roles would ask for (and the same nothing for an inactive user).
                user.__dict__["roles"] = frozenset(user_roles) if user.is_active else frozenset()
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


# --- The token's one query ------------------------------------------------------------
# Every API request asks it, so it is written once (from the models' own columns) and run
# as it is: building it through the ORM cost more than running it.


def _fields(model: type[Model]) -> list[Field[Any, Any]]:
    return list(model._meta.concrete_fields)


@functools.cache
def _token_lookup_sql() -> str:
    qn = connection.ops.quote_name
    user_groups = User.groups.through._meta.db_table
    columns = [f"t.{qn(str(f.column))}" for f in _fields(ApiToken)]
    columns += [f"u.{qn(str(f.column))}" for f in _fields(User)]
    roles = (
        f"ARRAY(SELECT g.{qn('name')} FROM {qn(Group._meta.db_table)} g "  # noqa: S608 (names from the models)
        f"JOIN {qn(user_groups)} ug ON ug.{qn('group_id')} = g.{qn('id')} "
        f"WHERE ug.{qn('user_id')} = u.{qn('id')})"
    )
    return (
        f"SELECT {', '.join(columns)}, {roles} "  # noqa: S608 (names from the models)
        f"FROM {qn(ApiToken._meta.db_table)} t "
        f"JOIN {qn(User._meta.db_table)} u ON u.{qn('id')} = t.{qn('user_id')} "
        f"WHERE t.{qn('token_key')} = %s"
    )


def _from_row(model: type[Any], values: Sequence[Any]) -> Any:
    fields = _fields(model)
    converted = []
    for field, value in zip(fields, values, strict=True):
        for converter in field.get_db_converters(connection):
            value = converter(value, field, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


def _tokens_with_key(token_key: str) -> list[tuple[ApiToken, list[str]]]:
    """The tokens whose key starts so, each with its user (and the user's roles)."""
    with connection.cursor() as cursor:
        cursor.execute(_token_lookup_sql(), [token_key])
        rows = cursor.fetchall()
    width = len(_fields(ApiToken))
    found = []
    for row in rows:
        auth_token = _from_row(ApiToken, row[:width])
        ApiToken.user.field.set_cached_value(auth_token, _from_row(User, row[width:-1]))
        found.append((auth_token, list(row[-1])))
    return found


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

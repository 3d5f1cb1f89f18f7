"""How the schema fuzz signs its requests in: one function, so a change of token scheme
(expiring tokens, a second factor) is made here and nowhere else."""

from __future__ import annotations

from rest_framework.authtoken.models import Token

from cpcase.models import User


def auth_headers_for(user: User) -> dict[str, str]:
    """The headers that make a request the user's own on the API."""
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}

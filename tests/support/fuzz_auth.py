"""How the schema fuzz signs its requests in: one function, so a change of token scheme
is made here and nowhere else. The token is issued as a client would get one: the
account's password and the current code of its authenticator app."""

from __future__ import annotations

from cpcase.api_tokens import api_token_issue
from cpcase.management.commands.seed_demo import demo_password
from cpcase.models import User
from tests.support.second_factor import code_for, enrol


def auth_headers_for(user: User) -> dict[str, str]:
    """The headers that make a request the (seeded demo) user's own on the API."""
    _, key = api_token_issue(
        username=user.get_username(), password=demo_password(), otp=code_for(enrol(user))
    )
    return {"Authorization": f"Token {key}"}

"""Where the current request came from, for the audit trail (set by middleware)."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    user_agent: str = ""
    path: str = ""
    request_id: str = ""


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "cpcase_request_context", default=None
)
_NO_REQUEST = RequestContext()


def current() -> RequestContext:
    """The request being served, or an empty context (a Celery task, a command)."""
    return _current.get() or _NO_REQUEST


def set_current(ctx: RequestContext) -> contextvars.Token:
    return _current.set(ctx)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)

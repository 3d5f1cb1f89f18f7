"""django-axes' lockout check, and cpcase's back-off, for every sign-in with a request.

The web sign-in and the API token endpoint always pass the request, so their
failures count and a locked account stays locked. Code that authenticates
without a request (a management command, a test client's ``login``) is not a
sign-in from outside and is not counted.

The password's backend (:class:`ModelBackend`, Django's) reads the user of a signed-in
session with its authority, team and roles in one query, compiled once.
"""

import functools
import uuid
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth.backends import ModelBackend as BaseModelBackend
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef

from cpcase import lockout
from cpcase.access import as_uuid
from cpcase.compiled_query import CompiledQuery
from cpcase.models import User


@functools.cache
def _session_user() -> CompiledQuery[User]:
    """The user of a signed-in session's request, with their authority, team and roles:
    asked on every page, so compiled once (building it cost more than running it)."""

    def build(markers: Any) -> Any:
        roles = ArraySubquery(
            User.groups.through.objects.filter(user_id=OuterRef("pk")).values("group__name")
        )
        return (
            User._default_manager.select_related("authority", "team")
            .annotate(role_names=roles)
            .filter(pk=markers["pk"])[:1]
        )

    return CompiledQuery(build, {"pk": uuid.UUID})


class ModelBackend(BaseModelBackend):
    """Django's model backend (the password), whose user of a signed-in session's request
    comes with its authority, team and roles in one query (every page reads the authority
    and the roles: the header names the authority, and every decision asks the roles;
    the home page and the caseloads read the team), where Django's took four."""

    def get_user(self, user_id: Any) -> User | None:
        pk = as_uuid(user_id)
        found = _session_user().run({"pk": pk}) if pk is not None else []
        user = found[0] if found else None
        if user is None or not self.user_can_authenticate(user):
            return None
        # What User.roles would ask for (and the same nothing for an inactive user).
        names = user.__dict__.pop("role_names")
        user.__dict__["roles"] = frozenset(names) if user.is_active else frozenset()
        return user


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        super().authenticate(request, username=username, password=password, **kwargs)
        # Not locked from this address; but a username failing from many addresses waits.
        backoff = lockout.backoff_for(str(username or ""), request.axes_ip_address)
        if backoff is None:
            return None
        lockout.lockout_record(
            username=str(username), ip_address=request.axes_ip_address, backoff=backoff
        )
        # Refused without trying the password, and (axes_locked_out) not counted as one
        # more failure; the middleware answers with cpcase.lockout.lockout_response.
        request.cpcase_backoff = backoff
        request.axes_locked_out = True
        raise AxesBackendPermissionDenied("Slowed down: too many failures from many addresses")

"""django-axes' lockout check, and cpcase's back-off, for every sign-in with a request.

The web sign-in and the API token endpoint always pass the request, so their
failures count and a locked account stays locked. Code that authenticates
without a request (a management command, a test client's ``login``) is not a
sign-in from outside and is not counted.

The password's backend (:class:`ModelBackend`, Django's) reads the user of a signed-in
session with its authority and roles in one query.
"""

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth.backends import ModelBackend as BaseModelBackend
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef

from cpcase import lockout
from cpcase.models import User


class ModelBackend(BaseModelBackend):
    """Django's model backend (the password), whose user of a signed-in session's request
    comes with its authority and its roles in one query (every page reads both: the header
    names the authority, and every decision asks the roles), where Django's took three."""

    def get_user(self, user_id: Any) -> User | None:
        roles = ArraySubquery(
            User.groups.through.objects.filter(user_id=OuterRef("pk")).values("group__name")
        )
        user = (
            User._default_manager.select_related("authority")
            .annotate(role_names=roles)
            .filter(pk=user_id)
            .first()
        )
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

"""django-axes' lockout check, and cpcase's back-off, for every sign-in with a request.

The web sign-in and the API token endpoint always pass the request, so their
failures count and a locked account stays locked. Code that authenticates
without a request (a management command, a test client's ``login``) is not a
sign-in from outside and is not counted.
"""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied

from cpcase import lockout


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

"""django-axes' lockout check, for every sign-in that comes with a request.

The web sign-in and the API token endpoint always pass the request, so their
failures count and a locked account stays locked. Code that authenticates
without a request (a management command, a test client's ``login``) is not a
sign-in from outside and is not counted.
"""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

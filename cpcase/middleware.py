import ipaddress
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse

from cpcase import request_context
from cpcase.errors import Conflict, DomainError, NotFound, NotPermitted
from cpcase.second_factor import is_enrolled


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The address the request came from, for the audit trail and the sign-in lockout.

    Behind ``CPCASE_TRUSTED_PROXY_COUNT`` reverse proxies of our own, each appends the
    address it was reached from to X-Forwarded-For, so the client is that many entries
    from the right; anything further left is what the client itself sent, and is never
    believed. A header shorter than the proxy chain, or not an address, is ignored.
    """
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    hops = settings.CPCASE_TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(forwarded) < hops:
        return remote
    return _address(forwarded[-hops]) or remote


class RequestContextMiddleware:
    """Records who is asking from where, so services can audit without a request object."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.META.get("HTTP_X_REQUEST_ID", "")[:36] or str(uuid.uuid4())
        token = request_context.set_current(
            request_context.RequestContext(
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
                path=request.get_full_path()[:500],
                request_id=request_id,
            )
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        response.setdefault("Cache-Control", "no-store")
        return response


# Reachable while signed in but not yet past the second factor: signing in and out, the
# second factor itself, and the API's token endpoint (which asks for the password and the
# code itself and never looks at the session).
_SECOND_FACTOR_OPEN = ("login", "logout", "second-factor", "second-factor-enrol", "api-token")


class SecondFactorRequiredMiddleware:
    """Every signed-in request has passed the second factor, or goes to do so.

    A page answers with a redirect to the code page (or to set-up, for an account
    with none yet); the API answers 401 unless it carries a token (the API's own
    authentication decides those). Only signing in and out and static files are
    reachable before.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated or user.is_verified() or self._open(request):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            if request.META.get("HTTP_AUTHORIZATION"):
                return self.get_response(request)
            return JsonResponse(
                {"detail": "Pass the second factor first (sign in again), or send a token."},
                status=401,
                headers={"WWW-Authenticate": "Token"},
            )

        target = reverse("second-factor" if is_enrolled(user) else "second-factor-enrol")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")

    @staticmethod
    def _open(request) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.url_name in _SECOND_FACTOR_OPEN and not match.namespace


SIGNED_IN_AT = "cpcase_signed_in_at"
# When the session was last saved by a request: its idle limit runs from then.
SLID_AT = "cpcase_slid_at"


class SessionLimitsMiddleware:
    """The absolute limit on a browser session, counted from signing in; and the idle
    limit, the session's own expiry, slid by saving the session when a signed-in request
    comes a minute or more after the last save (``CPCASE_SESSION_SLIDE_SECONDS``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT)
            now = int(time.time())
            if started is None:
                request.session[SIGNED_IN_AT] = now
            elif now - int(started) > settings.SESSION_MAX_HOURS * 3600:
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": "Your session has ended: sign in again."},
                        status=401,
                        headers={"WWW-Authenticate": "Token"},
                    )
                return redirect_to_login(request.get_full_path())
            slid = request.session.get(SLID_AT)
            if slid is None or now - int(slid) >= settings.CPCASE_SESSION_SLIDE_SECONDS:
                request.session[SLID_AT] = now  # saved at the response: the expiry slides
        return self.get_response(request)


def session_seconds_left(request) -> int:
    """Until the session ends: the idle limit from its last save, or the absolute one if
    that comes first."""
    now = int(time.time())
    slid = request.session.get(SLID_AT)
    idle = settings.SESSION_COOKIE_AGE - (0 if slid is None else max(0, now - int(slid)))
    started = request.session.get(SIGNED_IN_AT)
    if started is None:
        return max(0, idle)
    left = settings.SESSION_MAX_HOURS * 3600 - (now - int(started))
    return max(0, min(idle, left))


class SecurityHeadersMiddleware:
    """The Content-Security-Policy and Permissions-Policy of every response.

    No page has inline script or style (scripts and styles are files from this site,
    the API docs included), so the policy needs no nonce and allows nothing inline."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.content_security_policy = settings.CPCASE_CONTENT_SECURITY_POLICY
        self.permissions_policy = settings.CPCASE_PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.content_security_policy:
            response.setdefault("Content-Security-Policy", self.content_security_policy)
        if self.permissions_policy:
            response.setdefault("Permissions-Policy", self.permissions_policy)
        return response


class DomainErrorMiddleware:
    """The browser's one handler for domain errors, as ``cpcase.api_support``'s exception
    handler is the API's: a service's ``NotFound`` is the 404 page, ``NotPermitted`` the
    403 page, and any other ``DomainError`` (a conflict, a rule broken) a page that names
    the problem with its status (409, 400). A page with a form catches ``DomainError``
    itself, to show the message beside what the user typed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404(exception.message))
        if isinstance(exception, NotPermitted):
            return response_for_exception(request, PermissionDenied(exception.message))
        if isinstance(exception, DomainError):
            messages = [m for ms in exception.errors.values() for m in ms] or [exception.message]
            return render(
                request,
                "domain_error.html",
                {"messages": messages, "conflict": isinstance(exception, Conflict)},
                status=exception.status_code,
            )
        return None

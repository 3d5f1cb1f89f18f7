import ipaddress
import uuid

from django.conf import settings

from cpcase import request_context


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

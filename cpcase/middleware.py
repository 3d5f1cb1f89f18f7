import uuid

from django.conf import settings

from cpcase import request_context


def client_ip(request) -> str | None:
    if settings.CPCASE_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


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

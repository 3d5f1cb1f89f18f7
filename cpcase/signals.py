"""Audit of sign-in, sign-out and failed sign-in (Django's own auth signals)."""

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from cpcase.audit import audit_record
from cpcase.middleware import SIGNED_IN_AT
from cpcase.models import AuditEvent


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        # The absolute session limit counts from here (cpcase.middleware.SessionLimitsMiddleware).
        request.session[SIGNED_IN_AT] = int(time.time())
    audit_record(actor=user, action=AuditEvent.Action.LOGIN, obj=user, summary="Signed in")


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=AuditEvent.Action.LOGOUT, obj=user, summary="Signed out")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit_record(
        actor=None,
        actor_username=str(credentials.get("username", ""))[:150],
        action=AuditEvent.Action.LOGIN_FAILED,
        summary="Failed sign-in",
    )

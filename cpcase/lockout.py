"""Failed sign-ins: locked per username and address, slowed down per username.

django-axes counts failures by username and address together, so five wrong
passwords lock that username from that address only: nobody elsewhere can lock
on-call staff out. A username that fails from many addresses at once (a spread
attack) is slowed down instead: each attempt from an address it has not signed
in from before waits a time that doubles with every failure, up to
``CPCASE_BACKOFF_MAX_SECONDS``. It is never locked, and the addresses the person
has signed in from recently are not slowed at all. Both are audited as lockout
events and told to the system administrators of the person's authority.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt, AccessLog
from axes.signals import user_locked_out
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min, Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from cpcase import access
from cpcase.audit import audit_record
from cpcase.models import AuditEvent, Notification, User
from cpcase.services import NotificationRequest, notifications_raise

# Addresses a person signed in from within this time are theirs: never slowed down.
KNOWN_ADDRESS_DAYS = 90


@dataclass(frozen=True)
class Backoff:
    addresses: int
    failures: int
    since: dt.datetime
    wait_seconds: int


def backoff_for(username: str, ip_address: str | None) -> Backoff | None:
    """The wait before ``username`` may try again from ``ip_address``, if any."""
    if not username:
        return None
    now = timezone.now()
    window = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=now - settings.AXES_COOLOFF_TIME
    ).aggregate(
        addresses=Count("ip_address", distinct=True),
        failures=Sum("failures_since_start"),
        first=Min("attempt_time"),
        last=Max("attempt_time"),
    )
    if (window["addresses"] or 0) < settings.CPCASE_BACKOFF_ADDRESSES:
        return None
    growth = window["failures"] - settings.CPCASE_BACKOFF_ADDRESSES
    delay = min(2 ** min(max(growth, 0), 30), settings.CPCASE_BACKOFF_MAX_SECONDS)
    remaining = (window["last"] + dt.timedelta(seconds=delay) - now).total_seconds()
    if remaining <= 0:
        return None
    if ip_address and (
        AccessLog.objects.filter(
            username=username,
            ip_address=ip_address,
            attempt_time__gte=now - dt.timedelta(days=KNOWN_ADDRESS_DAYS),
        ).exists()
    ):
        return None
    return Backoff(
        addresses=window["addresses"],
        failures=window["failures"],
        since=window["first"],
        wait_seconds=math.ceil(remaining),
    )


def _admins_of(user: User | None) -> list[User]:
    if user is None or user.authority_id is None:
        return []
    return list(
        User.objects.filter(
            access.account_managers(), is_active=True, authority_id=user.authority_id
        )
        .exclude(pk=user.pk)
        .distinct()
    )


# What the audit and the notifications say of one lock or back-off: the summary, the
# audited changes, and the key that names the event.
_Entry = tuple[str, dict[str, Any], str]


def _backoff_entry(username: str, backoff: Backoff) -> _Entry:
    summary = (
        f"Slowed down sign-ins for {username}: {backoff.failures} failures from "
        f"{backoff.addresses} addresses"
    )
    changes = {
        "kind": "backoff",
        "addresses": backoff.addresses,
        "failures": backoff.failures,
        "wait_seconds": {"from": 0, "to": backoff.wait_seconds},
    }
    return summary, changes, f"backoff:{username}:{backoff.since.isoformat()}"


def _lockout_entry(username: str, ip_address: str | None) -> _Entry:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    summary = f"Locked sign-in for {username} from {ip_address} for {minutes} minutes"
    changes = {
        "kind": "lockout",
        "locked": {"from": False, "to": True},
        "address": ip_address,
        "failures": settings.AXES_FAILURE_LIMIT,
    }
    return summary, changes, f"lockout:{username}:{ip_address}:{timezone.now():%Y%m%d%H%M%S}"


def _backoff_recorded(username: str, backoff: Backoff) -> bool:
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.LOCKOUT,
        actor_username=username[:150],
        at__gte=backoff.since,
        changes__kind="backoff",
    ).exists()


def _admins_tell(user: User | None, summary: str, key: str) -> None:
    notifications_raise(
        requests=[
            NotificationRequest(
                recipient_id=admin.pk,
                kind=Notification.Kind.ACCOUNT_LOCKOUT,
                title=summary[:200],
                body=(
                    "Repeated failed sign-ins. If the person did not make them, someone may "
                    "be guessing their password: check with them, and send a password reset "
                    "if in doubt."
                ),
                url=reverse("admin:cpcase_user_change", args=[user.pk]) if user else "",
                dedupe_key=f"{key}:{admin.pk}"[:200],
            )
            for admin in _admins_of(user)
        ]
    )


@transaction.atomic
def lockout_record(
    *,
    username: str,
    ip_address: str | None,
    backoff: Backoff | None = None,
) -> None:
    """Audit a lock (or the start of a back-off) and tell the system administrators of
    the person's authority. A back-off is recorded once for its episode."""
    user = User.objects.filter(username=username).first()
    if backoff is not None:
        if _backoff_recorded(username, backoff):
            return
        summary, changes, key = _backoff_entry(username, backoff)
    else:
        summary, changes, key = _lockout_entry(username, ip_address)
    audit_record(
        actor=None,
        actor_username=username[:150],
        action=AuditEvent.Action.LOCKOUT,
        obj=user,
        summary=summary,
        changes=changes,
    )
    _admins_tell(user, summary, key)


@receiver(user_locked_out, dispatch_uid="cpcase-lockout")
def _on_user_locked_out(
    sender, request: HttpRequest | None, username: str, ip_address: str | None, **kwargs
) -> None:
    # axes also says "locked out" for each attempt refused while locked or slowed down:
    # only the failure that reaches the limit is a new lock.
    if request is None or getattr(request, "cpcase_backoff", None) is not None:
        return
    if getattr(request, "axes_failures_since_start", None) != settings.AXES_FAILURE_LIMIT:
        return
    lockout_record(username=username or "", ip_address=ip_address)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The answer to a refused sign-in (AXES_LOCKOUT_CALLABLE): JSON for the API."""
    backoff: Backoff | None = getattr(request, "cpcase_backoff", None)
    if backoff is not None:
        message = (
            "There have been too many failed sign-ins to this account from different "
            f"places. Wait {backoff.wait_seconds} seconds and try again."
        )
    else:
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        message = (
            "There have been too many failed sign-ins to this account from here. It is "
            f"locked from this address for {minutes} minutes: ask your system "
            "administrator if you need to sign in sooner."
        )
    status = 429  # Too Many Requests, as django-axes answers
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "registration/locked.html", {"message": message}, status=status)

"""The second factor (TOTP, django-otp) that every account passes before it sees anything.

Enrolment: an unconfirmed authenticator-app device is made for the user, shown as a
QR code and a key; a right code confirms it and gives ten single-use recovery codes.
Verification: the app's current code, or one recovery code (used up as it is used).
A system administrator may reset another user's second factor; that user enrols
again at their next sign-in.
"""

from __future__ import annotations

import base64
import re

import segno
from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpcase import access
from cpcase.api_tokens import api_tokens_revoke_all
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import AuditEvent, User

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10

_CODE_FIELD = "code"


# --- Selectors -------------------------------------------------------------------------


def app_device(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-id").first()
        if user.pk
        else None
    )


def is_enrolled(user: User) -> bool:
    return app_device(user) is not None


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def manual_key(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it by hand: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG, made here (the key never leaves the server)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, title="QR code to scan with your authenticator app"
    )
    return str(svg)


# --- Services --------------------------------------------------------------------------


@transaction.atomic
def second_factor_enrolment_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device the user is enrolling (the same one until they confirm it)."""
    if is_enrolled(user):
        raise DomainError("This account already has a second factor.")
    device = app_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def second_factor_enrol(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the device being enrolled with a code from it; returns the device and the
    new recovery codes (shown once: only the user has them afterwards)."""
    device = app_device(user, confirmed=False)
    if is_enrolled(user) or device is None:
        raise DomainError("Start setting up the second factor again.")
    if not _right_code(device, code):
        raise DomainError(
            errors={_CODE_FIELD: ["The code is not right: enter the 6 digits the app shows now."]}
        )
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit_record(
            actor=user,
            action=AuditEvent.Action.SECOND_FACTOR_ENROLLED,
            obj=user,
            summary="Set up a second factor (authenticator app and recovery codes)",
            changes={"second_factor": {"from": None, "to": APP_DEVICE_NAME}},
        )
    return device, codes


def second_factor_verify(*, user: User, code: str) -> Device:
    """The device that accepts ``code`` (the app's code or a recovery code, which is then
    used up). A wrong code is audited, outside any transaction, and refused."""
    code = _normalise(code)
    device: Device | None = None
    if code.isdigit():
        app = app_device(user)
        if app is not None and _right_code(app, code):
            device = app
    elif code:
        with transaction.atomic():
            recovery = (
                StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            )
            if recovery is not None and recovery.verify_token(code):
                device = recovery
    if device is None:
        audit_record(
            actor=user,
            action=AuditEvent.Action.LOGIN_FAILED,
            obj=user,
            summary="Wrong second-factor code",
        )
        raise DomainError(
            errors={
                _CODE_FIELD: [
                    "The code is not right or has expired: enter the code your app shows now, "
                    "or one of your recovery codes."
                ]
            }
        )
    if isinstance(device, StaticDevice):
        audit_record(
            actor=user,
            action=AuditEvent.Action.LOGIN,
            obj=user,
            summary=f"Used a recovery code ({recovery_codes_left(user)} left)",
        )
    return device


@transaction.atomic
def second_factor_reset(*, actor: User, user: User) -> int:
    """Remove a user's second factor (a lost phone): they enrol again at their next
    sign-in, and their API tokens end. A system administrator's, never their own."""
    if not access.may_manage_account_of(actor, user):
        raise NotPermitted(
            "You cannot reset your own second factor: ask another system administrator."
            if actor.pk == user.pk
            else "You cannot reset this account's second factor."
        )
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.SECOND_FACTOR_REMOVED,
        obj=user,
        summary=f"Reset {user.get_username()}'s second factor: they set it up again at sign-in",
        changes={"second_factor": {"from": "enrolled" if removed else None, "to": None}},
    )
    api_tokens_revoke_all(actor=actor, user=user, reason="their second factor was reset")
    return removed


# --- Helpers ---------------------------------------------------------------------------


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()[:16]


def _right_code(device: TOTPDevice, code: str) -> bool:
    code = _normalise(code)
    if not code.isdigit() or len(code) != device.digits:
        return False
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if locked.verify_token(code):
            device.refresh_from_db()
            return True
    return False


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes

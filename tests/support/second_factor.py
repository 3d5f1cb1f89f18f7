"""A real second factor for test accounts: a confirmed authenticator-app device, and
the code the app would show now (django_otp.oath, as a phone computes it)."""

from __future__ import annotations

import time

from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpcase.second_factor import APP_DEVICE_NAME


def enrol(user) -> TOTPDevice:
    """The user's confirmed authenticator-app device (made, without the pages, if none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=True)
    return device


def code_for(device: TOTPDevice, at: float | None = None) -> str:
    """The code the app shows at ``at`` (now by default)."""
    device.refresh_from_db()
    t = (int(at if at is not None else time.time()) - device.t0) // device.step + device.drift
    if at is None and device.last_t >= t:
        # This code was used already (two sign-ins in one 30-second step): a person would
        # wait for the next code; the test lets the device forget the last one instead.
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=t - 1)
    return f"{hotp(device.bin_key, t, digits=device.digits):0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = int(code_for(device))
    return f"{(right + 500_000) % 10**device.digits:0{device.digits}d}"

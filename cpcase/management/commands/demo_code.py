"""``manage.py demo_code USERNAME``: the current second-factor code of a demo account.

Demo accounts (``seed_demo``) have published authenticator keys; this prints the code
an app with that key shows now. Refused in production, and for any account whose
key is not the published demo one.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpcase import demo


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo account (never in production)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "demo_code prints codes for published demo keys: it never runs in production "
                "(CPCASE_PRODUCTION is on)."
            )
        username = options["username"]
        device = (
            TOTPDevice.objects.filter(
                user__username=username, confirmed=True, key=demo.demo_totp_key(username)
            )
            .order_by("-id")
            .first()
        )
        if device is None:
            raise CommandError(
                f"{username} is not a demo account with the published demo key "
                "(run manage.py seed_demo; an account that set up its own app keeps it)."
            )
        code = totp(
            device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
        )
        self.stdout.write(f"{code:0{device.digits}d}")

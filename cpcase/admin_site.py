"""The Django admin site: it asks for the second factor, like every other page.

Installed as the default site (``cpcase.apps.OTPAdminConfig``), so ``admin.site``
is this one and every ``@admin.register`` lands on it.
"""

from __future__ import annotations

from django.conf import settings
from django_otp.admin import OTPAdminSite


class AdminSite(OTPAdminSite):
    site_header = "Administration"
    site_title = settings.SERVICE_NAME

    def __init__(self, name: str = "admin") -> None:
        # OTPAdminSite names itself "otpadmin"; the URLs keep the admin's usual names.
        super().__init__(name)

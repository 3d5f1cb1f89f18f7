from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    name = "cpcase"
    label = "cpcase"
    verbose_name = "Core records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Once the app registry is ready: these modules import the models.
        from cpcase import chronology, front_door, lockout, signals  # noqa: F401

        chronology.register(chronology.core_events)
        chronology.register(front_door.emergency_protection_events)
        chronology.register(front_door.front_door_chronology)


class OTPAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the second-factor admin site as ``admin.site``."""

    default = False  # named in INSTALLED_APPS; CoreConfig stays this module's default

    default_site = "cpcase.admin_site.AdminSite"

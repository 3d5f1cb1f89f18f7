from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cpcase"
    label = "cpcase"
    verbose_name = "Core records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cpcase import chronology, lockout, signals  # noqa: F401

        chronology.register(chronology.core_events)

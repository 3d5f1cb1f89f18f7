from django.apps import AppConfig


class ConferencesConfig(AppConfig):
    name = "conferences"
    default_auto_field = "django.db.models.BigAutoField"

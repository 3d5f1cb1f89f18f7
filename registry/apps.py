from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cpcase import access, chronology
        from registry.selectors import enquiry_chronology, historic_releases_granted

        access.register_release_provider(historic_releases_granted)
        chronology.register(enquiry_chronology)

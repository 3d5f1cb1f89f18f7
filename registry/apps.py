from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The models these modules import load only once the app registry is ready.
        from cpcase import access, chronology
        from registry.selectors import enquiry_chronology, historic_releases_granted

        access.register_release_provider(historic_releases_granted)
        chronology.register(enquiry_chronology)

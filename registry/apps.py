from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RegistryConfig(AppConfig):
    name = "registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The models these modules import load only once the app registry is ready.
        from cpcase import access, chronology, running_deadlines
        from registry import measure_facts
        from registry.selectors import enquiry_chronology, historic_releases_granted

        access.register_release_provider(historic_releases_granted)
        chronology.register(enquiry_chronology)
        running_deadlines.register_follower(
            children=measure_facts.refresh,
            reached=measure_facts.children_of_authority,
            drifted=measure_facts.drifted,
        )
        # An upgrade to the version that stores them writes them at once.
        post_migrate.connect(measure_facts.fill_if_missing, sender=self)

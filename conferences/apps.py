from django.apps import AppConfig


class ConferencesConfig(AppConfig):
    name = "conferences"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: these modules import models, which load after the app registry.
        from conferences.disagreements import disagreement_chronology
        from conferences.selectors import (
            birth_meeting_deadlines,
            conference_chronology,
            episode_conference_activity,
            icpc_deadlines,
            review_conference_required_deadlines,
            review_deadlines,
            section47_open_work,
            transfer_in_deadlines,
        )
        from conferences.transfers import transfer_chronology
        from cpcase import chronology, front_door, timescales

        front_door.register_open_work(section47_open_work)
        front_door.register_episode_activity(episode_conference_activity)
        timescales.register(icpc_deadlines)
        timescales.register(review_deadlines)
        timescales.register(transfer_in_deadlines)
        timescales.register(review_conference_required_deadlines)
        timescales.register(birth_meeting_deadlines)
        chronology.register(conference_chronology)
        chronology.register(disagreement_chronology)
        chronology.register(transfer_chronology)

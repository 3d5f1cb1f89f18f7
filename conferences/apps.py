from django.apps import AppConfig


class ConferencesConfig(AppConfig):
    name = "conferences"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from conferences.disagreements import disagreement_chronology
        from conferences.selectors import (
            birth_meeting_deadlines,
            conference_chronology,
            convened_review_deadlines,
            episode_conference_activity,
            icpc_deadlines,
            review_deadlines,
            transfer_in_deadlines,
        )
        from conferences.services import section47_open_work
        from conferences.transfers import transfer_chronology
        from cpcase import chronology, front_door, timescales

        front_door.register_open_work(section47_open_work)
        front_door.register_episode_activity(episode_conference_activity)
        timescales.register(icpc_deadlines)
        timescales.register(review_deadlines)
        timescales.register(transfer_in_deadlines)
        timescales.register(convened_review_deadlines)
        timescales.register(birth_meeting_deadlines)
        chronology.register(conference_chronology)
        chronology.register(disagreement_chronology)
        chronology.register(transfer_chronology)

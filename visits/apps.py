from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "visits"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The models these modules import load only once the app registry is ready.
        from cpcase import chronology, my_week, timescales
        from visits.selectors import statutory_visit_deadlines, visit_chronology, visit_week_work

        timescales.register(statutory_visit_deadlines)
        chronology.register(visit_chronology)
        my_week.register(visit_week_work)

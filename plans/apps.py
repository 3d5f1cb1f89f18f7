from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cpcase import timescales
        from plans.selectors import plan_deadlines

        timescales.register(plan_deadlines)

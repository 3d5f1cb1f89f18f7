from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Not at the top: these import models, which cannot load before the app registry.
        from cpcase import chronology, front_door, my_week, plan_status, timescales
        from plans.selectors import (
            children_with_active_plan,
            children_with_open_plans,
            plan_chronology,
            plan_deadlines,
            plan_episode_activity,
            plan_open_work,
            plan_week_work,
        )

        timescales.register(plan_deadlines)
        timescales.register_running_work(children_with_open_plans)
        plan_status.register(children_with_active_plan)
        chronology.register(plan_chronology)
        front_door.register_open_work(plan_open_work)
        front_door.register_episode_activity(plan_episode_activity)
        my_week.register(plan_week_work)

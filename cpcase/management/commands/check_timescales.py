"""Run the daily timescale check now: ``manage.py check_timescales [--date YYYY-MM-DD]``.

Inline, chunk after chunk, by default; ``--dispatch`` queues it for the Celery workers
instead (the group that beat starts every morning).
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cpcase.services import timescales_check
from cpcase.tasks import check_timescales


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise CommandError(f"--date must be a date like 2026-12-14, not {value!r}.") from e


class Command(BaseCommand):
    help = "Send the reminders and escalations due today (or on --date), exactly once each."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="run as of this day (YYYY-MM-DD); today by default")
        parser.add_argument(
            "--dispatch",
            action="store_true",
            help="queue the check for the Celery workers (one task per chunk) and return",
        )

    def handle(self, *args, **options):
        today = _date(options["date"]) if options["date"] else timezone.localdate()
        if options["dispatch"]:
            queued = check_timescales.delay(today.isoformat())
            self.stdout.write(
                f"Timescale check as of {today.isoformat()} queued for the workers "
                f"(task {queued.id})."
            )
            return
        created = timescales_check(today=today)
        self.stdout.write(
            f"Timescales checked as of {today.isoformat()}: {created} new notifications."
        )

"""Rewrite the stored running deadlines: ``manage.py refresh_deadlines [--authority CODE]``.

The services keep them, the daily check reads its reminders from them, and a weekly repair
(``cpcase.repair_running_deadlines``) rewrites what drifted; this is the same repair at
once, for after an upgrade that adds them, or a bulk load that wrote records without the
services.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cpcase import running_deadlines
from cpcase.models import Authority


class Command(BaseCommand):
    help = "Recompute every child's running deadlines (or one authority's) for the dashboards."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--authority", help="only this authority's children (its code)")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["authority"]
        if code:
            authority = Authority.objects.filter(code=code).first()
            if authority is None:
                raise CommandError(f"No authority has the code {code!r}.")
            found = running_deadlines.refresh_authority(authority)
        else:
            found = running_deadlines.refresh_all()
        self.stdout.write(f"Running deadlines stored: {found}.")

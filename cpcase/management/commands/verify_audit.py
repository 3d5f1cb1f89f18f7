"""``manage.py verify_audit``: walk the audit trail's hash chain and report the first break.

Exit status 0 with the number of events when the chain is intact; 1 with the
event id and what is wrong at the first break. The head (last position and
hash) is printed so it can be kept elsewhere: a later run that ends before it
shows events removed from the end.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cpcase.audit_chain import verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chain; report the first event that breaks it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=2000, help="events read at a time (default 2000)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more.")
        verdict = verify(batch_size=options["batch_size"])
        if not verdict.intact:
            where = f"event {verdict.broken_at}"
            if verdict.broken_seq is not None:
                where += f" (position {verdict.broken_seq})"
            raise CommandError(
                f"Audit trail broken at {where}: {verdict.problem}. "
                f"The {verdict.checked} event(s) before it are intact."
            )
        self.stdout.write(
            f"Audit trail intact: {verdict.checked} events checked. "
            f"Head: position {verdict.head_seq}, hash {verdict.head_hash or '-'}."
        )

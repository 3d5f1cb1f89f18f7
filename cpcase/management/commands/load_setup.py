"""``manage.py load_setup --out FILE``: the signed-in users of the load test (``make load``).

Run against a benchmark database (``manage.py bench`` built it): issues API tokens to the
bench's police enquirer and signs in the bench's social workers, each session past the
second factor with an authenticator-app device of its own, as a real sign-in leaves it.
Both are audited as the real ones are. Writes what the Locust users need (tokens,
session keys, each worker's children and plans, register searches) to a JSON file.

Never in production, and only in a database whose name says ``bench``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from cpcase import bench
from cpcase.api_tokens import api_tokens_revoke_all, password_fingerprint
from cpcase.audit import audit_record
from cpcase.models import ApiToken, AuditEvent, Child, User

POLICE = "bench.police"
SOCIAL_WORKER_PREFIX = "bench.sw"
CHILDREN_PER_WORKER = 20


class Command(BaseCommand):
    help = "Tokens and signed-in sessions for the load test (benchmark databases only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="the JSON file to write")
        parser.add_argument(
            "--tokens", type=int, default=10, help="API tokens for the police enquirer"
        )
        parser.add_argument(
            "--social-workers", type=int, default=40, help="social workers to sign in"
        )
        parser.add_argument(
            "--searches", type=int, default=300, help="register searches to choose from"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("load_setup signs users in without a password: never in production.")
        name = connection.settings_dict["NAME"]
        if "bench" not in name or bench.bench_authority() is None:
            raise CommandError(
                f"{name!r} is not a benchmark database: run manage.py bench first and point "
                "CPCASE_EMBEDDED_DATABASE (or DATABASE_URL) at it."
            )
        if min(options["tokens"], options["social_workers"], options["searches"]) < 1:
            raise CommandError("--tokens, --social-workers and --searches must be 1 or more.")
        users = {
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "tokens": _tokens(options["tokens"]),
            "social_workers": _social_workers(options["social_workers"]),
            "searches": _searches(options["searches"]),
        }
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(users, indent=1))
        out.chmod(0o600)  # working tokens and sessions
        self.stdout.write(
            f"{len(users['tokens'])} tokens, {len(users['social_workers'])} sessions, "
            f"{len(users['searches'])} searches: {out}"
        )


@transaction.atomic
def _tokens(count: int) -> list[str]:
    """Fresh tokens for the police enquirer (those of an earlier run are revoked), issued
    and audited as ``api_token_issue`` does, without the code a person would type."""
    police = User.objects.get(username=POLICE)
    api_tokens_revoke_all(actor=None, user=police, reason="a new load test run")
    keys = []
    for _ in range(count):
        token, key = ApiToken.objects.create(
            user=police, password_fingerprint=password_fingerprint(police)
        )
        audit_record(
            actor=police,
            action=AuditEvent.Action.TOKEN,
            obj=token,
            summary="Issued an API token (load test)",
            changes={"token": {"from": None, "to": str(token.pk)}, "expires_at": token.expiry},
        )
        keys.append(key)
    return keys


def _social_workers(count: int) -> list[dict[str, Any]]:
    """A signed-in session for each of ``count`` social workers (fewer if the bench has
    fewer), with the children they lead and those children's plans."""
    # Asked for by name: the core does not import the domain apps (STYLE.md).
    plan_model: Any = apps.get_model("plans", "Plan")
    workers = list(
        User.objects.filter(username__startswith=SOCIAL_WORKER_PREFIX, is_active=True).order_by(
            "username"
        )[:count]
    )
    signed_in = []
    for user in workers:
        children = list(
            Child.objects.filter(lead_social_worker=user)
            .order_by("la_child_id")
            .values_list("pk", "last_name")[:CHILDREN_PER_WORKER]
        )
        plans = list(
            plan_model.objects.filter(
                child__lead_social_worker=user, status=plan_model.Status.ACTIVE
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:CHILDREN_PER_WORKER]
        )
        signed_in.append(
            {
                "username": user.username,
                "session": bench.signed_in_session(user),
                "children": [str(pk) for pk, _ in children],
                "surnames": sorted({last for _, last in children}),
                "plans": [str(pk) for pk in plans],
            }
        )
    return signed_in


def _searches(count: int) -> list[dict[str, str]]:
    """Register searches as enquirers make them: an NHS number, a surname and postcode, a
    name and date of birth, in turn, for children of the bench authority."""
    total = bench.bench_children_count()
    step = max(1, total // count)
    # Spread over the whole authority (the bench numbers its children BX0000001...).
    wanted = [f"BX{n:07d}" for n in range(1, total + 1, step)][:count]
    children = list(
        Child.objects.filter(responsible_authority=bench.bench_authority(), la_child_id__in=wanted)
        .filter(date_of_birth__isnull=False)
        .exclude(nhs_number="")
        .order_by("la_child_id")
        .prefetch_related("residences__address")
    )
    searches = []
    for i, child in enumerate(children):
        kind = i % 3
        if kind == 0:
            searches.append({"nhs_number": child.nhs_number})
        elif kind == 1:
            residence = next(iter(child.residences.all()), None)
            postcode = residence.address.postcode if residence else ""
            searches.append({"last_name": child.last_name, "postcode": postcode})
        else:
            searches.append(
                {
                    "first_name": child.first_name,
                    "last_name": child.last_name,
                    "date_of_birth": child.date_of_birth.isoformat(),  # type: ignore[union-attr]
                }
            )
    return searches

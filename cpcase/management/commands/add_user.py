"""Create or update a member of staff:

``manage.py add_user USERNAME --role ROLE [--role ROLE2] [--team NAME] [--authority CODE]
[--first-name ..] [--last-name ..] [--email ..] [--phone ..]``

The password comes from the ``CPCASE_PASSWORD`` environment variable, or is
asked for twice. Running it again for the same user brings them to exactly
the roles and details given (and leaves out what is not given).
"""

from __future__ import annotations

import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from cpcase.accounts import staff_account_set
from cpcase.errors import DomainError
from cpcase.models import Authority, Team, User
from cpcase.roles import Role

PASSWORD_ENV = "CPCASE_PASSWORD"  # noqa: S105 (the name of the variable, not a password)


class Command(BaseCommand):
    help = "Create a member of staff, or update an existing one, with their roles."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--role",
            action="append",
            required=True,
            dest="roles",
            help=f"a role slug; repeat for several. One of: {', '.join(Role.values)}",
        )
        parser.add_argument("--team", help="the team's name (within the authority)")
        parser.add_argument("--authority", help="the authority's three-digit code")
        parser.add_argument("--first-name", dest="first_name")
        parser.add_argument("--last-name", dest="last_name")
        parser.add_argument("--email")
        parser.add_argument("--phone")

    def handle(self, *args, **options):
        username = options["username"].strip()
        existing = User.objects.filter(username=username).first()
        authority = self._authority(options["authority"])
        team = self._team(options["team"], authority or (existing.authority if existing else None))
        details = {
            field: options[field]
            for field in ("first_name", "last_name", "email", "phone")
            if options[field] is not None
        }
        password = self._password(username, new=existing is None)
        try:
            user, created = staff_account_set(
                username=username,
                roles=options["roles"],
                authority=authority,
                team=team,
                password=password,
                details=details,
            )
        except DomainError as e:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in e.errors.items())
            ) from e
        where = ", ".join(
            str(x) for x in (user.authority, user.team and f"team {user.team.name}") if x
        )
        self.stdout.write(
            f"{'Created' if created else 'Updated'} {username}: "
            f"{', '.join(sorted(options['roles']))}" + (f" ({where})" if where else "")
        )

    def _authority(self, code: str | None) -> Authority | None:
        if code is None:
            return None
        authority = Authority.objects.filter(code=code.strip()).first()
        if authority is None:
            known = ", ".join(Authority.objects.values_list("code", flat=True)) or "none yet"
            raise CommandError(f"No authority has the code {code!r} (known codes: {known}).")
        return authority

    def _team(self, name: str | None, authority: Authority | None) -> Team | None:
        if name is None:
            return None
        teams = Team.objects.filter(name__iexact=name.strip()).select_related("authority")
        if authority is not None:
            teams = teams.filter(authority=authority)
        found = list(teams[:2])
        if not found:
            where = f" in {authority}" if authority else ""
            raise CommandError(f"No team is named {name!r}{where}.")
        if len(found) > 1:
            raise CommandError(
                f"More than one authority has a team named {name!r}: give --authority CODE."
            )
        return found[0]

    def _password(self, username: str, *, new: bool) -> str | None:
        from_env = os.environ.get(PASSWORD_ENV)
        if from_env:
            return from_env
        prompt = "Password" if new else "New password (leave blank to keep the current one)"
        first = getpass.getpass(f"{prompt} for {username}: ")
        if not first and not new:
            return None
        if not first:
            raise CommandError(f"A new user needs a password (or set {PASSWORD_ENV}).")
        if getpass.getpass("Password again: ") != first:
            raise CommandError("The two passwords do not match.")
        return first

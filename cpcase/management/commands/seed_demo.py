"""Fictional demonstration data: ``manage.py seed_demo``.

Two authorities side by side: Northbrook (990), the demo's own, and Southmere (991),
for transfers, historic releases and isolation. Idempotent: what already exists is
left as it is, so running it twice changes nothing. Refuses to run in production.
Children and the people around them are recorded through the services, acting as
each team's manager, so the audit trail and the allocated workers' permissions are
exactly as if staff had typed them in; their casework comes from ``seed_casework``.

Written directly, because no service makes them: the authorities, teams, agencies
and accounts (with their published second-factor keys), a mother's residence when
her unborn baby is recorded first, and a known parent's relationship to a brother
or sister (:func:`_link`).
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpcase import demo, running_deadlines
from cpcase.audit import audit_record
from cpcase.models import (
    Agency,
    AuditEvent,
    Authority,
    Child,
    Person,
    Relationship,
    Residence,
    Team,
    User,
)
from cpcase.roles import Role
from cpcase.services import AddressInput, PersonInput, child_create, person_add_to_child

# What the demo system administrator may manage in the admin: accounts and settings,
# never case content (DOMAIN.md section 6).
ADMIN_PERMISSIONS = (
    ("cpcase", "user", ("view", "add", "change")),
    ("cpcase", "team", ("view", "add", "change")),
    ("cpcase", "agency", ("view", "add", "change")),
    ("cpcase", "authority", ("view", "change")),
    ("cpcase", "timescaleprofile", ("view", "change")),
    ("cpcase", "timescalerule", ("view", "add", "change")),
    ("cpcase", "calendarday", ("view", "add", "change")),
)


def demo_password() -> str:
    return os.environ.get("CPCASE_DEMO_PASSWORD") or demo.DEFAULT_DEMO_PASSWORD


class Command(BaseCommand):
    help = (
        "Create the fictional Northbrook and Southmere demonstration data (idempotent). "
        "The password of the demo accounts comes from CPCASE_DEMO_PASSWORD."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="set the demo password again on demo accounts that already exist",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo creates accounts with a published password: it never runs in "
                "production (CPCASE_PRODUCTION is on)."
            )
        password = demo_password()
        with transaction.atomic():
            authorities, teams, agencies = self._organisations()
            users, new_accounts = self._accounts(
                authorities, teams, agencies, password, reset=options["reset_passwords"]
            )
        created, existing = self._children(authorities, users, teams)
        # Casework (referrals, enquiries, plans, conferences, visits) belongs to the domain
        # apps: asked for by name, so the core does not import them.
        call_command("seed_casework", stdout=self.stdout)
        self._report(new_accounts, created, existing, password)

    def _organisations(
        self,
    ) -> tuple[dict[str, Authority], dict[str, Team], dict[str, Agency]]:
        """The two authorities, their teams, and the agencies (by code and by name)."""
        authorities = {
            demo.AUTHORITY_CODE: self._authority(
                demo.AUTHORITY_CODE,
                name=demo.AUTHORITY_NAME,
                office_phone=demo.AUTHORITY_OFFICE_PHONE,
                out_of_hours_phone=demo.AUTHORITY_OUT_OF_HOURS_PHONE,
                email=demo.AUTHORITY_EMAIL,
                address=demo.AUTHORITY_ADDRESS,
            ),
            demo.SECOND_AUTHORITY_CODE: self._authority(
                demo.SECOND_AUTHORITY_CODE,
                name=demo.SECOND_AUTHORITY_NAME,
                office_phone=demo.SECOND_AUTHORITY_OFFICE_PHONE,
                out_of_hours_phone=demo.SECOND_AUTHORITY_OUT_OF_HOURS_PHONE,
                email=demo.SECOND_AUTHORITY_EMAIL,
                address=demo.SECOND_AUTHORITY_ADDRESS,
            ),
        }
        teams = {
            name: Team.objects.get_or_create(authority=authorities[code], name=name)[0]
            for code, names in (
                (demo.AUTHORITY_CODE, demo.TEAMS),
                (demo.SECOND_AUTHORITY_CODE, demo.SECOND_TEAMS),
            )
            for name in names
        }
        agencies = {
            a.name: Agency.objects.get_or_create(
                name=a.name, defaults={"kind": a.kind, "phone": a.phone}
            )[0]
            for a in demo.AGENCIES
        }
        return authorities, teams, agencies

    def _children(
        self, authorities: dict[str, Authority], users: dict[str, User], teams: dict[str, Team]
    ) -> tuple[int, int]:
        """Each family whose children are not recorded yet: how many children were
        created, and how many already existed."""
        created = existing = 0
        today = timezone.localdate()
        for code, families, town in (
            (demo.AUTHORITY_CODE, demo.demo_families(today), demo.TOWN),
            (demo.SECOND_AUTHORITY_CODE, demo.second_authority_families(today), demo.SECOND_TOWN),
        ):
            for family in families:
                ids = [c.la_child_id for c in family.children]
                if Child.objects.filter(
                    responsible_authority=authorities[code], la_child_id__in=ids
                ).exists():
                    existing += len(family.children)
                    continue
                # One refresh of the family's running deadlines, not one per record.
                with transaction.atomic(), running_deadlines.deferred():
                    self._family(family, users, teams, town)
                created += len(family.children)
        return created, existing

    # --- the authorities and their staff --------------------------------------

    def _authority(self, code: str, **details: str) -> Authority:
        authority, _ = Authority.objects.get_or_create(
            code=code, defaults={"nation": "england", **details}
        )
        return authority

    def _accounts(
        self,
        authorities: dict[str, Authority],
        teams: dict[str, Team],
        agencies: dict[str, Agency],
        password: str,
        *,
        reset: bool,
    ) -> tuple[dict[str, User], list[str]]:
        users: dict[str, User] = {}
        new_accounts: list[str] = []
        # One hash for every demo account: the password is published anyway, and hashing
        # it once (not once an account, about a second each) keeps seeding quick.
        self._hashed: tuple[str, str] | None = None
        for account in demo.ALL_ACCOUNTS:
            user = User.objects.filter(username=account.username).first()
            if user is None:
                user = User(
                    username=account.username,
                    first_name=account.first_name,
                    last_name=account.last_name,
                    email=account.email,
                    phone=account.phone,
                    job_title=account.job_title,
                    authority=authorities[account.authority] if account.in_authority else None,
                    team=teams[account.team] if account.team else None,
                    agency=agencies[account.agency] if account.agency else None,
                    is_staff=account.is_staff,
                )
                self._set_password(user, password)
                user.save()
                new_accounts.append(account.username)
            elif reset:
                self._set_password(user, password)
                user.save(update_fields=["password"])
            group = Group.objects.get(name=account.role)
            if not user.groups.filter(pk=group.pk).exists():
                user.groups.add(group)
            if account.role == Role.SYSTEM_ADMIN:
                self._grant_admin_permissions(user)
            _enrol_with_published_key(user)
            users[account.username] = user
        return users, new_accounts

    def _set_password(self, user: User, password: str) -> None:
        try:
            validate_password(password, user)
        except ValidationError as e:
            raise CommandError(
                f"CPCASE_DEMO_PASSWORD is not accepted for {user.username}: {' '.join(e.messages)}"
            ) from e
        if self._hashed is None or self._hashed[0] != password:
            self._hashed = (password, make_password(password))
        user.password = self._hashed[1]

    def _grant_admin_permissions(self, user: User) -> None:
        wanted = []
        for app_label, model, actions in ADMIN_PERMISSIONS:
            wanted += [(app_label, f"{action}_{model}") for action in actions]
        permissions = Permission.objects.filter(
            content_type__app_label__in={a for a, _ in wanted},
            codename__in={c for _, c in wanted},
        )
        missing = permissions.exclude(pk__in=user.user_permissions.values("pk"))
        if missing.exists():
            user.user_permissions.add(*missing)

    # --- the families ---------------------------------------------------------

    def _family(
        self, family: demo.DemoFamily, users: dict[str, User], teams: dict[str, Team], town: str
    ) -> None:
        manager = users[demo.TEAM_MANAGER_FOR[family.team]]
        worker = users[demo.SOCIAL_WORKER_FOR[family.team]]
        address = AddressInput(line1=family.line1, town=town, postcode=family.postcode)
        # Born children first: the mother is recorded against the first of them.
        ordered = sorted(family.children, key=lambda c: c.date_of_birth is None)
        mother: Person | None = None
        others: list[Person] = []
        for spec in ordered:
            changes: dict[str, Any] = {
                "la_child_id": spec.la_child_id,
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "sex": spec.sex,
                "ethnicity": spec.ethnicity,
                "nhs_number": spec.nhs_number,
                "disabilities": spec.disabilities,
                "upn": spec.upn,
                "upn_unknown": spec.upn_unknown,
                "date_of_birth": spec.date_of_birth,
                "expected_date_of_delivery": spec.expected_date_of_delivery,
                "team": teams[family.team],
                "lead_social_worker": worker,
                "address": address,
            }
            unborn = spec.date_of_birth is None
            if unborn:
                # An unborn baby is identified by the mother: the service records her.
                changes["mother"] = mother or _person_input(family.mother)
            child = child_create(actor=manager, changes=changes)
            if mother is None:
                if unborn:
                    mother = child.mother
                    assert child.address is not None  # noqa: S101 - the child was created with one
                    Residence.objects.create(
                        person=mother, address=child.address, moved_in_on=timezone.localdate()
                    )
                else:
                    mother = self._add_person(manager, child, family.mother)
            elif not unborn:
                _link(manager, child, mother, family.mother)
            if not others:
                others = [self._add_person(manager, child, p) for p in family.others]
            else:
                for person, p in zip(others, family.others, strict=True):
                    _link(manager, child, person, p)

    def _add_person(self, actor: User, child: Child, spec: demo.DemoPerson) -> Person:
        relationship = person_add_to_child(
            actor=actor,
            child_id=child.pk,
            person=_person_input(spec),
            kind=spec.kind,
            parental_responsibility=spec.parental_responsibility,
            lives_with_child=spec.lives_with_child,
            is_carer=spec.is_carer,
        )
        return relationship.person

    # --- the report -----------------------------------------------------------

    def _report(self, new_accounts: list[str], created: int, existing: int, password: str) -> None:
        out = self.stdout
        out.write(
            f"Demo data for {demo.AUTHORITY_NAME} ({demo.AUTHORITY_CODE}) and "
            f"{demo.SECOND_AUTHORITY_NAME} ({demo.SECOND_AUTHORITY_CODE}): "
            f"{created} children created, {existing} already there."
        )
        for name, accounts in (
            (demo.AUTHORITY_NAME, demo.ACCOUNTS),
            (demo.SECOND_AUTHORITY_NAME, demo.SECOND_ACCOUNTS),
        ):
            out.write("")
            out.write(f"  {name}")
            out.write(f"  {'username':<16} role")
            for account in accounts:
                team = f" ({account.team})" if account.team else ""
                out.write(f"  {account.username:<16} {Role(account.role).label}{team}")
        out.write("")
        out.write(f"Demo password for every account: {password}")
        out.write(
            "Second factor: each account has a published demo key; "
            "`manage.py demo_code USERNAME` prints its current code."
        )
        if len(new_accounts) < len(demo.ALL_ACCOUNTS):
            out.write(
                "(Accounts that already existed keep their password; "
                "--reset-passwords sets it again.)"
            )
        out.write("Fictional demonstration data only: never use these accounts in production.")


def _enrol_with_published_key(user: User) -> None:
    """A confirmed authenticator-app device with the account's published demo key, unless
    the account has set up a second factor of its own. Never in production."""
    if settings.PRODUCTION:
        raise CommandError("Published demo second-factor keys are never installed in production.")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return
    TOTPDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(
        user=user,
        name=demo.DEMO_DEVICE_NAME,
        key=demo.demo_totp_key(user.get_username()),
        confirmed=True,
    )
    audit_record(
        actor=None,
        actor_username="manage.py seed_demo",
        action=AuditEvent.Action.SECOND_FACTOR_ENROLLED,
        obj=user,
        summary=f"Set up {user.get_username()}'s second factor with the published demo key",
        changes={"second_factor": {"from": None, "to": demo.DEMO_DEVICE_NAME}},
    )


def _person_input(spec: demo.DemoPerson) -> PersonInput:
    return PersonInput(
        first_name=spec.first_name,
        last_name=spec.last_name,
        date_of_birth=spec.date_of_birth,
        phone=spec.phone,
    )


def _link(actor: User, child: Child, person: Person, spec: demo.DemoPerson) -> None:
    """Record an already known person against a brother or sister too.

    The services record a new person each time; a family shares one mother, so the
    relationship to the person already recorded is written here, audited the same way.
    """
    relationship = Relationship.objects.create(
        child=child,
        person=person,
        kind=spec.kind,
        parental_responsibility=spec.parental_responsibility,
        lives_with_child=spec.lives_with_child,
        is_carer=spec.is_carer,
    )
    Child.objects.filter(pk=child.pk).update(version=F("version") + 1)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=relationship,
        child=child,
        summary=f"Recorded {person.name} as {relationship.get_kind_display().lower()}",
        changes={
            "person": str(person.pk),
            "kind": spec.kind,
            "parental_responsibility": spec.parental_responsibility,
            "lives_with_child": spec.lives_with_child,
        },
    )

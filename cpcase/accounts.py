"""Staff accounts: every change to one is a service here, checked and audited.

A system administrator runs the accounts of their own authority (and those of
partner agencies' staff, who belong to no authority), never their own roles,
authority, team or active flag, and never anybody's password: they send a
one-time reset link that the person completes themselves. Nobody deletes an
account; deactivating it keeps the person in the history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import devices_for_user

from cpcase import access
from cpcase.api_tokens import api_tokens_revoke_all
from cpcase.audit import audit_record, diff
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import Agency, AuditEvent, Authority, Team, User
from cpcase.roles import Role

# What an account's details are: the fields a system administrator may change.
DETAIL_FIELDS = ("first_name", "last_name", "email", "phone", "job_title", "staff_reference")
PLACE_FIELDS = ("authority", "team", "agency")


def unbounded(user: User) -> bool:
    """A superuser with no authority: the operator, made at the command line, who sets up
    the first authorities and their administrators."""
    return bool(user.is_superuser and user.authority_id is None)


def accounts_visible_to(actor: User) -> QuerySet[User]:
    """The accounts ``actor`` runs: their own authority's and the partner agencies' (no
    authority). A superuser with no authority (the operator, made at the command line)
    runs them all; nobody else sees a superuser."""
    if not access.may_manage_accounts(actor):
        return User.objects.none()
    if unbounded(actor):
        return User.objects.all()
    if actor.authority_id is None:
        return User.objects.none()
    mine = User.objects.filter(Q(authority_id=actor.authority_id) | Q(authority__isnull=True))
    return mine if actor.is_superuser else mine.exclude(is_superuser=True)


def _snapshot(user: User) -> dict[str, Any]:
    return {
        "roles": _stored_roles(user),
        **{field: getattr(user, field) for field in DETAIL_FIELDS},
        "authority": user.authority_id,
        "team": user.team_id,
        "agency": user.agency_id,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
    }


def _stored_roles(user: User) -> list[str]:
    if user._state.adding:
        return []
    return sorted(user.groups.values_list("name", flat=True))


def _locked(actor: User | None, user: User) -> User:
    """The account, locked for this change, if ``actor`` runs it (None: the command line)."""
    accounts = User.objects.all() if actor is None else accounts_visible_to(actor)
    found = accounts.select_for_update().filter(pk=user.pk).first()
    if found is None:
        raise NotFound("No account was found.")
    return found


def _require_not_self(actor: User | None, user: User, what: str) -> None:
    if actor is not None and actor.pk == user.pk:
        raise NotPermitted(f"You cannot change your own {what}: ask another system administrator.")


def _checked_roles(roles: Sequence[str]) -> list[str]:
    unknown = sorted(set(roles) - set(Role.values))
    if not roles or unknown:
        raise DomainError(
            errors={
                "role": [
                    f"Unknown role {', '.join(unknown) or '(none given)'}: choose from "
                    f"{', '.join(Role.values)}."
                ]
            }
        )
    return sorted(set(roles))


def _place(
    actor: User | None,
    user: User,
    *,
    authority: Authority | None,
    team: Team | None,
    agency: Agency | None,
) -> None:
    """Put the account in an authority and team; an administrator only in their own."""
    if (
        actor is not None
        and not unbounded(actor)
        and authority is not None
        and authority.pk != actor.authority_id
    ):
        raise NotPermitted("You run the accounts of your own authority only.")
    if team is not None:
        if authority is None:
            authority = team.authority
        if team.authority_id != authority.pk:
            raise DomainError(errors={"team": [f"{team.name} is not a team of {authority}."]})
    user.authority, user.team, user.agency = authority, team, agency


def _clean_and_save(user: User) -> None:
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as e:
        raise DomainError.from_validation_error(e) from e
    user.save()


def _set_roles(user: User, roles: list[str]) -> None:
    user.groups.set(Group.objects.filter(name__in=roles))
    user.is_staff = access.roles_open_admin_site(roles)
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("roles", None)


def _set_password(user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise DomainError(errors={"password": list(e.messages)}) from e
    user.set_password(password)


def _audit(
    *,
    actor: User | None,
    actor_username: str,
    action: str,
    user: User,
    summary: str,
    changes: dict[str, Any],
) -> None:
    audit_record(
        actor=actor,
        actor_username=actor_username,
        action=action,
        obj=user,
        summary=summary,
        changes=changes,
    )


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    roles: Sequence[str],
    authority: Authority | None = None,
    team: Team | None = None,
    agency: Agency | None = None,
    details: Mapping[str, str] | None = None,
    password: str | None = None,
    actor_username: str = "",
) -> User:
    """A new account. From the admin (``actor`` given) it has no password yet: the person
    sets one through the one-time link they are sent. From the command line (``actor``
    None, named by ``actor_username``) the operator may give the first password."""
    if actor is not None:
        if not access.may_manage_accounts(actor):
            raise NotPermitted("Only a system administrator creates accounts.")
        if password is not None:
            raise NotPermitted("A system administrator never sets a password: send a reset.")
    username = username.strip()
    if User.objects.filter(username=username).exists():
        raise DomainError(errors={"username": [f"An account named {username} already exists."]})
    checked = _checked_roles(roles)
    user = User(username=username)
    before = _snapshot(user)
    _place(actor, user, authority=authority, team=team, agency=agency)
    for field, value in (details or {}).items():
        if field not in DETAIL_FIELDS:
            raise DomainError(errors={field: ["This is not a detail of an account."]})
        setattr(user, field, str(value).strip())
    if password is None:
        user.set_unusable_password()
    else:
        _set_password(user, password)
    _clean_and_save(user)
    _set_roles(user, checked)
    _audit(
        actor=actor,
        actor_username=actor_username,
        action=AuditEvent.Action.CREATE,
        user=user,
        summary=f"Created the account of {username}",
        changes=diff(before, _snapshot(user)),
    )
    if actor is not None and user.email:
        _send_reset_link(user, first=True)
    return user


@transaction.atomic
def user_details_change(
    *,
    actor: User,
    user: User,
    details: Mapping[str, str],
    authority: Authority | None,
    team: Team | None,
    agency: Agency | None,
) -> User:
    """A person's details and where they work. Nobody moves their own account."""
    if not access.may_manage_accounts(actor):
        raise NotPermitted("Only a system administrator changes an account.")
    user = _locked(actor, user)
    before = _snapshot(user)
    if (authority and authority.pk, team and team.pk) != (user.authority_id, user.team_id):
        _require_not_self(actor, user, "authority or team")
        _place(actor, user, authority=authority, team=team, agency=agency)
    elif (agency and agency.pk) != user.agency_id:
        user.agency = agency
    for field, value in details.items():
        if field not in DETAIL_FIELDS:
            raise DomainError(errors={field: ["This is not a detail of an account."]})
        setattr(user, field, str(value).strip())
    _clean_and_save(user)
    changes = diff(before, _snapshot(user))
    if changes:
        _audit(
            actor=actor,
            actor_username="",
            action=AuditEvent.Action.UPDATE,
            user=user,
            summary=f"Changed the details of {user.username}",
            changes=changes,
        )
    return user


@transaction.atomic
def user_roles_change(*, actor: User, user: User, roles: Sequence[str]) -> User:
    """Give the account exactly these roles. Nobody changes their own."""
    if not access.may_manage_accounts(actor):
        raise NotPermitted("Only a system administrator changes roles.")
    _require_not_self(actor, user, "roles")
    user = _locked(actor, user)
    checked = _checked_roles(roles)
    before = _snapshot(user)
    _set_roles(user, checked)
    changes = diff(before, {**_snapshot(user), "roles": checked})
    if changes:
        _audit(
            actor=actor,
            actor_username="",
            action=AuditEvent.Action.UPDATE,
            user=user,
            summary=f"Changed the roles of {user.username}",
            changes=changes,
        )
    return user


def _set_active(actor: User, user: User, *, active: bool) -> User:
    if not access.may_manage_accounts(actor):
        raise NotPermitted("Only a system administrator deactivates or reactivates accounts.")
    _require_not_self(actor, user, "account's active state")
    user = _locked(actor, user)
    if user.is_active == active:
        return user
    before = {"is_active": user.is_active}
    user.is_active = active
    user.save(update_fields=["is_active"])
    user.__dict__.pop("roles", None)
    verb = "Reactivated" if active else "Deactivated"
    _audit(
        actor=actor,
        actor_username="",
        action=AuditEvent.Action.UPDATE,
        user=user,
        summary=f"{verb} the account of {user.username}",
        changes=diff(before, {"is_active": active}),
    )
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """The person can no longer sign in (sessions and tokens stop working with it); the
    account and its history stay."""
    return _set_active(actor, user, active=False)


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    return _set_active(actor, user, active=True)


def _reset_link(user: User) -> str:
    path = reverse(
        "password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.CPCASE_BASE_URL.rstrip('/')}{path}"


def _send_reset_link(user: User, *, first: bool = False) -> None:
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    what = "Set the password of your new account" if first else "Set a new password"
    message = (
        f"{what} for {settings.SERVICE_NAME} (username {user.username}) with this link. "
        f"It works once, for {hours} hours:\n\n{_reset_link(user)}\n\n"
        "You will then set up your second factor again. If you did not expect this, "
        "tell your system administrator.\n"
    )
    transaction.on_commit(
        lambda: send_mail(
            subject=f"cpcase: {what.lower()}",
            message=message,
            from_email=None,
            recipient_list=[user.email],
        ),
        robust=True,
    )


@transaction.atomic
def user_password_reset_send(*, actor: User, user: User) -> None:
    """Email the person a one-time, time-limited link to set a new password. The old
    password keeps working until they do."""
    if not access.may_manage_accounts(actor):
        raise NotPermitted("Only a system administrator sends a password reset.")
    user = _locked(actor, user)
    if not user.is_active:
        raise DomainError("This account is deactivated: reactivate it first.")
    if not user.email:
        raise DomainError(errors={"email": ["Add the person's email address first."]})
    _send_reset_link(user)
    _audit(
        actor=actor,
        actor_username="",
        action=AuditEvent.Action.PASSWORD_RESET,
        user=user,
        summary=f"Sent a one-time password reset link to {user.username}",
        changes={"password_reset": {"from": None, "to": "link sent"}},
    )


@transaction.atomic
def user_password_reset_complete(*, user: User, password: str) -> User:
    """The person sets a new password with their link (checked by the view)."""
    user = _locked(None, user)
    _set_password(user, password)
    user.save(update_fields=["password"])
    removed = user_password_reset_completed(user)
    changes: dict[str, Any] = {"password": {"from": "(not shown)", "to": "(changed)"}}
    if removed:
        changes["second_factor"] = {"from": f"{removed} device(s)", "to": "enrol again"}
    _audit(
        actor=user,
        actor_username="",
        action=AuditEvent.Action.PASSWORD_RESET,
        user=user,
        summary="Set a new password with a one-time link",
        changes=changes,
    )
    return user


def user_password_reset_completed(user: User) -> int:
    """What a completed reset undoes, in its transaction: the second factor, so that the
    person enrols again at their next sign-in, and every API token issued before it.
    Returns the number of devices removed."""
    removed = 0
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        removed += 1
    api_tokens_revoke_all(actor=user, user=user, reason="password reset")
    return removed


def _staff_account_update(
    user: User,
    *,
    roles: list[str],
    authority: Authority | None,
    team: Team | None,
    password: str | None,
    details: dict[str, str] | None,
    actor_username: str,
) -> None:
    """An existing account brought to exactly these roles and details, audited when that
    changed anything."""
    username = user.username
    checked = _checked_roles(roles)
    before = _snapshot(user)
    if authority is not None or team is not None:
        _place(
            None,
            user,
            authority=authority or user.authority or (team.authority if team else None),
            team=team if team is not None else user.team,
            agency=user.agency,
        )
    for field, value in (details or {}).items():
        setattr(user, field, value.strip())
    user.is_active = True
    if password is not None:
        _set_password(user, password)
    _clean_and_save(user)
    _set_roles(user, checked)
    changes = diff(before, {**_snapshot(user), "roles": checked})
    if password is not None:
        changes["password"] = {"from": "(not shown)", "to": "(changed)"}
    if changes:
        _audit(
            actor=None,
            actor_username=actor_username,
            action=AuditEvent.Action.UPDATE,
            user=user,
            summary=f"Updated the account of {username}",
            changes=changes,
        )


@transaction.atomic
def staff_account_set(
    *,
    username: str,
    roles: list[str],
    authority: Authority | None = None,
    team: Team | None = None,
    password: str | None = None,
    details: dict[str, str] | None = None,
    actor_username: str = "manage.py add_user",
) -> tuple[User, bool]:
    """The command line's account set-up: create a member of staff (through
    :func:`user_create`), or bring an existing one to exactly these roles and details
    (running it twice changes nothing the second time). Returns (user, created).
    ``password`` None keeps an existing user's password."""
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        if password is None:
            raise DomainError(errors={"password": ["A new user needs a password."]})
        if authority is None and team is not None:
            authority = team.authority
        created = user_create(
            actor=None,
            actor_username=actor_username,
            username=username,
            roles=roles,
            authority=authority,
            team=team,
            details=details,
            password=password,
        )
        return created, True
    _staff_account_update(
        user,
        roles=roles,
        authority=authority,
        team=team,
        password=password,
        details=details,
        actor_username=actor_username,
    )
    return user, False

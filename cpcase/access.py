"""The one place that answers "may this user do X to this child?".

The browser views, the API, the admin and the services all ask here. A list
starts from :func:`children_visible_to`, so nothing leaks by a forgotten
filter; a single child is fetched with :func:`child_for`, which answers 404
for a child the user may not see, exactly as for one that does not exist.

Scopes (DOMAIN.md section 6):
- social workers and team managers: their team's children, and any child
  granted to them one by one (the allocated worker, through django-guardian);
- service leaders, conference chairs and safeguarding unit managers: every
  child resident in, or the responsibility of, their authority;
- core group members and senior officers: only children granted to them
  object by object (guardian), core group members for the plan alone;
- enquirers and system administrators: no case content at all.
"""

from __future__ import annotations

import enum
import uuid

from django.db.models import Q, QuerySet

from cpcase.errors import NotFound, NotPermitted
from cpcase.models import Child, ChildUserObjectPermission, User
from cpcase.roles import AUTHORITY_WIDE_ROLES, TEAM_ROLES, Role


class Action(enum.StrEnum):
    VIEW = "view"  # the child's case record
    VIEW_PLAN = "view_plan"  # the plan alone (core group members)
    EDIT = "edit"  # the child's details and people
    ALLOCATE = "allocate"  # lead social worker and team
    RECORD_VISIT = "record_visit"
    VIEW_AUDIT = "view_audit"  # the child's access history


# Which roles may do which action, within the scope of children they can see.
_ACTION_ROLES: dict[Action, frozenset[str]] = {
    Action.VIEW: TEAM_ROLES | AUTHORITY_WIDE_ROLES | {Role.SENIOR_OFFICER},
    Action.VIEW_PLAN: TEAM_ROLES
    | AUTHORITY_WIDE_ROLES
    | {Role.SENIOR_OFFICER, Role.CORE_GROUP_MEMBER},
    Action.EDIT: TEAM_ROLES | {Role.SAFEGUARDING_UNIT_MANAGER},
    Action.ALLOCATE: frozenset({Role.TEAM_MANAGER, Role.SAFEGUARDING_UNIT_MANAGER}),
    Action.RECORD_VISIT: TEAM_ROLES,
    Action.VIEW_AUDIT: frozenset({Role.SAFEGUARDING_UNIT_MANAGER}),
}

# The guardian permission that grants a child to one user, by action.
_GRANT_CODENAME: dict[Action, tuple[str, ...]] = {
    Action.VIEW: ("view_child",),
    Action.VIEW_PLAN: ("view_child", "view_child_plan"),
    Action.EDIT: ("change_child",),
    Action.RECORD_VISIT: ("change_child",),
}

CREATE_ROLES = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.SAFEGUARDING_UNIT_MANAGER})


def _granted(user: User, codenames: tuple[str, ...]) -> Q:
    granted_ids = ChildUserObjectPermission.objects.filter(
        user=user, permission__codename__in=codenames
    ).values("content_object_id")
    return Q(pk__in=granted_ids)


def _scope(user: User, action: Action) -> Q | None:
    """The children ``user`` may do ``action`` to, as a filter; None for none at all."""
    if not user.is_authenticated or not user.is_active:
        return None
    roles = user.roles & _ACTION_ROLES[action]
    if not roles:
        return None
    scope = Q(pk__in=[])
    if roles & AUTHORITY_WIDE_ROLES and user.authority_id:
        scope |= Q(responsible_authority_id=user.authority_id) | Q(
            resident_authority_id=user.authority_id
        )
    if roles & TEAM_ROLES:
        if user.team_id:
            scope |= Q(team_id=user.team_id)
        scope |= Q(lead_social_worker_id=user.pk)
    codenames = _GRANT_CODENAME.get(action)
    if codenames:
        scope |= _granted(user, codenames)
    return scope


def children_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[Child]:
    scope = _scope(user, action)
    if scope is None:
        return Child.objects.none()
    return Child.objects.filter(scope)


def has_case_access(user: User, action: Action = Action.VIEW) -> bool:
    """Whether the user's roles open any path to children's records at all.

    Enquirers, system administrators and core group members (who read a plan,
    not the case record) have none: a list of children is refused, not empty.
    """
    return _scope(user, action) is not None


def can(user: User, action: Action, child: Child) -> bool:
    return children_visible_to(user, action).filter(pk=child.pk).exists()


def can_create_child(user: User) -> bool:
    return (
        user.is_authenticated and bool(user.roles & CREATE_ROLES) and user.authority_id is not None
    )


def as_uuid(value) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def child_for(user: User, child_id, action: Action = Action.VIEW) -> Child:
    """The child if ``user`` may do ``action``; 404 if they may not see it, 403 if only seeing."""
    pk = as_uuid(child_id)
    if pk is None:
        raise NotFound("No child was found.")
    child = (
        children_visible_to(user, action)
        .select_related(
            "responsible_authority", "resident_authority", "lead_social_worker", "team", "mother"
        )
        .filter(pk=pk)
        .first()
    )
    if child is not None:
        return child
    if (
        action not in (Action.VIEW, Action.VIEW_PLAN)
        and children_visible_to(user).filter(pk=pk).exists()
    ):
        raise NotPermitted("You do not have permission to do that to this child's record.")
    raise NotFound("No child was found.")


def require(user: User, action: Action, child: Child) -> None:
    if not can(user, action, child):
        if can(user, Action.VIEW, child):
            raise NotPermitted("You do not have permission to do that to this child's record.")
        raise NotFound("No child was found.")


def may_manage_accounts(user: User) -> bool:
    """Runs accounts (the system administrator, or a superuser): never case content."""
    return bool(user.is_active and (user.is_superuser or user.has_role(Role.SYSTEM_ADMIN)))


def may_manage_account_of(actor: User, user: User) -> bool:
    """May ``actor`` act on ``user``'s account (reset their second factor, revoke their
    tokens)? Not on their own (nobody is their own second check), and only within
    their authority (or on agency staff, who belong to none)."""
    if not may_manage_accounts(actor) or actor.pk == user.pk:
        return False
    if actor.is_superuser or actor.authority_id is None:
        return True
    return user.authority_id in (None, actor.authority_id)

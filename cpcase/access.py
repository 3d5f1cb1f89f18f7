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

Every other decision "may this user do this (to this record)" is a named
capability below (``may_record_visit``, ``may_finalise_conference``...): the
services, selectors, views, the API, the admin and the templates (through the
``access`` template tag library) ask these, and nothing outside this module
and ``cpcase/roles.py`` compares role names (``tests/core/test_one_gate.py``
fails on one).

A child's past belongs to the authority that held it: plans, conferences,
visits and letters carry the authority that recorded them, and another
authority's staff see them only while a historic release granted to their
authority lasts (:func:`records_visible_q`).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from cpcase.errors import NotFound, NotPermitted
from cpcase.models import Child, ChildUserObjectPermission, RunningDeadline, User
from cpcase.roles import AUTHORITY_WIDE_ROLES, ENQUIRER_ROLES, TEAM_ROLES, Role, held


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


def _granted(user: User, codenames: tuple[str, ...], child: str = "pk") -> Q:
    granted_ids = ChildUserObjectPermission.objects.filter(
        user=user, permission__codename__in=codenames
    ).values("content_object_id")
    return Q(**{f"{child}__in": granted_ids})


@dataclass(frozen=True)
class _Reach:
    """Which children a user may do an action to, by the child's own fields: those of an
    authority (responsible or resident), of a team, led by a worker; and those granted to
    the user one by one (guardian permissions with these codenames)."""

    authority_id: Any
    team_id: Any
    lead_id: Any
    codenames: tuple[str, ...]

    def reaches(self, child: Child) -> bool:
        """Whether the child's fields alone put it in reach (a grant is not looked at)."""
        return (
            (
                self.authority_id is not None
                and self.authority_id
                in (child.responsible_authority_id, child.resident_authority_id)
            )
            or (self.team_id is not None and child.team_id == self.team_id)
            or (self.lead_id is not None and child.lead_social_worker_id == self.lead_id)
        )


def _reach(user: User, action: Action) -> _Reach | None:
    """The user's reach for ``action``; None for no child at all."""
    if not user.is_authenticated or not user.is_active:
        return None
    roles = user.roles & _ACTION_ROLES[action]
    if not roles:
        return None
    team_work = bool(roles & TEAM_ROLES)
    return _Reach(
        authority_id=user.authority_id if roles & AUTHORITY_WIDE_ROLES else None,
        team_id=user.team_id if team_work else None,
        lead_id=user.pk if team_work else None,
        codenames=_GRANT_CODENAME.get(action, ()),
    )


def _scope(user: User, action: Action, child: str = "pk") -> Q | None:
    """The children ``user`` may do ``action`` to, as a filter; None for none at all.

    The filter names the child's own fields; ``child`` names the field holding the child's
    id, for a model that copies those fields (:class:`~cpcase.models.RunningDeadline`)."""
    reach = _reach(user, action)
    if reach is None:
        return None
    scope = Q(**{f"{child}__in": []})
    if reach.authority_id is not None:
        scope |= Q(responsible_authority_id=reach.authority_id) | Q(
            resident_authority_id=reach.authority_id
        )
    if reach.team_id is not None:
        scope |= Q(team_id=reach.team_id)
    if reach.lead_id is not None:
        scope |= Q(lead_social_worker_id=reach.lead_id)
    if reach.codenames:
        scope |= _granted(user, reach.codenames, child)
    return scope


def children_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[Child]:
    scope = _scope(user, action)
    if scope is None:
        return Child.objects.none()
    return Child.objects.filter(scope)


def children_led_by(user: User) -> QuerySet[Child]:
    """The children ``user`` is lead social worker for, of those they may see. A role that
    reaches its own children (the lead's part of the scope) sees every one of them, so the
    list is read by the lead's index alone, in name order, without the rest of the scope."""
    reach = _reach(user, Action.VIEW)
    if reach is None:
        return Child.objects.none()
    led = Child.objects.filter(lead_social_worker_id=user.pk)
    if reach.lead_id == user.pk:
        return led
    return led.filter(_scope(user, Action.VIEW))


def running_deadlines_visible_to(user: User) -> QuerySet[RunningDeadline]:
    """The stored running deadlines of the children ``user`` may see: the same scope as
    :func:`children_visible_to`, applied to the child's fields the rows copy."""
    scope = _scope(user, Action.VIEW, child="child_id")
    if scope is None:
        return RunningDeadline.objects.none()
    return RunningDeadline.objects.filter(scope)


def has_case_access(user: User, action: Action = Action.VIEW) -> bool:
    """Whether the user's roles open any path to children's records at all.

    Enquirers, system administrators and core group members (who read a plan,
    not the case record) have none: a list of children is refused, not empty.
    """
    return _scope(user, action) is not None


def can(user: User, action: Action, child: Child) -> bool:
    """Whether ``user`` may do ``action`` to ``child``. A child whose own fields (as loaded,
    by this request) put it in the user's reach needs no query; any other is asked of the
    database, which also sees the grants and the fields as they are now."""
    reach = _reach(user, action)
    if reach is None:
        return False
    if reach.reaches(child):
        return True
    return children_visible_to(user, action).filter(pk=child.pk).exists()


def can_create_child(user: User) -> bool:
    return (
        user.is_authenticated and bool(user.roles & CREATE_ROLES) and user.authority_id is not None
    )


def as_uuid(value: object) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def child_for(user: User, child_id: object, action: Action = Action.VIEW) -> Child:
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


# --- Named capabilities ------------------------------------------------------------
# Each answers one question the pages, the API, the services and the templates ask. The
# role sets stay in this module; the callers know only the capability's name.

_NO_CASE_WORK = ENQUIRER_ROLES | {Role.SYSTEM_ADMIN}
_SCHEDULERS = frozenset({Role.CONFERENCE_CHAIR, Role.SAFEGUARDING_UNIT_MANAGER, Role.TEAM_MANAGER})
_ENQUIRERS = ENQUIRER_ROLES | {Role.SAFEGUARDING_UNIT_MANAGER}


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _holds(user: Any, *roles: str) -> bool:
    return _active(user) and bool(user.roles & frozenset(roles))


def _unit_manager(user: Any) -> bool:
    return _holds(user, Role.SAFEGUARDING_UNIT_MANAGER) and user.authority_id is not None


# The child's record.
def may_view_child(user: User, child: Child) -> bool:
    return can(user, Action.VIEW, child)


def may_edit_child(user: User, child: Child) -> bool:
    return can(user, Action.EDIT, child)


def may_allocate(user: User, child: Child | None = None) -> bool:
    """Choose the team and lead social worker: of this child, or of a child being added."""
    if child is None:
        return _holds(user, Role.TEAM_MANAGER, Role.SAFEGUARDING_UNIT_MANAGER)
    return can(user, Action.ALLOCATE, child)


def may_change_responsible_authority(user: User, child: Child) -> bool:
    return _holds(user, Role.SAFEGUARDING_UNIT_MANAGER) and can(user, Action.EDIT, child)


def may_record_visit(user: User, child: Child) -> bool:
    return can(user, Action.RECORD_VISIT, child)


def may_amend_visit_of_others(user: User, child: Child) -> bool:
    """A team manager corrects a visit another worker recorded for a child of the team."""
    return _holds(user, Role.TEAM_MANAGER) and can(user, Action.RECORD_VISIT, child)


def may_view_access_history(user: User, child: Child) -> bool:
    return can(user, Action.VIEW_AUDIT, child)


def may_list_children(user: User) -> bool:
    """Whether the user has any path to children's case records (the children list)."""
    return has_case_access(user)


def may_create_child(user: User) -> bool:
    return can_create_child(user)


def may_list_visits(user: User) -> bool:
    """The visits list (the page and ``GET /api/v1/visits/``): the visits of the children
    whose case record the user may see, so the same people as the children list."""
    return has_case_access(user)


def may_list_conferences(user: User) -> bool:
    """The conferences list (the page and ``GET /api/v1/conferences/``): those with a path
    to case records."""
    return has_case_access(user)


def may_list_plans(user: User) -> bool:
    """The plans list (``GET /api/v1/plans/``): case records, or the plans a core group
    member is given; enquirers and administrators have none."""
    return has_case_access(user, Action.VIEW_PLAN)


def works_a_team_caseload(user: User) -> bool:
    """Social workers and team managers: their lists open on their own team."""
    return _holds(user, *TEAM_ROLES) and user.team_id is not None


def sees_caseload(user: User) -> bool:
    """The home page's caseload of deadlines: those who run or oversee case work."""
    return _holds(user, *TEAM_ROLES, *AUTHORITY_WIDE_ROLES) and has_case_access(user)


def may_see_my_week(user: User) -> bool:
    """ "My week": social workers (their own children) and team managers (their team's),
    within an authority."""
    return _holds(user, *TEAM_ROLES) and user.authority_id is not None


def sees_team_week(user: User) -> bool:
    """A team manager's week covers the whole team, worker by worker, and the plans
    waiting for their authorisation."""
    return _holds(user, Role.TEAM_MANAGER) and user.team_id is not None


def is_case_worker(user: User) -> bool:
    """Holds a social worker's own caseload (children they are lead social worker for)."""
    return _holds(user, Role.SOCIAL_WORKER)


def is_enquirer(user: User) -> bool:
    """A police or health enquirer: the register's minimum answer and nothing else."""
    return _holds(user, *ENQUIRER_ROLES)


def may_manage_accounts(user: User) -> bool:
    """A system administrator (or the superuser): manages accounts, not cases."""
    return _active(user) and (user.is_superuser or bool(user.roles & {Role.SYSTEM_ADMIN}))


def reads_plans_only(user: User) -> bool:
    """A core group member outside the service: reads the plans they are given, no more."""
    return _holds(user, Role.CORE_GROUP_MEMBER) and not has_case_access(user)


def takes_part_in_case_work(user: User) -> bool:
    """Holds a role that takes part in case work: not only an enquirer or administrator.

    The one rule for who may be invited to a conference, chosen as an attendee, or
    choose staff for case work; an account with no role at all takes no part."""
    return _active(user) and bool(user.roles - _NO_CASE_WORK)


# Plans and conferences.
def may_chair_conferences(user: User) -> bool:
    """Chairs conferences: may be chosen as chair, and keeps the conference lists."""
    return _holds(user, Role.CONFERENCE_CHAIR)


def may_chair_for(user: User, child: Child) -> bool:
    """The chair's own decisions about a child: start, continue, end a plan at a
    conference; name the lead social worker; finalise the outline plan."""
    return may_chair_conferences(user) and can(user, Action.VIEW, child)


def may_finalise_conference(user: User, conference: Any) -> bool:
    """The conference's own chair finalises it (and records its outcome until then)."""
    return _active(user) and user.pk == conference.chair_id


def may_record_outcome(user: User, conference: Any) -> bool:
    return may_finalise_conference(user, conference)


def may_schedule_conference(user: User) -> bool:
    return _holds(user, *_SCHEDULERS)


def may_authorise_plan(user: User, child: Child) -> bool:
    """A team manager of the child's team authorises (or returns) the detailed plan."""
    return bool(_holds(user, Role.TEAM_MANAGER) and user.team_id and user.team_id == child.team_id)


# The front door: the child in need episode.
def may_record_front_door(user: User, child: Child) -> bool:
    """Record a referral, an assessment, a section 47 enquiry, a child in need plan or
    an episode's closure: those who may change the child's record."""
    return can(user, Action.EDIT, child)


def may_list_front_door(user: User) -> bool:
    """The lists of referrals, assessments and section 47 enquiries: those with a path to
    case records (the children list's people); enquirers and core group members have none."""
    return has_case_access(user)


def may_authorise_assessment(user: User, child: Child) -> bool:
    """A team manager of the child's team authorises the child and family assessment."""
    return may_authorise_plan(user, child)


def may_correct_register(user: User, child: Child) -> bool:
    """The safeguarding unit manager keeps the register: corrects a plan's register facts
    and ends a plan outside a conference (a death, an 18th birthday, a permanent move)."""
    return _holds(user, Role.SAFEGUARDING_UNIT_MANAGER) and can(user, Action.VIEW, child)


def may_record_step_down(user: User, child: Child) -> bool:
    return can(user, Action.EDIT, child) or may_chair_for(user, child)


def may_assign_complaint_reviewer(user: User) -> bool:
    return _holds(user, Role.SAFEGUARDING_UNIT_MANAGER, Role.SERVICE_LEADER)


def may_review_complaints(user: User) -> bool:
    """A senior officer: may be chosen to review a complaint about a conference."""
    return _holds(user, Role.SENIOR_OFFICER)


# Professional disagreement with a conference chair about a plan (statutory guidance).
def may_raise_disagreement(user: User, child: Child) -> bool:
    """The child's lead social worker, or a team manager of the child's team, records a
    disagreement with the conference chair about the child's plan."""
    if not (_active(user) and can(user, Action.VIEW, child)):
        return False
    if child.lead_social_worker_id == user.pk and _holds(user, *TEAM_ROLES):
        return True
    return bool(_holds(user, Role.TEAM_MANAGER) and user.team_id and user.team_id == child.team_id)


def may_resolve_disagreement(user: User, child: Child) -> bool:
    """The guidance sends a disagreement to a senior operational manager: in our roles that
    is the service leader of the child's responsible authority (senior officers review the
    family's complaints, not professionals' disagreements)."""
    return may_resolve_disagreements(user) and user.authority_id == child.responsible_authority_id


def may_resolve_disagreements(user: User) -> bool:
    """A service leader of an authority: resolves its disagreements (their list in the menu)."""
    return _holds(user, Role.SERVICE_LEADER) and user.authority_id is not None


def may_list_disagreements(user: User) -> bool:
    """The list of professional disagreements: those with a path to case records see the
    disagreements about children they may see (the service leader, those of the service)."""
    return has_case_access(user)


def resolves_disagreements() -> Q:
    """Service leaders: the senior operational managers told of a professional disagreement."""
    return held(Role.SERVICE_LEADER)


# Transfer-in: a child with a plan elsewhere moves into the authority's area.
def may_record_transfer_notice(user: User, child: Child) -> bool:
    """The receiving authority's safeguarding unit manager or a team manager records the
    notice of a move in: only for a child another authority is responsible for."""
    return (
        _holds(user, Role.SAFEGUARDING_UNIT_MANAGER, Role.TEAM_MANAGER)
        and user.authority_id is not None
        and child.responsible_authority_id != user.authority_id
    )


def may_record_transfer_notices(user: User) -> bool:
    return (
        _holds(user, Role.SAFEGUARDING_UNIT_MANAGER, Role.TEAM_MANAGER)
        and user.authority_id is not None
    )


def may_be_lead_social_worker(user: User) -> bool:
    return _holds(user, *TEAM_ROLES)


def is_outside_professional(user: User) -> bool:
    """A core group member of another agency: invited and chosen whatever their authority."""
    return _holds(user, Role.CORE_GROUP_MEMBER)


# The register.
def may_search_register(user: User) -> bool:
    return _holds(user, *_ENQUIRERS)


def may_keep_register(user: User) -> bool:
    """The safeguarding unit manager: the register's list, figures and tools."""
    return _holds(user, Role.SAFEGUARDING_UNIT_MANAGER)


def may_read_register_figures(user: User) -> bool:
    return _unit_manager(user)


def may_read_enquiry_log(user: User) -> bool:
    """The enquiry log (of the unit manager's own authority)."""
    return _unit_manager(user)


def may_review_possible_matches(user: User) -> bool:
    """Weak register matches of the unit manager's own authority, to call back and review."""
    return _unit_manager(user)


def may_export_returns(user: User) -> bool:
    return _unit_manager(user)


def may_read_measures(user: User) -> bool:
    """The service's measures, by team (counts, never a child): the service leader and the
    safeguarding unit manager of an authority."""
    return (
        _holds(user, Role.SERVICE_LEADER, Role.SAFEGUARDING_UNIT_MANAGER)
        and user.authority_id is not None
    )


def own_records_q(authority_id: Any, *, child: str = "child", authority: str = "authority") -> Q:
    """The records (plans, conferences, visits) an authority holds, for its measures: those
    it recorded, and those recorded before records carried their authority of the children
    it is responsible for. Never another authority's, released or not: a measure counts
    the authority's own work (the measures check ``may_read_measures`` first)."""
    return Q(**{f"{authority}_id": authority_id}) | Q(
        **{
            f"{authority}__isnull": True,
            f"{child}__responsible_authority_id": authority_id,
        }
    )


def may_keep_designated_managers(user: User) -> bool:
    """The safeguarding unit manager records the authority's designated manager (the
    register's keeper); a system administrator manages accounts, not the register."""
    return _unit_manager(user)


def may_be_designated_manager(user: User, authority_id: Any) -> bool:
    return _holds(user, Role.SAFEGUARDING_UNIT_MANAGER) and user.authority_id == authority_id


def may_request_historic_plans(user: User) -> bool:
    return _holds(user, *TEAM_ROLES) and user.authority_id is not None


def may_ask_for_historic_plans(user: User, child: Child) -> bool:
    """The child's plans were another authority's: this user may ask it to release them."""
    return may_request_historic_plans(user) and child.responsible_authority_id != user.authority_id


def may_see_historic_releases(user: User) -> bool:
    return may_request_historic_plans(user) or _unit_manager(user)


def may_decide_historic_release(user: User, originating_authority_id: Any) -> bool:
    return _unit_manager(user) and user.authority_id == originating_authority_id


# Settings and the admin.
def may_change_authority_settings(user: User, authority_id: Any) -> bool:
    """The authority's timescales and calendar: its unit manager or system administrator."""
    return (
        _holds(user, Role.SAFEGUARDING_UNIT_MANAGER, Role.SYSTEM_ADMIN)
        and user.authority_id is not None
        and user.authority_id == authority_id
    )


def may_read_audit_trail(user: User) -> bool:
    """The whole audit trail, in the admin: the safeguarding unit manager."""
    return _holds(user, Role.SAFEGUARDING_UNIT_MANAGER)


def roles_open_admin_site(roles: Iterable[str]) -> bool:
    """Whether an account with these roles signs in to the Django admin (``is_staff``)."""
    return bool({Role.SYSTEM_ADMIN, Role.SAFEGUARDING_UNIT_MANAGER} & set(roles))


# Who may be chosen, and who is told: filters on users, for the services' and forms' lists.
def lead_social_worker_candidates() -> Q:
    return held(*TEAM_ROLES)


def chair_candidates() -> Q:
    return held(Role.CONFERENCE_CHAIR)


def complaint_reviewer_candidates() -> Q:
    return held(Role.SENIOR_OFFICER)


def outside_professionals() -> Q:
    return held(Role.CORE_GROUP_MEMBER)


def plan_authorisers() -> Q:
    """Team managers: authorise their team's plans; told of its plans and missed visits."""
    return held(Role.TEAM_MANAGER)


def service_overseers() -> Q:
    """Service leaders: told of missed visits and overdue timescales in their authority."""
    return held(Role.SERVICE_LEADER)


def account_managers() -> Q:
    """System administrators: told of lockouts in their authority."""
    return held(Role.SYSTEM_ADMIN)


def register_keepers() -> Q:
    """Safeguarding unit managers: keep the register, decide releases, read alerts."""
    return held(Role.SAFEGUARDING_UNIT_MANAGER)


# The capabilities a template may ask about a user alone, by name (``{{ user|may:"x" }}``).
USER_CAPABILITIES: dict[str, Callable[[User], bool]] = {
    "list_children": may_list_children,
    "create_child": may_create_child,
    "list_visits": may_list_visits,
    "see_my_week": may_see_my_week,
    "schedule_conference": may_schedule_conference,
    "chair_conferences": may_chair_conferences,
    "search_register": may_search_register,
    "keep_register": may_keep_register,
    "read_enquiry_log": may_read_enquiry_log,
    "export_returns": may_export_returns,
    "read_measures": may_read_measures,
    "request_historic_plans": may_request_historic_plans,
    "assign_complaint_reviewer": may_assign_complaint_reviewer,
    "list_disagreements": may_list_disagreements,
    "resolve_disagreements": may_resolve_disagreements,
    "record_transfer_notices": may_record_transfer_notices,
}

# And those about a user and a child (``{% may_for user "x" child %}``).
CHILD_CAPABILITIES: dict[str, Callable[[User, Child], bool]] = {
    "view_child": may_view_child,
    "edit_child": may_edit_child,
    "allocate": may_allocate,
    "record_visit": may_record_visit,
    "view_access_history": may_view_access_history,
    "authorise_plan": may_authorise_plan,
    "correct_register": may_correct_register,
    "record_step_down": may_record_step_down,
    "ask_for_historic_plans": may_ask_for_historic_plans,
    "record_front_door": may_record_front_door,
    "authorise_assessment": may_authorise_assessment,
    "raise_disagreement": may_raise_disagreement,
    "resolve_disagreement": may_resolve_disagreement,
    "record_transfer_notice": may_record_transfer_notice,
}


# --- A child's past belongs to the authority that held it --------------------------
# Plans, conferences, visits and letters carry the authority that recorded them. Another
# authority's staff read them only while a historic release granted to their authority
# lasts (DOMAIN.md section 2, "Moving between authorities"). The register (a domain app)
# hands the gate its releases when it starts, as the apps hand the core their deadlines.

ReleaseProvider = Callable[[User], Iterable[tuple[Any, Any]]]
_release_providers: list[ReleaseProvider] = []


def register_release_provider(provider: ReleaseProvider) -> None:
    """``provider(user)`` gives (child id, originating authority id) for every release
    granted to the user's authority that has not run out."""
    if provider not in _release_providers:
        _release_providers.append(provider)


def releases_for(user: User) -> set[tuple[Any, Any]]:
    if not _active(user) or user.authority_id is None:
        return set()
    return {pair for provider in _release_providers for pair in provider(user)}


def recording_authority(actor: User, child: Child) -> Any:
    """The authority a new record belongs to: the recorder's (or the child's, for a
    recorder of no authority)."""
    return actor.authority_id or child.responsible_authority_id


def records_visible_q(user: User, *, child: str = "child", authority: str = "authority") -> Q:
    """Of the records (plans, conferences, visits) of children the user may see, those of
    the user's own authority or released to it. A record made before it carried its
    authority is the child's responsible authority's. Staff of no authority (core group
    members of other agencies) are granted their children one by one: their grants are
    the limit."""
    if not _active(user):
        return Q(pk__in=[])
    if user.authority_id is None:
        return Q()
    owned = Q(**{f"{authority}_id": user.authority_id}) | Q(
        **{
            f"{authority}__isnull": True,
            f"{child}__responsible_authority_id": user.authority_id,
        }
    )
    for child_id, origin in releases_for(user):
        owned |= Q(**{f"{child}__pk": child_id, f"{authority}_id": origin})
    return owned


def may_read_record(user: User, child: Child, authority_id: Any) -> bool:
    """Whether a record of this child, made by ``authority_id``, is the user's to read
    (the child's own scope is checked separately)."""
    if user.authority_id is None:
        return True
    owner = authority_id or child.responsible_authority_id
    return owner == user.authority_id or (child.pk, owner) in releases_for(user)


def is_released_record(user: User, child: Child, authority_id: Any) -> bool:
    """A record the user reads only through a release (its reads are audited as such)."""
    owner = authority_id or child.responsible_authority_id
    return user.authority_id is not None and owner != user.authority_id


def may_manage_account_of(actor: User, user: User) -> bool:
    """May ``actor`` act on ``user``'s account (reset their second factor, revoke their
    tokens)? Not on their own (nobody is their own second check), and only within
    their authority (or on agency staff, who belong to none)."""
    if not may_manage_accounts(actor) or actor.pk == user.pk:
        return False
    if actor.is_superuser or actor.authority_id is None:
        return True
    return user.authority_id in (None, actor.authority_id)

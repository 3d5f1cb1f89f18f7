"""Browser pages for the core records: thin views over the selectors and services."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from cpcase import (
    access,
    front_door,
    read_audit,
    request_context,
    running_deadlines,
    selectors,
    services,
)
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.forms import (
    ChildForm,
    ChildSearchForm,
    EmergencyProtectionForm,
    PasswordResetForm,
    PersonForm,
    SignInForm,
)
from cpcase.front_door import episodes_for_page
from cpcase.models import Child, User
from cpcase.pagination import BoundedPaginator, RankedPaginator, page_number

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


class AuthedRequest(HttpRequest):
    """The request a signed-in page sees (`case_page`, `login_required`): its user is staff,
    never anonymous. For annotations only."""

    user: User


# Where each error a service names lands on a browser form (dotted names flattened).
_FIELD_PREFIXES = {"address.": "", "mother.": "mother_", "person.": ""}


def apply_domain_error(
    form: forms.BaseForm, error: DomainError, field_map: Mapping[str, str | None] | None = None
) -> None:
    """Put a service's errors on the form: on the field they name, or at the top (a name
    mapped to ``None``)."""
    for name, msgs in error.errors.items():
        field = (field_map or {}).get(name, name)
        for prefix, replacement in _FIELD_PREFIXES.items():
            if name.startswith(prefix):
                field = replacement + name[len(prefix) :]
        for message in msgs:
            form.add_error(field if field in form.fields else None, message)


def call_service(
    form: forms.BaseForm,
    run: Callable[[], _T],
    field_map: Mapping[str, str | None] | None = None,
) -> _T | None:
    """Run a service for a valid form; a DomainError becomes form errors (nothing is saved:
    services are atomic). NotFound and NotPermitted go up to the 404 and 403 pages."""
    try:
        return run()
    except (NotFound, NotPermitted):
        raise
    except DomainError as error:
        apply_domain_error(form, error, field_map)
        return None


def case_page(view: _View) -> _View:
    """A signed-in page. Its services' NotFound and NotPermitted are the 404 and 403 pages,
    as on every page (``cpcase.middleware.DomainErrorMiddleware``)."""
    return login_required(view)


def child_or_404(
    request: AuthedRequest, child_id: object, action: access.Action = access.Action.VIEW
) -> Child:
    """The child, or the 404 page (not visible) or the 403 page (visible, not this action).
    The page shows the child: the read is recorded. Every app's pages fetch a child so."""
    child = access.child_for(request.user, child_id, action)
    read_audit.record_children(user=request.user, children=[child], summary=f"Opened {child.name}")
    return child


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A one-time, time-limited link (sent by a system administrator) to a new password."""

    form_class = PasswordResetForm
    success_url = reverse_lazy("password-reset-complete")
    template_name = "registration/password_reset_confirm.html"


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


# How many rows each of the home page's lists shows at a time (the rest on its next
# pages): a page that reads well on a phone, and costs the same for a team of 30 children
# or of 50,000.
HOME_PAGE_SIZE = 25


@dataclass(frozen=True)
class CaseloadPage:
    """One page of the home page's caseload, for ``{% govuk_pagination %}``."""

    rows: list[selectors.CaseloadRow]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def __iter__(self) -> Iterator[selectors.CaseloadRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def _caseload_page(
    request: AuthedRequest,
    today: dt.date,
    team: Any,
    counts: dict[str, Any],
    ends: dict[dt.date, list[Any]],
) -> CaseloadPage:
    """The caseload's page asked for (``caseload_page``); past the last, the last."""
    number = page_number(request.GET.get("caseload_page"))
    if not counts["green_capped"]:
        total = counts["red"] + counts["amber"] + counts["green"]
        number = min(number, max(1, -(-total // HOME_PAGE_SIZE)))
    rows = selectors.caseload_for(
        user=request.user,
        today=today,
        team=team,
        limit=HOME_PAGE_SIZE + 1,
        offset=(number - 1) * HOME_PAGE_SIZE,
        ends=ends,
    )
    if not rows and number > 1:
        number = 1
        rows = selectors.caseload_for(
            user=request.user, today=today, team=team, limit=HOME_PAGE_SIZE + 1, ends=ends
        )
    return CaseloadPage(
        rows=rows[:HOME_PAGE_SIZE], number=number, has_next=len(rows) > HOME_PAGE_SIZE
    )


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    context: dict[str, Any] = {"roles": user.role_labels}
    if access.is_enquirer(user):
        return render(request, "cpcase/home_enquirer.html", context)
    if access.may_manage_accounts(user) and not access.has_case_access(user):
        return render(request, "cpcase/home_admin.html", context)
    if access.reads_plans_only(user):
        context["children"] = list(
            access.children_visible_to(user, access.Action.VIEW_PLAN).order_by("last_name")
        )
        read_audit.record_children(
            user=user, children=context["children"], summary="Children of my core groups"
        )
        return render(request, "cpcase/home_core_group.html", context)
    if access.is_case_worker(user):
        mine = selectors.children_led_by(user=user).order_by("last_name", "first_name", "pk")
        context["mine"] = BoundedPaginator(mine, HOME_PAGE_SIZE).get_page(
            request.GET.get("mine_page")
        )
        read_audit.record_children(
            user=user, children=context["mine"].object_list, summary="My children"
        )
    if access.sees_caseload(user):
        team = user.team if access.works_a_team_caseload(user) else None
        # The amber windows read every authority's calendar: once for the counts and rows.
        ends = selectors.amber_windows(today)
        counts = selectors.caseload_counts(user=user, today=today, team=team, ends=ends)
        context["caseload"] = _caseload_page(request, today, team, counts, ends)
        context["caseload_counts"] = counts
        read_audit.record_children(
            user=user, children=[r.child for r in context["caseload"]], summary="Caseload"
        )
        context["caseload_title"] = (
            f"{team.name}: caseload" if team else "Children with deadlines running"
        )
    context["sees_my_week"] = access.may_see_my_week(user)
    context["search_form"] = ChildSearchForm()
    context["can_create"] = access.can_create_child(user)
    return render(request, "cpcase/home.html", context)


@login_required
def my_week(request: AuthedRequest) -> HttpResponse:
    """My week (issue 14): a social worker's children, or a team manager's team by worker,
    with everything due in the next five working days and everything overdue."""
    user = request.user
    if not access.may_see_my_week(user):
        raise PermissionDenied("My week is for social workers and team managers.")
    week = selectors.my_week_for(user=user, today=timezone.localdate())
    read_audit.record_children(user=user, children=week.children, summary="My week")
    read_audit.record_objects(
        user=user,
        objects=[r for r in week.records if getattr(r, "child_id", None)],
        summary="My week",
    )
    team = user.team if week.team_week else None
    return render(request, "cpcase/my_week.html", {"week": week, "team": team})


@login_required
def child_search(request: AuthedRequest) -> HttpResponse:
    if not access.may_list_children(request.user):
        raise PermissionDenied("Your role has no access to children's records.")
    form = ChildSearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        qs = selectors.child_search(
            user=request.user, q=d["q"], date_of_birth=d["date_of_birth"], postcode=d["postcode"]
        )
        # Ranked by similarity: the search runs once for the count and the page.
        results = RankedPaginator(qs, 50, rows=selectors.child_list(user=request.user)).get_page(
            request.GET.get("page")
        )
        read_audit.record_children(
            user=request.user, children=results.object_list, summary="Found in a search"
        )
    return render(
        request,
        "cpcase/child_search.html",
        {"form": form, "results": results, "can_create": access.can_create_child(request.user)},
    )


@login_required
def child_detail(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = selectors.child_get_for_view(user=request.user, child_id=child_id)
    episodes = episodes_for_page(child)
    return render(
        request,
        "cpcase/child_detail.html",
        {
            "child": child,
            "people": selectors.child_people(child=child),
            "addresses": selectors.child_address_history(child=child),
            "running": running_deadlines.running_for(child, timezone.localdate()),
            "current_episode": next((e for e in episodes if e.is_open), None),
            "past_episodes": [e for e in episodes if not e.is_open],
            "can_edit": access.may_edit_child(request.user, child),
            "can_record_visit": access.may_record_visit(request.user, child),
            "can_view_audit": access.may_view_access_history(request.user, child),
            "emergency_protections": front_door.emergency_protections_of(child),
        },
    )


def _child_form_page(request: AuthedRequest, *, child: Child | None = None) -> HttpResponse:
    user = request.user
    can_allocate = access.may_allocate(user, child)
    initial = ChildForm.initial_for(child) if child is not None else {}
    form = ChildForm(request.POST or None, user=user, can_allocate=can_allocate, initial=initial)
    if request.method == "POST" and form.is_valid():
        if child is None:
            saved = call_service(
                form, lambda: services.child_create(actor=user, changes=form.changes())
            )
        else:
            saved = call_service(
                form,
                lambda: services.child_update(
                    actor=user,
                    child_id=child.pk,
                    version=form.cleaned_data.get("version"),
                    changes=form.changes(),
                ),
            )
        if saved is not None:
            messages.success(request, f"{saved.name}'s record has been saved.")
            return redirect("child-detail", child_id=saved.pk)
    return render(
        request,
        "cpcase/child_form.html",
        {"form": form, "child": child},
    )


@login_required
def child_create(request: AuthedRequest) -> HttpResponse:
    if not access.can_create_child(request.user):
        raise PermissionDenied("Your role cannot add a child.")
    return _child_form_page(request)


@login_required
def child_edit(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = child_or_404(request, child_id, access.Action.EDIT)
    return _child_form_page(request, child=child)


@login_required
def person_add(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = child_or_404(request, child_id, access.Action.EDIT)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        saved = call_service(
            form,
            lambda: services.person_add_to_child(
                actor=request.user,
                child_id=child.pk,
                person=services.PersonInput(
                    first_name=d["first_name"],
                    last_name=d["last_name"],
                    date_of_birth=d["date_of_birth"],
                    phone=d["phone"],
                ),
                kind=d["relationship"],
                parental_responsibility=d["parental_responsibility"],
                lives_with_child=d["lives_with_child"],
                is_carer=d["is_carer"],
            ),
        )
        if saved is not None:
            messages.success(request, f"{saved.person.name} has been added.")
            return redirect("child-detail", child_id=child.pk)
    return render(request, "cpcase/person_form.html", {"form": form, "child": child})


@login_required
def emergency_protection_add(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = child_or_404(request, child_id, access.Action.EDIT)
    if not access.may_record_front_door(request.user, child):
        raise PermissionDenied("You may not record emergency protection for this child.")
    form = EmergencyProtectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        saved = call_service(
            form,
            lambda: front_door.emergency_protection_record(
                actor=request.user,
                child_id=child.pk,
                kind=d["kind"],
                started_on=d["started_on"],
                ended_on=d["ended_on"],
                notes=d["notes"],
            ),
        )
        if saved is not None:
            messages.success(request, f"{saved.get_kind_display()} has been recorded.")
            return redirect("child-detail", child_id=child.pk)
    return render(request, "cpcase/emergency_protection_form.html", {"form": form, "child": child})


@login_required
def access_history(request: AuthedRequest, child_id: str) -> HttpResponse:
    events = selectors.child_access_history(user=request.user, child_id=child_id)
    child = access.child_for(request.user, child_id)
    page = BoundedPaginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "cpcase/access_history.html", {"child": child, "events": page})


@login_required
def notifications(request: AuthedRequest) -> HttpResponse:
    page = BoundedPaginator(selectors.notifications_for(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    read_audit.record_objects(user=request.user, objects=page.object_list, summary="Notifications")
    return render(request, "cpcase/notifications.html", {"notifications": page})


@login_required
@require_POST
def notification_read(request: AuthedRequest, notification_id: str) -> HttpResponse:
    services.notification_mark_read(user=request.user, notification_id=notification_id)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request: AuthedRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=request.user)
    return redirect("notifications")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def _wants_json(request: HttpRequest) -> bool:
    accept = request.META.get("HTTP_ACCEPT", "")
    return request.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """A fault nobody foresaw: logged with an id the caller is given, so the two meet.

    An API client gets JSON (API.md); a browser gets the page. Django calls this
    while the exception is being handled, so the traceback goes with the id."""
    error_id = request_context.current().request_id or str(uuid.uuid4())
    logger.error(
        "Server error %s on %s %s",
        error_id,
        request.method,
        request.path,
        exc_info=sys.exc_info()[0] is not None,
    )
    if _wants_json(request):
        return JsonResponse(
            {
                "detail": "Sorry, there is a problem with the service. Nothing was half-saved; "
                "quote the error id if you report it.",
                "error_id": error_id,
            },
            status=500,
        )
    # The page stands alone: rendered without the request's context, it needs neither the
    # user nor the database, so it still answers when what failed was one of those.
    return HttpResponse(loader.render_to_string("500.html", {"error_id": error_id}), status=500)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)

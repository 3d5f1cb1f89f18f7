"""Visits in the browser: recording (on a phone as well as a desktop), drafts finished
later, 'cannot visit in time', and the team's visits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from cpcase import access, read_audit
from cpcase.models import Child
from cpcase.views import AuthedRequest, call_service, child_or_404
from visits import selectors, services
from visits.forms import CannotVisitForm, VisitForm, visit_initial
from visits.models import Visit

# Where the service's field names land on the form.
_FIELDS = {"visited_at": "visited_on"}


def _visit_page(request: AuthedRequest, child: Child, draft: Visit | None = None) -> HttpResponse:
    initial = visit_initial(draft) if draft else {"visited_on": timezone.localdate()}
    form = VisitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        complete = "complete" in request.POST

        def save() -> Visit:
            return services.visit_save(
                actor=request.user,
                child_id=child.pk,
                data=form.to_input(),
                complete=complete,
                visit_id=draft.pk if draft else None,
                version=form.cleaned_data.get("version") if draft else None,
            )

        visit = call_service(form, save, _FIELDS)
        if visit is not None:
            messages.success(
                request,
                "The visit has been recorded."
                if complete
                else "The visit is saved as a draft: finish it later from your visits.",
            )
            return redirect("child-detail", child_id=child.pk)
    return render(
        request,
        "visits/visit_form.html",
        {
            "form": form,
            "child": child,
            "draft": draft,
        },
    )


@login_required
def visit_record(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = child_or_404(request, child_id, access.Action.RECORD_VISIT)
    return _visit_page(request, child)


@login_required
def visit_draft(request: AuthedRequest, visit_id: str) -> HttpResponse:
    pk = access.as_uuid(visit_id)
    draft = selectors.drafts_of(user=request.user).filter(pk=pk).first() if pk else None
    if draft is None:
        raise Http404("No draft was found.")
    child = child_or_404(request, draft.child_id, access.Action.RECORD_VISIT)
    return _visit_page(request, child, draft)


@login_required
def cannot_visit(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = child_or_404(request, child_id, access.Action.RECORD_VISIT)
    form = CannotVisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        notice = call_service(
            form,
            lambda: services.cannot_visit_record(
                actor=request.user,
                child_id=child.pk,
                due_on=d["due_on"],
                reason=d["reason"],
                expected_visit_on=d["expected_visit_on"],
            ),
        )
        if notice is not None:
            messages.success(request, "The service leader and team manager have been told.")
            return redirect("child-detail", child_id=child.pk)
    return render(request, "visits/cannot_visit.html", {"form": form, "child": child})


@login_required
def team_visits(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not access.may_list_visits(user):
        raise PermissionDenied("Your role has no visits to see.")
    team = user.team if access.works_a_team_caseload(user) else None
    rows, total = selectors.team_visits(user=user, today=timezone.localdate(), team=team)
    drafts = list(selectors.drafts_of(user=user))
    read_audit.record_children(
        user=user, children=[r.child for r in rows], summary="The team's visits"
    )
    read_audit.record_objects(user=user, objects=drafts, summary="My draft visits")
    return render(
        request,
        "visits/team.html",
        {"rows": rows, "total": total, "team": team, "drafts": drafts},
    )

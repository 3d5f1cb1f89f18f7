"""Section 47 enquiries in the browser: the enquiry a strategy discussion decided on, and
its outcome. Thin views over conferences.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render

from conferences import selectors, services
from conferences.forms import Section47Form, Section47OutcomeForm
from conferences.models import StrategyDiscussion
from cpcase import access, read_audit
from cpcase.views import AuthedRequest, call_service, case_page, child_or_404


@case_page
def section47_record(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = child_or_404(request, child_id, access.Action.EDIT)
    if not access.may_record_front_door(request.user, child):
        raise PermissionDenied("You may not record a section 47 enquiry for this child.")
    discussions = list(
        StrategyDiscussion.objects.filter(
            child=child,
            outcome=StrategyDiscussion.Outcome.S47_ENQUIRY,
            section47_enquiry__isnull=True,
        ).order_by("-held_on")
    )
    initial = {"strategy_discussion": str(discussions[0].pk)} if len(discussions) == 1 else {}
    form = Section47Form(request.POST or None, discussions=discussions, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        enquiry = call_service(
            form,
            lambda: services.section47_start(
                actor=request.user,
                child_id=child.pk,
                strategy_discussion_id=d["strategy_discussion"],
                started_on=d["started_on"],
                conference_required=form.conference_required_value(),
                reason_not_required=d["reason_not_required"],
            ),
        )
        if enquiry is not None:
            messages.success(request, f"The section 47 enquiry about {child.name} is recorded.")
            return redirect("child-detail", child_id=child.pk)
    return render(
        request,
        "conferences/section47_form.html",
        {"form": form, "child": child, "discussions": discussions},
    )


@case_page
def section47_outcome(request: AuthedRequest, enquiry_id: str) -> HttpResponse:
    enquiry = selectors.section47_for(user=request.user, enquiry_id=enquiry_id)
    child = enquiry.child
    if not access.may_record_front_door(request.user, child):
        raise PermissionDenied("You may not record this enquiry's outcome.")
    read_audit.record_objects(
        user=request.user, objects=[enquiry], summary="Opened a section 47 enquiry"
    )
    if enquiry.conference_required is not None:
        messages.info(request, "This enquiry's outcome is already recorded.")
        return redirect("child-detail", child_id=child.pk)
    form = Section47OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = form.conference_required_value()
        done = call_service(
            form,
            lambda: services.section47_record_outcome(
                actor=request.user,
                enquiry_id=enquiry.pk,
                conference_required=bool(outcome),
                reason_not_required=form.cleaned_data["reason_not_required"],
            ),
        )
        if done is not None:
            messages.success(request, "The enquiry's outcome is recorded.")
            return redirect("child-detail", child_id=child.pk)
    return render(
        request,
        "conferences/section47_outcome.html",
        {"form": form, "child": child, "enquiry": enquiry},
    )

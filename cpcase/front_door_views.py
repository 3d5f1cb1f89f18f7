"""The front door in the browser: record a referral, an assessment and its authorisation,
start and end a child in need plan, close the episode. Thin views over cpcase.front_door."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render

from cpcase import access, front_door, read_audit
from cpcase.front_door_forms import (
    AssessmentAuthoriseForm,
    AssessmentForm,
    CinPlanEndForm,
    CinPlanStartForm,
    EpisodeCloseForm,
    ReferralForm,
)
from cpcase.models import Child, ChildInNeedPlan
from cpcase.views import AuthedRequest, call_service, case_page, child_or_404

# Where the services' field names land on the forms.
_REFERRAL_FIELDS = {"nfa": "next_step"}
_ASSESSMENT_FIELDS = {"referral": "started_on", "factors": "factors_substances"}


def _front_door_child(request: AuthedRequest, child_id: str) -> Child:
    child = child_or_404(request, child_id, access.Action.EDIT)
    if not access.may_record_front_door(request.user, child):
        raise PermissionDenied("You may not record the front door's work for this child.")
    return child


@case_page
def referral_record(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = _front_door_child(request, child_id)
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        referral = call_service(
            form,
            lambda: front_door.referral_record(
                actor=request.user,
                child_id=child.pk,
                received_on=d["received_on"],
                source=d["source"],
                primary_need=d["primary_need"],
                nfa=form.nfa,
                next_step=d["next_step"],
                referrer=front_door.ReferrerInput(
                    name=d["referrer_name"],
                    role=d["referrer_role"],
                    agency=d["referrer_agency"],
                    phone=d["referrer_phone"],
                ),
                details=d["details"],
            ),
            _REFERRAL_FIELDS,
        )
        if referral is not None:
            messages.success(request, f"The referral about {child.name} is recorded.")
            return redirect("child-detail", child_id=child.pk)
    return render(request, "cpcase/front_door/referral_form.html", {"form": form, "child": child})


@case_page
def assessment_record(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = _front_door_child(request, child_id)
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        assessment = call_service(
            form,
            lambda: front_door.assessment_record(
                actor=request.user,
                child_id=child.pk,
                started_on=d["started_on"],
                summary=d["summary"],
            ),
            _ASSESSMENT_FIELDS,
        )
        if assessment is not None:
            messages.success(request, "The assessment is started.")
            return redirect("child-detail", child_id=child.pk)
    return render(
        request,
        "cpcase/front_door/assessment_form.html",
        {"form": form, "child": child, "episode": front_door.open_episode(child)},
    )


@case_page
def assessment_authorise(request: AuthedRequest, assessment_id: str) -> HttpResponse:
    assessment = front_door.assessment_for(user=request.user, assessment_id=assessment_id)
    child = assessment.child
    if not access.may_authorise_assessment(request.user, child):
        raise PermissionDenied("Only a team manager of the child's team authorises it.")
    read_audit.record_objects(
        user=request.user, objects=[assessment], summary="Opened an assessment to authorise"
    )
    if assessment.is_authorised:
        messages.info(request, "This assessment is already authorised.")
        return redirect("child-detail", child_id=child.pk)
    form = AssessmentAuthoriseForm(
        request.POST or None,
        initial={
            "summary": assessment.summary,
            **AssessmentAuthoriseForm.factor_initial(assessment.factors),
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = call_service(
            form,
            lambda: front_door.assessment_authorise(
                actor=request.user,
                assessment_id=assessment.pk,
                authorised_on=d["authorised_on"],
                factors=form.factors(),
                outcome=d["outcome"],
                summary=d["summary"],
            ),
            _ASSESSMENT_FIELDS,
        )
        if done is not None:
            messages.success(
                request, f"The assessment is authorised: {done.get_outcome_display()}."
            )
            return redirect("child-detail", child_id=child.pk)
    return render(
        request,
        "cpcase/front_door/assessment_authorise.html",
        {"form": form, "child": child, "assessment": assessment},
    )


@case_page
def cin_plan_start(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = _front_door_child(request, child_id)
    form = CinPlanStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        plan = call_service(
            form,
            lambda: front_door.cin_plan_start(
                actor=request.user, child_id=child.pk, started_on=form.cleaned_data["started_on"]
            ),
        )
        if plan is not None:
            messages.success(request, "The child in need plan is started.")
            return redirect("child-detail", child_id=child.pk)
    return render(
        request,
        "cpcase/front_door/cin_plan_form.html",
        {"form": form, "child": child, "starting": True},
    )


@case_page
def cin_plan_end(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = _front_door_child(request, child_id)
    running = ChildInNeedPlan.objects.filter(child=child, ended_on__isnull=True).first()
    form = CinPlanEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        plan = call_service(
            form,
            lambda: front_door.cin_plan_end(
                actor=request.user, child_id=child.pk, ended_on=form.cleaned_data["ended_on"]
            ),
        )
        if plan is not None:
            messages.success(request, "The child in need plan has ended.")
            return redirect("child-detail", child_id=child.pk)
    return render(
        request,
        "cpcase/front_door/cin_plan_form.html",
        {"form": form, "child": child, "starting": False, "running": running},
    )


@case_page
def episode_close(request: AuthedRequest, referral_id: str) -> HttpResponse:
    referral = front_door.episode_for(user=request.user, referral_id=referral_id)
    child = referral.child
    if not access.may_record_front_door(request.user, child):
        raise PermissionDenied("You may not close this child's episode.")
    read_audit.record_objects(user=request.user, objects=[referral], summary="Opened an episode")
    form = EpisodeCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        closed = call_service(
            form,
            lambda: front_door.episode_close(
                actor=request.user,
                referral_id=referral.pk,
                closed_on=d["closed_on"],
                reason=d["reason"],
            ),
            {"referral": "closed_on"},
        )
        if closed is not None:
            messages.success(request, f"{child.name}'s episode is closed.")
            return redirect("child-detail", child_id=child.pk)
    return render(
        request,
        "cpcase/front_door/episode_close.html",
        {"form": form, "child": child, "referral": referral},
    )

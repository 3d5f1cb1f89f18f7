"""Plans in the browser: the plan, the detailed plan and its SMART actions, authorisation,
versions, core group meetings and progress, the plan as a PDF, and the endings outside a
conference. Thin views: the services decide, the selectors read."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone

from cpcase import access, read_audit
from cpcase.errors import Conflict, DomainError, NotFound, NotPermitted
from cpcase.views import AuthedRequest, apply_domain_error, call_service, case_page
from plans import selectors, services
from plans.forms import (
    ActionForm,
    AuthoriseForm,
    DetailForm,
    EndForm,
    MeetingForm,
    ProgressForm,
    StepDownForm,
    VersionForm,
)
from plans.models import Category, Plan, PlanAction
from plans.selectors import DETAIL_FIELDS


def _plan(
    request: AuthedRequest, plan_id: str, action: access.Action = access.Action.VIEW_PLAN
) -> Plan:
    """The plan, for a page that shows it: the read is recorded."""
    plan = services.plan_for(request.user, plan_id, action)
    read_audit.record_objects(user=request.user, objects=[plan], summary="Opened the plan")
    return plan


def _editable(plan: Plan) -> None:
    if plan.status != Plan.Status.ACTIVE:
        raise PermissionDenied("This plan has ended: it can no longer be changed.")


@case_page
def child_plan(request: AuthedRequest, child_id: str) -> HttpResponse:
    """From the child's record (or the core group member's home) to the child's plan."""
    active, plans = selectors.plan_for_child(user=request.user, child_id=child_id)
    read_audit.record_objects(user=request.user, objects=plans, summary="The child's plans")
    if active is not None:
        return redirect("plan-detail", plan_id=active.pk)
    if not plans:
        # A child whose plan the user may not read is the same as a missing one.
        child = access.child_for(request.user, child_id, access.Action.VIEW_PLAN)
    else:
        child = plans[0].child
    return render(request, "plans/child_plans.html", {"child": child, "plans": plans})


@case_page
def plan_detail(request: AuthedRequest, plan_id: str) -> HttpResponse:
    user = request.user
    plan = selectors.plan_page(user=user, plan_id=plan_id)
    child = plan.child
    can_edit = plan.status == Plan.Status.ACTIVE and access.can(user, access.Action.EDIT, child)
    actions = list(plan.actions.all())
    for action in actions:
        may_record = plan.status == Plan.Status.ACTIVE and (
            can_edit or action.responsible_user_id == user.pk
        )
        # The page's own flag on each action, read by plans/plan_detail.html.
        action.may_record_progress = may_record  # type: ignore[attr-defined]
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "child": child,
            "issues": list(plan.issues.all()),
            "actions": actions,
            # Prefetched by selectors.plan_with_parts (Prefetch to_attr): unknown to the model.
            "core_group": plan.current_core_group,  # type: ignore[attr-defined]
            "deadlines": selectors.plan_next_deadlines(plan, timezone.localdate()),
            "meetings": list(plan.core_group_meetings.order_by("-held_on")[:5]),
            "can_view_child": access.can(user, access.Action.VIEW, child),
            "can_edit": can_edit,
            # While the team manager has it, the plan is read only until they return it.
            "can_change": can_edit and plan.stage != Plan.Stage.AWAITING_AUTHORISATION,
            "can_submit": can_edit and plan.stage == Plan.Stage.DETAILED_DRAFT,
            "can_authorise": plan.status == Plan.Status.ACTIVE
            and plan.stage == Plan.Stage.AWAITING_AUTHORISATION
            and access.may_authorise_plan(user, plan.child),
            "can_end": plan.status == Plan.Status.ACTIVE
            and access.may_correct_register(user, plan.child),
            "can_step_down": plan.status == Plan.Status.ENDED
            and plan.end_reason == Plan.EndReason.CONFERENCE
            and access.may_record_step_down(user, plan.child),
            "detail_fields": [
                (f, services.DETAIL_LABELS[f], getattr(plan, f)) for f in DETAIL_FIELDS
            ],
        },
    )


@case_page
def plan_edit(request: AuthedRequest, plan_id: str) -> HttpResponse:
    plan = _plan(request, plan_id, access.Action.EDIT)
    _editable(plan)
    initial = {f: getattr(plan, f) for f in DETAIL_FIELDS} | {"version": plan.version}
    form = DetailForm(request.POST or None, initial=initial)
    saved_now = None
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update_detail(
                actor=request.user,
                plan_id=plan.pk,
                version=form.cleaned_data["version"],
                changes=form.changes(),
            )
        except Conflict as error:
            # Keep what they typed; show what is saved now beside it, and carry the
            # current version so that their merged text can be saved.
            plan.refresh_from_db()
            saved_now = [
                (form[f], services.DETAIL_LABELS[f], getattr(plan, f)) for f in DETAIL_FIELDS
            ]
            data = cast(QueryDict, form.data).copy()  # a bound form's POST
            # The version stays a number, as before (the stubs take only text in a QueryDict).
            data["version"] = plan.version  # type: ignore[assignment]
            form.data = data
            form.add_error(None, error.message)
        except (NotFound, NotPermitted):
            raise
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, "The detailed plan has been saved.")
            return redirect("plan-detail", plan_id=plan.pk)
    return render(
        request,
        "plans/plan_edit.html",
        {
            "form": form,
            "plan": plan,
            "child": plan.child,
            "saved_now": saved_now,
        },
    )


def _action_page(request: AuthedRequest, plan: Plan, action: PlanAction | None) -> HttpResponse:
    initial = ActionForm.initial_for(action, plan.version) if action else {"version": plan.version}
    form = ActionForm(request.POST or None, initial=initial, plan=plan)
    saved_now = None
    if request.method == "POST" and form.is_valid():
        try:
            if action is None:
                # Adding overwrites nothing: the service locks the plan, no version needed.
                services.plan_action_add(
                    actor=request.user, plan_id=plan.pk, version=None, data=form.to_input()
                )
            else:
                services.plan_action_change(
                    actor=request.user,
                    plan_id=plan.pk,
                    action_id=action.pk,
                    version=form.cleaned_data["version"],
                    data=form.to_input(),
                )
        except Conflict as error:
            # Keep what they typed, show the action as saved now, and carry the current
            # version so that they can save again once they have compared.
            # Adding carries no version: only a change conflicts.
            assert action is not None  # noqa: S101
            action.refresh_from_db()
            plan.refresh_from_db(fields=["version"])
            saved_now = action
            data = cast(QueryDict, form.data).copy()  # a bound form's POST
            data["version"] = str(plan.version)
            form.data = data
            form.add_error(None, error.message)
        except (NotFound, NotPermitted):
            raise
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(
                request,
                "The action has been added." if action is None else "The action has been changed.",
            )
            return redirect("plan-detail", plan_id=plan.pk)
    return render(
        request,
        "plans/action_form.html",
        {
            "form": form,
            "plan": plan,
            "child": plan.child,
            "action": action,
            "saved_now": saved_now,
        },
    )


@case_page
def action_add(request: AuthedRequest, plan_id: str) -> HttpResponse:
    plan = _plan(request, plan_id, access.Action.EDIT)
    _editable(plan)
    return _action_page(request, plan, None)


@case_page
def action_change(request: AuthedRequest, plan_id: str, action_id: str) -> HttpResponse:
    plan = _plan(request, plan_id, access.Action.EDIT)
    _editable(plan)
    pk = access.as_uuid(action_id)
    action = plan.actions.filter(pk=pk).first() if pk else None
    if action is None:
        raise Http404("No action was found.")
    return _action_page(request, plan, action)


@case_page
def action_progress(request: AuthedRequest, plan_id: str, action_id: str) -> HttpResponse:
    plan = _plan(request, plan_id)
    pk = access.as_uuid(action_id)
    action = (
        PlanAction.objects.select_related("plan__child").filter(plan=plan, pk=pk).first()
        if pk
        else None
    )
    if action is None:
        raise Http404("No action was found.")
    if not services.may_record_progress(request.user, action):
        raise PermissionDenied(
            "You can record progress only on the actions you are responsible for."
        )
    _editable(plan)
    form = ProgressForm(request.POST or None, initial={"status": action.status})
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            lambda: services.plan_action_progress(
                actor=request.user,
                action_id=action.pk,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            ),
        )
        if saved is not None:
            messages.success(request, "The progress has been recorded.")
            return redirect("plan-detail", plan_id=plan.pk)
    return render(
        request,
        "plans/action_progress.html",
        {"form": form, "plan": plan, "child": plan.child, "action": action},
    )


@case_page
def plan_submit(request: AuthedRequest, plan_id: str) -> HttpResponse:
    plan = _plan(request, plan_id, access.Action.EDIT)
    _editable(plan)
    form = VersionForm(request.POST or None, initial={"version": plan.version})
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            lambda: services.plan_submit(
                actor=request.user, plan_id=plan.pk, version=form.cleaned_data["version"]
            ),
        )
        if saved is not None:
            messages.success(request, "The plan has been sent to the team manager to authorise.")
            return redirect("plan-detail", plan_id=plan.pk)
    return render(
        request,
        "plans/plan_submit.html",
        {"form": form, "plan": plan, "child": plan.child},
    )


@case_page
def plan_authorise(request: AuthedRequest, plan_id: str) -> HttpResponse:
    plan = _plan(request, plan_id)
    if not access.may_authorise_plan(request.user, plan.child):
        raise PermissionDenied("Only a team manager of the child's team authorises the plan.")
    _editable(plan)
    form = AuthoriseForm(request.POST or None, initial={"version": plan.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if d["decision"] == "authorise":

            def run() -> Plan:
                return services.plan_authorise(
                    actor=request.user, plan_id=plan.pk, version=d["version"]
                )
        else:

            def run() -> Plan:
                return services.plan_return(
                    actor=request.user,
                    plan_id=plan.pk,
                    version=d["version"],
                    comments=d["comments"],
                )

        saved = call_service(form, run)
        if saved is not None:
            messages.success(
                request,
                "The plan is authorised."
                if d["decision"] == "authorise"
                else "The plan has been returned with your comments.",
            )
            return redirect("plan-detail", plan_id=plan.pk)
    plan = selectors.plan_with_parts(plan.pk)
    return render(
        request,
        "plans/plan_authorise.html",
        {
            "form": form,
            "plan": plan,
            "child": plan.child,
            "actions": list(plan.actions.all()),
            "detail_fields": [(services.DETAIL_LABELS[f], getattr(plan, f)) for f in DETAIL_FIELDS],
        },
    )


@case_page
def plan_versions(request: AuthedRequest, plan_id: str) -> HttpResponse:
    plan = _plan(request, plan_id)
    versions = list(
        selectors.plan_versions(user=request.user, plan_id=plan.pk).select_related("created_by")
    )
    return render(
        request,
        "plans/versions.html",
        {"plan": plan, "child": plan.child, "versions": versions},
    )


@case_page
def plan_versions_compare(request: AuthedRequest, plan_id: str) -> HttpResponse:
    plan = _plan(request, plan_id)
    try:
        older, newer = int(request.GET.get("older", "")), int(request.GET.get("newer", ""))
    except ValueError:
        return redirect("plan-versions", plan_id=plan.pk)
    found = selectors.plan_versions_compare_for(
        user=request.user, plan_id=plan.pk, older=older, newer=newer
    )
    changes = found["changes"]
    labels = {**services.DETAIL_LABELS, **TEXT_LABELS}
    text = [
        (labels.get(k, k.replace("_", " ")), _readable(k, v["from"]), _readable(k, v["to"]))
        for k, v in changes["text"].items()
    ]
    actions_changed = [
        (
            c["action"]["description"],
            [
                (
                    ACTION_LABELS.get(f, f.replace("_", " ")),
                    _readable(f, v["from"]),
                    _readable(f, v["to"]),
                )
                for f, v in c["fields"].items()
                if f != "issue"
            ],
        )
        for c in changes["actions_changed"]
    ]
    return render(
        request,
        "plans/versions_compare.html",
        {
            "plan": plan,
            "child": plan.child,
            **found,
            "text": text,
            "actions_changed": actions_changed,
            "nothing": not any(
                (
                    text,
                    changes["actions_added"],
                    changes["actions_removed"],
                    changes["actions_changed"],
                    changes["issues_added"],
                    changes["issues_removed"],
                )
            ),
        },
    )


def _readable(field: str, value: Any) -> object:
    """A stored value as the page says it: labels for codes, dates in words."""
    choices = {
        "status": {**dict(Plan.Status.choices), **dict(PlanAction.Status.choices)},
        "stage": dict(Plan.Stage.choices),
        "latest_category": dict(Category.choices),
    }
    if value in (None, ""):
        return ""
    if field in choices:
        return choices[field].get(value, value)
    if field in ("due_on", "ended_on", "started_on"):
        try:
            return f"{dt.date.fromisoformat(value):%-d %B %Y}"
        except (TypeError, ValueError):
            return value
    return value


TEXT_LABELS = {
    "status": "status",
    "stage": "stage",
    "ended_on": "end date",
    "latest_category": "latest category",
    "lead_social_worker": "lead social worker",
}
ACTION_LABELS = {
    "issue": "issue",
    "description": "what will be done",
    "responsible": "who is responsible",
    "responsible_agency": "their agency",
    "due_on": "by when",
    "evidence_of_success": "evidence of success",
    "status": "progress",
}


@case_page
def meeting_record(request: AuthedRequest, plan_id: str) -> HttpResponse:
    plan = _plan(request, plan_id, access.Action.EDIT)
    _editable(plan)
    actions = list(plan.actions.order_by("due_on", "created_at"))
    form = MeetingForm(
        request.POST or None, actions=actions, initial={"held_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        updates, field_map = form.updates()
        d = form.cleaned_data
        meeting = call_service(
            form,
            lambda: services.core_group_meeting_record(
                actor=request.user,
                plan_id=plan.pk,
                held_on=d["held_on"],
                attendees=form.attendee_list(),
                notes=d["notes"],
                action_updates=updates,
            ),
            field_map,
        )
        if meeting is not None:
            messages.success(request, "The core group meeting has been recorded.")
            return redirect("plan-detail", plan_id=plan.pk)
    return render(
        request,
        "plans/meeting_form.html",
        {"form": form, "plan": plan, "child": plan.child},
    )


@case_page
def plan_pdf(request: AuthedRequest, plan_id: str, audience: str) -> HttpResponse:
    filename, pdf = services.plan_pdf(actor=request.user, plan_id=plan_id, audience=audience)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@case_page
def plan_end(request: AuthedRequest, plan_id: str) -> HttpResponse:
    plan = _plan(request, plan_id)
    if not access.may_correct_register(request.user, plan.child):
        raise PermissionDenied(
            "Only the safeguarding unit manager ends a plan outside a conference."
        )
    _editable(plan)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        saved = call_service(
            form,
            lambda: services.plan_end(
                actor=request.user,
                plan=plan,
                ended_on=d["ended_on"],
                reason=d["end_reason"],
                transfer_conference_on=d.get("transfer_conference_on"),
                transferred_to=d["transferred_to"],
            ),
            {"decision": "__all__"},
        )
        if saved is not None:
            messages.success(request, f"{plan.child.name}'s plan has ended.")
            return redirect("plan-detail", plan_id=plan.pk)
    return render(request, "plans/plan_end.html", {"form": form, "plan": plan, "child": plan.child})


@case_page
def plan_step_down(request: AuthedRequest, plan_id: str) -> HttpResponse:
    plan = _plan(request, plan_id)
    if not access.may_record_step_down(request.user, plan.child):
        raise PermissionDenied("Only the child's team or the chair records the step-down.")
    plan = Plan.objects.select_related("child__responsible_authority").get(pk=plan.pk)
    form = StepDownForm(request.POST or None, plan=plan, initial={"step_down": plan.step_down})
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            lambda: services.plan_step_down_record(
                actor=request.user, plan_id=plan.pk, step_down=form.cleaned_data["step_down"]
            ),
        )
        if saved is not None:
            messages.success(request, "The step-down has been recorded.")
            return redirect("plan-detail", plan_id=plan.pk)
    return render(
        request, "plans/step_down.html", {"form": form, "plan": plan, "child": plan.child}
    )

"""Conferences in the browser: strategy discussions, scheduling, the outcome, finalising,
letters and complaints. Thin views over conferences.services and conferences.selectors."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from conferences import disagreements, selectors, services, transfers
from conferences.forms import (
    AssignReviewerForm,
    AttendeeFormSet,
    ComplaintDecisionForm,
    ComplaintForm,
    DecisionFormSet,
    DisagreementForm,
    DisagreementOutcomeForm,
    InvitationFormSet,
    IssueFormSet,
    LetterSentForm,
    LookedAfterEventForm,
    OutcomeForm,
    OutcomePage,
    ParentFormSet,
    ScheduleForm,
    StrategyDiscussionForm,
    TransferNoticeForm,
    outcome_initial,
)
from conferences.models import Complaint, Conference, ConferenceChild, Disagreement, Letter
from conferences.services import AttendeeInput
from cpcase import access, read_audit
from cpcase import selectors as core_selectors
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.forms_govuk import DateInputWidget
from cpcase.models import Authority, User
from cpcase.views import AuthedRequest, call_service, case_page, child_or_404
from plans import selectors as plan_selectors
from plans.models import Plan
from plans.selectors import plan_for

BLANK_ROWS = 2
# Where the schedule service's field names land on the form.
_SCHEDULE_FIELDS = {"scheduled_for": "scheduled_on"}
_COMPLAINT_FIELDS = {"status": None, "conference": None}

_T = TypeVar("_T")


def error_items(*parts: django_forms.BaseForm | django_forms.BaseFormSet) -> list[dict[str, str]]:
    """The error summary's entries for several forms and formsets, each linking to its field."""
    items: list[dict[str, str]] = []
    for part in parts:
        if isinstance(part, django_forms.BaseFormSet):
            items += [{"text": str(e), "href": ""} for e in part.non_form_errors()]
            for form in part.forms:
                items += error_items(form)
            continue
        for name, errors in part.errors.items():
            if name == "__all__":
                items += [{"text": str(e), "href": ""} for e in errors]
                continue
            bound = part[name]
            href = f"#{bound.auto_id}"
            grouped = (
                DateInputWidget,
                django_forms.RadioSelect,
                django_forms.CheckboxSelectMultiple,
            )
            if isinstance(bound.field.widget, grouped):
                href = f"#{bound.auto_id}_0"
            items += [{"text": str(e), "href": href} for e in errors]
    return items


def _conference(request: AuthedRequest, conference_id: str) -> Conference:
    """The conference, for a page that shows it: the read is recorded."""
    conference = selectors.conference_for(request.user, conference_id)
    selectors.record_conference_reads(
        user=request.user, conferences=[conference], summary="Opened the conference"
    )
    return conference


def _chair_only(request: AuthedRequest, conference: Conference) -> None:
    if not access.may_finalise_conference(request.user, conference):
        raise PermissionDenied("Only the conference's chair can do this.")


# --- From a child's page --------------------------------------------------------------


@case_page
def child_conferences(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = core_selectors.child_get_for_view(user=request.user, child_id=child_id)
    history = selectors.child_conference_history(user=request.user, child=child)
    return render(
        request,
        "conferences/child_conferences.html",
        {
            "child": child,
            **history,
            "can_record_discussion": access.can(request.user, access.Action.EDIT, child),
            "can_schedule": access.may_schedule_conference(request.user),
            "can_record_event": child.looked_after
            and access.can(request.user, access.Action.EDIT, child),
        },
    )


@case_page
def strategy_discussion_record(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = child_or_404(request, child_id, access.Action.EDIT)
    form = StrategyDiscussionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        discussion = call_service(
            form,
            lambda: services.strategy_discussion_record(
                actor=request.user,
                child_id=child.pk,
                held_on=d["held_on"],
                outcome=d["outcome"],
                notes=d["notes"],
            ),
        )
        if discussion is not None:
            messages.success(request, f"The strategy discussion about {child.name} is recorded.")
            return redirect("child-conferences", child_id=child.pk)
    return render(
        request, "conferences/strategy_discussion_form.html", {"form": form, "child": child}
    )


@case_page
def looked_after_event_record(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = child_or_404(request, child_id, access.Action.EDIT)
    form = LookedAfterEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        event = call_service(
            form,
            lambda: services.looked_after_event_record(
                actor=request.user,
                child_id=child.pk,
                kind=d["kind"],
                occurred_on=d["occurred_on"],
                notes=d["notes"],
            ),
            {"child": None},
        )
        if event is not None:
            messages.success(request, "The event is recorded and the chair has been told.")
            return redirect("child-conferences", child_id=child.pk)
    return render(
        request, "conferences/looked_after_event_form.html", {"form": form, "child": child}
    )


def _schedule_data(request: AuthedRequest) -> QueryDict | None:
    """The posted form, with the invitation rows counted (one more when adding a row)."""
    if request.method != "POST":
        return None
    data = request.POST.copy()
    # A post with no invitation rows at all (a script, an old page) invites nobody else.
    data.setdefault("invitation-TOTAL_FORMS", "0")
    data.setdefault("invitation-INITIAL_FORMS", "0")
    if request.POST.get("add") == "invitation":
        data["invitation-TOTAL_FORMS"] = str(min(_int(data.get("invitation-TOTAL_FORMS")), 49) + 1)
    return data


def _invitation_errors_on_rows(
    error: DomainError, invited_staff: list[AttendeeInput], other_rows: list[Any]
) -> DomainError:
    """Each invitation's error on its own row; the rest on the main form."""
    rest: dict[str, list[str]] = {}
    for name, msgs in error.errors.items():
        match = re.fullmatch(r"invitations\[(\d+)\]\.(\w+)", name)
        if match is None:
            rest[name] = msgs
            continue
        index, field_name = int(match[1]), match[2]
        if index < len(invited_staff):
            rest.setdefault("invite_staff", []).extend(msgs)
        else:
            row = other_rows[index - len(invited_staff)]
            for message in msgs:
                row.add_error(field_name if field_name in row.fields else None, message)
    return DomainError(errors=rest or {"invitations": []})


@case_page
def conference_schedule(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = child_or_404(request, child_id)
    if not access.may_schedule_conference(request.user):
        raise PermissionDenied("Only a conference chair or a manager can schedule a conference.")
    children = selectors.conference_sibling_choices(user=request.user, child=child)
    read_audit.record_children(user=request.user, children=children, summary="The household")
    chairs = list(
        core_selectors.staff_assignable(user=request.user, among=access.chair_candidates())
    )
    _, _, staff = _staff_by_role(core_selectors.staff_assignable(user=request.user))
    staff_by_id = {str(u.pk): u for u in staff}
    initial: dict[str, str | list[str]] = {"children": [str(child.pk)]}
    if access.may_chair_conferences(request.user):
        initial["chair"] = str(request.user.pk)
    data = _schedule_data(request)
    form = ScheduleForm(
        data, initial=initial, children=children, chairs=chairs, staff=staff_by_id.values()
    )
    others = InvitationFormSet(data, initial=[{}] * (BLANK_ROWS + 1), prefix="invitation")
    adding = request.POST.get("add") == "invitation"
    if request.method == "POST" and not adding and form.is_valid() and others.is_valid():
        d = form.cleaned_data
        chair = next((u for u in chairs if str(u.pk) == d["chair"]), None)
        invited_staff = [
            AttendeeInput(name="", user=staff_by_id[pk], attendance="invited")
            for pk in d["invite_staff"]
        ]
        other_rows = [f for f in others.forms if not f.is_blank()]
        invitations = invited_staff + [f.to_input() for f in other_rows]

        def schedule() -> Conference:
            try:
                return services.conference_schedule(
                    actor=request.user,
                    kind=d["kind"],
                    child_ids=d["children"],
                    scheduled_for=form.scheduled_for(),
                    chair=chair,
                    venue=d["venue"],
                    invitations=invitations,
                )
            except DomainError as error:
                raise _invitation_errors_on_rows(error, invited_staff, other_rows) from error

        conference = call_service(form, schedule, _SCHEDULE_FIELDS)
        if conference is not None:
            messages.success(request, f"The {conference.get_kind_display().lower()} is scheduled.")
            return redirect("conference-detail", conference_id=conference.pk)
    return render(
        request,
        "conferences/schedule_form.html",
        {"form": form, "others": others, "child": child, "error_items": error_items(form, others)},
    )


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


# --- The conferences ------------------------------------------------------------------


@case_page
def conference_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not access.may_list_conferences(user):
        raise PermissionDenied("Your role has no access to conferences.")
    return render(request, "conferences/list.html", selectors.conference_list_for(user=user))


@case_page
def conference_detail(request: AuthedRequest, conference_id: str) -> HttpResponse:
    conference = selectors.conference_page(user=request.user, conference_id=conference_id)
    is_chair = request.user.pk == conference.chair_id
    return render(
        request,
        "conferences/detail.html",
        {
            "conference": conference,
            "subjects": conference.subjects.all(),
            "is_chair": is_chair,
            "can_record_outcome": is_chair
            and conference.status in (Conference.Status.SCHEDULED, Conference.Status.HELD),
            "can_finalise": is_chair and conference.status == Conference.Status.HELD,
            "finalised": conference.status == Conference.Status.FINALISED,
            "letters": Letter.objects.filter(conference=conference).only("pk").exists(),
            "can_raise_disagreement": conference.status in services.HELD_STATUSES
            and any(
                access.may_raise_disagreement(request.user, s.child)
                for s in conference.subjects.all()
            ),
        },
    )


def _staff_by_role(staff: Iterable[User]) -> tuple[list[User], list[User], list[User]]:
    """Choices for the outcome page from one query of the authority's staff."""
    for u in staff:  # the roles from the prefetched groups: no query per person
        u.roles = frozenset(g.name for g in u.groups.all())
    social_workers = [u for u in staff if access.is_case_worker(u)]
    professionals = [
        u for u in staff if access.may_be_lead_social_worker(u) or access.is_outside_professional(u)
    ]
    attendees = [u for u in staff if access.takes_part_in_case_work(u)]
    return social_workers, professionals, attendees


def _outcome_page(
    request: AuthedRequest, conference: Conference, subjects: list[ConferenceChild]
) -> tuple[OutcomePage, dict[str, User], dict[Any, Plan]]:
    staff = list(core_selectors.staff_assignable(user=request.user))
    social_workers, professionals, attendees = _staff_by_role(staff)
    people: dict = {}
    for subject in subjects:
        for r in subject.child.relationships.select_related("person"):
            if r.parental_responsibility or r.is_carer:
                people.setdefault(r.person_id, r)
    plans = plan_selectors.active_plans_by_child(s.child_id for s in subjects)
    initial = outcome_initial(conference, subjects, list(people.values()), plans)
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        data["decision-TOTAL_FORMS"] = str(len(subjects))
        adding = request.POST.get("add", "")
        if adding in ("attendee", "parent", "issue"):
            key = f"{adding}-TOTAL_FORMS"
            data[key] = str(min(int(data.get(key) or 0), 50) + 1)
    page = OutcomePage(
        main=OutcomeForm(
            data,
            initial=initial["main"],
            social_workers=social_workers,
            professionals=professionals,
        ),
        decisions=DecisionFormSet(
            data,
            initial=initial["decisions"],
            prefix="decision",
            subjects=subjects,
            kind=conference.kind,
        ),
        attendees=AttendeeFormSet(
            data,
            initial=initial["attendees"] + [{} for _ in range(BLANK_ROWS * 2)],
            prefix="attendee",
            form_kwargs={"staff": attendees},
        ),
        parents=ParentFormSet(
            data, initial=initial["parents"] + [{"invited": True}], prefix="parent"
        ),
        issues=IssueFormSet(data, initial=initial["issues"] + [{}] * BLANK_ROWS, prefix="issue"),
    )
    return page, {str(u.pk): u for u in staff}, plans


@case_page
def conference_outcome(request: AuthedRequest, conference_id: str) -> HttpResponse:
    conference = _conference(request, conference_id)
    _chair_only(request, conference)
    if conference.status in (Conference.Status.FINALISED, Conference.Status.CANCELLED):
        # Read only once finalised: its page says so.
        return redirect("conference-detail", conference_id=conference.pk)
    subjects = list(
        conference.subjects.select_related("child").order_by(
            "child__last_name", "child__first_name"
        )
    )
    page, staff, plans = _outcome_page(request, conference, subjects)
    submitted = request.method == "POST" and not request.POST.get("add")
    if submitted and page.all_valid():
        if page.main.cleaned_data.get("held_on") is None:
            page.main.add_error("held_on", "Enter the date the conference was held.")
        else:
            try:
                services.conference_record_outcome(
                    actor=request.user,
                    conference_id=conference.pk,
                    data=page.to_input(staff),
                )
            except (NotFound, NotPermitted):
                raise
            except DomainError as error:
                for name, msgs in error.errors.items():
                    for message in msgs:
                        page.place_error(name, message)
            else:
                messages.success(request, "The outcome is recorded. Check it, then finalise.")
                return redirect("conference-finalise", conference_id=conference.pk)
    items = error_items(page.main, page.decisions, page.attendees, page.parents, page.issues)
    return render(
        request,
        "conferences/outcome_form.html",
        {
            "conference": conference,
            "page": page,
            "decision_rows": [
                (subject, form, plans.get(subject.child_id))
                for subject, form in zip(subjects, page.decisions.forms, strict=True)
            ],
            "is_review": conference.kind == Conference.Kind.REVIEW,
            # A looked after child's plan is a supplement to the care plan: justified.
            "asks_dual_plan_justification": conference.kind == Conference.Kind.REVIEW
            or any(s.child.looked_after for s in subjects),
            "error_items": items,
            "error_summary": bool(items),
        },
    )


def _finalise_summary(conference: Conference) -> list[dict[str, Any]]:
    """What finalising will do, child by child, in words."""
    parents = list(conference.parents.all())
    told_parents = [p.name for p in parents]
    rows = []
    for s in conference.subjects.select_related("child", "lead_social_worker").order_by(
        "child__last_name", "child__first_name"
    ):
        letters = []
        if s.parents_informed is not False and told_parents:
            kind = (
                "a letter saying the plan has ended"
                if s.decision == ConferenceChild.Decision.DISCONTINUE
                else "an outcome letter"
            )
            letters.append(f"{kind} to {', '.join(told_parents)}")
        if s.child_informed and not s.child.is_unborn:
            letters.append(f"a letter to {s.child.first_name} in plain words")
        core_group = [m["name"] for m in s.core_group if m.get("user")]
        rows.append(
            {
                "subject": s,
                "letters": letters,
                "told": [
                    x
                    for x in [
                        f"the lead social worker ({s.lead_social_worker.name})"
                        if s.lead_social_worker
                        else "",
                        "the team's managers",
                        f"the core group's professionals ({', '.join(core_group)})"
                        if core_group
                        else "",
                    ]
                    if x
                ],
            }
        )
    return rows


@case_page
def conference_finalise(request: AuthedRequest, conference_id: str) -> HttpResponse:
    conference = _conference(request, conference_id)
    _chair_only(request, conference)
    items: list[dict[str, str]] = []
    if request.method == "POST":
        try:
            services.conference_finalise(actor=request.user, conference_id=conference.pk)
        except (NotFound, NotPermitted):
            raise
        except DomainError as error:
            items = [{"text": m, "href": ""} for msgs in error.errors.values() for m in msgs]
        else:
            messages.success(
                request, "The conference is finalised. The letters are being produced."
            )
            return redirect("conference-detail", conference_id=conference.pk)
        conference.refresh_from_db()
    elif conference.status == Conference.Status.FINALISED:
        items = [{"text": "This conference is already finalised.", "href": ""}]
    elif conference.status != Conference.Status.HELD:
        items = [{"text": "Record the conference's outcome before finalising it.", "href": ""}]
    return render(
        request,
        "conferences/finalise.html",
        {
            "conference": conference,
            "rows": _finalise_summary(conference)
            if conference.status == Conference.Status.HELD
            else [],
            "can_finalise": conference.status == Conference.Status.HELD,
            "error_items": items,
            "error_summary": bool(items),
        },
    )


# --- Letters ----------------------------------------------------------------------


@case_page
def conference_letters(request: AuthedRequest, conference_id: str) -> HttpResponse:
    letters = selectors.conference_letters(user=request.user, conference_id=conference_id)
    conference = _conference(request, conference_id)
    return render(
        request,
        "conferences/letters.html",
        {"conference": conference, "letters": letters},
    )


def _pdf_response(
    request: AuthedRequest,
    read: Callable[[], tuple[_T, bytes]],
    filename: Callable[[_T], str],
) -> HttpResponse:
    """A stored PDF as a download; a copy that fails its checksum is a clear error page."""
    try:
        obj, data = read()
    except (NotFound, NotPermitted):
        raise
    except DomainError as error:
        return render(
            request,
            "conferences/letter_problem.html",
            {
                "message": error.message,
                "error_items": [{"text": error.message, "href": ""}],
                "error_summary": True,
            },
            status=409,
        )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename(obj)}"'
    return response


@case_page
@require_GET
def letter_pdf(request: AuthedRequest, letter_id: str) -> HttpResponse:
    return _pdf_response(
        request,
        lambda: services.letter_pdf(actor=request.user, letter_id=letter_id),
        lambda letter: f"letter-{letter.pk}.pdf",
    )


@case_page
@require_GET
def letter_print(request: AuthedRequest, letter_id: str) -> HttpResponse:
    _letter, html = services.letter_html(actor=request.user, letter_id=letter_id)
    return HttpResponse(html)


@case_page
def letter_sent(request: AuthedRequest, letter_id: str) -> HttpResponse:
    letter = selectors.letter_get(user=request.user, letter_id=letter_id)
    initial = {"sent_on": letter.sent_on, "sent_by": letter.sent_by} if letter.sent_on else {}
    form = LetterSentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        saved = call_service(
            form,
            lambda: services.letter_mark_sent(
                actor=request.user, letter_id=letter.pk, sent_on=d["sent_on"], sent_by=d["sent_by"]
            ),
        )
        if saved is not None:
            messages.success(request, f"The letter to {letter.recipient} is recorded as sent.")
            return redirect("conference-letters", conference_id=letter.conference_id)
    return render(request, "conferences/letter_sent_form.html", {"form": form, "letter": letter})


# --- Disagreement and complaints ----------------------------------------------------


@case_page
def complaint_record(request: AuthedRequest, conference_id: str) -> HttpResponse:
    conference = _conference(request, conference_id)
    subjects = list(conference.subjects.select_related("child"))
    initial = {"child": str(subjects[0].child_id)} if len(subjects) == 1 else {}
    form = ComplaintForm(
        request.POST or None,
        initial={**initial, "received_on": timezone.localdate()},
        subjects=subjects,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        complaint = call_service(
            form,
            lambda: services.complaint_record(
                actor=request.user,
                conference_id=conference.pk,
                child_id=d["child"],
                complainant=d["complainant"],
                complainant_is_child=d["complainant_is_child"],
                received_on=d["received_on"],
                summary=d["summary"],
            ),
            _COMPLAINT_FIELDS,
        )
        if complaint is not None:
            messages.success(request, f"The disagreement from {complaint.complainant} is recorded.")
            return redirect("complaint-detail", complaint_id=complaint.pk)
    return render(
        request, "conferences/complaint_form.html", {"form": form, "conference": conference}
    )


def _complaint_assign(
    request: AuthedRequest, complaint: Complaint, form: AssignReviewerForm, officers: list[User]
) -> HttpResponse | None:
    """Assign the reviewing officer; the page again (None) when the form is not valid."""
    if not form.is_valid():
        return None
    reviewer = next(u for u in officers if str(u.pk) == form.cleaned_data["reviewing_officer"])
    saved = call_service(
        form,
        lambda: services.complaint_assign_reviewer(
            actor=request.user, complaint_id=complaint.pk, reviewer=reviewer
        ),
    )
    if saved is None:
        return None
    messages.success(request, f"{reviewer.name} will review the complaint.")
    return redirect("complaint-detail", complaint_id=complaint.pk)


def _complaint_decide(
    request: AuthedRequest, complaint: Complaint, form: ComplaintDecisionForm
) -> HttpResponse | None:
    """Record the decision; the page again (None) when the form or the service refuses."""
    if not form.is_valid():
        return None
    d = form.cleaned_data
    saved = call_service(
        form,
        lambda: services.complaint_decide(
            actor=request.user,
            complaint_id=complaint.pk,
            outcome=d["outcome"],
            reasons=d["reasons"],
            decided_on=d["decided_on"],
        ),
        # None puts the error on the whole form (cpcase.views.call_service types it as str).
        {"status": None},
    )
    if saved is None:
        return None
    messages.success(request, "The decision is recorded and the letter produced.")
    return redirect("complaint-detail", complaint_id=complaint.pk)


@case_page
def complaint_detail(request: AuthedRequest, complaint_id: str) -> HttpResponse:
    user = request.user
    complaint = selectors.complaint_get_for_view(user=user, complaint_id=complaint_id)
    open_statuses = (Complaint.Status.RECEIVED, Complaint.Status.UNDER_REVIEW)
    can_assign = access.may_assign_complaint_reviewer(user) and complaint.status in open_statuses
    can_decide = (
        complaint.reviewing_officer_id == user.pk
        and complaint.status == Complaint.Status.UNDER_REVIEW
    )
    officers = (
        list(
            core_selectors.staff_assignable(user=user, among=access.complaint_reviewer_candidates())
        )
        if can_assign
        else []
    )
    action = request.POST.get("action") if request.method == "POST" else None
    assign_form = AssignReviewerForm(
        request.POST if action == "assign" else None,
        initial={"reviewing_officer": str(complaint.reviewing_officer_id or "")},
        officers=officers,
    )
    decide_form = ComplaintDecisionForm(
        request.POST if action == "decide" else None,
        initial={"decided_on": timezone.localdate()},
    )
    if action == "assign":
        if not can_assign:
            raise PermissionDenied("You cannot assign a reviewer to this complaint.")
        done = _complaint_assign(request, complaint, assign_form, officers)
        if done is not None:
            return done
    elif action == "decide":
        if not can_decide:
            raise PermissionDenied("Only the reviewing officer decides this complaint.")
        done = _complaint_decide(request, complaint, decide_form)
        if done is not None:
            return done
    items = error_items(assign_form, decide_form) if action else []
    return render(
        request,
        "conferences/complaint_detail.html",
        {
            "complaint": complaint,
            "can_assign": can_assign,
            "can_decide": can_decide,
            "assign_form": assign_form,
            "decide_form": decide_form,
            "error_items": items,
            "error_summary": bool(items),
        },
    )


@case_page
@require_GET
def complaint_letter(request: AuthedRequest, complaint_id: str) -> HttpResponse:
    return _pdf_response(
        request,
        lambda: services.complaint_letter_pdf(actor=request.user, complaint_id=complaint_id),
        lambda complaint: f"complaint-{complaint.pk}.pdf",
    )


# --- Professional disagreements ------------------------------------------------------


def _raise_disagreement(
    request: AuthedRequest,
    *,
    subjects: list[ConferenceChild],
    back_url: str,
    heading: str,
    run: Callable[[dict[str, Any]], Disagreement],
) -> HttpResponse:
    form = DisagreementForm(request.POST or None, subjects=subjects)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        disagreement = call_service(form, lambda: run(d), {"conference": None, "plan": None})
        if disagreement is not None:
            messages.success(request, "The disagreement is recorded; the service leader is told.")
            return redirect("disagreement-detail", disagreement_id=disagreement.pk)
    return render(
        request,
        "conferences/disagreement_form.html",
        {"form": form, "back_url": back_url, "heading": heading},
    )


@case_page
def disagreement_raise_from_conference(request: AuthedRequest, conference_id: str) -> HttpResponse:
    conference = _conference(request, conference_id)
    subjects = list(conference.subjects.select_related("child"))
    if not any(access.may_raise_disagreement(request.user, s.child) for s in subjects):
        raise PermissionDenied(
            "Only the lead social worker or the child's team manager raises a disagreement."
        )
    return _raise_disagreement(
        request,
        subjects=subjects,
        back_url=reverse("conference-detail", args=[conference.pk]),
        heading=f"{conference.get_kind_display()}"
        + (f", held on {conference.held_on:%-d %B %Y}" if conference.held_on else ""),
        run=lambda d: disagreements.disagreement_raise(
            actor=request.user,
            conference_id=conference.pk,
            child_id=d.get("child") or None,
            what_is_disagreed=d["what_is_disagreed"],
            wanted_instead=d["wanted_instead"],
        ),
    )


@case_page
def disagreement_raise_from_plan(request: AuthedRequest, plan_id: str) -> HttpResponse:
    plan = plan_for(request.user, plan_id)
    read_audit.record_objects(user=request.user, objects=[plan], summary="Opened the plan")
    if not access.may_raise_disagreement(request.user, plan.child):
        raise PermissionDenied(
            "Only the lead social worker or the child's team manager raises a disagreement."
        )
    return _raise_disagreement(
        request,
        subjects=[],
        back_url=reverse("plan-detail", args=[plan.pk]),
        heading=f"{plan.child.name}'s plan",
        run=lambda d: disagreements.disagreement_raise(
            actor=request.user,
            plan_id=plan.pk,
            what_is_disagreed=d["what_is_disagreed"],
            wanted_instead=d["wanted_instead"],
        ),
    )


@case_page
@require_GET
def disagreement_list(request: AuthedRequest) -> HttpResponse:
    if not access.may_list_disagreements(request.user):
        raise PermissionDenied("Your role has no access to disagreements.")
    found = list(disagreements.disagreements_visible_to(request.user)[:200])
    disagreements.record_disagreement_reads(
        user=request.user, disagreements=found, summary="Listed professional disagreements"
    )
    return render(
        request,
        "conferences/disagreement_list.html",
        {
            "open": [d for d in found if d.status == "open"],
            "resolved": [d for d in found if d.status == "resolved"],
        },
    )


@case_page
def disagreement_detail(request: AuthedRequest, disagreement_id: str) -> HttpResponse:
    user = request.user
    disagreement = disagreements.disagreement_get_for_view(
        user=user, disagreement_id=disagreement_id
    )
    can_resolve = (
        access.may_resolve_disagreement(user, disagreement.child) and disagreement.status == "open"
    )
    form = DisagreementOutcomeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_resolve:
            raise PermissionDenied("Only the service leader resolves this disagreement.")
        if form.is_valid():
            d = form.cleaned_data
            saved = call_service(
                form,
                lambda: disagreements.disagreement_resolve(
                    actor=user,
                    disagreement_id=disagreement.pk,
                    outcome=d["outcome"],
                    reasons=d["reasons"],
                ),
                {"resolved_on": None},
            )
            if saved is not None:
                messages.success(request, "The outcome is recorded; the raiser and chair are told.")
                return redirect("disagreement-detail", disagreement_id=disagreement.pk)
    return render(
        request,
        "conferences/disagreement_detail.html",
        {"disagreement": disagreement, "can_resolve": can_resolve, "form": form},
    )


# --- Transfer-in: notice of a move ----------------------------------------------------


@case_page
def transfer_notice_record(request: AuthedRequest, child_id: str) -> HttpResponse:
    child = transfers.child_for_notice(request.user, child_id)
    if not access.may_record_transfer_notice(request.user, child):
        raise PermissionDenied(
            "Only the receiving authority's safeguarding unit manager or a team manager records "
            "the notice of a move in."
        )
    read_audit.record_children(
        user=request.user, children=[child], summary="Opened the notice of a move in"
    )
    own_authority = request.user.authority_id
    # may_record_transfer_notice asks for an authority; this tells the type checker.
    assert own_authority is not None  # noqa: S101
    authorities = Authority.objects.exclude(pk=own_authority).order_by("name")
    form = TransferNoticeForm(
        request.POST or None,
        initial={
            "notified_on": timezone.localdate(),
            "from_authority": child.responsible_authority.code,
        },
        authorities=authorities,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        notice = call_service(
            form,
            lambda: transfers.transfer_notice_record(
                actor=request.user,
                child_id=child.pk,
                notified_on=d["notified_on"],
                from_authority=d["from_authority"],
                address=form.address(),
            ),
            {"child": None},
        )
        if notice is not None:
            messages.success(
                request,
                f"The notice of {child.name}'s move is recorded: a transfer-in conference is due.",
            )
            return redirect("child-detail", child_id=child.pk)
    return render(request, "conferences/transfer_notice_form.html", {"form": form, "child": child})

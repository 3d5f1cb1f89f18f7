"""Browser pages of the register: the enquirer's journey, the unit manager's log, historic
plans released across authorities, and the designated managers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cpcase import access, read_audit
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import User
from cpcase.pagination import BoundedPaginator
from cpcase.views import AuthedRequest, apply_domain_error, call_service, case_page, child_or_404
from plans import services as plan_services
from plans.models import Category
from registry import annex_a, selectors, services
from registry.annex_a import annex_a_list_csv
from registry.forms import (
    DesignatedManagerForm,
    EnquiryForm,
    HistoricPlanDecisionForm,
    HistoricPlanRequestForm,
    PossibleMatchReviewForm,
    RegisterCorrectionForm,
    RegisterFilterForm,
)
from registry.models import HistoricPlanRequest


@login_required
def register_home(request: AuthedRequest) -> HttpResponse:
    """The enquirer's search: who they are and why (confirmed each time), then the child."""
    user = request.user
    if not access.may_search_register(user):
        raise PermissionDenied("Your role does not search the register.")
    initial = {
        "name": user.name,
        "agency": user.agency.name if user.agency else "",
        "role": user.job_title,
        "phone": user.phone,
        "reference": user.staff_reference,
    }
    form = EnquiryForm(request.POST or None, initial=initial)
    enquiry = None
    if request.method == "POST":
        d = form.cleaned_data if form.is_valid() else None
        try:
            enquiry = services.enquiry_make(
                actor=user,
                enquirer=services.Enquirer(
                    d["name"], d["agency"], d["role"], d["phone"], d["reference"]
                )
                if d
                else _enquirer_as_given(request.POST),
                reason=d["reason"] if d else request.POST.get("reason", ""),
                search=selectors.Search(
                    first_name=d["first_name"],
                    last_name=d["last_name"],
                    date_of_birth=d["date_of_birth"],
                    postcode=d["postcode"],
                    nhs_number=d["nhs_number"],
                )
                if d
                else selectors.Search(),
                refusal=dict(form.errors) if d is None else None,
            )
        except NotPermitted:
            raise  # the 403 page (cpcase.middleware.DomainErrorMiddleware)
        except DomainError as e:
            if d is not None:
                apply_domain_error(form, e)
        if enquiry is not None:
            return render(request, "registry/results.html", {"enquiry": enquiry})
    return render(request, "registry/search.html", {"form": form})


def _enquirer_as_given(data: QueryDict) -> services.Enquirer:
    """The enquirer's details as typed, for the log of a refused enquiry (cut to fit there)."""
    return services.Enquirer(
        *(data.get(f, "") for f in ("name", "agency", "role", "phone", "reference"))
    )


def _unit_manager(request: AuthedRequest) -> None:
    if not access.may_keep_register(request.user):
        raise PermissionDenied("Only the safeguarding unit manager.")


@login_required
def enquiry_log(request: AuthedRequest) -> HttpResponse:
    if not access.may_read_enquiry_log(request.user):
        raise PermissionDenied("Only the safeguarding unit manager reads the enquiry log.")
    page = BoundedPaginator(selectors.enquiries_for(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    selectors.record_enquiry_reads(
        user=request.user, enquiries=page.object_list, summary="Read the enquiry log"
    )
    return render(request, "registry/log.html", {"enquiries": page})


@case_page
def possible_matches(request: AuthedRequest) -> HttpResponse:
    """Weak matches of enquiries for the unit manager to review, awaiting a review first."""
    rows = selectors.possible_matches_for(user=request.user)
    page = BoundedPaginator(rows, 50).get_page(request.GET.get("page"))
    read_audit.record_objects(
        user=request.user,
        objects=page.object_list,
        summary="Listed possible matches of register enquiries",
    )
    return render(request, "registry/possible_matches.html", {"matches": page})


@case_page
def possible_match_detail(request: AuthedRequest, match_id: str) -> HttpResponse:
    """One weak match: the enquiry, the child it might be, and the review with its note."""
    rows = selectors.possible_matches_for(user=request.user)
    pk = access.as_uuid(match_id)
    row = rows.filter(pk=pk).first() if pk else None
    if row is None:
        raise NotFound("No possible match was found.")
    read_audit.record_objects(
        user=request.user, objects=[row], summary="Viewed a possible match of a register enquiry"
    )
    form = PossibleMatchReviewForm(request.POST or None) if row.reviewed_at is None else None
    if request.method == "POST":
        if form is None:  # reviewed already (two tabs, a second manager): show the review
            return redirect("register-possible-match", match_id=row.pk)
        if form.is_valid():
            reviewed = call_service(
                form,
                lambda: services.possible_match_review(
                    actor=request.user, possible_match_id=row.pk, note=form.cleaned_data["note"]
                ),
            )
            if reviewed is not None:
                messages.success(request, "The possible match is marked as reviewed.")
                return redirect("register-possible-matches")
    return render(request, "registry/possible_match.html", {"match": row, "form": form})


@login_required
@require_POST
def enquiry_reviewed(request: AuthedRequest, enquiry_id: str) -> HttpResponse:
    services.enquiry_mark_reviewed(actor=request.user, enquiry_id=enquiry_id)
    messages.success(request, "The enquiry is marked as reviewed.")
    return redirect("register-log")


@login_required
def enquiry_export(request: AuthedRequest) -> HttpResponse:
    data = services.enquiries_export(actor=request.user)
    response = HttpResponse(data, content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="enquiry-log-{timezone.localdate()}.csv"'
    )
    return response


@login_required
def annex_a_list(request: AuthedRequest) -> HttpResponse:
    """One Annex A list as CSV (``?list=3`` to ``7``; 7 when not given)."""
    if not access.may_export_returns(request.user):
        raise PermissionDenied("Only the safeguarding unit manager produces the returns.")
    number = request.GET.get("list") or "7"
    if number not in {"3", "4", "5", "6", "7"}:
        return HttpResponse("Choose list 3, 4, 5, 6 or 7.", status=400, content_type="text/plain")
    today = timezone.localdate()
    response = HttpResponse(
        annex_a_list_csv(user=request.user, list_number=int(number), today=today),
        content_type="text/csv",
    )
    response["Content-Disposition"] = f'attachment; filename="annex-a-list-{number}-{today}.csv"'
    return response


@login_required
def annex_a_workbook(request: AuthedRequest) -> HttpResponse:
    """Annex A lists 3 to 7 as one workbook."""
    data = annex_a.annex_a_workbook(user=request.user, today=timezone.localdate())
    response = HttpResponse(data, content_type=annex_a.XLSX)
    response["Content-Disposition"] = f'attachment; filename="annex-a-{timezone.localdate()}.xlsx"'
    return response


@login_required
def register_list(request: AuthedRequest) -> HttpResponse:
    _unit_manager(request)
    form = RegisterFilterForm(
        request.GET or None, teams=selectors.authority_team_names(user=request.user)
    )
    filters = {}
    if form.is_bound:
        form.is_valid()  # a bad date is named on the page; the other filters still apply
        filters = form.filters()
    entries = BoundedPaginator(
        selectors.register_entries(user=request.user, **filters), 50
    ).get_page(request.GET.get("page"))
    read_audit.record_children(
        user=request.user, children=entries.object_list, summary="Read the register"
    )
    query = request.GET.copy()
    query.pop("page", None)
    stats = selectors.register_statistics(
        authority=request.user.authority, today=timezone.localdate()
    )
    return render(
        request,
        "registry/register.html",
        {
            "entries": entries,
            "form": form,
            "query": query.urlencode(),
            "stats": stats,
            "charts": _charts(stats),
        },
    )


@case_page
def register_correct(request: AuthedRequest, plan_id: str) -> HttpResponse:
    """The unit manager corrects a register entry (category, start date), saying why."""
    _unit_manager(request)
    plan = plan_services.plan_for(request.user, plan_id)
    read_audit.record_objects(user=request.user, objects=[plan], summary="The register entry")
    form = RegisterCorrectionForm(
        request.POST or None,
        initial={"latest_category": plan.latest_category, "started_on": plan.started_on},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        corrected = call_service(
            form,
            lambda: plan_services.plan_register_correct(
                actor=request.user,
                plan_id=plan.pk,
                reason=d["reason"],
                latest_category=d["latest_category"],
                started_on=d["started_on"],
            ),
        )
        if corrected is not None:
            messages.success(
                request, f"The register entry of {plan.child.name} is corrected and recorded."
            )
            return redirect("register-list")
    return render(request, "registry/register_correct.html", {"form": form, "plan": plan})


_AGE_ORDER = ["unborn", "under 1", "1-4", "5-9", "10-15", "16+"]


def _months(counts: dict[str, int]) -> list[tuple[str, int]]:
    """The last twelve months in order, with a nought for a month with none."""
    today = timezone.localdate()
    months = []
    year, month = today.year, today.month
    for _ in range(12):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return [
        (dt.date(int(m[:4]), int(m[5:]), 1).strftime("%B %Y"), counts.get(m, 0))
        for m in reversed(months)
    ]


def _charts(stats: dict[str, Any]) -> list[tuple[str, list[tuple[str, int, int]]]]:
    """The register's figures as (title, [(label, count, percent of the largest)]) for the
    bar-chart tables: the same numbers as the statistics API, in words."""
    categories = dict(Category.choices)
    parts = [
        (
            "By category",
            sorted(
                (
                    (categories.get(k, k or "Not recorded"), n)
                    for k, n in stats["by_category"].items()
                ),
                key=lambda row: -row[1],
            ),
        ),
        (
            "By age",
            [(age, stats["by_age"][age]) for age in _AGE_ORDER if age in stats["by_age"]],
        ),
        ("By team", sorted(stats["by_team"].items(), key=lambda row: (-row[1], row[0]))),
        ("Plans started by month", _months(stats["started_by_month"])),
        ("Plans ended by month", _months(stats["ended_by_month"])),
    ]
    charts = []
    for title, rows in parts:
        top = max((n for _, n in rows), default=0) or 1
        charts.append((title, [(label, n, round(100 * n / top)) for label, n in rows]))
    return charts


# --- Historic plans released across authorities -------------------------------


@login_required
def release_request(request: AuthedRequest, child_id: str) -> HttpResponse:
    """A receiving authority's social worker asks the originating authority's safeguarding
    unit to release the child's historic plans."""
    if not access.may_request_historic_plans(request.user):
        raise PermissionDenied("A social worker of the receiving authority makes this request.")
    child = child_or_404(request, child_id)
    if not selectors.child_has_historic_plans(child.pk):
        return render(request, "registry/release_request.html", {"child": child, "form": None})
    form = HistoricPlanRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        made = call_service(
            form,
            lambda: services.historic_plan_request(
                actor=request.user,
                child_id=child.pk,
                reason=d["reason"],
                parents_told=d["parents_told"] == "yes",
                parents_not_told_reason=d["parents_not_told_reason"],
            ),
        )
        if made is not None:
            messages.success(
                request,
                f"Your request has been sent to {child.responsible_authority.name}'s "
                "safeguarding unit.",
            )
            return redirect("register-release", request_id=made.pk)
    return render(request, "registry/release_request.html", {"child": child, "form": form})


@login_required
def releases(request: AuthedRequest) -> HttpResponse:
    """The unit manager's requests to decide (and decided), or the worker's own requests."""
    user = request.user
    if not access.may_see_historic_releases(user):
        raise PermissionDenied("Your role makes no requests for historic plans.")
    page = BoundedPaginator(selectors.historic_plan_requests_for(user=user), 50).get_page(
        request.GET.get("page")
    )
    read_audit.record_objects(
        user=user, objects=page.object_list, summary="Requests for historic plans"
    )
    return render(request, "registry/releases.html", {"requests": page, "now": timezone.now()})


def _release_or_404(request: AuthedRequest, request_id: str) -> HistoricPlanRequest:
    pk = access.as_uuid(request_id)
    found = (
        selectors.historic_plan_requests_for(user=request.user).filter(pk=pk).first()
        if pk is not None
        else None
    )
    if found is None:
        raise Http404("No request was found.")
    # Names the child: the release itself names each read of the plans it releases.
    read_audit.record_children(
        user=request.user, children=[found.child], summary="A request for historic plans"
    )
    return found


def _may_decide(user: User, release: HistoricPlanRequest) -> bool:
    return access.may_decide_historic_release(user, release.originating_authority_id)


@login_required
def release_detail(request: AuthedRequest, request_id: str) -> HttpResponse:
    """One request: the originating unit manager decides it; the requesting worker follows it."""
    release = _release_or_404(request, request_id)
    may_decide = _may_decide(request.user, release)
    form = None
    if release.status == HistoricPlanRequest.Status.REQUESTED and may_decide:
        form = HistoricPlanDecisionForm(request.POST or None)
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied("Only the originating authority's unit manager decides.")
        if form is None:  # decided already (two tabs, a second manager): show the decision
            return redirect("register-release", request_id=release.pk)
        if form.is_valid():
            d = form.cleaned_data
            decided = call_service(
                form,
                lambda: services.historic_plan_decide(
                    actor=request.user,
                    request_id=release.pk,
                    grant=d["decision"] == "grant",
                    reason=d["reason"],
                    days=d["days"] if d["days"] is not None else 0,
                ),
            )
            if decided is not None:
                messages.success(
                    request,
                    f"The request is {decided.get_status_display().lower()}: "
                    f"{decided.requested_by.name} has been told.",
                )
                return redirect("register-release", request_id=release.pk)
    return render(
        request,
        "registry/release_detail.html",
        {
            "release": release,
            "form": form,
            "may_decide": may_decide,
            "mine": release.requested_by_id == request.user.pk,
            "now": timezone.now(),
        },
    )


@login_required
def release_plans(request: AuthedRequest, request_id: str) -> HttpResponse:
    """The released plans, to the requesting worker while the grant lasts (each read
    audited); after that a clear message instead of the plans."""
    release = _release_or_404(request, request_id)
    try:
        plans = services.historic_plans_read(actor=request.user, request_id=release.pk)
    except NotPermitted:
        return render(request, "registry/release_closed.html", {"release": release}, status=403)
    return render(request, "registry/release_plans.html", {"release": release, "plans": plans})


# --- Designated managers -------------------------------------------------------


@login_required
def designated_managers(request: AuthedRequest) -> HttpResponse:
    """The authority's designated managers with their dates, and a change recorded."""
    user = request.user
    history = selectors.designated_managers_for(user=user)
    form = DesignatedManagerForm(
        request.POST or None, managers=selectors.unit_managers_of(authority_id=user.authority_id)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        entry = call_service(
            form,
            lambda: services.designated_manager_set(
                actor=user,
                manager=d["manager"],
                from_date=d["from_date"],
                department_notified_on=d["department_notified_on"],
            ),
        )
        if entry is not None:
            messages.success(request, f"{entry.manager.name} is recorded as designated manager.")
            return redirect("register-designated-managers")
    return render(request, "registry/designated_managers.html", {"history": history, "form": form})

"""The unit manager's "Statutory returns" page: ask for a return, watch it being produced,
download it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from cpcase.pagination import BoundedPaginator
from cpcase.views import AuthedRequest, call_service, case_page
from registry import return_jobs
from registry.forms import ReturnJobForm
from registry.return_jobs_api import download_response

JOBS_A_PAGE = 20


@case_page
def returns_page(request: AuthedRequest) -> HttpResponse:
    user = request.user
    jobs = return_jobs.return_jobs_for(user=user)  # 403 for anybody who produces none
    form = ReturnJobForm(
        request.POST if request.method == "POST" else None,
        initial={"year": return_jobs.collection_year()},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        job = call_service(
            form,
            lambda: return_jobs.return_job_start(actor=user, kind=d["kind"], year=d["year"]),
        )
        if job is not None:
            messages.success(
                request,
                f"The {job.get_kind_display()} for {job.year} is being produced. "
                "It will be ready to download below.",
            )
            return redirect("register-returns")
    page = BoundedPaginator(jobs, JOBS_A_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/returns.html",
        {"form": form, "jobs": page, "running": any(job.is_running for job in page)},
    )


@require_GET
@case_page
def return_download(request: AuthedRequest, job_id: str) -> HttpResponse:
    user = request.user
    return download_response(return_jobs.return_job_download(actor=user, job_id=job_id))

"""Browser pages of the register: the enquirer's journey, and the unit manager's log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.roles import Role
from cpcase.views import apply_domain_error
from registry import selectors, services
from registry.forms import EnquiryForm


@login_required
def register_home(request):
    """The enquirer's search: who they are and why (confirmed each time), then the child."""
    user = request.user
    if not user.has_role(*services.ENQUIRY_ROLES):
        raise PermissionDenied("Your role does not search the register.")
    initial = {
        "name": user.name,
        "agency": user.agency.name if user.agency_id else "",
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
                else None,
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
        except NotPermitted as e:
            raise PermissionDenied(e.message) from e
        except DomainError as e:
            if d is not None:
                apply_domain_error(form, e)
        if enquiry is not None:
            return render(request, "registry/results.html", {"enquiry": enquiry})
    return render(request, "registry/search.html", {"form": form})


def _unit_manager(request):
    if not request.user.has_role(Role.SAFEGUARDING_UNIT_MANAGER):
        raise PermissionDenied("Only the safeguarding unit manager.")


@login_required
def enquiry_log(request):
    _unit_manager(request)
    page = Paginator(selectors.enquiries_for(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "registry/log.html", {"enquiries": page})


@login_required
@require_POST
def enquiry_reviewed(request, enquiry_id):
    try:
        services.enquiry_mark_reviewed(actor=request.user, enquiry_id=enquiry_id)
    except NotFound as e:
        raise Http404(e.message) from e
    except NotPermitted as e:
        raise PermissionDenied(e.message) from e
    messages.success(request, "The enquiry is marked as reviewed.")
    return redirect("register-log")


@login_required
def enquiry_export(request):
    try:
        data = services.enquiries_export(actor=request.user)
    except NotPermitted as e:
        raise PermissionDenied(e.message) from e
    response = HttpResponse(data, content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="enquiry-log-{timezone.localdate()}.csv"'
    )
    return response


@login_required
def register_list(request):
    _unit_manager(request)
    q = request.GET.get("q", "")
    entries = Paginator(selectors.register_entries(user=request.user, q=q), 50).get_page(
        request.GET.get("page")
    )
    stats = selectors.register_statistics(
        authority=request.user.authority, today=timezone.localdate()
    )
    return render(request, "registry/register.html", {"entries": entries, "q": q, "stats": stats})

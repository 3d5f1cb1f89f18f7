"""Recording a visit in the browser, on a phone as well as a desktop."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from cpcase import access
from cpcase.views import _child_or_404, call_service
from visits import services
from visits.forms import VisitForm

# Where the service's field names land on the form.
_FIELDS = {"visited_at": "visited_on"}


@login_required
def visit_record(request, child_id):
    child = _child_or_404(request, child_id, access.Action.RECORD_VISIT)
    form = VisitForm(request.POST or None, initial={"visited_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        complete = "complete" in request.POST

        def save():
            return services.visit_save(
                actor=request.user, child_id=child.pk, data=form.to_input(), complete=complete
            )

        visit = call_service(form, save, _FIELDS)
        if visit is not None:
            messages.success(
                request,
                "The visit has been recorded."
                if complete
                else "The visit is saved as a draft: finish it later.",
            )
            return redirect("child-detail", child_id=child.pk)
    return render(
        request,
        "visits/visit_form.html",
        {"form": form, "child": child, "session_seconds": settings.SESSION_COOKIE_AGE},
    )

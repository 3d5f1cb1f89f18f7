"""The child's chronology in the browser: a page with filters kept in the URL, and a PDF
for a conference or a court. Both read through the access module (a user who may not
see the child gets a 404; a core group member, who reads the plan alone, gets the plan's
part); the page is a read, the PDF an export, each audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from cpcase import access, chronology, read_audit, selectors
from cpcase.audit import audit_record
from cpcase.documents import render_pdf
from cpcase.errors import NotFound, NotPermitted
from cpcase.forms_govuk import GovukDateField
from cpcase.models import AuditEvent, Child
from cpcase.validators import TEXT_MAX_LENGTH
from cpcase.views import AuthedRequest, call_service


class ChronologyFilterForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label="Kinds of event",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for every kind.",
    )
    significant = forms.BooleanField(label="Significant events only", required=False)
    since = GovukDateField(label="From", required=False, help_text="For example, 1 4 2026")
    until = GovukDateField(label="To", required=False, help_text="For example, 31 3 2027")

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kinds"]).choices = [(k, k) for k in kinds]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if isinstance(since, dt.date) and isinstance(until, dt.date) and since > until:
            self.add_error("until", "The 'to' date must be the same as or after the 'from' date.")
        return cleaned

    def filters(self) -> chronology.Filters:
        if not self.is_valid():
            return chronology.Filters()
        return chronology.Filters(
            kinds=frozenset(self.cleaned_data.get("kinds") or ()),
            since=self.cleaned_data.get("since"),
            until=self.cleaned_data.get("until"),
            significant_only=bool(self.cleaned_data.get("significant")),
        )


class SignificantForm(forms.Form):
    reason = forms.CharField(
        label="Why is this event significant?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_MAX_LENGTH,
        error_messages={"required": "Say why the event is significant."},
    )


def _chronology(
    request: AuthedRequest, child_id: str
) -> tuple[Child, list[chronology.Event], ChronologyFilterForm, list[chronology.Event]]:
    user = request.user
    plan_only = False
    try:
        child = selectors.child_get_for_view(user=user, child_id=child_id)
    except NotFound:
        # A core group member reads the plan, not the child's record: the plan's part.
        child = access.child_for(user, child_id, access.Action.VIEW_PLAN)
        plan_only = True
        read_audit.record_children(
            user=user, children=[child], summary="Read the plan's part of the chronology"
        )
    events = chronology.events_for(child, user)
    if plan_only:
        events = [e for e in events if e.source == "plans"]
    kinds = sorted({e.kind_label for e in events})
    form = ChronologyFilterForm(request.GET or None, kinds=kinds)
    shown = [e for e in events if form.filters().keep(e)]
    child_page = reverse("child-detail", args=[child.pk])
    return child, events, form, [e if e.url else _with_url(e, child_page) for e in shown]


def _with_url(event: chronology.Event, url: str) -> chronology.Event:
    return replace(event, url=url)


@login_required
def child_chronology(request: AuthedRequest, child_id: str) -> HttpResponse:
    child, events, form, shown = _chronology(request, child_id)
    query = request.GET.urlencode()
    return render(
        request,
        "cpcase/chronology.html",
        {
            "child": child,
            "form": form,
            "events": shown,
            "total": len(events),
            "filtered": bool(request.GET) and len(shown) != len(events),
            "can_mark": access.may_edit_child(request.user, child),
            "pdf_url": reverse("child-chronology-pdf", args=[child.pk])
            + (f"?{query}" if query else ""),
        },
    )


@login_required
def child_chronology_pdf(request: AuthedRequest, child_id: str) -> HttpResponse:
    child, _events, form, shown = _chronology(request, child_id)
    user = request.user
    filters = form.filters()
    pdf = render_pdf(
        "cpcase/chronology_pdf.html",
        {
            "child": child,
            "events": shown,
            "filters": filters,
            "produced_by": user.get_full_name() or user.get_username(),
            "produced_at": timezone.localtime(),
        },
    )
    audit_record(
        actor=user,
        action=AuditEvent.Action.EXPORT,
        obj=child,
        summary=f"Exported the chronology as a PDF ({len(shown)} events)",
        changes={
            "events": len(shown),
            "kinds": sorted(filters.kinds),
            "since": filters.since,
            "until": filters.until,
            "bytes": len(pdf),
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="chronology-{child.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def child_chronology_mark(request: AuthedRequest, child_id: str) -> HttpResponse:
    """Mark an event as significant, with a reason; or take the mark away."""
    child = selectors.child_get_for_view(user=request.user, child_id=child_id)
    if not access.may_edit_child(request.user, child):
        raise NotPermitted("Only the child's workers mark events as significant.")
    key = request.POST.get("event") or request.GET.get("event") or ""
    event = chronology.event_of(child, request.user, key)
    back = reverse("child-chronology", args=[child.pk])
    form = SignificantForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("remove") and event.significant:
            call_service(
                form,
                lambda: chronology.unmark_significant(
                    actor=request.user, child_id=child.pk, event_key=key
                ),
            )
            messages.success(request, "The event is no longer marked as significant.")
            return redirect(back)
        if form.is_valid():
            marked = call_service(
                form,
                lambda: chronology.mark_significant(
                    actor=request.user,
                    child_id=child.pk,
                    event_key=key,
                    reason=form.cleaned_data["reason"],
                ),
            )
            if marked is not None:
                messages.success(request, "The event is marked as significant.")
                return redirect(back)
    return render(
        request,
        "cpcase/chronology_mark.html",
        {"child": child, "event": event, "form": form, "back": back},
    )

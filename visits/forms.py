from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone

from cpcase.forms_govuk import GovukDateField
from cpcase.validators import TEXT_MAX_LENGTH
from visits.models import Visit
from visits.services import VisitInput


class VisitForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of visit was it?",
        choices=Visit.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of visit."},
    )
    visited_on = GovukDateField(
        label="Date of the visit", required=False, help_text="For example, 23 11 2026"
    )
    visited_time = forms.CharField(
        label="Time of the visit",
        required=False,
        max_length=5,
        help_text="24-hour clock, for example 16:30",
    )
    child_seen = forms.BooleanField(label="I saw the child", required=False)
    seen_alone = forms.BooleanField(label="I saw the child alone", required=False)
    bedroom_seen = forms.ChoiceField(
        label="Did you see the child's bedroom?",
        choices=[("yes", "Yes"), ("no", "No"), ("", "Not applicable")],
        widget=forms.RadioSelect,
        required=False,
    )
    location = forms.CharField(
        label="Where did the visit take place?", required=False, max_length=200
    )
    others_present = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="Who else was present?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    observations = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="What did you observe?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    childs_views = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="The child's words and views",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    analysis = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="Your analysis",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    next_planned_visit_on = GovukDateField(label="Next planned visit", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_time"].widget.attrs.update({"inputmode": "numeric"})

    def clean_visited_time(self):
        value = (self.cleaned_data.get("visited_time") or "").strip()
        if value and not re.fullmatch(r"([01]?\d|2[0-3])[:.][0-5]\d", value):
            raise forms.ValidationError("Enter the time like 16:30.")
        return value.replace(".", ":")

    def to_input(self) -> VisitInput:
        d = self.cleaned_data
        visited_at = None
        if d.get("visited_on"):
            hours, minutes = (int(x) for x in (d.get("visited_time") or "12:00").split(":"))
            visited_at = timezone.make_aware(
                dt.datetime.combine(d["visited_on"], dt.time(hours, minutes))
            )
        return VisitInput(
            kind=d["kind"],
            visited_at=visited_at,
            child_seen=d["child_seen"],
            seen_alone=d["seen_alone"],
            bedroom_seen={"yes": True, "no": False}.get(d.get("bedroom_seen") or ""),
            others_present=d["others_present"],
            location=d["location"],
            observations=d["observations"],
            childs_views=d["childs_views"],
            analysis=d["analysis"],
            next_planned_visit_on=d.get("next_planned_visit_on"),
        )


class CannotVisitForm(forms.Form):
    due_on = GovukDateField(
        label="When is the visit due?",
        error_messages={"required": "Enter the date the visit is due."},
    )
    reason = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="Why can the visit not be made in time?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why the visit cannot be made in time."},
    )
    expected_visit_on = GovukDateField(
        label="When do you expect to see the child? (optional)", required=False
    )


def visit_initial(visit: Visit) -> dict:
    local = timezone.localtime(visit.visited_at) if visit.visited_at else None
    return {
        "kind": visit.kind,
        "visited_on": local.date() if local else None,
        "visited_time": local.strftime("%H:%M") if local else "",
        "child_seen": visit.child_seen,
        "seen_alone": visit.seen_alone,
        "bedroom_seen": "" if visit.bedroom_seen is None else "yes" if visit.bedroom_seen else "no",
        "location": visit.location,
        "others_present": visit.others_present,
        "observations": visit.observations,
        "childs_views": visit.childs_views,
        "analysis": visit.analysis,
        "next_planned_visit_on": visit.next_planned_visit_on,
        "version": visit.version,
    }

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django import forms
from django.utils import timezone

from cpcase.forms_govuk import GovukDateField
from plans.models import Category
from registry.measures import default_period

if TYPE_CHECKING:
    from cpcase.models import User


class EnquiryForm(forms.Form):
    name = forms.CharField(
        label="Your name", max_length=200, error_messages={"required": "Enter your name."}
    )
    agency = forms.CharField(
        label="Your agency", max_length=200, error_messages={"required": "Enter your agency."}
    )
    role = forms.CharField(
        label="Your role", max_length=200, error_messages={"required": "Enter your role."}
    )
    phone = forms.CharField(
        label="A phone number we can call you back on",
        max_length=50,
        error_messages={"required": "Enter a phone number we can call you back on."},
    )
    reference = forms.CharField(
        label="Badge or employee number (optional)", required=False, max_length=100
    )
    reason = forms.CharField(
        label="Why are you asking?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say why you are asking: the reason is recorded."},
        help_text="For example: concern for welfare call, incident number 1234",
    )
    first_name = forms.CharField(label="Child's first name", required=False, max_length=100)
    last_name = forms.CharField(label="Child's last name", required=False, max_length=100)
    date_of_birth = GovukDateField(
        label="Child's date of birth", required=False, help_text="For example, 17 5 2018"
    )
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    nhs_number = forms.CharField(label="NHS number", required=False, max_length=14)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        self.fields["nhs_number"].widget.attrs.update(
            {"inputmode": "numeric", "spellcheck": "false"}
        )
        for name in ("first_name", "last_name"):
            self.fields[name].widget.attrs.update({"spellcheck": "false"})


class PossibleMatchReviewForm(forms.Form):
    note = forms.CharField(
        label="What was done?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,  # the service says so
        help_text="The call with the enquirer and what was decided: for example, called PC "
        "Example back at 03:10; the child asked about is not this child.",
    )


class HistoricPlanRequestForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need the historic plans?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,  # the service says so, with any other problem at the same time
        help_text="The reason is recorded and shown to the safeguarding unit that decides.",
    )
    parents_told = forms.ChoiceField(
        label="Have you told the parents (and the child, as appropriate) of this request?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the parents were told of the request."},
    )
    parents_not_told_reason = forms.CharField(
        label="If not, why not?",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only when telling them would increase the risk to the child.",
    )


class HistoricPlanDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("grant", "Grant access for a limited time"), ("refuse", "Refuse")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to grant or refuse the request."},
    )
    days = forms.IntegerField(
        label="For how many days (when granting)?",
        required=False,
        initial=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text="Between 1 and 90 days. The requesting social worker can read the plans until then.",
        error_messages={"invalid": "Enter the number of days as a whole number, like 30."},
    )
    reason = forms.CharField(
        label="Reason for the decision",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,  # the service says so, with any other problem at the same time
    )


class DesignatedManagerForm(forms.Form):
    manager: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label="New designated manager",
        queryset=None,
        empty_label="Choose a safeguarding unit manager",
        error_messages={
            "required": "Choose the new designated manager.",
            "invalid_choice": "Choose a safeguarding unit manager of this authority.",
        },
    )
    from_date = GovukDateField(
        label="Designated manager from",
        help_text="For example, 1 4 2026",
        error_messages={"required": "Enter the date the new designated manager starts."},
    )
    department_notified_on = GovukDateField(
        label="Date the national department was told",
        required=False,
        help_text="Leave this empty until the department has been told.",
    )

    def __init__(self, *args, managers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = managers
        self.fields["manager"].label_from_instance = lambda u: u.name


class RegisterFilterForm(forms.Form):
    """The unit manager's filters on the register; every one optional."""

    q = forms.CharField(label="Name", required=False, max_length=100)
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, help_text="For example, 17 5 2018"
    )
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    category = forms.ChoiceField(label="Category", required=False)
    team = forms.ChoiceField(label="Team", required=False)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Any category"), *Category.choices]
        self.fields["team"].choices = [("", "Any team")] + [(t, t) for t in teams]
        self.fields["q"].widget.attrs.update({"spellcheck": "false"})

    def filters(self) -> dict:
        """The valid filters: a field with an error is left out (its message is shown)."""
        data = getattr(self, "cleaned_data", {})
        return {
            name: data[name]
            for name in ("q", "date_of_birth", "postcode", "category", "team")
            if data.get(name) and name not in self.errors
        }


class RegisterCorrectionForm(forms.Form):
    latest_category = forms.ChoiceField(label="Latest category of abuse")
    started_on = GovukDateField(label="The plan started on", help_text="For example, 13 11 2026")
    reason = forms.CharField(
        label="Why is the entry corrected?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text="For example: the category was typed wrongly at the conference",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["latest_category"].choices = Category.choices


class ReturnJobForm(forms.Form):
    """The unit manager asks for a statutory return: which, and for which census year."""

    kind = forms.ChoiceField(
        label="Which return?",
        widget=forms.RadioSelect,
        choices=[
            ("cin_census", "Children in need census (XML)"),
            ("annex_a", "Annex A: Ofsted's list of children on a plan"),
        ],
        error_messages={
            "required": "Choose the return to produce.",
            "invalid_choice": "Choose the return to produce: the census or Annex A.",
        },
    )
    year = forms.IntegerField(
        label="Census year ending 31 March",
        help_text="For example, 2026 for the year from 1 April 2025 to 31 March 2026",
        min_value=0,
        max_value=32767,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the year the census ends in, like 2026.",
            "invalid": "Enter the year the census ends in as a number, like 2026.",
            "min_value": "Enter the year the census ends in, like 2026.",
            "max_value": "Enter the year the census ends in, like 2026.",
        },
    )


class MeasuresPeriodForm(forms.Form):
    """The period of the measures: both dates, or neither (the last 12 months)."""

    LONGEST = 5  # years: the working days of the period go to the database as one list

    period_from = GovukDateField(label="From", required=False, help_text="For example, 1 4 2025")
    period_to = GovukDateField(label="To", required=False, help_text="For example, 31 3 2026")

    def period(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """The period chosen, once the form is valid."""
        start, end = default_period(today)
        return (
            self.cleaned_data.get("period_from") or start,
            self.cleaned_data.get("period_to") or end,
        )

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        start, end = cleaned.get("period_from"), cleaned.get("period_to")
        if end and end > today:
            self.add_error("period_to", "The end of the period must be today or in the past.")
            return cleaned
        if start and start > today:
            self.add_error("period_from", "The start of the period must be today or in the past.")
            return cleaned
        if start and end and start > end:
            self.add_error("period_to", "The end of the period must be after its start.")
        elif start and end and (end - start).days > 366 * self.LONGEST:
            self.add_error("period_to", f"The period can be at most {self.LONGEST} years long.")
        elif (start is None) != (end is None) and not self.errors:
            missing = "period_to" if end is None else "period_from"
            which = "end" if end is None else "start"
            self.add_error(missing, f"Enter the {which} of the period too.")
        return cleaned

"""Browser forms for the front door: referral, assessment, child in need plan, closure.
They parse; cpcase.front_door decides."""

from __future__ import annotations

from typing import Any

from django import forms

from cpcase.forms_govuk import GovukDateField
from cpcase.models import Assessment, Referral
from cpcase.reference import (
    ASSESSMENT_FACTOR_CHOICES,
    CLOSURE_REASON_CHOICES,
    PRIMARY_NEED_CHOICES,
    REFERRAL_SOURCE_CHOICES,
)
from cpcase.validators import TEXT_MAX_LENGTH


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ReferralForm(forms.Form):
    received_on = GovukDateField(
        label="When was the referral received?",
        help_text="For example, 23 11 2026",
        error_messages={"required": "Enter the date the referral was received."},
    )
    source = forms.ChoiceField(
        label="Who made the referral?",
        choices=[("", "Choose the source of the referral"), *REFERRAL_SOURCE_CHOICES],
        error_messages={"required": "Choose the source of the referral."},
    )
    referrer_name = forms.CharField(label="Referrer's name", required=False, max_length=200)
    referrer_role = forms.CharField(label="Their role", required=False, max_length=200)
    referrer_agency = forms.CharField(label="Their agency", required=False, max_length=200)
    referrer_phone = forms.CharField(label="Their phone number", required=False, max_length=30)
    details = forms.CharField(
        label="What did they say?",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=_textarea(6),
    )
    primary_need = forms.ChoiceField(
        label="What is the child's primary need?",
        help_text="Needed unless the referral goes no further.",
        choices=[("", "Choose the primary need"), *PRIMARY_NEED_CHOICES],
        required=False,
    )
    next_step = forms.ChoiceField(
        label="What happens next?",
        choices=Referral.NextStep.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happens next."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["referrer_phone"].widget.attrs.update({"autocomplete": "tel"})

    @property
    def nfa(self) -> bool:
        """Early help or no further action: the referral goes no further (ReferralNFA)."""
        return self.cleaned_data.get("next_step") in (
            Referral.NextStep.EARLY_HELP,
            Referral.NextStep.NO_FURTHER_ACTION,
        )


# The census factors in groups a team manager can scan: (field name, legend, code prefixes).
FACTOR_GROUPS: list[tuple[str, str, tuple[str, ...]]] = [
    ("factors_substances", "Alcohol and drug misuse", ("1", "2")),
    ("factors_domestic_abuse", "Domestic abuse", ("3",)),
    ("factors_health", "Mental health, learning disability and physical health", ("4", "5", "6")),
    ("factors_abuse", "Abuse and neglect", ("16", "17", "18", "19", "22", "23")),
    ("factors_outside_home", "Harm outside the home", ("10", "11", "12", "13", "14", "15", "24")),
    ("factors_circumstances", "The child's circumstances", ("7", "8", "9")),
    ("factors_other", "Other", ("20", "21")),
]


def _factor_prefix(code: str) -> str:
    return code.rstrip("ABCDEF")


def _group_choices(prefixes: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(c, label) for c, label in ASSESSMENT_FACTOR_CHOICES if _factor_prefix(c) in prefixes]


class FactorsMixin(forms.Form):
    """The factors as checkboxes in groups; ``factors()`` gathers the codes ticked."""

    def add_factor_fields(self) -> None:
        for name, legend, prefixes in FACTOR_GROUPS:
            self.fields[name] = forms.MultipleChoiceField(
                label=legend,
                choices=_group_choices(prefixes),
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )

    def factor_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, _, _ in FACTOR_GROUPS]

    def factors(self) -> list[str]:
        codes: list[str] = []
        for name, _, _ in FACTOR_GROUPS:
            codes += self.cleaned_data.get(name) or []
        return codes

    @classmethod
    def factor_initial(cls, codes: list[str]) -> dict[str, list[str]]:
        return {
            name: [c for c in codes if _factor_prefix(c) in prefixes]
            for name, _, prefixes in FACTOR_GROUPS
        }


class AssessmentForm(forms.Form):
    started_on = GovukDateField(
        label="When did the assessment start?",
        help_text="For example, 23 11 2026",
        error_messages={"required": "Enter the date the assessment started."},
    )
    summary = forms.CharField(
        label="Notes (optional)", required=False, max_length=TEXT_MAX_LENGTH, widget=_textarea(4)
    )


class AssessmentAuthoriseForm(FactorsMixin):
    authorised_on = GovukDateField(
        label="When was the assessment authorised?",
        help_text="The census counts the assessment as completed on this date.",
        error_messages={"required": "Enter the date of authorisation."},
    )
    outcome = forms.ChoiceField(
        label="What is the outcome?",
        choices=Assessment.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome of the assessment."},
    )
    summary = forms.CharField(
        label="Summary (optional)", required=False, max_length=TEXT_MAX_LENGTH, widget=_textarea(4)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_factor_fields()


class CinPlanStartForm(forms.Form):
    started_on = GovukDateField(
        label="When did the child in need plan start?",
        error_messages={"required": "Enter the date the plan started."},
    )


class CinPlanEndForm(forms.Form):
    ended_on = GovukDateField(
        label="When did the child in need plan end?",
        error_messages={"required": "Enter the date the plan ended."},
    )


class EpisodeCloseForm(forms.Form):
    closed_on = GovukDateField(
        label="When did the episode close?",
        error_messages={"required": "Enter the date the episode closed."},
    )
    reason = forms.ChoiceField(
        label="Why is the episode closing?",
        choices=CLOSURE_REASON_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the reason for closure."},
    )

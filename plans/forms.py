"""Browser forms for plans: they parse what was typed; the services decide."""

from __future__ import annotations

from typing import cast

from django import forms

from cpcase.forms_govuk import GovukDateField
from cpcase.models import Nation, User
from cpcase.validators import TEXT_MAX_LENGTH
from plans.models import Plan, PlanAction, StepDown
from plans.selectors import DETAIL_FIELDS
from plans.services import ActionInput, ActionProgressInput
from plans.validators import vague_timescale, vague_timescale_message

DETAIL_QUESTIONS = {
    "cause_of_harm": ("What is causing the harm?", 5),
    "short_term_goals": ("Short term goals", 5),
    "long_term_goals": ("Long term goals", 5),
    "daily_safety_check": ("Who checks day to day that the child is safe and well?", 4),
    "seen_alone_arrangements": ("When and where will the child be seen alone?", 3),
    "seen_with_family_arrangements": (
        "When and where will the child be seen with their family?",
        3,
    ),
    "contingency_plan": ("Contingency plan: what happens if the plan is not working?", 5),
}


class DetailForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DETAIL_FIELDS:
            label, rows = DETAIL_QUESTIONS[name]
            self.fields[name] = forms.CharField(
                label=label, required=False, widget=forms.Textarea(attrs={"rows": rows})
            )

    def changes(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in DETAIL_FIELDS}


class SmartDateField(GovukDateField):
    """The date boxes: words such as "ASAP" or "ongoing" get the SMART message, not a
    complaint about numbers."""

    def clean(self, value):
        typed = " ".join(str(x or "") for x in value or []) if isinstance(value, list) else ""
        label = vague_timescale(typed)
        if label:
            raise forms.ValidationError(vague_timescale_message(label))
        return super().clean(value)


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    description = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="What will be done?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    issue = forms.ChoiceField(label="Which issue is it for?", required=False)
    responsible = forms.CharField(
        label="Who is responsible?",
        required=False,
        max_length=200,
        help_text="A named person, or a named family member: for example “Jo Example (mother)”",
    )
    responsible_agency = forms.CharField(
        label="Their agency (for a professional)", required=False, max_length=200
    )
    responsible_user = forms.ChoiceField(
        label="Or choose a professional in the core group",
        required=False,
        help_text="They will be able to record progress on this action themselves.",
    )
    due_on = SmartDateField(
        label="By when?", required=False, help_text="A date, for example 15 1 2027"
    )
    evidence_of_success = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="What will show it has worked?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example “attendance at nursery has improved to four days a week”",
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["issue"]).choices = [
            ("", "Not one issue in particular")
        ] + [
            (str(i.pk), f"{i.get_risk_type_display()}: {i.description[:80]}")
            for i in plan.issues.all()
        ]
        self._users: dict[str, str] = {}
        for member in plan.core_group.filter(left_on__isnull=True, user__isnull=False):
            label = f"{member.name}, {member.agency}" if member.agency else member.name
            self._users[str(member.user_id)] = label
        lead = plan.lead_social_worker
        if lead is not None and str(lead.pk) not in self._users:
            self._users[str(lead.pk)] = f"{lead.name}, lead social worker"
        cast(forms.ChoiceField, self.fields["responsible_user"]).choices = [
            ("", "Nobody from the list"),
            *self._users.items(),
        ]

    def to_input(self) -> ActionInput:
        d = self.cleaned_data
        user = None
        if d.get("responsible_user") in self._users:
            user = User.objects.filter(pk=d["responsible_user"]).first()
        return ActionInput(
            description=d["description"],
            responsible=d["responsible"],
            due_on=d.get("due_on"),
            evidence_of_success=d["evidence_of_success"],
            issue_id=d.get("issue") or None,
            responsible_agency=d["responsible_agency"],
            responsible_user=user,
        )

    @staticmethod
    def initial_for(action: PlanAction, version: int) -> dict:
        return {
            "version": version,
            "description": action.description,
            "issue": str(action.issue_id) if action.issue_id else "",
            "responsible": action.responsible,
            "responsible_agency": action.responsible_agency,
            "responsible_user": str(action.responsible_user_id)
            if action.responsible_user_id
            else "",
            "due_on": action.due_on,
            "evidence_of_success": action.evidence_of_success,
        }


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AuthoriseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label="Do you authorise this plan?",
        choices=[("authorise", "Yes, authorise the plan"), ("return", "No, return it for changes")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to authorise the plan or return it."},
    )
    comments = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="What needs to change? (if you return it)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ProgressForm(forms.Form):
    status = forms.ChoiceField(
        label="How is this action going?",
        choices=PlanAction.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the action is going."},
    )
    note = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="Note (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MeetingForm(forms.Form):
    held_on = GovukDateField(
        label="When was the meeting held?",
        help_text="For example, 23 11 2026",
        error_messages={"required": "Enter the date of the meeting."},
    )
    attendees = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="Who attended?",
        required=False,
        help_text="One person on each line, with their agency or relationship to the child",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    notes = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="Notes of the meeting",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, actions: list[PlanAction], **kwargs):
        super().__init__(*args, **kwargs)
        self.actions = actions
        for action in actions:
            self.fields[f"status_{action.pk}"] = forms.ChoiceField(
                label=f"Progress: {action.description[:80]}",
                required=False,
                choices=[("", "No change recorded"), *PlanAction.Status.choices],
            )
            self.fields[f"note_{action.pk}"] = forms.CharField(
                label=f"Note on: {action.description[:80]}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self):
        return [(a, self[f"status_{a.pk}"], self[f"note_{a.pk}"]) for a in self.actions]

    def updates(self):
        """The progress recorded, with the form field each service error lands on."""
        found, fields = [], {}
        for action in self.actions:
            status = self.cleaned_data.get(f"status_{action.pk}")
            if status:
                i = len(found)
                found.append(
                    ActionProgressInput(
                        action.pk, status, self.cleaned_data.get(f"note_{action.pk}", "")
                    )
                )
                fields[f"action_updates[{i}].status"] = f"status_{action.pk}"
                fields[f"action_updates[{i}].non_field_errors"] = f"status_{action.pk}"
        return found, fields

    def attendee_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["attendees"].splitlines()]


OUTSIDE_REASONS = [
    (Plan.EndReason.AGE.value, "The child turned 18"),
    (Plan.EndReason.DIED.value, "The child died"),
    (
        Plan.EndReason.MOVED.value,
        "The child moved permanently to another authority, and its transfer-in conference "
        "has been held",
    ),
]


class EndForm(forms.Form):
    end_reason = forms.ChoiceField(
        label="Why does the plan end?",
        choices=OUTSIDE_REASONS,
        widget=forms.RadioSelect,
        help_text="Any other ending is decided by a review conference.",
        error_messages={"required": "Choose why the plan ends."},
    )
    ended_on = GovukDateField(
        label="When did the plan end?",
        help_text="For example, 23 11 2026",
        error_messages={"required": "Enter the date the plan ended."},
    )
    transfer_conference_on = GovukDateField(
        label="If the child moved: when was the transfer-in conference held?", required=False
    )
    transferred_to = forms.CharField(
        label="If the child moved: which authority are they now with?",
        required=False,
        max_length=200,
    )


def step_down_choices(plan: Plan) -> list[tuple[str, str]]:
    scotland = plan.child.responsible_authority.nation == Nation.SCOTLAND
    return [
        (StepDown.GIRFEC, "A GIRFEC plan")
        if scotland
        else (StepDown.CHILD_IN_NEED, "A child in need plan"),
        (StepDown.NONE, "No further plan"),
    ]


class StepDownForm(forms.Form):
    step_down = forms.ChoiceField(
        label="What support follows the plan?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the support that follows the plan."},
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["step_down"]).choices = step_down_choices(plan)

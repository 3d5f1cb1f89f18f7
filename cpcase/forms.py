"""Browser forms for the core records. They parse; the services decide."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm

from cpcase import access
from cpcase.accounts import user_password_reset_complete
from cpcase.forms_govuk import GovukDateField
from cpcase.models import Child, EmergencyProtection, Relationship, Team, User
from cpcase.reference import DISABILITY_CHOICES, ETHNICITY_CHOICES, UPN_UNKNOWN_CHOICES
from cpcase.services import AddressInput, PersonInput
from cpcase.validators import TEXT_MAX_LENGTH


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is not active. Ask your system administrator.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "spellcheck": "false"}
        )
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class PasswordResetForm(SetPasswordForm):
    """The new password a one-time reset link asks for; the service sets it and audits."""

    def save(self, commit: bool = True) -> User:
        return user_password_reset_complete(
            user=self.user, password=self.cleaned_data["new_password1"]
        )


class ChildSearchForm(forms.Form):
    q = forms.CharField(
        label="Name, NHS number or LA child ID",
        required=False,
        max_length=100,
        help_text="Names are found even with a typing slip, like Testchlid.",
    )
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, help_text="For example, 17 5 2018"
    )
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["postcode"].widget.attrs.update({"autocomplete": "postal-code"})
        self.fields["q"].widget.attrs.update({"spellcheck": "false"})

    def clean(self):
        data = super().clean()
        if (
            self.is_bound
            and not self.errors
            and not any(data.get(k) for k in ("q", "date_of_birth", "postcode"))
        ):
            raise forms.ValidationError(
                "Enter a name, a date of birth or a postcode to search for."
            )
        return data


def _choices_team(user: User):
    return [("", "Not allocated")] + [
        (str(t.pk), t.name) for t in Team.objects.filter(authority=user.authority_id)
    ]


def _choices_workers(user: User):
    workers = (
        User.objects.filter(is_active=True, authority=user.authority_id)
        .filter(access.lead_social_worker_candidates())
        .distinct()
        .order_by("last_name", "first_name")
    )
    return [("", "Not allocated")] + [(str(u.pk), u.name) for u in workers]


class ChildForm(forms.Form):
    first_name = forms.CharField(
        label="First name",
        required=False,
        max_length=100,
        help_text="Leave blank for an unborn baby.",
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={"required": "Enter the child's last name."},
    )
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, help_text="For example, 17 5 2018"
    )
    expected_date_of_delivery = GovukDateField(
        label="Expected date of delivery", required=False, help_text="Only for an unborn baby."
    )
    mother_first_name = forms.CharField(
        label="Mother's first name",
        required=False,
        max_length=100,
        help_text="An unborn baby is identified by the mother.",
    )
    mother_last_name = forms.CharField(label="Mother's last name", required=False, max_length=100)
    sex = forms.ChoiceField(
        label="Sex", choices=Child.Sex.choices, widget=forms.RadioSelect, initial="U"
    )
    ethnicity = forms.ChoiceField(
        label="Ethnicity",
        choices=[("", "Choose the child's ethnicity"), *ETHNICITY_CHOICES],
        required=False,
    )
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=14,
        help_text="10 digits, for example 999 765 4323",
    )
    la_child_id = forms.CharField(label="LA child ID", required=False, max_length=20)
    upn = forms.CharField(
        label="Unique pupil number (UPN)",
        required=False,
        max_length=20,
        help_text="13 characters, starting with a letter, for example A123456789012",
    )
    upn_unknown = forms.ChoiceField(
        label="If the UPN is not known, why not?",
        choices=[("", "The UPN is given, or not yet looked into"), *UPN_UNKNOWN_CHOICES],
        required=False,
    )
    disabilities = forms.MultipleChoiceField(
        label="Disabilities",
        help_text=(
            "Tick each that applies, or 'No disability'. Leave them all unticked while "
            "this is not yet recorded."
        ),
        choices=DISABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    date_of_death = GovukDateField(
        label="Date of death", required=False, help_text="Only if the child has died."
    )
    line1 = forms.CharField(label="Address line 1", required=False, max_length=200)
    line2 = forms.CharField(label="Address line 2 (optional)", required=False, max_length=200)
    town = forms.CharField(label="Town or city", required=False, max_length=100)
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    looked_after = forms.BooleanField(label="The child is looked after (in care)", required=False)
    looked_after_since = GovukDateField(
        label="Looked after since",
        help_text="The date the child became looked after, for example 8 12 2026.",
        required=False,
    )
    team = forms.ChoiceField(label="Team", required=False)
    lead_social_worker = forms.ChoiceField(label="Lead social worker", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user: User, can_allocate: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nhs_number"].widget.attrs.update(
            {"inputmode": "numeric", "spellcheck": "false"}
        )
        self.fields["postcode"].widget.attrs.update({"autocomplete": "postal-code"})
        for name in ("line1", "line2", "town"):
            self.fields[name].widget.attrs.update(
                {"autocomplete": f"address-{'level2' if name == 'town' else name}"}
            )
        if can_allocate:
            cast(forms.ChoiceField, self.fields["team"]).choices = _choices_team(user)
            cast(forms.ChoiceField, self.fields["lead_social_worker"]).choices = _choices_workers(
                user
            )
        else:
            del self.fields["team"]
            del self.fields["lead_social_worker"]

    def clean(self):
        data = super().clean()
        address = [data.get(k) for k in ("line1", "town", "postcode")]
        if any(address) and not all(address):
            for key, label in (
                ("line1", "the first line of the address"),
                ("town", "the town or city"),
                ("postcode", "the postcode"),
            ):
                if not data.get(key):
                    self.add_error(key, f"Enter {label}, or leave the whole address blank.")
        return data

    def changes(self) -> dict:
        d = self.cleaned_data
        changes = {
            k: d.get(k)
            for k in (
                "first_name",
                "last_name",
                "date_of_birth",
                "expected_date_of_delivery",
                "sex",
                "ethnicity",
                "nhs_number",
                "la_child_id",
                "looked_after",
                "upn",
                "upn_unknown",
                "date_of_death",
                "looked_after_since",
            )
        }
        # Nothing ticked: not recorded (None), which is not 'No disability'.
        changes["disabilities"] = list(d.get("disabilities") or []) or None
        if d.get("line1"):
            changes["address"] = AddressInput(
                line1=d["line1"], line2=d.get("line2", ""), town=d["town"], postcode=d["postcode"]
            )
        if d.get("mother_last_name") and not d.get("date_of_birth"):
            changes["mother"] = PersonInput(
                first_name=d.get("mother_first_name", ""), last_name=d["mother_last_name"]
            )
        if "team" in self.fields:
            changes["team"] = Team.objects.filter(pk=d["team"]).first() if d.get("team") else None
            changes["lead_social_worker"] = (
                User.objects.filter(pk=d["lead_social_worker"]).first()
                if d.get("lead_social_worker")
                else None
            )
        return changes

    @classmethod
    def initial_for(cls, child: Child) -> dict:
        address = child.address
        return {
            "first_name": child.first_name,
            "last_name": child.last_name,
            "date_of_birth": child.date_of_birth,
            "expected_date_of_delivery": child.expected_date_of_delivery,
            "sex": child.sex,
            "ethnicity": child.ethnicity,
            "nhs_number": child.nhs_number_display,
            "la_child_id": child.la_child_id,
            "upn": child.upn,
            "upn_unknown": child.upn_unknown,
            "disabilities": list(child.disabilities or []),
            "date_of_death": child.date_of_death,
            "line1": address.line1 if address else "",
            "line2": address.line2 if address else "",
            "town": address.town if address else "",
            "postcode": address.postcode if address else "",
            "looked_after": child.looked_after,
            "looked_after_since": child.looked_after_since,
            "team": str(child.team_id or ""),
            "lead_social_worker": str(child.lead_social_worker_id or ""),
            "version": child.version,
        }


class PersonForm(forms.Form):
    first_name = forms.CharField(
        label="First name", max_length=100, error_messages={"required": "Enter their first name."}
    )
    last_name = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": "Enter their last name."}
    )
    date_of_birth = GovukDateField(label="Date of birth (optional)", required=False)
    phone = forms.CharField(label="Phone number (optional)", required=False, max_length=30)
    relationship = forms.ChoiceField(
        label="Relationship to the child",
        choices=Relationship.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how they are related to the child."},
    )
    parental_responsibility = forms.BooleanField(
        label="Has parental responsibility", required=False
    )
    lives_with_child = forms.BooleanField(label="Lives with the child", required=False)
    is_carer = forms.BooleanField(label="Is a carer of the child", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})


class EmergencyProtectionForm(forms.Form):
    kind = forms.ChoiceField(
        label="What was it?",
        choices=EmergencyProtection.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose an emergency protection order or police protection."},
    )
    started_on = GovukDateField(
        label="Date it started",
        error_messages={"required": "Enter the date it started."},
    )
    ended_on = GovukDateField(label="Date it ended (if it has)", required=False)
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SecondFactorCodeForm(forms.Form):
    """The code from the authenticator app, or (when signing in) a recovery code."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        error_messages={"required": "Enter the code from your authenticator app."},
    )

    def __init__(self, *args, recovery: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.widget.attrs.update({"autocomplete": "one-time-code", "spellcheck": "false"})
        if recovery:
            field.help_text = (
                "The 6 digits your authenticator app shows now. Lost your phone? "
                "Enter one of your recovery codes instead."
            )
        else:
            field.widget.attrs["inputmode"] = "numeric"
            field.help_text = "The 6 digits your authenticator app shows now."

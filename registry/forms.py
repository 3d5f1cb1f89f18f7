from django import forms

from cpcase.forms_govuk import GovukDateField


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

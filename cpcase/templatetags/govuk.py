"""GOV.UK Design System form fields for Django forms: ``{% govuk_field form.name %}``."""

from __future__ import annotations

from django import forms, template

from cpcase.forms_govuk import DateInputWidget
from cpcase.timescales import KIND_LABELS

register = template.Library()


def _kind(field) -> str:
    widget = field.field.widget
    if isinstance(widget, DateInputWidget):
        return "date"
    # Before RadioSelect: Django's CheckboxSelectMultiple is a subclass of it.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    return "input"


@register.inclusion_tag("includes/field.html")
def govuk_field(field, classes: str = "", label_size: str = ""):
    return {
        "field": field,
        "kind": _kind(field),
        "classes": classes,
        "label_size": label_size,
        "errors": field.errors,
        "described_by": " ".join(
            x
            for x in (
                f"{field.auto_id}-hint" if field.help_text else "",
                f"{field.auto_id}-error" if field.errors else "",
            )
            if x
        ),
    }


@register.inclusion_tag("includes/error_summary.html")
def govuk_error_summary(form=None, extra=None):
    """Every error of the form, each linking to its field; ``extra`` adds non-field messages."""
    items = []
    if form is not None:
        for name, errors in form.errors.items():
            if name == "__all__":
                items += [{"text": e, "href": ""} for e in errors]
                continue
            bound = form[name]
            href = f"#{bound.auto_id}"
            grouped = (DateInputWidget, forms.RadioSelect, forms.CheckboxSelectMultiple)
            if isinstance(bound.field.widget, grouped):
                href = f"#{bound.auto_id}_0"  # the first box of the group
            items += [{"text": e, "href": href} for e in errors]
    for message in extra or []:
        items.append({"text": message, "href": ""})
    return {"items": items}


@register.filter
def deadline_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())

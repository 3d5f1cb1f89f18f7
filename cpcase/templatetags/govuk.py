"""GOV.UK Design System form fields for Django forms: ``{% govuk_field form.name %}``."""

from __future__ import annotations

from typing import Any

from django import forms, template

from cpcase.forms_govuk import DateInputWidget
from cpcase.timescales import KIND_LABELS, Status

# A deadline's status as a GOV.UK tag: its words and its colour.
DEADLINE_STATUS_TAGS: dict[str, tuple[str, str]] = {
    Status.OVERDUE: ("Overdue", "red"),
    Status.DUE_TODAY: ("Due today", "orange"),
    Status.UPCOMING: ("Upcoming", "blue"),
    Status.MET: ("Met", "green"),
    Status.MET_LATE: ("Met late", "yellow"),
    Status.MISSED: ("Missed", "grey"),
}

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
    kind = _kind(field)
    return {
        "field": field,
        # The template asks which kind of field this is, never compares the kind's name.
        "is_hidden": kind == "hidden",
        "is_date": kind == "date",
        "is_radios": kind == "radios",
        "is_checkboxes": kind == "checkboxes",
        "is_checkbox": kind == "checkbox",
        "is_textarea": kind == "textarea",
        "is_select": kind == "select",
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


@register.inclusion_tag("cpcase/_status_tag.html")
def deadline_status_tag(status: str) -> dict[str, str]:
    """A deadline's status (``timescales.Status``) as a GOV.UK tag; nothing for another value."""
    label, colour = DEADLINE_STATUS_TAGS.get(status, ("", ""))
    return {"label": label, "colour": colour}


def _yes(attribute: Any) -> bool:
    """A page's ``has_previous``/``has_next``: a method on Django's pages, a value on ours."""
    return bool(attribute() if callable(attribute) else attribute)


@register.inclusion_tag("includes/pagination.html", takes_context=True)
def govuk_pagination(
    context: template.Context, page: Any, param: str = "page", label: str = "Pages"
) -> dict[str, Any]:
    """GOV.UK pagination (previous and next) for a page of a list whose number is the
    query parameter ``param``; the address's other parameters are kept, so two lists on
    one page turn their pages independently."""
    request = context["request"]

    def link(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}"

    number = int(page.number)
    return {
        "label": label,
        "previous": link(number - 1) if _yes(page.has_previous) else "",
        "next": link(number + 1) if _yes(page.has_next) else "",
    }

"""Plans' words for templates, so that templates compare no stored codes."""

from __future__ import annotations

from django import template

from plans.models import PlanIssue

register = template.Library()


@register.filter
def risk_type_label(code: str) -> str:
    """``"HRI"`` → "High risk indicator"; an unknown code is shown as it is."""
    try:
        return str(PlanIssue.RiskType(code).label)
    except ValueError:
        return code

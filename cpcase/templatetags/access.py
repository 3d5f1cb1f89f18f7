"""Templates ask the access module by capability name, never by role name.

{% load access %}
{% if user|may:"search_register" %}...{% endif %}
{% may_for user "record_visit" child as can_visit %}{% if can_visit %}...{% endif %}
"""

from __future__ import annotations

from typing import Any

from django import template

from cpcase import access

register = template.Library()


@register.filter(name="may")
def may(user: Any, capability: str) -> bool:
    """Whether ``user`` has a capability that needs no record (a list, a tool)."""
    try:
        check = access.USER_CAPABILITIES[capability]
    except KeyError:
        raise template.TemplateSyntaxError(f"No capability named {capability!r}.") from None
    return check(user)


@register.simple_tag
def may_for(user: Any, capability: str, child: Any) -> bool:
    """Whether ``user`` may do ``capability`` to this child."""
    try:
        check = access.CHILD_CAPABILITIES[capability]
    except KeyError:
        raise template.TemplateSyntaxError(f"No capability named {capability!r}.") from None
    return check(user, child)

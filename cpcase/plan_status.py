"""Whether a child has an active plan: a question only the plans app can answer.

The plans app hands the core a provider in ``AppConfig.ready`` (the core never
imports it, STYLE.md), in the same shape as :mod:`cpcase.chronology`. A
provider takes many children's ids at once and answers the ones with an active
plan, so a list of children costs one query however long it is. With no
provider registered, no child has an active plan.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from cpcase.models import Child

Provider = Callable[[Collection[Any]], Collection[Any]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def children_with_active_plan(child_ids: Collection[Any]) -> set[Any]:
    """The ids, among ``child_ids``, of children with an active plan."""
    child_ids = list(child_ids)
    if not child_ids:
        return set()
    found: set[Any] = set()
    for provider in _providers:
        found.update(provider(child_ids))
    return found


def has_active_plan(child: Child) -> bool:
    return child.pk in children_with_active_plan([child.pk])

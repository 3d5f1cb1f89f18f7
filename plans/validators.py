"""SMART timescales: 'as soon as possible' or 'ongoing' is never acceptable (DOMAIN.md)."""

from __future__ import annotations

import re

_SEP = r"[\s._-]*"
_VAGUE = [
    (re.compile(rf"\ba{_SEP}s{_SEP}a{_SEP}p\b", re.I), "ASAP"),
    (
        re.compile(r"\bas\s+soon\s+as\s+(possible|practicable|we\s+can)\b", re.I),
        "as soon as possible",
    ),
    (re.compile(rf"\bon{_SEP}going\b", re.I), "ongoing"),
    (re.compile(r"\bwhen(ever)?\s+(possible|practicable|able)\b", re.I), "when possible"),
    (re.compile(rf"\bt{_SEP}b{_SEP}[ca]\b", re.I), "TBC"),
    (re.compile(r"\bto\s+be\s+(confirmed|arranged|agreed)\b", re.I), "to be confirmed"),
    (re.compile(r"\b(in\s+due\s+course|at\s+some\s+point)\b", re.I), "in due course"),
]


def vague_timescale(text: str) -> str | None:
    """The vague timescale found in ``text``, as the user would recognise it, or None."""
    for pattern, label in _VAGUE:
        if pattern.search(text or ""):
            return label
    return None


def vague_timescale_message(label: str) -> str:
    return (
        f"“{label}” is not a timescale. Give the date by which this will be done "
        "(for example 15 January 2027): a plan's actions each need a date."
    )


def action_errors(
    *,
    description: str,
    responsible: str,
    has_responsible_user: bool,
    due_on,
    evidence_of_success: str,
    plan_started_on=None,
) -> dict[str, list[str]]:
    """What is missing or vague in a SMART action, by field: the one check every path uses
    (the services, the browser, the API, and any model form such as the admin's)."""
    errors: dict[str, list[str]] = {}
    for field, value in (
        ("description", description),
        ("responsible", responsible),
        ("evidence_of_success", evidence_of_success),
    ):
        label = vague_timescale(value)
        if label:
            errors[field] = [vague_timescale_message(label)]
    if not (description or "").strip():
        errors["description"] = ["Say what will be done."]
    if not (responsible or "").strip() and not has_responsible_user:
        errors["responsible"] = [
            "Name who is responsible: a named person and their agency, or a named family member."
        ]
    if due_on is None:
        errors["due_on"] = [
            "Give the date by which this will be done. “As soon as possible” or “ongoing” is "
            "not a timescale."
        ]
    elif plan_started_on is not None and due_on < plan_started_on:
        errors["due_on"] = ["The date is before the plan started."]
    if not (evidence_of_success or "").strip():
        errors["evidence_of_success"] = [
            "Say what will show the outcome was reached, for example “attendance at nursery "
            "has improved to four days a week”."
        ]
    return errors

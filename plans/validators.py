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

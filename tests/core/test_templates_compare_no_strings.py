"""Templates ask models and template tags; they never compare a stored code with a string
(issue 15: a status renamed in Python would silently break an ``{% if x == "held" %}``)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.utils.text import smart_split

IF_TAG = re.compile(r"\{%-?\s*(?:if|elif)\s+(.*?)\s*-?%\}", re.DOTALL)
OPERATORS = {"==", "!=", "in", "not"}


def _templates() -> list[Path]:
    dirs = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    return sorted(p for d in dirs for p in d.rglob("*.html"))


def _string_comparisons(source: str) -> list[str]:
    """Each ``{% if %}``/``{% elif %}`` condition that compares something with a string
    literal (``x == "a"``, ``"a" != x``, ``x in "abc"``)."""
    found = []
    for condition in IF_TAG.findall(source):
        tokens = list(smart_split(condition))
        for i, token in enumerate(tokens):
            literal = token[:1] in {'"', "'"}
            beside = {tokens[j] for j in (i - 1, i + 1) if 0 <= j < len(tokens)}
            if literal and beside & OPERATORS:
                found.append(condition)
                break
    return found


def test_the_detector_finds_what_it_looks_for():
    assert _string_comparisons('{% if plan.stage == "authorised" %}')
    assert _string_comparisons("{% elif 'held' != c.status %}")
    assert _string_comparisons('{% if kind in "date radios" %}')
    assert not _string_comparisons("{% if plan.is_authorised %}")
    # Two values compared, each formatted: no literal operand.
    assert not _string_comparisons(
        '{% if value|stringformat:"s" == field.value|stringformat:"s" %}'
    )


def test_no_template_compares_a_value_with_a_string():
    templates = _templates()
    assert len(templates) > 50, "the templates folder was not found"
    offenders = {
        str(path.relative_to(settings.BASE_DIR)): found
        for path in templates
        if (found := _string_comparisons(path.read_text()))
    }
    assert offenders == {}

"""Run the DfE's Children in Need census rules on a census XML and print every issue.

Runs under ``.venv-cin/bin/python`` (the public validator, csc-validator-be-cin, needs
pandas<2; it never shares the app's virtualenv). Reads the XML from the file named as
the first argument (or stdin) and prints a JSON list of issues, each with the rule's
code and message, the child, the table and the field ("child_id", "table" and "field"
are null for a rule about the whole return, such as a count across all children).
Its rules need no network: working days come from the validator's own list of England's
bank holidays (``cin_validator/england_holidates.py``).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from typing import Any

RULESET = "cin2026_27"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def validate(xml: bytes, ruleset: str = RULESET) -> list[dict[str, str | None]]:
    import importlib
    import warnings

    warnings.simplefilter("ignore", FutureWarning)  # the validator's pandas idioms
    from cin_validator.cin_validator import CinValidator, convert_data, process_data

    registry = importlib.import_module(f"cin_validator.rules.{ruleset}").registry
    root = ET.fromstring(xml)  # noqa: S314
    data = process_data(convert_data(root))
    # The validator prints a rule that raised, and carries on as if it had passed: catch
    # the print (it would spoil our JSON) and report the rule as an issue.
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = CinValidator(data, registry)
    issues: list[dict[str, str | None]] = []
    for line in printed.getvalue().splitlines():
        crashed = re.match(r"Error with rule (\S+): (.*)", line)
        if crashed:
            issues.append(
                {
                    "rule": crashed.group(1),
                    "message": f"The rule could not run on this return: {crashed.group(2)}",
                    "child_id": None,
                    "table": None,
                    "field": None,
                }
            )
    for row in result.full_issue_df.to_dict("records"):
        issues.append(
            {
                "rule": _text(row.get("rule_code")),
                "message": _text(row.get("rule_description")),
                "child_id": _text(row.get("child_id")),
                "table": _text(row.get("tables_affected")),
                "field": _text(row.get("columns_affected")),
            }
        )
    for row in result.multichild_issues.to_dict("records"):
        issues.append(
            {
                "rule": _text(row.get("rule_code")),
                "message": _text(row.get("rule_description")),
                "child_id": None,
                "table": None,
                "field": None,
            }
        )
    return issues


def main() -> int:
    if len(sys.argv) > 1:
        with open(sys.argv[1], "rb") as f:
            xml = f.read()
    else:
        xml = sys.stdin.buffer.read()
    print(json.dumps(validate(xml), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The DfE's census rules, for the tests: run ``tests/support/cin_validate.py`` under the
validator's own virtualenv (``.venv-cin``, built by ``make cin-validator``) and return
its issues."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CIN_PYTHON = ROOT / ".venv-cin" / "bin" / "python"
SCRIPT = ROOT / "tests" / "support" / "cin_validate.py"


def dfe_issues(xml: bytes) -> list[dict[str, str | None]]:
    """Every issue the DfE's 2026 to 2027 rules find in the census XML (errors and
    queries alike): rule, message, child_id, table, field."""
    if not CIN_PYTHON.exists():
        raise RuntimeError(
            f"{CIN_PYTHON} is missing: run `make cin-validator` to install the DfE's "
            "census rules (csc-validator-be-cin) in their own virtualenv."
        )
    result = subprocess.run(
        [str(CIN_PYTHON), str(SCRIPT)],
        input=xml,
        capture_output=True,
        timeout=240,
        check=False,
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise RuntimeError(f"The census validator failed:\n{result.stderr.decode()[-4000:]}")
    return json.loads(result.stdout)

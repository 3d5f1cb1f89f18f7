"""Links to the service's own pages are built with ``reverse()``, never by hand: a route
that moves then moves every link to it (issue 15). Walks every module of the apps."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

APPS = ("cpcase", "plans", "conferences", "visits", "registry")
# An f-string that starts like one of our paths and fills in a part of it.
HAND_BUILT = re.compile(r"""f["']/(?:[a-z-]+/)*[a-z-]*\{""")


def test_no_module_builds_a_link_to_a_page_by_hand():
    root = Path(settings.BASE_DIR)
    found = []
    for app in APPS:
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts or path.name.startswith("bench"):
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if HAND_BUILT.search(line):
                    found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert found == [], "use reverse():\n" + "\n".join(found)

"""Rooms a newcomer can live in (issue 15): the limits that keep the code small enough to
hold in the head, checked over every module, so that they hold for the next change too."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("cpcase", "plans", "conferences", "visits", "registry")
MAX_FUNCTION_LINES = 60
MAX_SERVICES_MODULE_LINES = 400


def _modules(*folders: str) -> list[Path]:
    found = [p for folder in folders for p in (ROOT / folder).rglob("*.py")]
    return sorted(p for p in found if "migrations" not in p.parts)


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_walk_finds_the_code():
    assert len(_modules(*APPS)) > 150


def test_no_function_is_over_60_lines():
    long = {
        f"{_name(path)}:{node.name}": node.end_lineno - node.lineno + 1
        for path in [*_modules(*APPS, "load"), ROOT / "manage.py"]
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    }
    assert long == {}


def test_no_services_module_is_over_400_lines():
    services = [
        p
        for app in APPS
        for p in [ROOT / app / "services.py", *(ROOT / app / "services").glob("*.py")]
    ]
    existing = [p for p in services if p.exists()]
    assert len(existing) >= 5
    big = {
        _name(p): n
        for p in existing
        if (n := len(p.read_text().splitlines())) > MAX_SERVICES_MODULE_LINES
    }
    assert big == {}


def _unexplained_local_imports(source: str) -> list[int]:
    """Lines of imports inside a function with no comment saying why: on the import's line,
    or on the line above it or above the block of imports it belongs to."""
    lines = source.splitlines()
    tree = ast.parse(source)
    import_lines: set[int] = set()
    local: list[ast.stmt] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            import_lines.update(range(node.lineno, node.end_lineno + 1))
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            local += [n for n in function.body if isinstance(n, ast.Import | ast.ImportFrom)]
            local += [
                n
                for n in ast.walk(function)
                if isinstance(n, ast.Import | ast.ImportFrom) and n not in function.body
            ]
    unexplained = []
    for node in {id(n): n for n in local}.values():
        if "#" in lines[node.lineno - 1]:
            continue
        above = node.lineno - 1
        while above >= 1 and (above in import_lines or not lines[above - 1].strip()):
            above -= 1
        if above < 1 or not lines[above - 1].strip().startswith("#"):
            unexplained.append(node.lineno)
    return sorted(unexplained)


def test_the_detector_of_local_imports():
    explained = "def f():\n    # A cycle: b imports this module.\n    import b\n    import c\n"
    bare = "import a\n\n\ndef f():\n    x = 1\n    import b\n"
    assert _unexplained_local_imports(explained) == []
    assert _unexplained_local_imports(bare) == [6]


def test_imports_are_at_the_top_or_say_why_not():
    unexplained = {
        _name(p): lines
        for p in [*_modules(*APPS, "load"), ROOT / "manage.py"]
        if (lines := _unexplained_local_imports(p.read_text()))
    }
    assert unexplained == {}

"""One gate: nothing outside the access module decides by comparing role names.

The source of every app (Python by its syntax tree, templates by their tags) is read, and
any comparison or membership test against a role (``Role.SOCIAL_WORKER``, a role set such
as ``ENQUIRER_ROLES``, ``user.roles``, ``has_role(...)``, a group filtered by name, a role
slug in a template tag) outside the files that define the roles fails the test.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from cpcase.roles import Role

ROOT = Path(__file__).resolve().parents[2]
APPS = ("cpcase", "plans", "conferences", "visits", "registry")

# Files that define roles, or give them to accounts, rather than decide access with them.
ALLOWED = {
    "cpcase/access.py",  # the gate itself
    "cpcase/roles.py",  # the roles' definitions
    "cpcase/models.py",  # User.roles and has_role, the roles' storage
    "cpcase/reference_data.py",  # creates a group per role
    "cpcase/demo.py",  # the demo accounts and their roles
    "cpcase/bench.py",  # benchmark accounts
    "cpcase/management/commands/add_user.py",
    "cpcase/management/commands/seed_demo.py",
}
ROLE_SETS = re.compile(r"^[A-Z_]*ROLES$")
SLUGS = frozenset(Role.values)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _mentions_roles(node: ast.AST) -> bool:
    """Whether an expression is (or contains) a role: Role.X, a role set, ``x.roles``."""
    for n in ast.walk(node):
        if (
            isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name)
            and n.value.id == "Role"
            and n.attr.isupper()
        ):
            return True
        if isinstance(n, ast.Name) and ROLE_SETS.match(n.id):
            return True
        if isinstance(n, ast.Attribute) and n.attr == "roles":
            return True
    return False


def python_findings(source: str, path: str = "<snippet>") -> list[Finding]:
    found: list[Finding] = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_mentions_roles(o) for o in operands):
                found.append(Finding(path, line, "a comparison with a role"))
        elif isinstance(node, ast.BinOp) and isinstance(
            node.op, (ast.BitAnd, ast.BitOr, ast.Sub, ast.BitXor)
        ):
            if _mentions_roles(node.left) or _mentions_roles(node.right):
                found.append(Finding(path, line, "a set operation on roles"))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("has_role", "intersection", "issubset", "issuperset", "isdisjoint") and (
                name == "has_role" or _mentions_roles(func)
            ):
                found.append(Finding(path, line, f"{name}(...) on roles"))
            for kw in node.keywords:
                if kw.arg and kw.arg.startswith("groups__name"):
                    found.append(Finding(path, line, f"users filtered by {kw.arg}"))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Role"
            and node.attr.isupper()
        ):
            found.append(Finding(path, line, f"Role.{node.attr} named outside the gate"))
        elif isinstance(node, ast.Name) and ROLE_SETS.match(node.id):
            found.append(Finding(path, line, f"the role set {node.id} outside the gate"))
    return found


_TAG = re.compile(r"{%(.*?)%}", re.S)


def template_findings(source: str, path: str = "<snippet>") -> list[Finding]:
    found: list[Finding] = []
    for match in _TAG.finditer(source):
        tag = match.group(1)
        line = source.count("\n", 0, match.start()) + 1
        quoted = set(re.findall(r"""["']([a-z_]+)["']""", tag))
        if quoted & SLUGS:
            found.append(Finding(path, line, f"a role name in a tag: {sorted(quoted & SLUGS)}"))
        elif re.search(r"\.roles\b|\broles\b\s*(==|!=|in\b)|\bin\s+\w+\.roles", tag):
            found.append(Finding(path, line, "a tag that tests roles"))
    return found


def _python_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel in ALLOWED or rel.endswith("/bench.py"):
                continue
            yield rel, path


def test_no_role_comparison_outside_the_access_module():
    found = [f for rel, path in _python_files() for f in python_findings(path.read_text(), rel)]
    assert not found, "Ask cpcase/access.py instead:\n" + "\n".join(map(str, found))


def test_no_role_name_in_a_template():
    found = [
        f
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for f in template_findings(path.read_text(), path.relative_to(ROOT).as_posix())
    ]
    assert not found, 'Use {% load access %} and user|may:"..." instead:\n' + "\n".join(
        map(str, found)
    )


def test_the_scan_reads_every_app():
    scanned = {rel.split("/")[0] for rel, _ in _python_files()}
    assert scanned == set(APPS)
    assert any(rel == "cpcase/views.py" for rel, _ in _python_files())


@pytest.mark.parametrize(
    "snippet",
    [
        "if Role.SOCIAL_WORKER in user.roles:\n    pass",
        "if user.has_role(Role.TEAM_MANAGER):\n    pass",
        "ok = user.roles & ENQUIRER_ROLES",
        "ok = 'social_worker' in request.user.roles",
        "ok = user.roles <= {'police_enquirer'}",
        "ok = user.roles.intersection({'team_manager'})",
        "qs = User.objects.filter(groups__name='team_manager')",
        "qs = User.objects.filter(groups__name__in=[x])",
        "allowed = (Role.CONFERENCE_CHAIR,)",
        "def view(request):\n    return request.user.has_role('chair')",
    ],
)
def test_the_detector_catches_a_role_check(snippet):
    assert python_findings(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        "if access.may_record_visit(user, child):\n    pass",
        "names = sorted(user.roles)",
        "if role == 'team_manager':\n    pass",  # a reason to tell someone, not a role held
        "choices = Role.choices",
    ],
)
def test_the_detector_lets_capabilities_through(snippet):
    assert not python_findings(snippet)


@pytest.mark.parametrize(
    ("snippet", "caught"),
    [
        ('{% if "social_worker" in user.roles %}x{% endif %}', True),
        ("{% if user.roles %}x{% endif %}", True),
        ("{% if 'safeguarding_unit_manager' in roles %}x{% endif %}", True),
        ('{% if user|may:"record_visit" %}x{% endif %}', False),
        ("{{ roles|join:', ' }}", False),
    ],
)
def test_the_template_detector(snippet, caught):
    assert bool(template_findings(snippet)) is caught

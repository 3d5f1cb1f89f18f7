"""One handler turns a service's domain error into the right browser page (issue 15), as
the API's exception handler does for JSON: no page converts them by hand."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from cpcase.errors import Conflict, DomainError, NotFound, NotPermitted
from cpcase.middleware import DomainErrorMiddleware

APPS = ("cpcase", "plans", "conferences", "visits", "registry")


def _handle(user, error: Exception) -> HttpResponse | None:
    request = RequestFactory().get("/somewhere/")
    request.user = user
    request.session = {}
    return DomainErrorMiddleware(lambda r: HttpResponse()).process_exception(request, error)


@pytest.mark.parametrize(
    ("error", "status", "words"),
    [
        (NotFound("No such child."), 404, "Page not found"),
        (NotPermitted("Only the chair."), 403, "You do not have permission"),
        (Conflict("Somebody else saved this plan first."), 409, "Somebody else saved this plan"),
        (DomainError(errors={"held_on": ["The date is in the future."]}), 400, "in the future"),
    ],
)
def test_each_domain_error_is_its_page(social_worker, error, status, words):
    response = _handle(social_worker, error)
    assert response is not None
    assert response.status_code == status
    assert words in response.content.decode()


def test_other_exceptions_are_left_alone(social_worker):
    assert _handle(social_worker, ValueError("a bug")) is None


def test_the_handler_is_installed():
    assert "cpcase.middleware.DomainErrorMiddleware" in settings.MIDDLEWARE


def _converts_by_hand(path: Path) -> list[int]:
    """Lines of ``except NotFound/NotPermitted`` handlers that raise Http404 or
    PermissionDenied: the middleware's job."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ExceptHandler) or node.type is None:
            continue
        caught = ast.unparse(node.type)
        if "NotFound" not in caught and "NotPermitted" not in caught:
            continue
        raised = [ast.unparse(n.exc) for n in ast.walk(node) if isinstance(n, ast.Raise) and n.exc]
        if any("Http404" in r or "PermissionDenied" in r for r in raised):
            found.append(node.lineno)
    return found


def test_no_browser_view_converts_domain_errors_by_hand():
    root = Path(settings.BASE_DIR)
    views = [p for app in APPS for p in (root / app).rglob("*views*.py")]
    assert len(views) >= 8
    offenders = {str(p.relative_to(root)): lines for p in views if (lines := _converts_by_hand(p))}
    assert offenders == {}

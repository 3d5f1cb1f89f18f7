"""Every free-text field has a length limit, in the models, the browser's forms and the API.

Walked, not listed: a new TextField, form field or request field without a limit fails
here. Over the limit is a 400 (or a form error) that names the field and says the limit.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.db import models
from drf_spectacular.generators import SchemaGenerator

from cpcase.validators import TEXT_MAX_LENGTH

APPS = ("cpcase", "plans", "conferences", "visits", "registry")


def test_every_text_field_of_every_model_has_a_max_length():
    unbounded = [
        f"{model._meta.label}.{field.name}"
        for app in APPS
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField) and not field.max_length
    ]
    assert not unbounded


def _form_classes() -> Iterator[type[forms.BaseForm]]:
    for app in APPS:
        module = importlib.import_module(f"{app}.forms")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def _form_fields(cls: type[forms.BaseForm]) -> dict[str, forms.Field]:
    return dict(cls.base_fields)


def test_every_free_text_field_of_every_form_has_a_max_length():
    unbounded = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in _form_classes()
        for name, field in _form_fields(cls).items()
        if type(field) is forms.CharField
        and not field.max_length
        # A password is checked, never kept: the sign-in's own limits apply.
        and not isinstance(field.widget, forms.PasswordInput)
    ]
    assert list(_form_classes())
    assert not unbounded


def _request_strings(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every string property of every request body, with where it is."""
    components = schema["components"]["schemas"]

    def walk(node: dict[str, Any], where: str, seen: frozenset[str]) -> Iterator:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                yield from walk(components[name], f"{where}({name})", seen | {name})
            return
        for key in ("allOf", "oneOf", "anyOf"):
            for part in node.get(key, []):
                yield from walk(part, where, seen)
        if node.get("type") == "string":
            yield where, node
        for name, prop in node.get("properties", {}).items():
            yield from walk(prop, f"{where}.{name}", seen)
        if isinstance(node.get("items"), dict):
            yield from walk(node["items"], f"{where}[]", seen)
        if isinstance(node.get("additionalProperties"), dict):
            yield from walk(node["additionalProperties"], f"{where}{{}}", seen)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                yield from walk(media.get("schema", {}), f"{method.upper()} {path}", frozenset())


def test_every_free_text_field_of_every_api_request_has_a_max_length(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    strings = list(_request_strings(schema))
    assert strings
    unbounded = [
        where
        for where, node in strings
        if "maxLength" not in node and "enum" not in node and "format" not in node
    ]
    assert not unbounded


# --- Over the limit: a 400 that names the field and says the limit -----------------


@pytest.mark.django_db
def test_a_plan_text_over_the_limit_is_a_400_naming_the_field(api_as, social_worker, child):
    from tests.factories import PlanFactory

    plan = PlanFactory(child=child, lead_social_worker=social_worker)
    r = api_as(social_worker).patch(
        f"/api/v1/plans/{plan.pk}/",
        {"contingency_plan": "x" * (TEXT_MAX_LENGTH + 1), "version": plan.version},
        format="json",
    )
    assert r.status_code == 400
    assert f"no more than {TEXT_MAX_LENGTH} characters" in r.json()["contingency_plan"][0]
    r = api_as(social_worker).patch(
        f"/api/v1/plans/{plan.pk}/",
        {"contingency_plan": "x" * TEXT_MAX_LENGTH, "version": plan.version},
        format="json",
    )
    assert r.status_code == 200, r.content

"""The API's parsers: a bounded body, a bounded depth and no NUL characters.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE guards form posts but not a body that DRF
reads from the stream itself, and Python's decoder answers a deeply nested body
with a RecursionError (a 500). Both are turned into a 400 here, before any
view sees the data; so is a NUL character, which PostgreSQL refuses to store,
anywhere in a key or a string, named by where it is in the body.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

NUL_MESSAGE = "Remove the NUL character (\\u0000): it cannot be stored."


def _too_deep(depth: int) -> ParseError:
    return ParseError(
        f"The JSON body is nested more than {depth} levels deep; no request needs that."
    )


def _nested_error(path: list[str], message: str) -> dict[str, Any]:
    """``{"enquirer": {"name": [message]}}`` for the path ``["enquirer", "name"]``."""
    error: Any = [message]
    for key in reversed(path or ["non_field_errors"]):
        error = {key: error}
    return error


def check_parsed(data: Any, *, max_depth: int) -> None:
    """Walk the parsed body without recursion: refuse one too deep or with a NUL."""
    stack: list[tuple[Any, list[str], int]] = [(data, [], 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ValidationError(_nested_error(path, NUL_MESSAGE))
            continue
        if not isinstance(value, dict | list):
            continue
        if depth >= max_depth:
            raise _too_deep(max_depth)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and "\x00" in key:
                raise ValidationError(_nested_error(path, NUL_MESSAGE))
            stack.append((item, [*path, str(key)], depth + 1))


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the limits of ``CPCASE_API_MAX_BODY_BYTES`` and
    ``CPCASE_API_MAX_JSON_DEPTH``."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit: int = settings.CPCASE_API_MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(f"The request body is larger than {limit} bytes.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            raise _too_deep(settings.CPCASE_API_MAX_JSON_DEPTH) from None
        except ValueError as exc:
            raise ParseError(f"The body is not valid JSON: {exc}") from None
        check_parsed(data, max_depth=settings.CPCASE_API_MAX_JSON_DEPTH)
        return data


def check_form(data: Any) -> None:
    """A form-encoded or multipart body: the same refusal of a NUL, named by field."""
    for key, values in data.lists():
        if "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values):
            raise ValidationError({key.replace("\x00", ""): [NUL_MESSAGE]})


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        check_form(parsed.data)
        return parsed


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON, and no field here takes them.
    raise ValueError(f"{name} is not a JSON value")

"""Pages of a list that never count the whole list.

A list whose size grows with the authority (a million children, every enquiry ever
made) answers its first page in the time it takes to read fifty rows: the rows are
read in the list's order through an index, and the total is counted only up to
``COUNT_LIMIT`` (``SELECT count(*) FROM (... LIMIT 1001)``). Up to that many the
count is exact, as before; beyond it the API says ``"count": null`` and a page says
"more than 1,000".

The API pages by keyset (a cursor): ``next`` and ``previous`` carry a signed
``cursor`` holding the sort values of the last (or first) row shown, and the next
page is the rows after those values in the list's own order, with the id last so no
two rows tie. Following ``next`` from the first page to the end reads every row
exactly once, however deep, and rows added or removed meanwhile never shift a page.
``?page=N`` still works (an offset, for clients that used it), as does
``?page_size=`` (at most 200).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db.models import F, Model, Q, QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

COUNT_LIMIT = 1000
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
_CURSOR_SALT = "cpcase.pagination.cursor"


def bounded_count(rows: Any, limit: int | None = None) -> int | None:
    """How many rows, if at most ``limit`` (``COUNT_LIMIT``); None if more (counting
    stops at limit + 1)."""
    limit = COUNT_LIMIT if limit is None else limit
    counted = rows.order_by()[: limit + 1].count() if isinstance(rows, QuerySet) else len(rows)
    return counted if counted <= limit else None


# --- Keyset: the rows after (or before) a row, in the list's own order ------------------


# No list is this deep: a larger page number is refused (its offset would not fit SQL's).
MAX_PAGE_NUMBER = 10_000_000


def page_number(raw: Any) -> int:
    """A page number from the address: anything that is not one is the first page, and
    none is deeper than ``MAX_PAGE_NUMBER``."""
    try:
        return min(max(int(raw), 1), MAX_PAGE_NUMBER)
    except (TypeError, ValueError):
        return 1


@dataclass(frozen=True)
class _Key:
    path: str  # "last_name", "child__last_name", an annotation's name, "pk"
    descending: bool
    nullable: bool


def _nullable(model: type[Model], path: str) -> bool:
    """Whether the ordering path may hold NULL (True when it cannot be told: annotations)."""
    opts = model._meta
    parts = path.split("__")
    for i, part in enumerate(parts):
        try:
            field = opts.pk if part == "pk" else opts.get_field(part)
        except FieldDoesNotExist:
            return True
        if i < len(parts) - 1:
            if not field.is_relation or field.related_model is None:
                return True
            if getattr(field, "null", False) or not getattr(field, "concrete", False):
                return True
            opts = field.related_model._meta
        else:
            return bool(getattr(field, "null", True))
    return True


def keyset_ordering(qs: QuerySet[Any]) -> tuple[_Key, ...] | None:
    """The queryset's order as keys, with the id last; None if it is not plain names."""
    given = list(qs.query.order_by) or list(qs.model._meta.ordering or ())
    ordering = [o for o in given if isinstance(o, str)]
    if len(ordering) != len(given):  # an expression: no keyset (pages by offset)
        return None
    names = [o.lstrip("-") for o in ordering]
    if any(n == "?" or "." in n for n in names):
        return None
    keys = [
        _Key(n, o.startswith("-"), _nullable(qs.model, n))
        for o, n in zip(ordering, names, strict=True)
    ]
    pk_name = qs.model._meta.pk.name
    if not any(k.path in ("pk", pk_name) for k in keys):
        keys.append(_Key("pk", False, False))
    return tuple(keys)


def _cursor_name(i: int) -> str:
    return f"_cursor_{i}"


def _value_of(row: Any, path: str, i: int) -> Any:
    if isinstance(row, dict):
        return row.get(path, row.get(_cursor_name(i)))
    if "__" in path:  # read with the row (see _keyset_page), not through its relations
        return getattr(row, _cursor_name(i))
    value = row
    for part in path.split("__"):
        if value is None:
            return None
        value = getattr(value, part)
    if isinstance(value, Model):
        value = value.pk
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID | dt.date | dt.datetime | dt.time):
        return value.isoformat() if not isinstance(value, uuid.UUID) else str(value)
    return value


def _after(keys: Sequence[_Key], values: Sequence[Any], *, backwards: bool) -> Q:
    """Rows strictly after ``values`` in the order of ``keys`` (before, ``backwards``).

    PostgreSQL sorts NULL last ascending and first descending; reversing the order
    reverses both, so one rule serves both directions."""
    condition = Q(pk__in=[])
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        descending = key.descending != backwards
        if value is None:
            later = Q(**{f"{key.path}__isnull": False}) if descending else Q(pk__in=[])
            same = Q(**{f"{key.path}__isnull": True})
        else:
            later = Q(**{f"{key.path}__{'lt' if descending else 'gt'}": value})
            if key.nullable and not descending:
                later |= Q(**{f"{key.path}__isnull": True})
            same = Q(**{key.path: value})
        condition |= equal & later
        equal &= same
    first, first_value = keys[0], values[0]
    if first_value is not None and not first.nullable:
        # The same condition, with a range the index can start from.
        descending = first.descending != backwards
        condition &= Q(**{f"{first.path}__{'lte' if descending else 'gte'}": first_value})
    return condition


def _signature(keys: Sequence[_Key]) -> str:
    return ",".join(("-" if k.descending else "") + k.path for k in keys)


def encode_cursor(keys: Sequence[_Key], row: Any, *, backwards: bool) -> str:
    values = [_plain(_value_of(row, k.path, i)) for i, k in enumerate(keys)]
    return signing.dumps(
        {"o": _signature(keys), "v": values, "b": backwards}, salt=_CURSOR_SALT, compress=True
    )


def decode_cursor(keys: Sequence[_Key], cursor: str) -> tuple[list[Any], bool]:
    """The cursor's values and direction; 404 for one not ours or not of this order."""
    try:
        data = signing.loads(cursor, salt=_CURSOR_SALT)
    except signing.BadSignature as e:
        raise NotFound("Invalid cursor.") from e
    if not isinstance(data, dict) or data.get("o") != _signature(keys):
        raise NotFound("Invalid cursor: it belongs to another list or order.")
    values = data.get("v")
    if not isinstance(values, list) or len(values) != len(keys):
        raise NotFound("Invalid cursor.")
    return values, bool(data.get("b"))


# --- The API ----------------------------------------------------------------------------


class Pagination(BasePagination):
    """``{"count", "next", "previous", "results"}``: keyset pages, a bounded count."""

    page_size = PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"
    page_query_param = "page"
    page_size_query_param = "page_size"

    def _page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "")
        try:
            size = int(raw)
        except ValueError:
            return self.page_size
        return min(size, self.max_page_size) if size > 0 else self.page_size

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.size = self._page_size(request)
        self.count = bounded_count(queryset)
        self.next_url: str | None = None
        self.previous_url: str | None = None
        keys = keyset_ordering(queryset) if isinstance(queryset, QuerySet) else None
        if keys is not None:  # the id last: no two rows tie, and pages never overlap
            queryset = queryset.order_by(*[("-" if k.descending else "") + k.path for k in keys])
        cursor = request.query_params.get(self.cursor_query_param)
        page = request.query_params.get(self.page_query_param)
        if keys is not None and page is None:
            return self._keyset_page(queryset, keys, cursor)
        if cursor is not None:
            raise NotFound("Invalid cursor.")
        return self._offset_page(queryset, page)

    def _keyset_page(self, qs: QuerySet[Any], keys: tuple[_Key, ...], cursor: str | None) -> list:
        backwards = False
        if cursor:
            values, backwards = decode_cursor(keys, cursor)
            qs = qs.filter(_after(keys, values, backwards=backwards))
        if backwards:
            qs = qs.reverse()
        related = {_cursor_name(i): F(k.path) for i, k in enumerate(keys) if "__" in k.path}
        if related:
            qs = qs.annotate(**related)
        rows = list(qs[: self.size + 1])
        more = len(rows) > self.size
        rows = rows[: self.size]
        if backwards:
            rows.reverse()
        url = remove_query_param(self.base_url, self.page_query_param)
        if rows:
            forward_more = more if not backwards else True
            behind = bool(cursor) if not backwards else more
            if forward_more:
                token = encode_cursor(keys, rows[-1], backwards=False)
                self.next_url = replace_query_param(url, self.cursor_query_param, token)
            if behind:
                token = encode_cursor(keys, rows[0], backwards=True)
                self.previous_url = replace_query_param(url, self.cursor_query_param, token)
        return rows

    def _offset_page(self, rows: Any, page: str | None) -> list:
        try:
            number = int(page) if page is not None else 1
        except ValueError as e:
            raise NotFound("Invalid page.") from e
        if number < 1 or number > MAX_PAGE_NUMBER:
            raise NotFound("Invalid page.")
        start = (number - 1) * self.size
        found = list(rows[start : start + self.size + 1])
        if number > 1 and not found:
            raise NotFound("Invalid page.")
        url = remove_query_param(self.base_url, self.cursor_query_param)
        if len(found) > self.size:
            self.next_url = replace_query_param(url, self.page_query_param, number + 1)
        if number > 1:
            self.previous_url = (
                replace_query_param(url, self.page_query_param, number - 1)
                if number > 2
                else remove_query_param(url, self.page_query_param)
            )
        return found[: self.size]

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.count,
                "next": self.next_url,
                "previous": self.previous_url,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["count", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "nullable": True,
                    "example": 123,
                    "description": (
                        f"How many rows the list holds, exact up to {COUNT_LIMIT:,}; null "
                        f"when there are more (the list is not counted beyond that)."
                    ),
                },
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": (
                        "The next page (with a `cursor`); null on the last page. Follow "
                        "`next` to read the whole list exactly once."
                    ),
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The page before (with a `cursor`); null on the first.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque: take it from `next` or `previous`.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows a page (default {PAGE_SIZE}, at most {MAX_PAGE_SIZE}).",
                "schema": {"type": "integer"},
            },
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Deprecated: a page number (an offset, slower deep in a long list). "
                    "Follow `next` instead."
                ),
                "deprecated": True,
                "schema": {"type": "integer"},
            },
        ]


# --- The pages (browser) ----------------------------------------------------------------


class BoundedPaginator(Paginator):
    """Django's paginator, counting no further than the page asked for needs.

    ``count`` is exact up to ``COUNT_LIMIT`` rows (or up to the requested page, if
    deeper); beyond that ``count_is_exact`` is False and a template says "more than".
    Use :meth:`get_page` (it knows the page before counting)."""

    count_limit = COUNT_LIMIT

    def get_page(self, number: Any) -> Page:
        self._limit = max(self.count_limit, page_number(number) * self.per_page)
        return super().get_page(number)

    @property
    def count(self) -> int:  # type: ignore[override]
        if not hasattr(self, "_counted"):
            limit = getattr(self, "_limit", None) or self.count_limit
            counted = bounded_count(self.object_list, limit)
            self._exact = counted is not None
            self._counted = counted if counted is not None else limit + 1
        return self._counted

    @property
    def count_is_exact(self) -> bool:
        return self.count is not None and self._exact

    @property
    def count_text(self) -> str:
        """The count as a page says it: "37", or "more than 1,000"."""
        count = self.count
        return str(count) if self.count_is_exact else f"more than {count - 1:,}"


class RankedPaginator(BoundedPaginator):
    """A :class:`BoundedPaginator` for a list whose order costs as much as finding its rows
    (a search ranked by similarity, which must score every match before the first page).

    One query reads the ids of the rows in the list's order, as far as the count goes:
    they give the count and the page's ids. A second reads the page's rows by id from
    ``rows``, a queryset of the same model joining what the page shows. The search runs
    once, where counting, then reading the page, ran it twice."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, rows: QuerySet[Any]) -> None:
        super().__init__(object_list, per_page)
        self._ranked = object_list
        self._rows = rows

    def _ids(self) -> list[Any]:
        if not hasattr(self, "_ids_read"):
            limit = getattr(self, "_limit", None) or self.count_limit
            self._ids_read = list(self._ranked.values_list("pk", flat=True)[: limit + 1])
        return self._ids_read

    @property
    def count(self) -> int:  # type: ignore[override]
        if not hasattr(self, "_counted"):
            limit = getattr(self, "_limit", None) or self.count_limit
            found = len(self._ids())
            self._exact = found <= limit
            self._counted = min(found, limit + 1)
        return self._counted

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        wanted = self._ids()[bottom : bottom + self.per_page]
        found = {row.pk: row for row in self._rows.filter(pk__in=wanted)}
        return Page([found[pk] for pk in wanted if pk in found], number, self)

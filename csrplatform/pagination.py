"""Keyset (cursor) pagination, the one pagination of every API list.

A list grows to hundreds of thousands of rows (findings, corrective actions) or millions (KPI
observations). Page numbers need a COUNT of every visible row and an OFFSET that reads every
row before the page, so a deep page costs as much as the whole list. DRF's `CursorPagination`
keys its cursor on the first ordering field only and skips rows with an offset where that
field repeats. Here the cursor holds the values of every ordering field of the last row sent,
and the next page is the rows strictly after them in the ordering: an index range scan however
deep, no COUNT, and no row is repeated or skipped when rows are added meanwhile.

The ordering comes from the view (`cursor_ordering`), and must end in a unique field (the id).
Ascending id, the default, is stable and puts new rows at the end, so a partner's sync resumes
from the last cursor it kept.
"""

import json
from base64 import b64decode, b64encode

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_ORDERING = ("pk",)


def _field_name(ordering: str) -> str:
    return ordering.lstrip("-")


def _descending(ordering: str) -> bool:
    return ordering.startswith("-")


#: A cursor holds a few values of one row; anything much longer was not made here.
MAX_CURSOR_LENGTH = 1000


class KeysetPagination(CursorPagination):
    """Pages of 25 (a consumer may ask for up to 200 with `page_size`), linked by opaque
    `next` and `previous` cursors; no count."""

    ordering = DEFAULT_ORDERING
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_cursor_message = _("Invalid cursor")
    # The contract's descriptions are in English, as the rest of the schema.
    cursor_query_description = (
        "Where the page starts, as the `next` or `previous` link of another page gives it "
        "(opaque). Leave it out for the first page."
    )
    page_size_query_description = "Rows per page: 25 unless asked, at most 200."

    def get_ordering(self, request, queryset, view):
        ordering = tuple(getattr(view, "cursor_ordering", None) or self.ordering)
        assert _field_name(ordering[-1]) in ("id", "pk"), (
            "A keyset ordering must end in the id, so that it is unique."
        )
        return ordering

    # --- the cursor -------------------------------------------------------------------------

    def _encode(self, values, reverse: bool) -> str:
        payload = json.dumps({"v": values, "r": 1 if reverse else 0}, separators=(",", ":"))
        token = b64encode(payload.encode()).decode()
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def _decode(self, request):
        token = request.query_params.get(self.cursor_query_param)
        if not token:
            return None, False
        try:
            if len(token) > MAX_CURSOR_LENGTH:
                raise ValueError
            payload = json.loads(b64decode(token.encode(), validate=True).decode())
            values, reverse = payload["v"], bool(payload["r"])
            if not isinstance(values, list) or len(values) != len(self.ordering):
                raise ValueError
            python = [
                self._model_field(order).to_python(value)
                for order, value in zip(self.ordering, values, strict=True)
            ]
            if any(value is None for value in python):
                raise ValueError
        except (
            ValueError,
            TypeError,
            KeyError,
            ValidationError,
            UnicodeError,
            OverflowError,  # a value of 1e999 (infinity) for an integer field
            RecursionError,  # JSON nested deeper than the parser goes
        ) as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        return python, reverse

    def _model_field(self, order):
        name = _field_name(order)
        try:
            return self.model._meta.get_field(name)
        except FieldDoesNotExist:
            if name == "pk":
                return self.model._meta.pk
            raise

    def _values_of(self, row) -> list:
        values = []
        for order in self.ordering:
            value = getattr(row, self._model_field(order).attname)
            values.append(value.isoformat() if hasattr(value, "isoformat") else value)
        return values

    # --- the page ---------------------------------------------------------------------------

    def _after(self, values, reverse: bool) -> Q:
        """Rows strictly after `values` in the ordering (before them when `reverse`)."""
        condition = Q(pk__in=[])
        for index, order in enumerate(self.ordering):
            name = _field_name(order)
            later = _descending(order) != reverse
            step = Q(**{f"{name}__{'lt' if later else 'gt'}": values[index]})
            for earlier_order, value in zip(self.ordering[:index], values[:index], strict=True):
                step &= Q(**{_field_name(earlier_order): value})
            condition |= step
        # The same, plus a plain range on the leading field: what lets the database walk an
        # index from the cursor on instead of filtering the whole table.
        first = self.ordering[0]
        later = _descending(first) != reverse
        bound = Q(**{f"{_field_name(first)}__{'lte' if later else 'gte'}": values[0]})
        return bound & condition

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.model = queryset.model
        self.ordering = self.get_ordering(request, queryset, view)
        self.base_url = request.build_absolute_uri()
        position, reverse = self._decode(request)
        ordering = [
            (order[1:] if _descending(order) else f"-{order}") if reverse else order
            for order in self.ordering
        ]
        queryset = queryset.order_by(*ordering)
        if position is not None:
            queryset = queryset.filter(self._after(position, reverse))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if reverse:
            rows.reverse()
            self.has_next, self.has_previous = position is not None, more
        else:
            self.has_next, self.has_previous = more, position is not None
        self.page = rows
        return rows

    def get_next_link(self):
        if not self.has_next or not self.page:
            return None
        return self._encode(self._values_of(self.page[-1]), reverse=False)

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.page:
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self._encode(self._values_of(self.page[0]), reverse=True)

    def get_html_context(self):
        return {"previous_url": self.get_previous_link(), "next_url": self.get_next_link()}

    def decode_cursor(self, request):  # DRF's own cursor format is not used here
        raise NotImplementedError

    def encode_cursor(self, cursor):  # DRF's own cursor format is not used here
        raise NotImplementedError

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page; null on the last.",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The page before; null on the first.",
                },
                "results": schema,
            },
        }

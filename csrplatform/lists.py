"""What every list page and its CSV export share: the scoped, filtered queryset."""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import batched, islice

import psycopg
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections, transaction
from django.http import StreamingHttpResponse
from psycopg import sql

from csrplatform import access

PAGE_SIZE = 25


@dataclass
class FilteredList:
    filterset: object
    queryset: object
    is_valid: bool

    @property
    def status(self):
        return 200 if self.is_valid else 400


def filtered_list(request, *, queryset, filterset_class) -> FilteredList:
    """Rows the user may see, filtered by the query string through the shared FilterSet.

    Invalid filter values give an empty list and a bound form that names the field.
    """
    filterset = filterset_class(
        request.GET or None, queryset=access.scope(request.user, queryset), request=request
    )
    if filterset.is_bound and not filterset.is_valid():
        return FilteredList(filterset, queryset.none(), is_valid=False)
    return FilteredList(filterset, filterset.qs, is_valid=True)


def paginate(request, queryset, per_page=PAGE_SIZE):
    page_obj = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return {
        "page_obj": page_obj,
        "object_list": page_obj.object_list,
        "query_string_without_page": params.urlencode(),
    }


class UncountedPage:
    """A page of a list too long to count on every request (a million KPI figures): one row
    more than the page is read to know whether another page follows."""

    paginator = None

    def __init__(self, rows: list, number: int, per_page: int):
        self.number = number
        self.object_list = rows[:per_page]
        self._more = len(rows) > per_page

    def has_next(self):
        return self._more

    def has_previous(self):
        return self.number > 1

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def paginate_uncounted(request, queryset, per_page=PAGE_SIZE):
    """As `paginate`, without the COUNT: "Previous" and "Next", no page total."""
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    start = (number - 1) * per_page
    page_obj = UncountedPage(list(queryset[start : start + per_page + 1]), number, per_page)
    params = request.GET.copy()
    params.pop("page", None)
    return {
        "page_obj": page_obj,
        "object_list": page_obj.object_list,
        "query_string_without_page": params.urlencode(),
    }


CSV_CHUNK = 5000
COPY_LINES = 2000  # rows of a COPY export sent at a time
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(_FORMULA_PREFIXES)


def _safe_cell(value):
    # A cell starting with a formula character would run in a spreadsheet (CSV injection).
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def values_in_chunks(queryset, fields, chunk_size=CSV_CHUNK):
    """The rows of `queryset` as lists of `fields`' values, `chunk_size` rows at a time, read
    through a server-side cursor on PostgreSQL: no model instances, memory flat however many."""
    # In a transaction: outside one, Django declares the cursor WITH HOLD and PostgreSQL
    # reads the whole result (seconds for a million rows) before sending the first.
    with transaction.atomic(using=queryset.db):
        _without_jit(queryset.db)
        rows = queryset.prefetch_related(None).values_list(*fields).iterator(chunk_size=chunk_size)
        while chunk := list(map(list, islice(rows, chunk_size))):
            yield chunk


class VisibleAmong:
    """Whether the user may see each related id of an export (a facility, a pilot), asked
    with `access.visible_among` for the ids a chunk brings that earlier chunks did not."""

    def __init__(self, user, model):
        self.user, self.model = user, model
        self._known: dict = {}

    def of(self, rows, index) -> dict:
        """{id: visible} covering column `index` of `rows`."""
        known = self._known
        new = {row[index] for row in rows} - known.keys()
        new.discard(None)
        if new:
            visible = access.visible_among(self.user, self.model, new)
            known.update((pk, pk in visible) for pk in new)
        return known

    def hide(self, rows, index, value=None) -> None:
        """Blank column `index` of `rows` (or put `value`) where the user may not see it."""
        known = self.of(rows, index)
        for row in rows:
            pk = row[index]
            if pk is not None and not known[pk]:
                row[index] = value


def _escape(rows: list, columns) -> None:
    """`_safe_cell` on the given columns of `rows`, in place; the common case (text that
    cannot start a formula) costs one look at its first character, a decimal one look at its
    sign (only "-" can start one's text; csv.writer writes it as `str` would)."""
    for index in columns:
        for row in rows:
            value = row[index]
            if value is None:
                row[index] = ""
            elif value.__class__ is str:
                if value and value[0] in _FORMULA_FIRST:
                    row[index] = "'" + value
            elif value.__class__ is not Decimal or value.is_signed():
                row[index] = _safe_cell(value)


def csv_response(filename: str, header: Iterable[str], chunks: Iterable[list], *, plain=()):
    """A streamed CSV download from `chunks`, each a list of rows (lists of cells), written a
    chunk at a time. Every cell is guarded against formulas (`_safe_cell`) except the `plain`
    column indexes: ids, dates, counts, choice values, which cannot start with one."""
    header = [str(title) for title in header]
    escaped = [index for index in range(len(header)) if index not in set(plain)]

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # lets Excel read UTF-8 (Chinese names) correctly
        writer.writerow(header)
        for rows in chunks:
            rows = [row if isinstance(row, list) else list(row) for row in rows]
            _escape(rows, escaped)
            writer.writerows(rows)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _without_jit(db) -> None:
    """No JIT compilation for the rest of the transaction (PostgreSQL): an export's query is
    costly enough to the planner to have it compiled, and compiling took longer than running
    it (0.18 s of a directory export's 0.28)."""
    connection = connections[db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


@dataclass(frozen=True, eq=False)
class Joined:
    """Columns of a COPY export read from `queryset`, which gives one row per key: the key,
    then the values (an aggregate: a count, names joined). Matched on the export's column
    `on`, read once and hash-joined, instead of a subquery run for each row. A row without
    a match gets `default` in every value. `joined[i]` is the column of the i-th value."""

    queryset: object
    on: str
    default: object = None

    def __getitem__(self, index: int) -> "JoinedColumn":
        return JoinedColumn(self, index)


@dataclass(frozen=True)
class JoinedColumn:
    joined: Joined
    index: int


def copies_csv(queryset) -> bool:
    """Whether `copy_csv_response` has PostgreSQL write the CSV of `queryset`."""
    return connections[queryset.db].vendor == "postgresql"


def copy_csv_response(filename: str, header: Iterable[str], queryset, columns, *, plain=()):
    """`csv_response` of `queryset`'s `columns` (names as for `values_list`, or columns of a
    `Joined`), the same bytes, written by PostgreSQL's COPY: two to three times the rows per
    second of reading values in Python. Columns hold text, integers, decimals or dates
    (PostgreSQL writes booleans, datetimes and floats otherwise than Python). Elsewhere than
    PostgreSQL (SQLite), Python writes it (names only: a `Joined` is PostgreSQL's)."""
    if not copies_csv(queryset):
        return csv_response(filename, header, values_in_chunks(queryset, columns), plain=plain)
    header = [str(title) for title in header]
    head = io.StringIO()
    head.write("\ufeff")
    csv.writer(head).writerow(header)
    try:
        statement, params = _copy_statement(queryset, columns, set(plain))
    except EmptyResultSet:  # a filter that matches nothing, known without asking
        return csv_response(filename, header, [], plain=plain)
    db = queryset.db

    def blocks():
        yield head.getvalue().encode()
        # Read as the response streams, after the view returned (the request's connection
        # stays open until the response is closed). In a transaction: a download abandoned
        # half way cancels the COPY, and the rollback leaves the connection clean.
        with transaction.atomic(using=db), connections[db].cursor() as cursor:
            _without_jit(db)
            with cursor.cursor.copy(_bound(cursor.cursor, statement, params)) as copy:
                lines = []
                # Each block is one row ending "\n" (one CopyData message a row); csv.writer
                # ends rows "\r\n" and keeps "\n" inside quoted cells: so the last byte only.
                for line in copy:
                    lines.append(line[:-1])
                    if len(lines) == COPY_LINES:
                        lines.append(b"")
                        yield b"\r\n".join(lines)
                        lines.clear()
                if lines:
                    lines.append(b"")
                    yield b"\r\n".join(lines)

    response = StreamingHttpResponse(blocks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _copy_statement(queryset, columns, plain: set):
    """The COPY statement of `copy_csv_response` and its parameters."""
    joins = list(dict.fromkeys(c.joined for c in columns if isinstance(c, JoinedColumn)))
    # The queryset's own columns, each once: the exported ones and the keys of the joins.
    names = list(dict.fromkeys([c for c in columns if isinstance(c, str)] + [j.on for j in joins]))
    # A join keeps no order: the rows are sorted again by the queryset's ordering, whose
    # columns are read too (a window's row number would defeat the queryset's DISTINCT).
    order_by = []
    if joins:
        for entry in queryset.query.order_by or queryset.model._meta.ordering or ["pk"]:
            if not isinstance(entry, str) or entry == "?":
                raise ValueError(f"A joined COPY export is ordered by field names, not {entry!r}")
            name = entry.removeprefix("-")
            names = list(dict.fromkeys([*names, name]))
            order_by.append((name, entry.startswith("-")))
    rows, params = queryset.values_list(*names).query.sql_with_params()
    params = list(params)
    aliases = sql.SQL(", ").join(sql.Identifier(f"c{index}") for index in range(len(names)))
    source = sql.SQL("({}) AS rows ({})").format(sql.SQL(rows), aliases)
    order = sql.SQL("")
    joined_as = {}  # each join's alias; none for a join known to match nothing
    for joined in joins:
        query = joined.queryset.query
        try:
            joined_sql, joined_params = query.sql_with_params()
        except EmptyResultSet:  # the user may read none of them, say
            continue
        alias = joined_as[joined] = f"j{len(joined_as)}"
        width = len(query.values_select) + len(query.annotation_select)
        source = sql.SQL("{} LEFT JOIN ({}) AS {} ({}) ON {} = {}").format(
            source,
            sql.SQL(joined_sql),
            sql.Identifier(alias),
            sql.SQL(", ").join(sql.Identifier(f"v{index}") for index in range(width)),
            sql.Identifier(alias, "v0"),
            sql.Identifier("rows", f"c{names.index(joined.on)}"),
        )
        params += joined_params
    if order_by:
        order = sql.SQL(" ORDER BY {}").format(
            sql.SQL(", ").join(
                sql.SQL("{} DESC" if descending else "{}").format(
                    sql.Identifier("rows", f"c{names.index(name)}")
                )
                for name, descending in order_by
            )
        )
    cells = []
    for index, column in enumerate(columns):
        if isinstance(column, JoinedColumn):
            joined = column.joined
            cell = sql.Literal(joined.default)
            if joined in joined_as:
                value = sql.Identifier(joined_as[joined], f"v{column.index + 1}")
                cell = sql.SQL("COALESCE({}, {})").format(value, cell)
        else:
            cell = sql.Identifier("rows", f"c{names.index(column)}")
        # NULL and "" both empty, as csv.writer writes them (COPY writes "" as `""`).
        cell = sql.SQL("NULLIF({}::text, '')").format(cell)
        if index not in plain:
            cell = sql.SQL("CASE WHEN left({0}, 1) IN ({1}) THEN '''' || {0} ELSE {0} END").format(
                cell, sql.SQL(", ").join(map(sql.Literal, _FORMULA_PREFIXES))
            )
        cells.append(cell)
    statement = sql.SQL("COPY (SELECT {} FROM {}{}) TO STDOUT WITH (FORMAT csv)").format(
        sql.SQL(", ").join(cells), source, order
    )
    return statement, params


def _bound(cursor, statement, params) -> str:
    # Bound client-side as `copy(statement, params)` would, but with no params too (which
    # would leave Django's escaped "%%" as it is).
    return psycopg.ClientCursor(cursor.connection).mogrify(statement, params)


def stream_csv(filename: str, header: Iterable[str], rows: Iterable, row: Callable):
    """A streamed CSV download of `row(item)` for each of `rows` (short lists, tables)."""
    return csv_response(
        filename, header, ([row(item) for item in chunk] for chunk in batched(rows, CSV_CHUNK))
    )

"""The tables of the metrics pages, built once and shown, exported as CSV or exported as XLSX
from the same cells, so that a download never says something the page does not.

A page builds its `Table`s from `metrics.figures`; the template draws them with
`metrics/_table.html`; `?export=csv&table=<name>` streams one of them, `?export=xlsx` (with or
without `table=`) writes them to a workbook, one sheet per table.
"""

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections
from django.db.models import Case, F, TextField, When
from django.db.models.functions import Cast
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from csrplatform import access
from csrplatform.lists import (
    VisibleAmong,
    _safe_cell,
    copies_csv,
    copy_csv_response,
    csv_response,
    stream_csv,
    values_in_chunks,
)
from pilots.models import Pilot
from suppliers.models import Facility, Organisation

from .api.serializers import RateCache, money_view
from .charts import number_text
from .models import Benefit, CostItem, Observation
from .money import round_usd
from .services import OBSERVATION_FIGURE_FIELDS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    title: str
    numeric: bool = False


@dataclass(frozen=True)
class Cell:
    """What a table cell holds (`value`, exported), how the page writes it (`text`), and a
    flag the page shows beside it (`note`, also exported when there is no value)."""

    value: object = None
    text: str | None = None
    note: str = ""
    tone: str = ""  # ok / warn / danger / muted: how the page colours the note or the cell
    href: str = ""

    @property
    def display(self) -> str:
        if self.text is not None:
            return self.text
        if self.value is None:
            return "" if self.note else "—"
        if isinstance(self.value, Decimal | int) and not isinstance(self.value, bool):
            return number_text(self.value)
        return str(self.value)

    @property
    def export_value(self):
        if self.value is None:
            return self.note or None
        if isinstance(self.value, bool):
            return _("yes") if self.value else _("no")
        return self.value


@dataclass
class Table:
    name: str
    title: str
    columns: Sequence[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    footer: list[list[Cell]] = field(default_factory=list)
    caption: str = ""

    def add(self, *cells) -> None:
        self.rows.append([_cell(cell) for cell in cells])

    def add_footer(self, *cells) -> None:
        self.footer.append([_cell(cell) for cell in cells])

    @property
    def header(self) -> list[str]:
        return [str(column.title) for column in self.columns]

    @property
    def html_rows(self) -> list[list[tuple[Column, Cell]]]:
        return [list(zip(self.columns, row, strict=True)) for row in self.rows]

    @property
    def html_footer(self) -> list[list[tuple[Column, Cell]]]:
        return [list(zip(self.columns, row, strict=True)) for row in self.footer]

    @property
    def is_empty(self) -> bool:
        return not (self.rows or self.footer)

    def export_rows(self):
        for row in self.rows + self.footer:
            yield [cell.export_value for cell in row]


def _cell(value) -> Cell:
    return value if isinstance(value, Cell) else Cell(value)


# --- cells that every table writes the same way ------------------------------------------------


def usd(value: Decimal | None, **extra) -> Cell:
    """A USD figure, by the rounding rule."""
    rounded = round_usd(value)
    return Cell(rounded, number_text(rounded, 0) if rounded is not None else None, **extra)


def amount(value: Decimal | None) -> Cell:
    """An original amount: its cents kept."""
    return Cell(value, number_text(value, 2) if value is not None else None)


def decimal(value: Decimal | None, places: int = 2, **extra) -> Cell:
    if value is None:
        return Cell(None, **extra)
    shown = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return Cell(shown, number_text(shown, places), **extra)


def difference(value: Decimal | None) -> Cell:
    """Computed minus stated: highlighted when the two differ."""
    if value is None:
        return Cell(None)
    if value == 0:
        return Cell(value, "0", tone="ok")
    sign = "+" if value > 0 else "−"
    return Cell(value, f"{sign}{number_text(abs(value))}", tone="warn")


def yes_no(value: bool | None) -> Cell:
    if value is None:
        return Cell(None)
    return Cell(value, _("yes") if value else _("no"), tone="ok" if value else "danger")


# --- responses ---------------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return value


def export_response(request, tables: Sequence[Table], basename: str):
    """The download the query string asks for, or None when it asks for the page."""
    kind = request.GET.get("export")
    if not kind:
        return None
    by_name = {table.name: table for table in tables}
    wanted = request.GET.get("table")
    if wanted and wanted not in by_name:
        raise Http404(_("There is no such table on this page."))
    if kind == "csv":
        table = by_name.get(wanted) if wanted else (tables[0] if len(tables) == 1 else None)
        if table is None:
            raise Http404(_("Name the table to export as CSV."))
        return stream_csv(
            f"{basename}-{table.name}.csv",
            table.header,
            table.export_rows(),
            lambda row: [_plain(value) for value in row],
        )
    if kind == "xlsx":
        chosen = [by_name[wanted]] if wanted else list(tables)
        suffix = f"-{wanted}" if wanted else ""
        return xlsx_response(chosen, f"{basename}{suffix}.xlsx")
    raise Http404(_("Export as csv or xlsx."))


def xlsx_response(tables: Sequence[Table], filename: str) -> HttpResponse:
    return xlsx_sheets_response(
        [(table.name, table.header, table.export_rows()) for table in tables], filename
    )


def xlsx_sheets_response(
    sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]], filename: str
) -> HttpResponse:
    """A workbook of one sheet per (name, header, rows): the rows are the values a CSV export
    of the same table writes (numbers stay numbers, text is guarded against formulas)."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, titles, rows in sheets:
        sheet = workbook.create_sheet(title=str(name)[:31])
        header = []
        for title in titles:
            cell = WriteOnlyCell(sheet, value=str(title))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in rows:
            sheet.append([_xlsx_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_value(value):
    if value is None or value == "":
        return None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value  # a number the spreadsheet can add up
    return _safe_cell(value)


# --- the API's CSV exports (`export/`): a million KPI figures read as values, a chunk at a time --


class _MoneyRow:
    """What `money_view` reads of a cost item or benefit, from one row's values."""

    __slots__ = ("amount", "currency_id", "on_date", "pinned_rate")

    def __init__(self, amount, currency_id, pinned_rate, on_date):
        self.amount = amount
        self.currency_id = currency_id
        self.pinned_rate = pinned_rate
        self.on_date = on_date


MONEY_FIELDS = ("amount", "currency_id", "pinned_rate", "on_date", "programme__facilitator_id")


class _MoneyCells:
    """The money columns (`MONEY_HEADER` of the API) of a row's `MONEY_FIELDS` values, as
    `money_view` gives them. What depends on the rate alone is worked out once per currency,
    pinned rate, date and facilitator (a few thousand), not for each of 100,000 rows: per
    row, only the product rounded."""

    def __init__(self, rates: RateCache):
        self._rates = rates
        self._by_rate: dict[tuple, tuple] = {}

    def __call__(self, values) -> list:
        amount, currency, pinned, on_date, facilitator_id = values
        if amount is None:
            return [None, currency, None, None, None, None, None]
        key = (currency, pinned, on_date, facilitator_id)
        found = self._by_rate.get(key)
        if found is None:
            found = self._by_rate[key] = self._rate_cells(amount, *key)
        usd, tail = found
        return [amount, currency, None if usd is None else round_usd(amount * usd), *tail]

    def _rate_cells(self, amount, currency, pinned, on_date, facilitator_id) -> tuple:
        """(the rate's US dollars or None, the cells after the USD figure)."""
        row = _MoneyRow(amount, currency, pinned, on_date)
        view = money_view(row, self._rates, facilitator_id)
        if view.rate is None:
            return None, (None, None, None, view.usd_error)
        return view.rate, (
            f"{view.rate.normalize():f}",
            view.rate_date,
            "yes" if view.rate_pinned else "no",
            view.usd_error,
        )


OBSERVATION_EXPORT_FIELDS = (
    "pk",
    "indicator_id",
    "indicator__name",
    "supplier_id",
    "supplier__organisation__name",
    "facility_id",
    "pilot_id",
    *OBSERVATION_FIGURE_FIELDS,
    "status",
    "note",
)
# Ids, dates and choice values cannot start a formula; names, unit, note and a negative value
# can.
_OBSERVATION_TEXT = {"indicator__name", "supplier__organisation__name", "value", "unit", "note"}
_OBSERVATION_PLAIN = [
    index for index, name in enumerate(OBSERVATION_EXPORT_FIELDS) if name not in _OBSERVATION_TEXT
]


def observations_csv(user, queryset, filename, header):
    """Facilities and pilots the user may not see stay blank, as in the API's answers."""
    if copies_csv(queryset):
        return observations_copy_csv(user, queryset, filename, header)
    return observations_values_csv(user, queryset, filename, header)


def observations_copy_csv(user, queryset, filename, header):
    """`observations_csv` written by PostgreSQL: the facility and pilot ids blanked in SQL, by
    the ids the user may see (a hashed subquery each, not a question per chunk)."""
    shown = {
        f"{name}_shown": Case(
            When(
                **{f"{name}_id__in": access.scope(user, model._default_manager.all()).values("pk")},
                then=F(f"{name}_id"),
            ),
            default=None,
        )
        for name, model in (("facility", Facility), ("pilot", Pilot))
    }
    columns = [
        {"facility_id": "facility_shown", "pilot_id": "pilot_shown"}.get(name, name)
        for name in OBSERVATION_EXPORT_FIELDS
    ]
    return copy_csv_response(
        filename, header, queryset.annotate(**shown), columns, plain=_OBSERVATION_PLAIN
    )


def observations_values_csv(user, queryset, filename, header):
    """`observations_csv` written by Python from the values, a chunk at a time (SQLite)."""
    fields = OBSERVATION_EXPORT_FIELDS
    facility, pilot = fields.index("facility_id"), fields.index("pilot_id")
    facilities, pilots = VisibleAmong(user, Facility), VisibleAmong(user, Pilot)

    def chunks():
        for rows in values_in_chunks(queryset, fields):
            facilities.hide(rows, facility)
            pilots.hide(rows, pilot)
            yield rows

    return csv_response(filename, header, chunks(), plain=_OBSERVATION_PLAIN)


def cost_items_csv(user, queryset, filename, header):
    """The organisation bearing a cost is named only when the user may see it."""
    fields = (
        "pk",
        "programme_id",
        "pilot_id",
        "phase_id",
        "borne_by_id",
        "borne_by__name",
        "nature",
        "category",
        "description",
        "unit_amount",
        "quantity_parts_text",
        *MONEY_FIELDS,
        "stated_usd_text",
        "certainty",
        "person_days_text",
        "fte_low_text",
        "fte_high_text",
        "source",
        "excluded_reason",
    )
    # The quantities as text, decoded only where there is a unit amount to show them with
    # (a JSON field decodes every row: a third of the export's time). The figures only
    # written as text too on PostgreSQL, which writes a decimal of two places as `str` does
    # (SQLite would write 12.50 as 12.5: there they stay decimals).
    as_text = connections[queryset.db].vendor == "postgresql"
    queryset = queryset.annotate(
        quantity_parts_text=Cast("quantity_parts", TextField()),
        **{
            f"{name}_text": Cast(name, TextField()) if as_text else F(name)
            for name in ("stated_usd", "person_days", "fte_low", "fte_high")
        },
    )
    money_cells = _MoneyCells(RateCache())
    organisations = VisibleAmong(user, Organisation)

    def chunks():
        for rows in values_in_chunks(queryset, fields):
            organisations.hide(rows, 4)
            yield [
                [
                    *row[0:4],
                    None if row[4] is None else row[5],
                    *row[6:9],
                    _quantity_text(row[9], row[10]),
                    *money_cells(row[11:16]),
                    *row[16:],
                ]
                for row in rows
            ]

    # id, programme, pilot, phase, nature, category, rate_date, rate_pinned, certainty
    return csv_response(filename, header, chunks(), plain=(0, 1, 2, 3, 5, 6, 13, 14, 17))


def _quantity_text(unit_amount, parts_text) -> str:
    if unit_amount is None:
        return ""
    return CostItem.quantity_text.fget(_Quantity(unit_amount, json.loads(parts_text or "[]")))


class _Quantity:
    __slots__ = ("quantity_parts", "unit_amount")

    def __init__(self, unit_amount, quantity_parts):
        self.unit_amount = unit_amount
        self.quantity_parts = quantity_parts


def benefits_csv(user, queryset, filename, header):
    fields = (
        "pk",
        "programme_id",
        "pilot_id",
        "phase_id",
        "status",
        "incentive",
        "description",
        *MONEY_FIELDS,
        "per",
    )
    money_cells = _MoneyCells(RateCache())

    def chunks():
        for rows in values_in_chunks(queryset, fields):
            yield [[*row[0:7], *money_cells(row[7:12]), row[12]] for row in rows]

    # id, programme, pilot, phase, status, incentive, rate_date, rate_pinned
    return csv_response(filename, header, chunks(), plain=(0, 1, 2, 3, 4, 5, 11, 12))


def api_csv(user, queryset, filename, header):
    """The `export/` of an API list: its scoped, filtered `queryset` as CSV."""
    export = {Observation: observations_csv, CostItem: cost_items_csv, Benefit: benefits_csv}
    return export[queryset.model](user, queryset, filename, header)

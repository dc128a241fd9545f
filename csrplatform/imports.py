"""Reading an uploaded CSV or XLSX file into a table of rows, for the imports of findings
(`audits.imports`) and of figures (`metrics.imports`).

The file's name, size and type are checked before anything is parsed; a workbook's ZIP directory
and XML element count before it is unpacked; rows are numbered as a spreadsheet shows them and
counted against limits that each import passes in (`Limits`), so that a file built to keep the
server busy is refused in moments. Every problem is a `RowError`; a refused file raises
`ImportRefused` with all of them.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _

from csrplatform.uploads import TYPE_NAMES, XLSX, clean_filename, sniff_content_type

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CSV_DELIMITERS = (",", ";", "\t")


class RowError(NamedTuple):
    """One problem: the row as numbered in the file (None: the whole file), the column
    ("" when none applies) and what to change; a tuple, as includes/import_errors.html
    unpacks it."""

    row: int | None
    column: str
    message: str


class ImportRefused(Exception):
    """The file was not imported; `errors` says why, all of it at once where possible."""

    def __init__(self, errors: list[RowError]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Limits:
    """How large a file an import reads, and the messages that name its limits."""

    file_bytes: int
    rows: int
    # Rows are counted as the file numbers them, blank ones included: a file that goes on past
    # this row is refused there, without reading the rest.
    row_number: int
    # A workbook's ZIP directory is checked before anything is unpacked.
    xlsx_unpacked_bytes: int
    xlsx_tags: int
    # "The file goes on past row %(limit)s …", already translated.
    past_last_row: str
    # "The workbook is too big to import …", already translated and filled in.
    too_big: str
    xlsx_members: int = 1000
    # Real workbooks shrink 2 to 20 times when packed; a part larger than 1 MB that shrank more
    # than this was made to unpack into something big.
    xlsx_ratio: int = 100
    # Cells right of this column are never read.
    xlsx_columns: int = 50


def limits_from(module, *, past_last_row: str, too_big: str) -> Limits:
    """An import module's limits, its MAX_* constants read when a file comes (so that a test
    may lower one)."""
    return Limits(
        file_bytes=module.MAX_FILE_BYTES,
        rows=module.MAX_ROWS,
        row_number=module.MAX_ROW_NUMBER,
        xlsx_unpacked_bytes=module.MAX_XLSX_UNPACKED_BYTES,
        xlsx_members=module.MAX_XLSX_MEMBERS,
        xlsx_ratio=module.MAX_XLSX_RATIO,
        xlsx_tags=module.MAX_XLSX_TAGS,
        xlsx_columns=module.MAX_XLSX_COLUMNS,
        past_last_row=past_last_row,
        too_big=too_big,
    )


@dataclass
class Table:
    header_row: int
    header: list[str]
    rows: list[tuple[int, list]]  # (row number in the file, cell values)


def refuse(message: str, *, row: int | None = None, column: str = ""):
    raise ImportRefused([RowError(row, column, message)])


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def is_blank(cells) -> bool:
    return all(text(cell) == "" for cell in cells)


def parse_date(value):
    """A date from a cell: a date, or text as YYYY-MM-DD; ValueError saying what to write."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    written = text(value)
    if ISO_DATE.fullmatch(written):
        try:
            return date.fromisoformat(written)
        except ValueError:
            raise ValueError(
                _("“%(value)s” is not a day of the calendar; check the month and day.")
                % {"value": written}
            ) from None
    raise ValueError(
        _("“%(value)s” is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31.")
        % {"value": written}
    )


# --- reading the file ----------------------------------------------------------------------------


def table(numbered_rows, limits: Limits) -> Table:
    """The first non-blank row is the header; blank rows are skipped but keep their numbers."""
    header_row, header, rows = None, None, []
    for number, cells in numbered_rows:
        if number > limits.row_number:
            refuse(limits.past_last_row % {"limit": f"{limits.row_number:,}"})
        if is_blank(cells):
            continue
        if header is None:
            header_row, header = number, [text(cell) for cell in cells]
            continue
        if len(rows) == limits.rows:
            refuse(
                _(
                    "The file has more than %(limit)s rows below the header; "
                    "split it into several files."
                )
                % {"limit": f"{limits.rows:,}"}
            )
        rows.append((number, list(cells)))
    if header is None:
        refuse(_("The file is empty."))
    if not rows:
        refuse(_("The file has a header row but no rows below it."), row=header_row)
    return Table(header_row=header_row, header=header, rows=rows)


def csv_rows(data: bytes):
    if b"\x00" in data:
        refuse(_("The file is neither a CSV text file nor an Excel workbook (XLSX)."))
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        refuse(
            _(
                "The file is neither an Excel workbook (XLSX) nor a CSV file in UTF-8. "
                "In Excel choose “CSV UTF-8” when saving, or upload the XLSX file."
            )
        )
    # Excel writes “;” between cells where the decimal separator is a comma: the header row,
    # which holds only column names, tells which separator this file uses.
    first_line = decoded.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(decoded, newline=""), delimiter=delimiter, strict=True)
    # Rows are numbered as a spreadsheet shows them: one per record, even when a quoted cell
    # spans several lines.
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            refuse(
                _("This row cannot be read as CSV (%(reason)s); check its quotes.")
                % {"reason": exc},
                row=number,
            )
        yield number, cells


def check_workbook_size(data: bytes, unreadable: str, limits: Limits) -> bool:
    """Refuse, in milliseconds, a workbook that would take the server long to read: too big
    once unpacked, packed suspiciously tightly, or holding too many XML elements. True when
    its cells are plain enough for the fast reader (`_CellScan`)."""
    cells = _CellScan(limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > limits.xlsx_members:
                refuse(limits.too_big)
            if sum(member.file_size for member in members) > limits.xlsx_unpacked_bytes:
                refuse(limits.too_big)
            for member in members:
                if member.file_size > 1_048_576 and (
                    member.file_size > limits.xlsx_ratio * max(member.compress_size, 1)
                ):
                    refuse(
                        _(
                            "The workbook is packed in a way Excel never packs one (a part of "
                            "it unpacks to more than %(ratio)d times its size); open it in "
                            "Excel and save it again."
                        )
                        % {"ratio": limits.xlsx_ratio}
                    )
            # Reading a workbook takes time in proportion to its XML elements, not to its bytes:
            # count the tags while unpacking (the declared sizes bound what is unpacked).
            tags = 0
            for member in members:
                with archive.open(member) as stream:
                    rest = b""
                    while chunk := stream.read(1_048_576):
                        tags += chunk.count(b"<")
                        if tags > limits.xlsx_tags:
                            refuse(limits.too_big)
                        rest = cells.scan(rest + chunk)
                    cells.scan(rest, last=True)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError):
        refuse(unreadable)
    return cells.plain()


class _CellScan:
    """Whether calamine may read a workbook, found from its bytes while they are counted.

    calamine holds a sheet as a full grid from its first to its last cell, and a failed
    allocation ends the process: two cells at A1 and XFD200000 ask for 100 GB. So it reads only
    workbooks whose every cell names its place (`<c r="B7"`) and whose grid is small; none
    with an error cell, which it reads as empty where openpyxl gives "#N/A"; none whose rich
    text it would read otherwise (EDGE_SPACE). Any other
    workbook goes to openpyxl, which streams rows (and is some ten times slower)."""

    # Beyond this many cells in the grid (1 million = 32 MB in calamine), openpyxl reads.
    MAX_GRID = 6_000_000
    # A cell that does not start with a plain `r="A1"`, or one in a prefixed namespace.
    ODD_CELL = re.compile(rb'<c(?:[>/\t\r\n]| (?!r="[A-Z]{1,3}[0-9]{1,7}"))')
    PREFIXED_CELL = re.compile(rb":c[ >/]")
    ERROR_CELL = re.compile(rb"""t=["']e["']""")
    # calamine trims the text of each `<t>` not marked xml:space="preserve": harmless for a
    # whole cell (the parsing strips it too), not between the runs of rich text.
    EDGE_SPACE = re.compile(rb"<t>(?:[ \t\r\n][^<]*|[^<]*[ \t\r\n])</t>")
    FAR_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{6,})"')
    WIDE_COLUMN = re.compile(rb'<c r="([A-Z]{2,3})[0-9]')

    def __init__(self, limits: Limits):
        self.odd = False
        self.far_row = 0  # FAR_ROW finds only rows from 100,000 on
        self.columns = 26  # WIDE_COLUMN finds only columns from AA on
        self.limits = limits

    def scan(self, buffer: bytes, *, last: bool = False) -> bytes:
        """Look at the buffer up to its last tag, which may go on in the next chunk; return
        the part not looked at."""
        if self.odd:
            return b""
        cut = len(buffer) if last else buffer.rfind(b"<", max(len(buffer) - 200, 0))
        if cut < 0:
            cut = len(buffer)
        part = buffer[:cut]
        if any(
            pattern.search(part) for pattern in (self.ODD_CELL, self.PREFIXED_CELL, self.ERROR_CELL)
        ):
            self.odd = True
            return b""
        if b"<r>" in part and self.EDGE_SPACE.search(part):
            self.odd = True
            return b""
        for number in self.FAR_ROW.findall(part):
            self.far_row = max(self.far_row, int(number))
        for letters in self.WIDE_COLUMN.findall(part):
            self.columns = max(self.columns, column_number(letters))
        return buffer[cut:]

    def plain(self) -> bool:
        if self.odd or self.far_row > self.limits.row_number:
            return False
        return max(self.far_row, 99_999) * self.columns <= self.MAX_GRID


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def xlsx_rows(data: bytes, limits: Limits):
    unreadable = _("The Excel workbook cannot be read; open it in Excel and save it again.")
    if check_workbook_size(data, unreadable, limits):
        rows = calamine_rows(data, limits)
        if rows is not None:
            yield from enumerate(rows, start=1)
            return
    yield from openpyxl_rows(data, limits, unreadable)


def calamine_rows(data: bytes, limits: Limits):
    """The first sheet's rows as openpyxl gives them (`openpyxl_rows`), read some ten times
    faster; None if calamine cannot read the workbook (openpyxl then tries, and says so)."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            # openpyxl's first sheet: chart sheets are not among its worksheets.
            kinds = [sheet.typ for sheet in workbook.sheets_metadata]
            if SheetTypeEnum.WorkSheet not in kinds:
                return None
            sheet = workbook.get_sheet_by_index(kinds.index(SheetTypeEnum.WorkSheet))
            grid = sheet.to_python(skip_empty_area=False)
    except BaseException as exc:
        # A Rust panic arrives as pyo3's PanicException, which is no Exception.
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        return None
    return _as_openpyxl(grid, limits.xlsx_columns)


def _as_openpyxl(grid, width: int):
    # openpyxl gives every row `width` cells, None where empty.
    padding = (None,) * width
    for cells in grid:
        row = tuple(map(_as_openpyxl_value, cells[:width]))
        yield row + padding[len(row) :]


def _as_openpyxl_value(value):
    """A cell's value from calamine as openpyxl gives it."""
    kind = type(value)
    if kind is str:
        return value or None  # calamine gives "" for an empty cell
    if kind is float:
        # openpyxl gives an int for a number written without a point or exponent, as Excel
        # writes whole numbers up to 15 digits; calamine gives a float for every number.
        return int(value) if value.is_integer() and abs(value) < 1e15 else value
    if kind is date:
        # openpyxl gives a datetime for every date cell; calamine a date for a whole day.
        return datetime(value.year, value.month, value.day)
    return value


def openpyxl_rows(data: bytes, limits: Limits, unreadable: str):
    from openpyxl import load_workbook

    # A damaged workbook fails in many different ways inside openpyxl, all the same to us.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        refuse(unreadable)
    try:
        sheet = workbook.worksheets[0]
        # The size a workbook declares may be wrong or huge; read only the cells it has.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=1, max_col=limits.xlsx_columns, values_only=True)
        yield from enumerate(rows, start=1)
    except ImportRefused:
        raise
    except Exception:
        refuse(unreadable)
    finally:
        workbook.close()


def upload_bytes(upload, limits: Limits) -> tuple[bytes, bool]:
    """The upload's bytes and whether it is a workbook, or ImportRefused if it is not a file
    we read (its name, size and type are checked before anything is parsed)."""
    try:
        clean_filename(getattr(upload, "raw_name", None) or upload.name or "")
    except ValidationError as exc:
        refuse(" ".join(exc.messages))
    if upload.size == 0:
        refuse(_("The file is empty."))
    if upload.size > limits.file_bytes:
        refuse(
            _("The file is larger than %(limit)d MB; split it into several files.")
            % {"limit": limits.file_bytes // 1_048_576}
        )
    content_type = sniff_content_type(upload)
    if content_type is not None and content_type != XLSX:
        refuse(
            _("This is a %(kind)s file; upload a CSV file or an Excel workbook (XLSX).")
            % {"kind": TYPE_NAMES[content_type]}
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data, content_type == XLSX


def read_table(data: bytes, is_xlsx: bool, limits: Limits) -> Table:
    return table(xlsx_rows(data, limits) if is_xlsx else csv_rows(data), limits)


# --- the header ----------------------------------------------------------------------------------


def check_header(table: Table, columns) -> dict[str, int]:
    """Each column's position; ImportRefused naming every unknown, repeated or missing one."""
    errors, positions = [], {}
    for index, name in enumerate(table.header):
        if not name:
            continue
        if name in positions:
            errors.append(
                RowError(table.header_row, name, _("This column appears twice; keep one."))
            )
        elif name not in columns:
            errors.append(
                RowError(
                    table.header_row,
                    name,
                    _("Unknown column “%(name)s”; the columns are: %(columns)s.")
                    % {"name": name, "columns": ", ".join(columns)},
                )
            )
        positions.setdefault(name, index)
    for name in columns:
        if name not in positions:
            errors.append(
                RowError(
                    table.header_row,
                    name,
                    _("Column “%(name)s” is missing; add it to the header row.") % {"name": name},
                )
            )
    if errors:
        raise ImportRefused(errors)
    return positions


# --- the templates to fill in -------------------------------------------------------------------


def csv_template(filename: str, columns, example: list) -> HttpResponse:
    """A CSV file of the header and one example row, to fill in."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # lets Excel read UTF-8 correctly
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerow(
        [value.isoformat() if hasattr(value, "isoformat") else value for value in example]
    )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_template(
    filename: str, title: str, columns, example: list, column_help, *, width: int
) -> HttpResponse:
    """A workbook of the header and one example row, to fill in, and a sheet of help:
    `column_help` as (name, required, what to write)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(columns))
    sheet.append(example)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        if isinstance(cell.value, date):
            cell.number_format = "yyyy-mm-dd"
    for column_cells in sheet.columns:
        sheet.column_dimensions[column_cells[0].column_letter].width = width
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet(_("Help"))
    help_sheet.append([_("Column"), _("Required"), _("What to write")])
    for name, required, text in column_help:
        help_sheet.append([name, _("yes") if required else _("no"), text])
    help_sheet.append([])
    help_sheet.append([_("Only the first sheet is imported.")])
    help_sheet.column_dimensions["A"].width = 20
    help_sheet.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def unnamed_cell_error(number: int, index: int) -> RowError:
    return RowError(
        number,
        _("column %(number)d") % {"number": index + 1},
        _("This cell is in a column without a name in the header row; move or delete it."),
    )

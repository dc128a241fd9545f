"""Reading a workbook (csrplatform.imports.xlsx_rows): calamine reads plain workbooks, some ten
times faster than openpyxl, and hands over the very values openpyxl gives (the imports parse
them); any other workbook is read by openpyxl as before."""

import datetime
import io
import zipfile

import pytest
from openpyxl import Workbook

from csrplatform import imports

LIMITS = imports.Limits(
    file_bytes=64 * 1024 * 1024,
    rows=1000,
    row_number=1100,
    xlsx_unpacked_bytes=64 * 1024 * 1024,
    xlsx_tags=1_000_000,
    past_last_row="The file goes on past row %(limit)s.",
    too_big="The workbook is too big to import.",
)
UNREADABLE = "The Excel workbook cannot be read; open it in Excel and save it again."
SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows, *, formats=None, sheet_xml=None, extra=None) -> bytes:
    """A workbook from openpyxl, its first sheet's XML changed by `sheet_xml(xml)`, parts added
    from `extra` ({name: bytes})."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for reference, number_format in (formats or {}).items():
        sheet[reference].number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    if sheet_xml is None and not extra:
        return buffer.getvalue()
    source = zipfile.ZipFile(buffer)
    changed = io.BytesIO()
    with zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            content = source.read(member.filename)
            if member.filename == SHEET and sheet_xml is not None:
                content = sheet_xml(content)
            archive.writestr(member.filename, content)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return changed.getvalue()


def openpyxl_rows(data: bytes) -> list:
    return list(imports.openpyxl_rows(data, LIMITS, UNREADABLE))


def read(data: bytes) -> list:
    return list(imports.xlsx_rows(data, LIMITS))


@pytest.fixture
def no_openpyxl(monkeypatch):
    """Fails the test if openpyxl reads the workbook, so that calamine must."""

    def fail(*args):
        raise AssertionError("openpyxl read the workbook")

    monkeypatch.setattr(imports, "openpyxl_rows", fail)


def cached(xml: bytes) -> bytes:
    # openpyxl writes formulas without the value Excel keeps beside them; write those in.
    return (
        xml.replace(b"<f>1+2</f><v></v>", b"<f>1+2</f><v>3</v>")
        .replace(
            b'<c r="B2"><f>"a"&amp;"b"</f><v></v>', b'<c r="B2" t="str"><f>"a"&amp;"b"</f><v>ab</v>'
        )
        .replace(b'<c r="C2"><f>TRUE()</f><v></v>', b'<c r="C2" t="b"><f>TRUE()</f><v>1</v>')
    )


VALUES = [
    [
        "text",
        "  spaced  ",
        "0123",
        3,
        -7,
        2.5,
        0.1,
        123456789012345,
        None,
        True,
        False,
        datetime.date(2026, 3, 31),
        datetime.datetime(2026, 3, 31, 12, 30, 15),
        datetime.datetime(2026, 3, 31),
        datetime.time(12, 0),
        "2026-03-31",
    ],
    ["=1+2", '="a"&"b"', "=TRUE()", None, "", 1e20],
]
FORMATS = {"L1": "dd/mm/yyyy", "M1": "d-mmm-yy h:mm", "N1": "yyyy-mm-dd"}
# What the imports have always been handed: openpyxl's values, `xlsx_columns` cells a row.
EXPECTED_CELLS = [
    [
        "text",
        "  spaced  ",
        "0123",
        3,
        -7,
        2.5,
        0.1,
        123456789012345,
        None,
        True,
        False,
        datetime.datetime(2026, 3, 31),
        datetime.datetime(2026, 3, 31, 12, 30, 15),
        datetime.datetime(2026, 3, 31),
        datetime.time(12, 0),
        "2026-03-31",
    ],
    [3, "ab", True, None, None, 1e20],
]
EXPECTED = [
    (number, tuple(cells) + (None,) * (LIMITS.xlsx_columns - len(cells)))
    for number, cells in enumerate(EXPECTED_CELLS, start=1)
]


def test_calamine_hands_over_the_values_openpyxl_gives(no_openpyxl):
    data = workbook(VALUES, formats=FORMATS, sheet_xml=cached)
    rows = read(data)
    assert rows == EXPECTED
    # The same types too: 3 stays an int, a day a datetime, as the parsing expects.
    assert [[type(cell) for cell in cells] for _, cells in rows] == [
        [type(cell) for cell in cells] for _, cells in EXPECTED
    ]


def test_the_values_are_those_openpyxl_reads_from_the_same_workbook():
    data = workbook(VALUES, formats=FORMATS, sheet_xml=cached)
    assert openpyxl_rows(data) == EXPECTED


def test_the_parsing_reads_the_cells_as_before(no_openpyxl):
    data = workbook(VALUES, formats=FORMATS, sheet_xml=cached)
    (_, first), (_, second) = read(data)
    assert [imports.text(cell) for cell in first[:16]] == [
        "text",
        "spaced",
        "0123",
        "3",
        "-7",
        "2.5",
        "0.1",
        "123456789012345",
        "",
        "True",
        "False",
        "2026-03-31",
        "2026-03-31 12:30:15",
        "2026-03-31",
        "12:00:00",
        "2026-03-31",
    ]
    assert [imports.parse_date(cell) for cell in first[11:14]] == [datetime.date(2026, 3, 31)] * 3
    assert imports.parse_date(first[15]) == datetime.date(2026, 3, 31)
    assert imports.is_blank(second[3:5])


def test_shared_strings_are_read_as_openpyxl_reads_them():
    # Excel keeps text in a table of shared strings, where openpyxl writes it in the cell.
    strings = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" '
        b'uniqueCount="3"><si><t>severity</t></si><si><t xml:space="preserve"> major </t></si>'
        b'<si><r><t xml:space="preserve">rich </t></r><r><rPr><b/></rPr><t>text</t></r></si></sst>'
    )

    def shared(xml: bytes) -> bytes:
        for index, word in enumerate((b"severity", b" major ", b"rich text")):
            inline = b'<is><t xml:space="preserve">%s</t></is>' % word
            if inline not in xml:
                inline = b"<is><t>%s</t></is>" % word
            xml = xml.replace(b't="inlineStr">' + inline, b't="s"><v>%d</v>' % index)
        return xml

    def with_table(data: bytes) -> bytes:
        source = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for member in source.infolist():
                content = source.read(member.filename)
                if member.filename == "xl/_rels/workbook.xml.rels":
                    content = content.replace(
                        b"</Relationships>",
                        b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                        b'officeDocument/2006/relationships/sharedStrings" '
                        b'Target="sharedStrings.xml"/></Relationships>',
                    )
                if member.filename == "[Content_Types].xml":
                    content = content.replace(
                        b"</Types>",
                        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                        b"</Types>",
                    )
                archive.writestr(member.filename, content)
            archive.writestr("xl/sharedStrings.xml", strings)
        return out.getvalue()

    data = with_table(workbook([["severity", " major ", "rich text"]], sheet_xml=shared))
    assert b't="s"' in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    expected = [(1, ("severity", " major ", "rich text") + (None,) * (LIMITS.xlsx_columns - 3))]
    assert imports.check_workbook_size(data, UNREADABLE, LIMITS)
    assert list(enumerate(imports.calamine_rows(data, LIMITS), start=1)) == expected
    assert openpyxl_rows(data) == expected


def test_rows_keep_their_numbers_and_cells_their_columns(no_openpyxl):
    # Data that starts at C3, with a blank row between, and a cell right of the last column read.
    book = [[], [], [None, None, "header", "b"], [], [None, None, 1, None, "x"]]
    data = workbook(
        book,
        sheet_xml=lambda xml: xml.replace(
            b"</row></sheetData>", b'<c r="BC5"><v>9</v></c></row></sheetData>'
        ),
    )
    rows = read(data)
    assert [number for number, _ in rows] == [1, 2, 3, 4, 5]
    assert all(len(cells) == LIMITS.xlsx_columns for _, cells in rows)
    assert rows[2][1][:5] == (None, None, "header", "b", None)
    assert rows[4][1][:6] == (None, None, 1, None, "x", None)
    assert set(rows[4][1][5:]) == {None}  # BC5 is past the 50 columns read


def test_a_workbook_with_error_cells_is_read_by_openpyxl(monkeypatch):
    # calamine reads #N/A as an empty cell; openpyxl hands over "#N/A", which the parsing
    # refuses as a value.
    data = workbook(
        [["a", "b"]],
        sheet_xml=lambda xml: xml.replace(
            b'<c r="B1" t="inlineStr"><is><t>b</t></is></c>', b'<c r="B1" t="e"><v>#N/A</v></c>'
        ),
    )
    assert not imports.check_workbook_size(data, UNREADABLE, LIMITS)
    assert read(data)[0][1][:2] == ("a", "#N/A")


def test_cells_that_do_not_name_their_place_are_read_by_openpyxl():
    data = workbook(
        [["a", "b"], [1, 2]],
        sheet_xml=lambda xml: xml.replace(b' r="A2"', b"").replace(b' r="B2"', b""),
    )
    assert not imports.check_workbook_size(data, UNREADABLE, LIMITS)
    assert read(data) == openpyxl_rows(data)
    assert read(data)[1][1][:2] == (1, 2)


def test_a_grid_calamine_would_have_to_allocate_in_full_is_left_to_openpyxl():
    # Two cells, A1 and XFD200000: calamine would ask for 100 GB and end the process.
    far = workbook(
        [["a"]],
        sheet_xml=lambda xml: xml.replace(
            b"</row></sheetData>",
            b'</row><row r="200000"><c r="XFD200000"><v>1</v></c></row></sheetData>',
        ),
    )
    assert not imports.check_workbook_size(far, UNREADABLE, LIMITS)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.table(imports.xlsx_rows(far, LIMITS), LIMITS)
    assert refused.value.errors[0].message == "The file goes on past row 1,100."
    wide = workbook(
        [["a"]],
        sheet_xml=lambda xml: xml.replace(
            b"</row></sheetData>",
            b'</row><row r="900"><c r="XFD900"><v>1</v></c></row></sheetData>',
        ),
    )
    assert not imports.check_workbook_size(wide, UNREADABLE, LIMITS)
    assert read(wide) == openpyxl_rows(wide)


@pytest.mark.parametrize(
    "damage",
    [
        # The sheet's XML stops in the middle of a cell.
        lambda data: workbook([["a", 1]], sheet_xml=lambda xml: xml[: xml.index(b"<c r=") + 9]),
        # The workbook's list of sheets is gone.
        lambda data: bytes(_without(data, "xl/workbook.xml")),
        # Not a ZIP archive at all past its first bytes.
        lambda data: data[:200],
    ],
    ids=["cut-sheet", "no-workbook-part", "cut-archive"],
)
def test_a_damaged_workbook_is_refused_with_one_message(damage):
    data = damage(workbook([["a", 1]]))
    with pytest.raises(imports.ImportRefused) as refused:
        read(data)
    assert refused.value.errors == [imports.RowError(None, "", UNREADABLE)]


def _without(data: bytes, name: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member in source.infolist():
            if member.filename != name:
                archive.writestr(member.filename, source.read(member.filename))
    return out.getvalue()


def test_rich_text_whose_spaces_calamine_would_drop_is_read_by_openpyxl():
    # Without xml:space="preserve" calamine trims each run: "rich " + "text" would lose a space.
    data = workbook(
        [["rich text"]],
        sheet_xml=lambda xml: xml.replace(
            b"<is><t>rich text</t></is>", b"<is><r><t>rich </t></r><r><t>text</t></r></is>"
        ),
    )
    assert b"<r><t>rich </t></r>" in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    assert not imports.check_workbook_size(data, UNREADABLE, LIMITS)
    assert read(data)[0][1][0] == "rich text"

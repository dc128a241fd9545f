"""The findings import refuses, in moments, files built to keep the server busy: zip bombs,
workbooks declaring a million rows, CSV files of endless empty lines."""

import datetime
import io
import time
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from audits import imports
from metrics.models import ImportJob
from tests.audits.test_import import (
    assert_refused,
    counts,
    good_rows,
    post,
    xlsx_bytes,
    xlsx_upload,
)

SHEET = "xl/worksheets/sheet1.xml"
# Well above what the server may spend on refusing a file (the old path took close to a minute).
FAST = 3.0


def with_sheet(sheet_xml: bytes) -> bytes:
    """A real workbook from openpyxl whose first sheet is replaced by `sheet_xml`."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(good_rows())))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member in source.infolist():
            content = sheet_xml if member.filename == SHEET else source.read(member.filename)
            archive.writestr(member.filename, content)
    return buffer.getvalue()


def sheet(rows: bytes) -> bytes:
    header = b"".join(
        b'<c t="inlineStr"><is><t>%s</t></is></c>' % name.encode() for name in imports.COLUMNS
    )
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1">' + header + b"</row>" + rows + b"</sheetData></worksheet>"
    )


def post_timed(client, audit, name, content):
    started = time.monotonic()
    response = post(client, audit, SimpleUploadedFile(name, content))
    return response, time.monotonic() - started


def test_a_zip_bomb_is_refused_before_it_is_unpacked(page_client, audits, monkeypatch):
    monkeypatch.setattr(imports, "MAX_XLSX_UNPACKED_BYTES", 20 * 1024 * 1024)
    # 30 MB of one repeated byte in the sheet: packed, the whole workbook is some 40 KB.
    bomb = with_sheet(sheet(b"<row>" + b" " * (30 * 1024 * 1024) + b"</row>"))
    assert len(bomb) < 100 * 1024
    before = counts()
    response, seconds = post_timed(page_client("facilitator"), audits.audit_x, "f.xlsx", bomb)
    assert_refused(response, before, (None, ""))
    assert "unpacks to more than 20 MB" in response.content.decode()
    assert seconds < FAST


def test_a_part_packed_far_tighter_than_excel_packs_is_refused(page_client, audits):
    # Under the 20 MB limit, but 5 MB that pack into a few KB are not a real sheet.
    packed = with_sheet(sheet(b"<row>" + b" " * (5 * 1024 * 1024) + b"</row>"))
    before = counts()
    response, seconds = post_timed(page_client("facilitator"), audits.audit_x, "f.xlsx", packed)
    assert_refused(response, before, (None, ""))
    assert "packed in a way Excel never packs one" in response.content.decode()
    assert seconds < FAST


def test_a_workbook_with_too_many_elements_is_refused_before_it_is_read(
    page_client, audits, monkeypatch
):
    monkeypatch.setattr(imports, "MAX_XLSX_TAGS", 500)
    before = counts()
    response = post(page_client("facilitator"), audits.audit_x, xlsx_upload(good_rows() * 10))
    assert_refused(response, before, (None, ""))
    assert "too big to import" in response.content.decode()


def test_a_workbook_reaching_row_a_million_is_refused_at_the_limit(page_client, audits):
    # A few bytes declare row 1,048,576: the reader would hand over a million empty rows.
    far = with_sheet(sheet(b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>'))
    assert len(far) < 20 * 1024
    before = counts()
    response, seconds = post_timed(page_client("facilitator"), audits.audit_x, "f.xlsx", far)
    assert_refused(response, before, (None, ""))
    assert f"goes on past row {imports.MAX_ROW_NUMBER:,}" in response.content.decode()
    assert seconds < FAST


def test_a_workbook_of_endless_empty_rows_is_refused(page_client, audits, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROW_NUMBER", 10_000)
    rows = b"".join(b'<row r="%d"/>' % number for number in range(2, 50_000))
    before = counts()
    response, seconds = post_timed(
        page_client("facilitator"), audits.audit_x, "f.xlsx", with_sheet(sheet(rows))
    )
    assert_refused(response, before, (None, ""))
    assert "goes on past row 10,000" in response.content.decode()
    assert seconds < FAST


def test_a_csv_of_endless_empty_lines_is_refused(
    page_client, audits, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    header = ",".join(imports.COLUMNS).encode()
    content = header + b"\n" * (4 * 1024 * 1024)
    before = counts()
    client = page_client("facilitator")
    # So many lines make it a background job, which refuses the file as quickly.
    with django_capture_on_commit_callbacks(execute=True):
        response, seconds = post_timed(client, audits.audit_x, "f.csv", content)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert (job.kind, job.status, job.audit) == ("findings", "refused", audits.audit_x)
    assert counts() == before
    assert f"goes on past row {imports.MAX_ROW_NUMBER:,}" in job.errors[0][2]
    assert seconds < FAST


def test_a_full_size_workbook_fits_the_limits(page_client, audits):
    # Every text cell different (nothing shared between rows), measured on 2,000 rows and
    # scaled to the row limit: reading 100,000 rows is the benchmark's job, not a test's.
    sample = 2000
    template = good_rows()[2]
    rows = [
        {column: f"{value} {number}" for column, value in template.items() if value}
        | {"due_date": datetime.date(2026, 5, 15), "severity": "minor", "clauses": "eicc:C.1"}
        for number in range(sample)
    ]
    data = xlsx_bytes(rows)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
        tags = sum(archive.read(member).count(b"<") for member in archive.infolist())
    scale = imports.MAX_ROWS / sample
    assert imports.MAX_ROWS >= 100_000
    assert unpacked * scale < imports.MAX_XLSX_UNPACKED_BYTES
    assert tags * scale < imports.MAX_XLSX_TAGS
    assert len(imports.table_of(data, is_xlsx=True).rows) == sample

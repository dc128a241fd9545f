"""Importing findings and corrective actions from CSV or XLSX: all rows or none."""

import csv
import datetime
import io
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from audits import imports
from audits.imports import COLUMNS
from audits.models import CorrectiveAction, Finding

URL = reverse("audits:findings_import")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


def good_rows():
    """Two findings; the first has two corrective actions, one owned by the supplier's user."""
    return [
        {
            "finding_ref": "F1",
            "severity": "major",
            "clauses": "eicc:A.3; sa8000:7",
            "description": "Overtime above 60 hours a week",
            "evidence": "Time records of March",
            "root_cause": "Production planning ignores capacity",
            "action": "Plan production within legal hours",
            "preventive_action": "Monthly review of working hours",
            "owner_email": "supplier@example.org",
            "due_date": "2026-06-30",
        },
        {
            "finding_ref": "F1",
            "severity": "major",
            "clauses": "eicc:A.3; sa8000:7",
            "description": "Overtime above 60 hours a week",
            "evidence": "Time records of March",
            "root_cause": "Production planning ignores capacity",
            "action": "Hire seasonal workers for the peak",
            "preventive_action": "",
            "owner_email": "",
            "due_date": "2026-07-31",
        },
        {
            "finding_ref": "F2",
            "severity": "minor",
            "clauses": "eicc:C.1",
            "description": "No EHS committee minutes",
            "evidence": "",
            "root_cause": "",
            "action": "Keep minutes of every EHS committee meeting",
            "preventive_action": "",
            "owner_email": "",
            "due_date": "2026-05-15",
        },
    ]


def csv_upload(rows, header=COLUMNS, *, delimiter=",", bom=False, name="findings.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    data = ("\ufeff" if bom else "") + buffer.getvalue()
    return SimpleUploadedFile(name, data.encode("utf-8"), content_type="text/csv")


def xlsx_bytes(rows, header=COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append([row.get(column, "") for column in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_upload(rows, header=COLUMNS, name="findings.xlsx"):
    return SimpleUploadedFile(
        name, xlsx_bytes(rows, header), content_type="application/octet-stream"
    )


def post(client, audit, upload):
    return client.post(URL, {"audit": audit.pk, "file": upload})


def counts():
    return Finding.objects.count(), CorrectiveAction.objects.count()


def error_cells(response):
    return {(error.row, error.column) for error in response.context["errors"]}


def assert_refused(response, before, *cells):
    """400, the error table names each (row, column), and nothing was written."""
    assert response.status_code == 400
    assert counts() == before
    html = response.content.decode()
    assert 'id="import-errors"' in html
    found = error_cells(response)
    for row, column in cells:
        assert (row, column) in found, found
        if column:
            assert f"<code>{column}</code>" in html
        if row:
            assert f'<td class="num">{row}</td>' in html


# --- good files -----------------------------------------------------------------------------------


def test_a_good_csv_imports_every_row(page_client, audits):
    before = counts()
    response = post(page_client("facilitator"), audits.audit_x, csv_upload(good_rows()))

    assert response.status_code == 302
    assert response.url == audits.audit_x.get_absolute_url()
    assert counts() == (before[0] + 2, before[1] + 3)
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert messages == ["Imported 2 findings and 3 corrective actions."]
    overtime = Finding.objects.get(
        audit=audits.audit_x, description="Overtime above 60 hours a week"
    )
    assert overtime.severity == "major"
    assert set(overtime.clauses.all()) == {audits.clause_hours, audits.other_clause}
    actions = list(overtime.corrective_actions.order_by("due_date"))
    assert [(a.action, a.owner, a.due_date) for a in actions] == [
        (
            "Plan production within legal hours",
            audits.action_x.owner,
            datetime.date(2026, 6, 30),
        ),
        ("Hire seasonal workers for the peak", None, datetime.date(2026, 7, 31)),
    ]
    # Written through the services: the history names who imported.
    assert overtime.history.first().history_user.email == "facilitator@example.org"


def test_a_good_xlsx_with_date_cells_imports_every_row(page_client, audits):
    rows = good_rows()
    for row in rows:
        row["due_date"] = datetime.datetime.fromisoformat(row["due_date"])  # a real date cell
    rows[2]["finding_ref"] = 2  # a number cell
    before = counts()
    response = post(page_client("facilitator"), audits.audit_x, xlsx_upload(rows))

    assert response.status_code == 302, response.context and response.context["errors"]
    assert counts() == (before[0] + 2, before[1] + 3)
    assert CorrectiveAction.objects.filter(
        finding__audit=audits.audit_x, due_date=datetime.date(2026, 5, 15)
    ).exists()


def test_a_semicolon_csv_with_bom_and_columns_in_another_order_imports(page_client, audits):
    header = list(reversed(COLUMNS))
    before = counts()
    upload = csv_upload(good_rows(), header, delimiter=";", bom=True)
    response = post(page_client("facilitator"), audits.audit_x, upload)
    assert response.status_code == 302
    assert counts() == (before[0] + 2, before[1] + 3)


# --- bad rows: 400, every problem named by row and column, nothing imported -----------------------


def _set(row_index, **values):
    def change(rows):
        rows[row_index].update(values)
        return rows

    return change


BAD_ROWS = {
    "date in another format": (_set(1, due_date="31/07/2026"), (3, "due_date")),
    "no such day": (_set(2, due_date="2026-02-30"), (4, "due_date")),
    "no due date": (_set(2, due_date=""), (4, "due_date")),
    "unknown severity": (_set(2, severity="high"), (4, "severity")),
    "unknown clause": (_set(2, clauses="eicc:Z.9"), (4, "clauses")),
    "unknown standard": (_set(2, clauses="iso9001:7.1"), (4, "clauses")),
    "clause without standard": (_set(2, clauses="A.3"), (4, "clauses")),
    "unknown owner": (_set(2, owner_email="nobody@example.org"), (4, "owner_email")),
    "owner of another organisation": (
        _set(2, owner_email="customer-a@example.org"),
        (4, "owner_email"),
    ),
    "missing description": (_set(2, description=""), (4, "description")),
    "finding disagrees on severity": (_set(1, severity="critical"), (3, "severity")),
    "finding disagrees on description": (_set(1, description="Something else"), (3, "description")),
    "finding disagrees on clauses": (_set(1, clauses="eicc:A.3"), (3, "clauses")),
    "duplicate row": (
        lambda rows: [*rows, dict(rows[0], due_date="2026-09-30")],
        (5, "action"),
    ),
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("case", BAD_ROWS, ids=list(BAD_ROWS))
def test_a_bad_row_imports_nothing_and_names_row_and_column(page_client, audits, case, fmt):
    change, cell = BAD_ROWS[case]
    rows = change(good_rows())
    upload = csv_upload(rows) if fmt == "csv" else xlsx_upload(rows)
    before = counts()
    response = post(page_client("facilitator"), audits.audit_x, upload)
    assert_refused(response, before, cell)


def test_every_problem_is_listed_at_once(page_client, audits):
    rows = good_rows()
    rows[0]["severity"] = "urgent"
    rows[1]["due_date"] = "soon"
    rows[2]["clauses"] = "eicc:A.3; sa8000:99"
    rows[2]["owner_email"] = "ghost@example.org"
    before = counts()
    response = post(page_client("facilitator"), audits.audit_x, csv_upload(rows))
    assert_refused(
        response,
        before,
        (2, "severity"),
        (3, "due_date"),
        (4, "clauses"),
        (4, "owner_email"),
    )
    html = response.content.decode()
    assert "Standard “sa8000” has no clause “99”." in html
    assert "use critical, major or minor" in html


def test_rows_are_numbered_as_in_the_file_even_after_a_blank_row(page_client, audits):
    rows = good_rows()
    rows.insert(1, {})  # a blank line: row 3
    rows[3]["severity"] = "high"  # the finding F2, now in row 5
    before = counts()
    response = post(page_client("facilitator"), audits.audit_x, csv_upload(rows))
    assert_refused(response, before, (5, "severity"))


# --- bad files ------------------------------------------------------------------------------------


def test_missing_and_unknown_columns_are_named(page_client, audits):
    header = [column for column in COLUMNS if column not in ("severity", "due_date")] + ["colour"]
    before = counts()
    response = post(page_client("facilitator"), audits.audit_x, csv_upload(good_rows(), header))
    assert_refused(response, before, (1, "severity"), (1, "due_date"), (1, "colour"))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", PDF),
        ("findings.csv", PDF),  # the name does not matter, the bytes do
        ("photo.png", PNG),
        ("findings.xlsx", PNG),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 40),
        ("latin1.csv", "finding_ref,description\nF1,Überstunden\n".encode("latin-1")),
        ("blank.csv", b"\n\n  \n"),
    ],
    ids=["pdf", "pdf-named-csv", "png", "png-named-xlsx", "zip", "not-utf8", "blank"],
)
def test_a_file_neither_csv_nor_xlsx_is_refused(page_client, audits, name, content):
    before = counts()
    response = post(page_client("facilitator"), audits.audit_x, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert counts() == before
    assert response.context["errors"]


def test_an_empty_file_is_refused(page_client, audits):
    before = counts()
    response = post(page_client("facilitator"), audits.audit_x, SimpleUploadedFile("e.csv", b""))
    assert response.status_code == 400
    assert counts() == before
    assert "empty" in response.context["form"].errors["file"][0]


@pytest.mark.parametrize(
    ("name", "message"),
    [("findings\u202evsc.xlsx", "invisible"), ("../../findings.csv", "folders")],
    ids=["bidi-override", "folders"],
)
def test_a_harmful_file_name_is_refused(page_client, audits, name, message):
    # Django's test client strips folders from file names, as browsers do; hostile clients
    # do not, so the body is written by hand with the name exactly as given.
    boundary = "----csrtestboundary"
    head = "\r\n".join(
        [
            f"--{boundary}",
            'Content-Disposition: form-data; name="audit"',
            "",
            str(audits.audit_x.pk),
            f"--{boundary}",
            f'Content-Disposition: form-data; name="file"; filename="{name}"',
            "Content-Type: text/csv",
            "",
            "",
        ]
    )
    body = head.encode() + csv_upload(good_rows()).read() + f"\r\n--{boundary}--\r\n".encode()
    content_type = f"multipart/form-data; boundary={boundary}"
    before = counts()
    response = page_client("facilitator").post(URL, body, content_type=content_type)
    assert response.status_code == 400
    assert counts() == before
    assert message in response.content.decode()


def test_a_zip_without_a_workbook_is_refused(page_client, audits):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("notes.txt", "hello")
    before = counts()
    response = post(
        page_client("facilitator"),
        audits.audit_x,
        SimpleUploadedFile("findings.xlsx", buffer.getvalue()),
    )
    assert response.status_code == 400
    assert counts() == before


def test_a_header_without_rows_is_refused(page_client, audits):
    before = counts()
    response = post(page_client("facilitator"), audits.audit_x, csv_upload([]))
    assert_refused(response, before, (1, ""))


def test_a_file_over_the_size_limit_is_refused(page_client, audits, monkeypatch):
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 1024 * 1024)  # 64 MB in production
    rows = good_rows()
    rows[0]["evidence"] = "x" * (1024 * 1024)
    before = counts()
    response = post(page_client("facilitator"), audits.audit_x, csv_upload(rows))
    assert_refused(response, before, (None, ""))
    assert "larger than 1 MB" in response.content.decode()


def test_more_rows_than_the_limit_are_refused(page_client, audits, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 50)  # 100,000 in production
    template = good_rows()[2]
    rows = [dict(template, action=f"Action {number}") for number in range(51)]
    before = counts()
    response = post(page_client("facilitator"), audits.audit_x, csv_upload(rows))
    assert_refused(response, before, (None, ""))
    assert "more than 50 rows" in response.content.decode()


def test_the_limits_accept_100000_rows():
    assert imports.MAX_ROWS >= 100_000
    assert imports.MAX_ROW_NUMBER > imports.MAX_ROWS


def test_a_cell_under_no_column_name_is_refused(page_client, audits):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerow([*[good_rows()[2][column] for column in COLUMNS], "stray"])
    before = counts()
    upload = SimpleUploadedFile("findings.csv", buffer.getvalue().encode())
    response = post(page_client("facilitator"), audits.audit_x, upload)
    assert_refused(response, before, (2, "column 11"))


# --- the templates ------------------------------------------------------------------------------


def test_the_csv_template_downloads_and_its_example_imports(page_client, audits):
    client = page_client("facilitator")
    response = client.get(reverse("audits:findings_template", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert len(lines) == 2

    before = counts()
    response = post(client, audits.audit_x, SimpleUploadedFile("t.csv", response.content))
    assert response.status_code == 302
    assert counts() == (before[0] + 1, before[1] + 1)


def test_the_xlsx_template_downloads_and_its_example_imports(page_client, audits):
    client = page_client("facilitator")
    response = client.get(reverse("audits:findings_template", args=["xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == 2
    assert isinstance(rows[1][COLUMNS.index("due_date")], datetime.datetime)

    before = counts()
    response = post(client, audits.audit_x, SimpleUploadedFile("t.xlsx", response.content))
    assert response.status_code == 302
    assert counts() == (before[0] + 1, before[1] + 1)


def test_a_template_in_another_format_is_404(page_client, world):
    response = page_client("facilitator").get(reverse("audits:findings_template", args=["pdf"]))
    assert response.status_code == 404


# --- who may import -------------------------------------------------------------------------------


def test_the_facilitator_sees_the_page_with_the_audits_to_choose(page_client, audits):
    response = page_client("facilitator").get(URL, {"audit": audits.audit_x.pk})
    assert response.status_code == 200
    choices = {audit.pk for audit in response.context["form"].fields["audit"].queryset}
    assert choices == {audits.audit_x.pk, audits.audit_y.pk}


@pytest.mark.parametrize("role", ["customer_a", "supplier", "ngo"])
def test_only_facilitator_editors_may_import(page_client, audits, role):
    client = page_client(role)
    assert client.get(URL).status_code == 403
    before = counts()
    response = post(client, audits.audit_x, csv_upload(good_rows()))
    assert response.status_code == 403
    assert counts() == before


def test_a_facilitator_viewer_may_not_import(client, audits, world):
    from csrplatform.accounts.models import Role
    from tests.factories import member

    client.force_login(member(world.facilitator_org, Role.VIEWER, email="viewer@example.org"))
    assert client.get(URL).status_code == 403


def test_anonymous_users_are_sent_to_log_in(client, audits):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response.url

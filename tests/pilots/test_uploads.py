"""Uploads: one check for pages and API (hostile names, active content), safe downloads.

The page tests use a client that enforces CSRF, as a browser's requests are checked: the CSRF
middleware parses the body before any view runs, which is where hostile names used to be
quietly cleaned instead of refused.
"""

import html
import random
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from audits.models import CorrectiveAction
from csrplatform.uploads import check_active_content, clean_filename
from pilots.models import Document

PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf(catalog_extra: bytes = b"", *, objects: bytes = b"", trailer_extra: bytes = b"") -> bytes:
    return (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R "
        + catalog_extra
        + b" >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        + objects
        + b"trailer\n<< /Root 1 0 R "
        + trailer_extra
        + b" >>\n%%EOF\n"
    )


def object_stream(content: bytes, number: int = 7, dictionary: bytes = b"/Type /ObjStm") -> bytes:
    packed = zlib.compress(content)
    return (
        b"%d 0 obj\n<< %s /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n"
        % (number, dictionary, len(packed))
        + packed
        + b"\nendstream\nendobj\n"
    )


def multipart(fields: dict, file_field: str, name: str, content: bytes):
    """A multipart body with the file name exactly as given (test clients, like browsers,
    would strip folders from it; hostile clients do not)."""
    boundary = "----csruploadboundary"
    parts = []
    for key, value in fields.items():
        parts += [f"--{boundary}", f'Content-Disposition: form-data; name="{key}"', "", str(value)]
    parts += [
        f"--{boundary}",
        f'Content-Disposition: form-data; name="{file_field}"; filename="{name}"',
        "Content-Type: application/octet-stream",
        "",
        "",
    ]
    body = "\r\n".join(parts).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def browser(world, role, page_url):
    """A signed-in client whose POSTs carry a CSRF token and are checked, like a browser's."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[role])
    assert client.get(page_url).status_code == 200  # sets the CSRF cookie
    return client, client.cookies["csrftoken"].value


def page_upload(world, pilot, name, content):
    url = reverse("pilots:document_upload", args=[pilot.pk])
    client, token = browser(world, "ngo", url)
    fields = {"csrfmiddlewaretoken": token, "kind": "report", "visibility": "all_participants"}
    body, content_type = multipart(fields, "file", name, content)
    return client.post(url, body, content_type=content_type)


def api_upload(api_client, pilot, name, content):
    body, content_type = multipart({"pilot": pilot.pk, "kind": "report"}, "file", name, content)
    return api_client("ngo").generic("POST", "/api/v1/documents/", body, content_type=content_type)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def api_text(response) -> str:
    """Every message in the API's answer, one per line, whatever shape the errors take."""

    def strings(value):
        if isinstance(value, dict):
            return [text for item in value.values() for text in strings(item)]
        if isinstance(value, list):
            return [text for item in value for text in strings(item)]
        return [str(value)]

    return "\n".join(strings(response.json()))


def refusal(check, *args) -> str:
    with pytest.raises(ValidationError) as refused:
        check(*args)
    return refused.value.messages[0]


def assert_nothing_stored(tmp_path):
    assert not Document.objects.exists()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


# --- hostile names ---------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../etc/passwd.pdf",
    "..\\..\\windows\\report.pdf",
    "..&#x2F;..&#x2F;etc&#x2F;passwd.pdf",
    "report\u202efdp.pdf",
    "invisible\u200bname.pdf",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_name_gets_the_same_refusal_from_the_page_and_the_api(
    world, pilots, api_client, tmp_path, name
):
    message = refusal(clean_filename, name)
    page = page_upload(world, pilots.pilot_x, name, PDF)
    assert page.status_code == 400
    assert message in page_text(page)
    api = api_upload(api_client, pilots.pilot_x, name, PDF)
    assert api.status_code == 400
    assert message in api_text(api)
    assert_nothing_stored(tmp_path)


def test_the_page_and_the_api_keep_a_harmless_name_as_sent(world, pilots, api_client):
    name = "Bericht März (v2).pdf"
    assert page_upload(world, pilots.pilot_x, name, PDF).status_code == 302
    assert api_upload(api_client, pilots.pilot_x, name, PDF + b"% 2\n").status_code == 201
    assert list(Document.objects.values_list("original_name", flat=True)) == [name, name]


def test_hostile_evidence_names_get_the_same_refusal_from_the_page_and_the_api(
    world, audits, api_client, tmp_path
):
    name = "payroll\u202efdp.pdf"
    message = refusal(clean_filename, name)
    action = audits.action_x
    client, token = browser(world, "supplier", action.get_absolute_url())
    body, content_type = multipart(
        {"csrfmiddlewaretoken": token, "note": "Done"}, "evidence", name, PDF
    )
    page = client.post(
        reverse("audits:action_move", args=[action.pk, "submit"]),
        body,
        content_type=content_type,
        follow=True,
    )
    assert message in page_text(page)
    body, content_type = multipart({"note": "Done"}, "evidence", name, PDF)
    api = api_client("supplier").generic(
        "POST", f"/api/v1/corrective-actions/{action.pk}/submit/", body, content_type=content_type
    )
    assert api.status_code == 400
    assert message in api_text(api)
    assert CorrectiveAction.objects.get(pk=action.pk).status == action.status
    assert_nothing_stored(tmp_path)


def test_the_findings_import_page_refuses_a_hostile_name_behind_csrf(world, audits):
    url = reverse("audits:findings_import")
    client, token = browser(world, "facilitator", url)
    name = "../../findings.csv"
    body, content_type = multipart(
        {"csrfmiddlewaretoken": token, "audit": audits.audit_x.pk}, "file", name, b"a,b\n1,2\n"
    )
    response = client.post(url, body, content_type=content_type)
    assert response.status_code == 400
    assert refusal(clean_filename, name) in page_text(response)


# --- active content --------------------------------------------------------------------------

JS = b"<< /S /JavaScript /JS (app.alert('hello')) >>"
ACTIVE_PDFS = {
    "open-action-javascript": pdf(b"/OpenAction " + JS),
    "names-javascript": pdf(b"/Names << /JavaScript 9 0 R >>"),
    "obfuscated-name": pdf(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"),
    "additional-actions": pdf(b"/AA << /WC 9 0 R >>"),
    "launch": pdf(b"/OpenAction << /S /Launch /F (cmd.exe) >>"),
    "embedded-files": pdf(b"/Names << /EmbeddedFiles << /Names [(a.exe) 9 0 R] >> >>"),
    "javascript-in-object-stream": pdf(b"/OpenAction 5 0 R", objects=object_stream(b"5 0 " + JS)),
    "object-stream-without-type": pdf(
        b"/OpenAction 5 0 R", objects=object_stream(b"5 0 " + JS, dictionary=b"")
    ),
    "object-hidden-in-a-stream": pdf(
        objects=b"8 0 obj\n<< /Length 64 >>\nstream\n\x00\x01\x02 5 0 obj " + JS + b" endobj"
        b"\nendstream\nendobj\n"
    ),
}


@pytest.mark.parametrize("content", ACTIVE_PDFS.values(), ids=ACTIVE_PDFS.keys())
def test_a_pdf_with_active_content_is_refused_by_page_and_api(
    world, pilots, api_client, tmp_path, content
):
    page = page_upload(world, pilots.pilot_x, "report.pdf", content)
    assert page.status_code == 400
    assert "This PDF contains active content" in page_text(page)
    assert "Save as PDF" in page_text(page)
    api = api_upload(api_client, pilots.pilot_x, "report.pdf", content)
    assert api.status_code == 400
    assert "This PDF contains active content" in api_text(api)
    assert_nothing_stored(tmp_path)


def test_the_refusal_says_what_was_found(world, pilots):
    page = page_upload(world, pilots.pilot_x, "report.pdf", ACTIVE_PDFS["launch"])
    assert "an action that starts another program" in page_text(page)


def test_an_encrypted_pdf_cannot_be_checked_and_is_refused(world, pilots, api_client, tmp_path):
    content = pdf(trailer_extra=b"/Encrypt 9 0 R /ID [<00> <00>]")
    api = api_upload(api_client, pilots.pilot_x, "locked.pdf", content)
    assert api.status_code == 400
    assert "cannot be checked for active content" in api_text(api)
    assert_nothing_stored(tmp_path)


POLYGLOTS = {
    "pdf-html": ("report.pdf", PDF + b"<!DOCTYPE html><html><body>hi</body></html>"),
    "pdf-script": ("report.pdf", PDF + b"%<script>alert(document.cookie)</script>\n"),
    "pdf-svg": ("report.pdf", PDF + b"% <SVG onload=alert(1)>\n"),
    "png-html": ("photo.png", PNG + b"tEXt<html><script>alert(1)</script>"),
}


@pytest.mark.parametrize(("name", "content"), POLYGLOTS.values(), ids=POLYGLOTS.keys())
def test_a_file_that_is_also_a_web_page_is_refused_by_page_and_api(
    world, pilots, api_client, tmp_path, name, content
):
    page = page_upload(world, pilots.pilot_x, name, content)
    assert page.status_code == 400
    assert "contains web-page code" in page_text(page)
    api = api_upload(api_client, pilots.pilot_x, name, content)
    assert api.status_code == 400
    assert "contains web-page code" in api_text(api)
    assert_nothing_stored(tmp_path)


CLEAN_PDFS = {
    "minimal": PDF,
    "go-to-page-on-open-and-a-link": pdf(
        b"/OpenAction [3 0 R /Fit]",
        objects=b"3 0 obj\n<< /Type /Annot /Subtype /Link /A << /S /URI "
        b"/URI (https://example.org/) >> >>\nendobj\n",
    ),
    "object-stream": pdf(
        b"/Outlines 5 0 R", objects=object_stream(b"5 0 << /Type /Outlines /Count 0 >>")
    ),
    "compressed-page-content": pdf(
        objects=b"4 0 obj\n<< /Filter /FlateDecode /Length 20 >>\nstream\n"
        + zlib.compress(b"BT /F1 12 Tf (Hello) Tj ET")
        + b"\nendstream\nendobj\n"
    ),
}


@pytest.mark.parametrize("content", CLEAN_PDFS.values(), ids=CLEAN_PDFS.keys())
def test_a_clean_pdf_is_still_accepted_by_page_and_api(world, pilots, api_client, content):
    assert page_upload(world, pilots.pilot_x, "clean.pdf", content).status_code == 302
    api = api_upload(api_client, pilots.pilot_x, "clean.pdf", content + b"% api copy\n")
    assert api.status_code == 201, api.content
    assert Document.objects.count() == 2


def test_random_bytes_in_a_big_image_stream_are_not_taken_for_active_content():
    # Deterministic noise, standing for 4 MB of compressed image data.
    noise = random.Random(2008).randbytes(4 * 1024 * 1024)  # noqa: S311
    content = pdf(
        objects=b"4 0 obj\n<< /Type /XObject /Subtype /Image /Filter /DCTDecode >>\nstream\n"
        + noise.replace(b"endstream", b"")
        + b"\nendstream\nendobj\n"
    )
    check_active_content(SimpleUploadedFile("photo.pdf", content), "application/pdf")


# --- downloads -------------------------------------------------------------------------------


def test_downloads_are_attachments_with_nosniff_and_a_sandbox(world, pilots, page_client):
    assert page_upload(world, pilots.pilot_x, "report.pdf", PDF).status_code == 302
    document = Document.objects.get()
    response = page_client("ngo").get(reverse("pilots:document_download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert "sandbox" in policy
    assert "default-src 'none'" in policy
    assert b"".join(response.streaming_content) == PDF

"""Progress and submission are kept apart: submitting does not replace the progress report,
and the action's page shows each once (the evidence's file name too)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audits import services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_submitting_keeps_the_progress_report(world, audits, page_client):
    supplier = world.users["supplier"]
    action = services.action_progress(
        actor=supplier, action=audits.action_x, note="Approval delegated to the plant manager"
    )
    action = services.action_submit(
        actor=supplier,
        action=action,
        note="Done: new approval matrix in force",
        evidence=SimpleUploadedFile("evidence.pdf", PDF, content_type="application/pdf"),
    )
    action.refresh_from_db()
    assert action.progress_note == "Approval delegated to the plant manager"
    assert action.submission_note == "Done: new approval matrix in force"

    page = page_client("customer_a").get(action.get_absolute_url()).content.decode()
    assert "Approval delegated to the plant manager" in page
    assert "Done: new approval matrix in force" in page
    evidence = page[page.index('id="evidence"') :]
    evidence = evidence[: evidence.index("</section>")]
    assert evidence.count("evidence.pdf") == 1
    history = page[page.index('id="history"') :]
    assert "Progress: Approval delegated" in history
    assert "Submitted: Done: new approval matrix" in history

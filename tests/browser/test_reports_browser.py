"""PDF reports asked for in Chromium: the facilitator asks for a pilot's summary from the pilot
page and for the programme's from the programme page, follows each to ready, and downloads the
PDF; a customer asks for its supplier-progress report from its organisation page."""

import pytest
from django.urls import reverse
from pypdf import PdfReader

from reports.models import Report
from tests.browser.support import browser_page, log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _ask_and_download(page, expect, kind, tmp_path):
    """Press the PDF button of `kind` on the open page, wait for ready, download; the text."""
    page.locator(f"form.report-request[data-report-kind={kind}]").get_by_role(
        "button", name="PDF"
    ).click()
    expect(page.locator("#report-status")).to_have_attribute("data-status", "ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    target = tmp_path / f"{kind}.pdf"
    download.value.save_as(target)
    return "\n".join(p.extract_text() for p in PdfReader(target).pages)


def test_facilitator_and_customer_get_their_pdfs_in_the_browser(
    live_server, transactional_db, chromium_path, settings, world, pilots, tmp_path
):
    settings.DEMO_PASSWORD = PASSWORD
    settings.MEDIA_ROOT = tmp_path / "media"
    # The embedded mode renders when asked (a real worker is tests/integration's part).
    settings.CELERY_TASK_ALWAYS_EAGER = True
    base = live_server.url
    pilot = pilots.pilot_x

    with browser_page(chromium_path, "reports_flow") as (page, expect):
        log_in(page, base, "facilitator@example.org")
        page.goto(f"{base}{pilot.get_absolute_url()}")
        text = _ask_and_download(page, expect, "pilot_summary", tmp_path)
        assert pilot.title in text
        assert "Context and objectives" in text

        page.goto(f"{base}{pilots.programme.get_absolute_url()}")
        text = _ask_and_download(page, expect, "programme_summary", tmp_path)
        assert "Contents" in text
        assert pilots.programme.title.split()[0] in text

    with browser_page(chromium_path, "reports_customer") as (page, expect):
        log_in(page, base, "customer-a@example.org")
        page.goto(f"{base}{reverse('suppliers:organisation_detail', args=[world.customer_a.pk])}")
        text = _ask_and_download(page, expect, "supplier_progress", tmp_path)
        assert "Supplier X" in text

    mine = Report.objects.filter(requested_by=world.users["customer_a"])
    assert list(mine.values_list("kind", "status")) == [("supplier_progress", "ready")]

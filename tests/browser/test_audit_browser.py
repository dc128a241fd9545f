"""A corrective action clicked through in Chromium: the supplier submits evidence, the
customer verifies it, and the board's counts change."""

import re

import pytest
from django.core.management import call_command

from audits.models import CorrectiveAction
from tests.browser.support import browser_page, log_in

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def board_counts(page, base, supplier_pk):
    page.goto(f"{base}/audits/actions/?supplier={supplier_pk}")
    return {
        key: int(page.locator(f"[data-count='{key}']").inner_text())
        for key in ("open", "overdue", "submitted", "verified")
    }


def test_supplier_submits_evidence_and_customer_verifies(
    live_server, transactional_db, chromium_path, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo")
    action = (
        CorrectiveAction.objects.filter(
            status__in=("open", "in_progress"),
            finding__audit__commissioned_by__name="Customer A (ICT brand)",
        )
        .order_by("pk")
        .first()
    )
    if action is None:
        pytest.fail("the demo must hold an open corrective action of customer A's audit")
    supplier_pk = action.finding.audit.facility.supplier_id
    base = live_server.url

    with browser_page(chromium_path, "audit_flow") as (page, expect):
        log_in(page, base, "supplier@example.org")
        before = board_counts(page, base, supplier_pk)
        page.goto(f"{base}/audits/actions/{action.pk}/")
        submit = page.locator("#submit-form")
        submit.locator("textarea[name=note]").fill("Procedures written; team trained in ISO 14001")
        submit.locator("input[name=evidence]").set_input_files(
            files=[{"name": "ehs-procedures.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        submit.get_by_role("button", name="Submit for verification").click()
        expect(page.locator(".messages")).to_contain_text("Submitted for verification.")
        expect(page.locator("#evidence")).to_contain_text("ehs-procedures.pdf")
        # The supplier is never offered to verify its own action.
        expect(page.locator("#verify-form")).to_have_count(0)
        after_submit = board_counts(page, base, supplier_pk)
        assert after_submit["submitted"] == before["submitted"] + 1

        customer = page.context.browser.new_page()
        log_in(customer, base, "customer-a@example.org")
        customer.goto(base + "/inbox/")
        customer.get_by_role("link", name=re.compile(r"^Verify: ")).first.click()
        customer.wait_for_url(re.compile(r"/audits/actions/\d+/$"))
        customer.goto(f"{base}/audits/actions/{action.pk}/")
        customer.locator("#verify-form textarea[name=note]").fill("Checked on site")
        customer.locator("#verify-form").get_by_role("button", name="Verify").click()
        expect(customer.locator(".messages")).to_contain_text("Verified.")
        expect(customer.locator("#action-status")).to_have_text("Verified")
        after_verify = board_counts(customer, base, supplier_pk)
        assert after_verify["verified"] == before["verified"] + 1
        assert after_verify["submitted"] == before["submitted"]
        customer.close()

    action.refresh_from_db()
    assert action.status == "verified"
    assert action.evidence.get().original_name == "ehs-procedures.pdf"

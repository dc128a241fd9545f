"""An audit recorded in Chromium: the facilitator records a follow-up audit of the mentorship
pilot's supplier with two findings, each mapped to clauses of two standards, and finds them on
the audit's page."""

import re

import pytest
from django.core.management import call_command

from audits.models import Audit, Clause
from tests.browser.support import browser_page, log_in, pick

pytestmark = pytest.mark.browser

FACILITY = "Mentorship pilot supplier — Shenzhen factory"
CUSTOMER = "Customer A (ICT brand)"


def clause_ids(*keys):
    return [str(Clause.objects.get(standard__code=code, reference=ref).pk) for code, ref in keys]


def test_facilitator_records_an_audit_with_two_findings(
    live_server, transactional_db, chromium_path, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo")
    base = live_server.url
    wages = clause_ids(("eicc", "A.4"), ("sa8000", "8"))
    chemicals = clause_ids(("iso-14001", "4.4.6"), ("ohsas-18001", "4.4.6"))

    with browser_page(chromium_path, "audit_record") as (page, expect):
        log_in(page, base, "facilitator@example.org")
        page.goto(f"{base}/audits/")
        page.get_by_role("link", name="Record an audit").click()
        expect(page.locator("h1")).to_have_text("Record an audit")

        # Facilities and customers are searched as the user types, then clicked.
        facility = pick(page, expect, "audit-facility", "Mentorship Shenzhen", FACILITY)
        page.select_option("select[name=audit-kind]", value="follow_up")
        page.select_option("select[name=audit-standard]", label="EICC Code of Conduct")
        customer = pick(page, expect, "audit-commissioned_by", "Customer A", CUSTOMER)
        page.fill("input[name=audit-audit_firm]", "Customer A's third-party auditor")
        page.fill("input[name=audit-start_date]", "2008-06-10")
        page.fill("input[name=audit-person_days]", "2")
        page.fill("textarea[name=audit-summary]", "Follow-up of the November 2007 audit.")

        # A begun finding without clauses is refused inline, beside the field, nothing saved.
        page.select_option("select[name=finding-1-severity]", value="major")
        page.fill("textarea[name=finding-1-description]", "Overtime still above the limit.")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#errors-finding-1-clauses")).to_contain_text("required")
        assert not Audit.objects.filter(start_date="2008-06-10").exists()
        # The page re-rendered with the errors still names the facility and customer chosen.
        expect(facility.locator(".search-select-input")).to_have_value(FACILITY)
        expect(customer.locator(".search-select-input")).to_have_value(CUSTOMER)
        expect(facility.locator("input[name=audit-facility]")).not_to_have_value("")

        page.select_option("select[name=finding-1-clauses]", value=wages)
        page.fill("textarea[name=finding-1-root_cause]", "Orders peak in spring.")
        page.select_option("select[name=finding-2-severity]", value="minor")
        page.select_option("select[name=finding-2-clauses]", value=chemicals)
        page.fill("textarea[name=finding-2-description]", "Two new chemical containers unlabelled.")
        page.get_by_role("button", name="Save").click()

        expect(page).to_have_url(re.compile(r"/audits/\d+/$"))
        expect(page.locator(".messages")).to_contain_text("Audit recorded.")
        expect(page.locator("body")).to_contain_text("Overtime still above the limit.")
        expect(page.locator("body")).to_contain_text("Two new chemical containers unlabelled.")
        audit = Audit.objects.get(start_date="2008-06-10")
        assert page.url.endswith(f"/audits/{audit.pk}/")
        assert f"{audit.facility.supplier.organisation.name} — {audit.facility.name}" == FACILITY
        assert audit.commissioned_by.name == CUSTOMER
        findings = {f.description: f for f in audit.findings.prefetch_related("clauses__standard")}
        assert {
            (c.standard.code, c.reference)
            for c in findings["Overtime still above the limit."].clauses.all()
        } == {("eicc", "A.4"), ("sa8000", "8")}
        assert {
            c.standard.code
            for c in findings["Two new chemical containers unlabelled."].clauses.all()
        } == {"iso-14001", "ohsas-18001"}

        # And a third finding, added from the audit's page.
        page.get_by_role("link", name="Add a finding").click()
        page.select_option("select[name=finding-1-severity]", value="minor")
        page.select_option("select[name=finding-1-clauses]", value=clause_ids(("eicc", "B.2")))
        page.fill("textarea[name=finding-1-description]", "Evacuation map out of date.")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".messages")).to_contain_text("Finding added.")
        expect(page.locator("body")).to_contain_text("Evacuation map out of date.")
        assert audit.findings.count() == 3

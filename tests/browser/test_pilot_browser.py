"""A pilot from creation to its first phase, clicked through by each party in Chromium:
the facilitator creates a pilot with two phases, the invited customer and NGO accept their
invitations from the inbox, the participants agree, phase 1 starts, the NGO uploads an
assessment report and the customer sees it on the pilot's timeline."""

import re

import pytest
from django.core.management import call_command

from pilots.models import Document, Pilot, Programme
from suppliers.models import Organisation, Supplier
from tests.browser.support import browser_page, log_in, pick

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TITLE = "Worker wellbeing pilot"


def agree(page, base, pilot_url, organisation_name, expect):
    page.goto(base + pilot_url)
    page.get_by_role("button", name=f"Agree to this phase for {organisation_name}").click()
    expect(page.locator(".messages")).to_contain_text("Agreement recorded.")


def test_pilot_from_creation_to_an_uploaded_assessment(
    live_server, transactional_db, chromium_path, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo")
    if not Programme.objects.exists():
        pytest.fail("load_demo must create the seed programme")
    base = live_server.url
    customer = Organisation.objects.get(name="Customer A (ICT brand)")
    ngo = Organisation.objects.get(name="Worker training NGO")
    facilitator_org = Organisation.objects.get(name__startswith="BSR")

    with browser_page(chromium_path, "pilot_flow") as (page, expect):
        log_in(page, base, "facilitator@example.org")
        page.goto(base + "/pilots/new/")
        page.select_option("select[name=programme]", index=1)
        page.fill("input[name=title]", TITLE)
        page.select_option("select[name=pilot_type]", "worker_training")
        page.select_option("select[name=approach]", "group_training")
        # Thousands of suppliers: typed and picked in the search box, not in a dropdown.
        supplier = pick(page, expect, "supplier", "Mentorship", "Mentorship pilot supplier")
        expect(supplier.locator("input[name=supplier]")).to_have_value(
            str(Supplier.objects.get(organisation__name="Mentorship pilot supplier").pk)
        )
        page.check(f"input[name=inviting_customers][value='{customer.pk}']")
        page.check(f"input[name=partners][value='{ngo.pk}']")
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(re.compile(r"/pilots/\d+/$"))
        pilot_url = page.url.removeprefix(base)
        expect(page.locator(".messages")).to_contain_text("Pilot created.")

        for title in ("Benchmarking", "Implementation"):
            page.get_by_role("link", name="Add phase").click()
            page.fill("input[name=title]", title)
            page.get_by_role("button", name="Save").click()
            page.wait_for_url(re.compile(r"/pilots/\d+/"))
        expect(page.locator("#phases")).to_contain_text("2. Implementation")

        for status in ("scoping", "agreed"):
            page.select_option("select[name=to_status]", status)
            page.get_by_role("button", name="Change status").click()
            expect(page.locator(".messages")).to_contain_text("The pilot is now")

        phase_one = page.locator("article.phase").first
        phase_one.get_by_role("button", name="Ask every participant to agree").click()
        expect(page.locator(".messages")).to_contain_text("Agreement requested")
        # Asking again is not offered, and starting is not possible yet: each says why, in
        # place, before any click.
        phase_one = page.locator("article.phase").first
        expect(
            phase_one.get_by_role("button", name="Ask every participant to agree")
        ).to_be_disabled()
        expect(phase_one.get_by_role("button", name="Start phase")).to_be_disabled()
        expect(phase_one.locator("[data-action=start] .why-not")).to_contain_text(
            "has not answered the invitation"
        )
        agree(page, base, pilot_url, facilitator_org.name, expect)

        # The supplier was asked at once; the customer and the NGO first find the invitation
        # in their inbox, accept it there, and are then asked to agree.
        for email, organisation, invited in (
            ("supplier@example.org", "Mentorship pilot supplier", False),
            ("customer-a@example.org", customer.name, True),
            ("ngo@example.org", ngo.name, True),
        ):
            other = page.context.browser.new_page()
            log_in(other, base, email)
            other.goto(base + "/inbox/")
            asked = other.get_by_role("link", name="Agreement to a phase: 1. Benchmarking")
            if invited:
                expect(asked).to_have_count(0)
                other.get_by_role("link", name=f"Invitation to pilot {TITLE}").click()
                other.get_by_role("button", name="Accept the invitation").click()
                expect(other.locator(".messages")).to_contain_text("Answer recorded.")
                other.goto(base + "/inbox/")
            expect(asked.first).to_be_visible()
            agree(other, base, pilot_url, organisation, expect)
            other.close()

        page.goto(base + pilot_url)
        page.locator("article.phase").first.get_by_role("button", name="Start phase").click()
        expect(page.locator(".messages")).to_contain_text("Phase started.")
        expect(page.locator("h1")).to_contain_text("In progress")

        ngo_page = page.context.browser.new_page()
        log_in(ngo_page, base, "ngo@example.org")
        ngo_page.goto(base + pilot_url)
        ngo_page.locator("article.phase").first.get_by_role(
            "link", name="Upload to this phase"
        ).click()
        ngo_page.fill("input[name=title]", "Phase 1 assessment report")
        ngo_page.select_option("select[name=kind]", "assessment_report")
        ngo_page.set_input_files(
            "input[name=file]",
            files=[{"name": "assessment.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
        ngo_page.get_by_role("button", name="Save").click()
        expect(ngo_page.locator(".messages")).to_contain_text("Document uploaded.")
        ngo_page.close()

        customer_page = page.context.browser.new_page()
        log_in(customer_page, base, "customer-a@example.org")
        customer_page.goto(base + pilot_url)
        timeline = customer_page.locator("#timeline")
        expect(timeline).to_contain_text("uploaded “Phase 1 assessment report”")
        expect(timeline).to_contain_text("Phase 1 Benchmarking started")
        expect(customer_page.locator("#documents")).to_contain_text("Phase 1 assessment report")
        customer_page.close()

    pilot = Pilot.objects.get(title=TITLE)
    assert pilot.status == "in_progress"
    assert pilot.phases.get(number=1).status == "in_progress"
    assert Document.objects.get(pilot=pilot).uploaded_for == ngo

"""The directory as a person uses it: a real Chromium (Debian's) driven by Playwright against
pytest-django's live server, with the demo data loaded.

Never `playwright install`: the tests launch the system Chromium given by `chromium_path`.
"""

import re

import pytest
from django.core.management import call_command

from suppliers.models import Organisation, Supplier
from tests.browser.support import browser_page, log_in

pytestmark = pytest.mark.browser


MENTORSHIP = "Mentorship pilot supplier"
CUSTOMER_A = "Customer A (ICT brand)"


def test_facilitator_filters_the_directory_and_edits_a_supplier(
    live_server, transactional_db, chromium_path
):
    call_command("load_demo")
    base = live_server.url

    with browser_page(chromium_path, "facilitator_edits_supplier") as (page, expect):
        log_in(page, base, "facilitator@example.org")

        page.goto(base + "/directory/")
        results = page.locator("#results")
        expect(results).to_contain_text(CUSTOMER_A)

        # Choosing a kind updates the results through htmx; submitting works with or without
        # htmx. Either way the assertions below wait until the results are filtered.
        page.select_option("select[name=kind]", "supplier")
        page.get_by_role("button", name="Filter").click()
        expect(results).not_to_contain_text(CUSTOMER_A)
        expect(results).to_contain_text(MENTORSHIP)
        expect(page).to_have_url(re.compile(r"[?&]kind=supplier"))

        results.get_by_role("link", name=MENTORSHIP, exact=True).click()
        page.wait_for_url(re.compile(r"/directory/\d+/$"))
        expect(page.locator("h1")).to_contain_text(MENTORSHIP)

        page.locator(".page-header .actions").get_by_role("link", name="Edit", exact=True).click()
        page.wait_for_url(re.compile(r"/directory/\d+/edit/$"))
        page.fill('input[name="profile-workers_headcount"]', "850")
        page.fill('input[name="profile-sector"]', "Electronics manufacturing")
        page.get_by_role("button", name="Save").click()

        page.wait_for_url(re.compile(r"/directory/\d+/$"))
        expect(page.locator(".messages")).to_contain_text("Changes saved.")
        expect(page.locator('dd[data-field="workers"]')).to_have_text("850")
        expect(page.locator("main")).to_contain_text("Electronics manufacturing")

    supplier = Supplier.objects.get(organisation__name=MENTORSHIP)
    assert supplier.workers_headcount == 850
    assert supplier.sector == "Electronics manufacturing"


def test_customer_b_cannot_see_customer_a_supplier(live_server, transactional_db, chromium_path):
    call_command("load_demo")
    mentorship_pk = Organisation.objects.get(name=MENTORSHIP).pk
    base = live_server.url

    with browser_page(chromium_path, "customer_b_scoping") as (page, expect):
        log_in(page, base, "customer-b@example.org")

        page.goto(base + "/directory/")
        results = page.locator("#results")
        # Customer B's own supplier is listed, so the page did load the directory.
        expect(results).to_contain_text("Worker hotline pilot supplier")
        expect(results).not_to_contain_text(MENTORSHIP)

        response = page.goto(f"{base}/directory/{mentorship_pk}/")
        assert response.status == 404
        expect(page.locator("main")).to_contain_text("Not found")
        expect(page.locator("main")).not_to_contain_text(MENTORSHIP)

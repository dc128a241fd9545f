"""Filters that search as you type, and the board's "More", clicked through in Chromium."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from audits.models import CorrectiveAction, Finding
from suppliers.models import Supplier
from tests.browser.support import browser_page, log_in

pytestmark = pytest.mark.browser

MENTORSHIP = "Mentorship pilot supplier"


def test_facilitator_picks_a_supplier_by_typing_and_pages_the_board(
    live_server, transactional_db, chromium_path
):
    call_command("load_demo")
    supplier = Supplier.objects.get(organisation__name=MENTORSHIP)
    finding = Finding.objects.order_by("pk").first()
    due = timezone.localdate() + datetime.timedelta(days=90)
    CorrectiveAction.objects.bulk_create(
        [CorrectiveAction(finding=finding, action=f"Extra {n}", due_date=due) for n in range(40)]
    )
    base = live_server.url

    with browser_page(chromium_path, "search_select") as (page, expect):
        log_in(page, base, "facilitator@example.org")
        page.goto(base + "/audits/")
        box = page.locator("[data-search-select]").filter(has=page.locator("input[name=supplier]"))
        box.locator(".search-select-input").fill("Mentorship")
        option = box.locator(".search-select-option", has_text=MENTORSHIP)
        expect(option).to_be_visible()
        option.click()
        expect(box.locator("input[name=supplier]")).to_have_value(str(supplier.pk))
        page.get_by_role("button", name="Filter").click()
        expect(page).to_have_url(re.compile(rf"[?&]supplier={supplier.pk}(&|$)"))
        assert "term=" not in page.url  # the search box itself is not a filter
        expect(page.locator(".search-select-input").first).to_have_value(MENTORSHIP)

        page.goto(base + "/audits/actions/")
        column = page.locator("[data-column=open]")
        cards = column.locator(".board-card")
        expect(cards).to_have_count(25)
        column.locator("[data-more=open]").click()
        expect(cards).to_have_count(int(column.locator("[data-count=open]").inner_text()))

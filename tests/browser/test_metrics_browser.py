"""A KPI figure clicked through in Chromium: supplier X enters its June overtime for pilot X,
the pilot's NGO confirms it from its inbox, and the pilot's KPI page (table and chart) shows
the value."""

import re

import pytest

from metrics.models import Observation
from tests.browser.support import browser_page, log_in, pick
from tests.factories import PASSWORD
from tests.metrics.conftest import figures  # noqa: F401  (the metrics tests' fixture)

pytestmark = pytest.mark.browser


def test_supplier_enters_a_figure_the_ngo_confirms_it_the_kpi_page_shows_it(
    live_server,
    transactional_db,
    chromium_path,
    settings,
    world,
    pilots,
    figures,  # noqa: F811
):
    settings.DEMO_PASSWORD = PASSWORD
    base = live_server.url
    pilot = pilots.pilot_x

    with browser_page(chromium_path, "metrics_flow") as (page, expect):
        log_in(page, base, "supplier@example.org")
        page.goto(f"{base}/metrics/observations/")
        page.get_by_role("link", name="Enter a KPI figure").click()
        expect(page.locator("h1")).to_have_text("Enter a KPI figure")
        # The pilot is searched among the supplier's own pilots, never listed in full.
        pick(page, expect, "pilot", "Pilot", "Pilot X")
        page.select_option("select[name=indicator]", label="Overtime (hours a month)")
        page.select_option("select[name=kind]", value="actual")
        page.fill("input[name=period_start]", "2008-06-01")
        page.fill("input[name=period_end]", "2008-06-30")

        # A figure in another unit is refused beside the field, nothing saved.
        page.fill("input[name=value]", "93.5")
        page.fill("input[name=unit]", "minutes")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#errors-unit")).to_contain_text("measured in hours a month")
        assert not Observation.objects.filter(period_start="2008-06-01").exists()

        page.fill("input[name=unit]", "")  # empty: the indicator's own unit
        page.get_by_role("button", name="Save").click()
        expect(page).to_have_url(re.compile(r"/metrics/observations/\d+/$"))
        expect(page.locator(".messages")).to_contain_text("KPI figure saved.")
        expect(page.locator("#figure-status")).to_have_text("Waiting for confirmation")
        observation = Observation.objects.get(period_start="2008-06-01")
        assert observation.unit == "hours a month"
        assert observation.status == "submitted"

        page.context.clear_cookies()
        log_in(page, base, "ngo@example.org")
        page.goto(f"{base}/inbox/")
        page.get_by_role("link", name="Confirm KPI figure: Overtime: 93.5 hours a month").click()
        expect(page).to_have_url(re.compile(rf"/metrics/observations/{observation.pk}/$"))
        page.fill("textarea[name=note]", "Checked against the time sheets.")
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator(".messages")).to_contain_text("Figure confirmed.")
        expect(page.locator("#figure-status")).to_have_text("Confirmed")
        expect(page.locator("#history")).to_contain_text("Checked against the time sheets.")
        observation.refresh_from_db()
        assert observation.status == "confirmed"

        page.goto(f"{base}/metrics/pilots/{pilot.pk}/kpis/")
        expect(page.locator("main, body").first).to_contain_text("93.5")
        chart = page.locator("svg").filter(has_text="93.5")
        expect(chart.first).to_be_visible()

        page.goto(f"{base}/metrics/programmes/{pilot.programme_id}/")
        kpis = page.locator("#table-kpis").filter(has_text="93.5")
        expect(kpis.first).to_be_visible()
        expect(kpis.first).to_contain_text("Pilot X")

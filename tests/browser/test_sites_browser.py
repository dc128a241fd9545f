"""A pilot across several factories, run in Chromium: the facilitator adds a second factory and
a comparison factory from the pilot page (a facility already in the pilot is refused beside the
field), and the KPI page sets the participants against the comparison group."""

import re
from datetime import date
from decimal import Decimal

import pytest

from metrics import services as metrics_services
from pilots.models import PilotSite
from tests.browser.support import browser_page, log_in, pick
from tests.factories import PASSWORD, FacilityFactory, SupplierFactory

pytestmark = pytest.mark.browser


def test_facilitator_adds_sites_and_reads_the_comparison(
    live_server, transactional_db, chromium_path, settings, world, pilots
):
    settings.DEMO_PASSWORD = PASSWORD
    base = live_server.url
    facilitator = world.users["facilitator"]
    pilot = pilots.pilot_x
    second = SupplierFactory(organisation__name="Second factory")
    second_plant = FacilityFactory(supplier=second, name="Second plant", workers=300)
    compared = SupplierFactory(organisation__name="Compared factory")
    compared_plant = FacilityFactory(supplier=compared, name="Compared plant", workers=500)
    retention = metrics_services.indicator_save(
        actor=facilitator, name="Retention", unit="%", better="higher", rollup="weighted"
    )
    metrics_services.pilot_indicator_save(actor=facilitator, pilot=pilot, indicator=retention)

    def add_site(page, expect, supplier, facility, role, headcount=""):
        page.goto(f"{base}{pilot.get_absolute_url()}")
        page.locator("#sites").get_by_role("link", name="Add a site").click()
        pick(page, expect, "supplier", supplier[:6], supplier)
        pick(page, expect, "facility", facility[:6], facility)
        page.select_option("select[name=role]", value=role)
        page.fill("input[name=headcount]", headcount)
        page.get_by_role("button", name="Save").click()

    with browser_page(chromium_path, "sites_flow") as (page, expect):
        log_in(page, base, "facilitator@example.org")
        add_site(page, expect, "Second factory", "Second factory · Second plant", "participant")
        expect(page.locator(".messages")).to_contain_text("Saved.")
        add_site(
            page, expect, "Compared factory", "Compared factory · Compared plant", "comparison"
        )
        expect(page.locator("#sites")).to_contain_text("Comparison group")
        # The same plant again, in the other role: refused, nothing saved.
        add_site(page, expect, "Second factory", "Second factory · Second plant", "comparison")
        expect(page.locator("#errors-facility")).to_contain_text("already has a role")
        assert PilotSite.objects.filter(pilot=pilot).count() == 2

        for plant, before, after in (
            (second_plant, "70", "85"),
            (compared_plant, "72", "75"),
        ):
            for kind, start, end, value in (
                ("baseline", date(2011, 1, 1), date(2011, 12, 31), before),
                ("actual", date(2012, 1, 1), date(2012, 12, 31), after),
            ):
                metrics_services.observation_save(
                    actor=facilitator,
                    indicator=retention,
                    supplier=plant.supplier,
                    facility=plant,
                    pilot=pilot,
                    value=Decimal(value),
                    kind=kind,
                    source="audit",
                    period_start=start,
                    period_end=end,
                )

        page.goto(f"{base}/metrics/pilots/{pilot.pk}/kpis/")
        table = page.locator("#table-comparison")
        expect(table).to_contain_text("Retention")
        expect(table).to_contain_text("Mean weighted by headcount")
        row = table.locator("tbody tr").first
        # Participants +15, comparison group +3 over the same periods: 12 beyond it.
        expect(row.locator("td").last).to_have_text(re.compile(r"^\s*12(\.0+)?\s*$"))

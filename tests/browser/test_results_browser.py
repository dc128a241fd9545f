"""A progress report recorded in Chromium: the facilitator opens the programme's results
framework from its dashboard, judges every indicator in one form (a rating without a date is
refused beside the field), and the results page shows the share met beside the stated one."""

import re
from datetime import date
from decimal import Decimal

import pytest

from metrics import services
from metrics.models import ProgressReport
from tests.browser.support import browser_page, log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_facilitator_records_a_progress_report_and_sees_the_share(
    live_server, transactional_db, chromium_path, settings, world, pilots
):
    settings.DEMO_PASSWORD = PASSWORD
    base = live_server.url
    facilitator = world.users["facilitator"]
    programme = pilots.programme
    outcome = services.result_item_save(
        actor=facilitator, programme=programme, level="outcome", code="1", title="Decent work"
    )
    output = services.result_item_save(
        actor=facilitator,
        programme=programme,
        parent=outcome,
        level="output",
        code="1.1",
        title="Factories trained",
    )
    indicators = [
        services.result_indicator_save(
            actor=facilitator,
            result_item=output if i else outcome,
            name=f"Indicator {i + 1}",
            unit="factories",
            baseline=Decimal(0),
            target=Decimal(10),
            order=i,
        )
        for i in range(4)
    ]
    services.stated_figure_save(
        actor=facilitator,
        programme=programme,
        kind="share_indicators_met",
        value=Decimal("80"),
        text="3 out of 4 (80%)",
        source="Final evaluation",
    )
    ratings = ["met", "mostly_met", "met", "not_met"]

    with browser_page(chromium_path, "results_flow") as (page, expect):
        log_in(page, base, "facilitator@example.org")
        page.goto(f"{base}/metrics/programmes/{programme.pk}/")
        page.get_by_role("link", name="Open the results framework").click()
        expect(page.locator("h1")).to_contain_text("Results framework")
        page.get_by_role("link", name="Record a progress report").click()
        expect(page.locator("h1")).to_have_text("Record a progress report")
        expect(page.locator("fieldset.judgement-row")).to_have_count(4)

        page.fill("input[name=date]", "2012-06-30")
        page.fill("input[name=title]", "Final progress report")
        for indicator, rating in zip(indicators, ratings, strict=True):
            prefix = f"indicator-{indicator.pk}"
            page.select_option(f"select[name={prefix}-rating]", value=rating)
            page.fill(f"textarea[name={prefix}-reasoning]", f"Judged {rating}")
            if indicator != indicators[-1]:
                page.fill(f"input[name={prefix}-judged_on]", "2012-06-01")

        # The last judgement has no date: refused beside the field, nothing saved.
        page.get_by_role("button", name="Save").click()
        last = f"indicator-{indicators[-1].pk}"
        expect(page.locator(f"#errors-{last}-judged_on")).to_contain_text(
            "Give the date of the judgement."
        )
        assert not ProgressReport.objects.exists()

        page.fill(f"input[name={last}-judged_on]", "2012-06-02")
        page.get_by_role("button", name="Save").click()
        expect(page).to_have_url(re.compile(rf"/metrics/programmes/{programme.pk}/results/$"))
        expect(page.locator(".messages")).to_contain_text("Progress report saved.")
        summary = page.locator("#results-share-summary")
        expect(summary).to_contain_text("3 of 4 indicators judged met or mostly met")
        expect(summary.locator("[data-share]")).to_have_text("75.0%")
        expect(summary).to_contain_text("As stated: 80% (3 out of 4 (80%); Final evaluation).")
        expect(summary.locator("[data-difference]")).to_contain_text("-5")
        expect(page.locator("#table-shares")).to_contain_text("Final progress report")

    report = ProgressReport.objects.get()
    assert report.date == date(2012, 6, 30)
    assert sorted(report.judgements.values_list("rating", flat=True)) == sorted(ratings)

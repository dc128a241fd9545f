"""Charts: SVG drawn on the server, figures kept as text, the same bytes for the same figures."""

import re
from datetime import date
from decimal import Decimal

from metrics import charts

LABELS = {"actual": "Actual", "baseline": "Baseline", "target": "Target"}


def texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def injuries_chart(**overrides):
    arguments = dict(
        chart_id="kpi-chart-1",
        title="Injuries",
        desc="Injuries: 131 then 100; target 65.5.",
        unit="injuries a year",
        baseline=(date(2007, 12, 31), Decimal("131")),
        actuals=[(date(2008, 6, 30), Decimal("100")), (date(2008, 12, 31), Decimal("87.5"))],
        target=Decimal("65.5"),
        labels=LABELS,
    )
    return charts.kpi_chart(**arguments | overrides)


def test_a_kpi_chart_keeps_its_values_and_dates_as_text():
    svg = injuries_chart()

    assert {"131", "100", "87.5", "Target: 65.5", "injuries a year"} <= set(texts(svg))
    assert {"2007-12-31", "2008-06-30", "2008-12-31"} <= set(texts(svg))


def test_a_chart_is_accessible_and_ready_to_inline():
    svg = injuries_chart(title="Injuries & <more>")

    assert svg.startswith("<svg")  # no XML declaration or doctype inside the HTML page
    assert 'role="img"' in svg
    assert 'aria-labelledby="kpi-chart-1-title kpi-chart-1-desc"' in svg
    assert '<title id="kpi-chart-1-title">Injuries &amp; &lt;more&gt;</title>' in svg
    assert '<desc id="kpi-chart-1-desc">Injuries: 131 then 100; target 65.5.</desc>' in svg
    assert "<script" not in svg


def test_charts_are_deterministic():
    assert injuries_chart() == injuries_chart()
    assert "<dc:date>" not in injuries_chart()
    assert "<metadata>" not in injuries_chart()


def test_two_charts_on_one_page_share_no_id():
    first = injuries_chart(chart_id="kpi-chart-1")
    second = injuries_chart(chart_id="kpi-chart-2")

    ids = re.findall(r' id="([^"]+)"', first)
    assert ids
    assert len(ids) == len(set(ids))
    assert not set(ids) & set(re.findall(r' id="([^"]+)"', second))


def test_a_chart_without_baseline_or_target_still_draws():
    svg = injuries_chart(baseline=None, target=None, actuals=[(date(2008, 5, 31), Decimal("70"))])

    assert "70" in texts(svg)
    assert not any(text.startswith("Target") for text in texts(svg))


def test_a_bar_chart_writes_each_value_and_a_dash_for_a_missing_one():
    svg = charts.bar_chart(
        chart_id="chart-cost",
        title="Cost per pilot (USD)",
        desc="Pilot X: 8,108; 试点 Y: —",
        labels=["Pilot X", "试点 Y"],
        values=[Decimal("8108"), None],
        unit="USD",
    )

    assert {"Pilot X", "试点 Y", "8,108", "—", "USD"} <= set(texts(svg))


def test_number_text_groups_thousands_and_drops_trailing_zeros():
    assert charts.number_text(Decimal("196500.0000")) == "196,500"
    assert charts.number_text(Decimal("13.1000")) == "13.1"
    assert charts.number_text(Decimal("8107.5"), 0) == "8,108"
    assert charts.number_text(None) == "—"


def test_a_bar_chart_of_many_bars_draws_the_largest_and_says_so():
    from metrics import charts

    labels = [f"Pilot {number}" for number in range(100)]
    svg = charts.bar_chart(
        chart_id="many", title="Cost per pilot", desc="", labels=labels,
        values=list(range(100)), unit="USD",
    )  # fmt: skip
    assert f"the {charts.MOST_BARS} largest of 100" in svg
    assert "Pilot 99" in svg
    assert "Pilot 0<" not in svg

"""Charts: SVG drawn on the server, figures kept as text, the same bytes for the same figures."""

import re
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from defusedxml import ElementTree

from metrics import charts
from metrics.figures import Compared, ReportShare
from pilots.budget import ReachTotal

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

    assert {"131", "87.5", "Target: 65.5", "injuries a year"} <= set(texts(svg))
    assert {"2007-12-31", "2008-06-30", "2008-12-31"} <= set(texts(svg))


def monthly(count, start=2020):
    """`count` month ends from January of `start`, valued 1000.5, 1001.5... (no value is a
    tick of the y axis)."""
    ends = []
    for month in range(count):
        year, number = start + month // 12, month % 12 + 1
        following = date(year + number // 12, number % 12 + 1, 1)
        ends.append(following - timedelta(days=1))
    return [(end, Decimal("1000.5") + index) for index, end in enumerate(ends)]


def test_a_long_kpi_series_writes_only_the_figures_of_the_kpi_table():
    points = monthly(35)
    svg = injuries_chart(
        baseline=points[0], actuals=points[1:], target=Decimal("900"), unit="injuries"
    )
    written = set(texts(svg))

    # The baseline, the latest figure and the target: what the table beside it holds.
    assert {"1,000.5", "1,034.5", "Target: 900"} <= written
    assert not {charts.number_text(value) for _end, value in points[1:-1]} & written
    # A few dates, the first and the last among them, all of them period ends.
    dates = [text for text in texts(svg) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)]
    assert dates[0] == "2020-01-31"
    assert dates[-1] == "2022-11-30"
    assert 3 <= len(dates) <= charts.MOST_DATES
    assert set(dates) <= {end.isoformat() for end, _value in points}


def test_dates_are_spread_in_time_and_kept_apart():
    days = [end for end, _value in monthly(12)]
    assert charts._spread(days, 5) == [0, 3, 6, 11]
    assert charts._spread(days[:4], 5) == [0, 1, 2, 3]


def test_the_same_kpi_chart_is_drawn_once():
    assert injuries_chart() is injuries_chart()
    assert injuries_chart() is not injuries_chart(target=Decimal("70"))


def test_a_chart_has_no_empty_groups_and_stays_well_formed():
    svg = injuries_chart()

    assert "<g>" not in svg
    root = ElementTree.fromstring(svg)
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert {"path", "text", "use", "title", "desc"} <= tags


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


# --- a programme's budget, people reached and results ------------------------------------------


def _group(label, budget_usd, spent_usd, use_pct):
    return SimpleNamespace(
        label=label,
        budget=SimpleNamespace(usd=budget_usd),
        spent=SimpleNamespace(usd=spent_usd),
        use_pct=use_pct,
    )


def _use(groups, *, use_pct=None, stated_pct=None, stated_source=""):
    """What pilots.budget.budget_use answers, as the chart reads it."""
    return SimpleNamespace(
        by_category=groups, use_pct=use_pct, stated_pct=stated_pct, stated_source=stated_source
    )


def test_the_budget_chart_draws_budget_and_spent_per_category_with_the_stated_use():
    use = _use(
        [
            _group("Training", Decimal("99918"), Decimal("33767"), Decimal("33.8")),
            _group("Evaluation", Decimal("13000"), None, None),
        ],
        use_pct=Decimal("39.3"),
        stated_pct=Decimal("88.0"),
        stated_source="Final evaluation",
    )
    svg = charts.budget_use_chart(use)
    drawn = texts(svg)

    assert {"Training", "Evaluation", "Budget", "Spent", "USD"} <= set(drawn)
    assert {"99,918", "33,767 (33.8%)", "13,000", "—"} <= set(drawn)
    assert "Budget use (computed): 39.3%; Budget use (stated): 88% (Final evaluation)" in drawn
    # the description carries the same figures for screen readers
    assert "Training: budget 99,918, spent 33,767, use 33.8%" in svg


def test_the_budget_chart_without_budget_lines_says_so_and_keeps_the_stated_use():
    svg = charts.budget_use_chart(
        _use([], stated_pct=Decimal("88.0"), stated_source="Final evaluation")
    )

    assert texts(svg) == [
        "No budget lines recorded.",
        "Budget use (stated): 88% (Final evaluation)",
    ]
    assert 'role="img"' in svg


def test_the_budget_chart_without_any_usd_value_says_a_rate_is_missing():
    svg = charts.budget_use_chart(_use([_group("Training", None, None, None)]))

    assert texts(svg) == ["No USD value to chart: a rate is missing."]


def test_the_people_reached_chart_draws_each_part_by_sex_with_its_share():
    interviewed = ReachTotal("interviewed", "Interviewed", total=151, women=69)
    trained = ReachTotal("trained", "Trained", total=40, women=20, men=18)
    drawn = texts(charts.people_reached_chart([interviewed, trained]))

    assert {"Interviewed", "Trained", "Women", "Men", "Not broken down"} <= set(drawn)
    assert {"69 (45.7%)", "20 (50%)", "18 (45%)"} <= set(drawn)
    # 151 - 69 and 40 - 20 - 18 are not broken down by sex; no one counts men interviewed
    assert {"82 (54.3%)", "2 (5%)", "—"} <= set(drawn)
    # no row counts "other or unknown": that part is left out, not drawn as zeros
    assert "Other or unknown" not in drawn


def test_the_people_reached_chart_without_counts_says_so():
    assert texts(charts.people_reached_chart([])) == ["No counts of people reached recorded."]


def _share(counts, title="Progress 2012"):
    report = SimpleNamespace(title=title, date=date(2012, 6, 30))
    return ReportShare(report=report, judgements={}, counts=counts)


def test_the_judgements_chart_counts_the_latest_report_by_rating_beside_the_stated_share():
    share = _share({"met": 8, "mostly_met": 4, "partly_met": 1, "not_met": 1})
    compared = Compared(share.share, Decimal("86"), "12 out of 14 (86%)", "seeds/004")
    svg = charts.judgements_chart(share, compared=compared)
    drawn = texts(svg)

    # the bars in the order of the ratings, each with its count
    assert drawn.index("Met") < drawn.index("Mostly met") < drawn.index("Partly met")
    assert drawn.index("Partly met") < drawn.index("Not met")
    assert {"8", "4", "1", "Indicators"} <= set(drawn)
    assert (
        "12 of 14 judged met or mostly met: 85.7%; As stated: 86% (12 out of 14 (86%); seeds/004)"
        in drawn
    )
    assert "Indicators by judgement: Progress 2012 (2012-06-30)</title>" in svg
    assert "Met: 8; Mostly met: 4; Partly met: 1; Not met: 1." in svg


def test_the_judgements_chart_without_a_report_or_judgements_says_so():
    compared = Compared(None, Decimal("86"), "12 out of 14", "Evaluation")
    none_yet = texts(charts.judgements_chart(None, compared=compared))
    assert none_yet == [
        "No progress report recorded yet.",
        "As stated: 86% (12 out of 14; Evaluation)",
    ]

    judged_nothing = charts.judgements_chart(_share(dict.fromkeys(("met", "not_met"), 0)))
    assert texts(judged_nothing) == ["The latest progress report judges no indicator."]


def test_a_grouped_chart_of_many_groups_draws_the_largest_in_order_and_says_so():
    labels = [f"Category {number}" for number in range(40)]
    svg = charts.grouped_bar_chart(
        chart_id="many-groups",
        title="Budget",
        desc="",
        labels=labels,
        series=[charts.Bars("Budget", list(range(40))), charts.Bars("Spent", [1] * 40)],
        unit="USD",
    )
    drawn = texts(svg)

    assert f"Budget: the {charts.MOST_BARS} largest of 40" in svg
    assert "Category 39" in drawn
    assert "Category 0" not in drawn
    assert drawn.index("Category 10") < drawn.index("Category 39")  # order kept


def test_the_same_bars_are_drawn_once_per_language():
    from django.utils import translation

    from metrics import charts

    arguments = dict(chart_id="cached", title="Costs", desc="d", labels=["A", "B"], unit="USD")
    first = charts.bar_chart(values=[Decimal(1), Decimal(2)], **arguments)
    again = charts.bar_chart(values=[Decimal(1), Decimal(2)], **arguments)
    other = charts.bar_chart(values=[Decimal(1), Decimal(3)], **arguments)
    assert again is first
    assert other != first
    with translation.override("zh-hans"):
        chinese = charts.bar_chart(values=[Decimal(1), Decimal(2)], **arguments)
    assert chinese is not first

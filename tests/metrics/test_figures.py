"""Derived figures: the KPI table, rates from counts, the baseline flag, a pilot's cost-benefit
totals and the programme tables, with stated-vs-computed differences."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from metrics import figures as f
from metrics import money, services
from metrics.choices import StatedFigureKind
from metrics.models import Currency

D = Decimal


def kpis_by_name(user, pilot):
    return {row.indicator.name: row for row in f.pilot_kpis(user, pilot)}


def test_the_kpi_table_derives_change_target_and_savings(world, pilots, figures):
    rows = kpis_by_name(world.users["facilitator"], pilots.pilot_x)
    injuries = rows["Injuries"]
    assert injuries.baseline.value == 131
    assert injuries.latest.value == 100
    assert injuries.change == -31
    assert injuries.pct_change == D("-23.7")
    assert injuries.improved is True
    assert injuries.target.value == D("65.5")  # 50% of the baseline
    assert injuries.target_is_derived
    assert injuries.target_gap == D("34.5")
    assert injuries.projected_savings == D("196500")  # 131 × 50% × RMB 3,000
    assert injuries.savings.currency == "CNY"
    assert injuries.savings.usd == D("28049")
    assert not injuries.missing_baseline


def test_a_rate_is_computed_from_its_two_counts(world, pilots, figures):
    rate = kpis_by_name(world.users["facilitator"], pilots.pilot_x)["Injury rate"]
    assert rate.computed_from_counts
    assert rate.baseline.value == D("13.1")  # 131 per 10,000 workers, per 1,000
    assert rate.latest.value == 10
    assert rate.pct_change == D("-23.7")


def test_a_rate_entered_directly_wins_over_the_counts(world, pilots, figures):
    services.observation_save(
        actor=world.users["facilitator"], indicator=figures.injury_rate,
        supplier=world.supplier_x, pilot=pilots.pilot_x, value=D("9.5"), kind="actual",
        source="audit", period_start=date(2008, 1, 1), period_end=date(2008, 6, 30),
    )  # fmt: skip
    rate = kpis_by_name(world.users["facilitator"], pilots.pilot_x)["Injury rate"]
    assert rate.latest.value == D("9.5")


def test_a_tracked_kpi_without_a_baseline_is_flagged(world, pilots, figures):
    overtime_y = kpis_by_name(world.users["facilitator"], pilots.pilot_y)["Overtime"]
    assert overtime_y.missing_baseline
    assert overtime_y.latest.value == 70
    assert overtime_y.change is None
    assert overtime_y.pct_change is None


def test_mean_rollup_breakdowns_and_returned_figures(world, pilots, figures):
    user = world.users["facilitator"]
    period = dict(period_start=date(2008, 5, 1), period_end=date(2008, 5, 31))
    second = services.observation_save(
        actor=user, indicator=figures.overtime, supplier=world.supplier_x,
        facility=world.facility_x, pilot=pilots.pilot_x, value=D("92.2"), kind="actual",
        source="audit", **period,
    )  # fmt: skip
    services.observation_save(
        actor=user, indicator=figures.overtime, supplier=world.supplier_x,
        pilot=pilots.pilot_x, value=D("60"), kind="actual", source="audit", sex="female",
        **period,
    )  # fmt: skip
    overtime = kpis_by_name(user, pilots.pilot_x)["Overtime"]
    assert overtime.latest.value == 90  # mean of 87.8 and 92.2; the breakdown stays apart
    assert overtime.latest.count == 2
    assert [row.value for row in overtime.breakdowns] == [60]
    second.status = "returned"
    second.save()
    assert kpis_by_name(user, pilots.pilot_x)["Overtime"].latest.value == D("87.8")


def test_bad_observations_are_refused_naming_the_field(world, pilots, figures):
    user = world.users["facilitator"]
    base = dict(
        actor=user, indicator=figures.injuries, supplier=world.supplier_x, pilot=pilots.pilot_x,
        value=D("1"), kind="actual", source="audit",
        period_start=date(2008, 1, 1), period_end=date(2008, 1, 31),
    )  # fmt: skip
    cases = [
        ({"unit": "hours"}, "unit"),
        ({"period_end": date(2999, 1, 31)}, "period_end"),
        ({"period_start": date(2008, 2, 1)}, "period_end"),
        ({"facility": world.facility_y}, "facility"),
        ({"pilot": pilots.pilot_y}, "pilot"),
    ]
    for change, field in cases:
        with pytest.raises(ValidationError) as refused:
            services.observation_save(**(base | change))
        assert field in refused.value.message_dict, change


def test_bad_costs_are_refused_naming_the_field(world, pilots, figures):
    user = world.users["facilitator"]
    cny = Currency.objects.get(code="CNY")
    base = dict(
        actor=user, programme=pilots.programme, pilot=pilots.pilot_x,
        borne_by=world.supplier_x.organisation, nature="hard", category="consultants",
        description="Fees", amount=D("10"), currency=cny,
    )  # fmt: skip
    cases = [
        ({"amount": D("-1")}, "amount"),
        ({"currency": None}, "currency"),
        ({"unit_amount": D("300"), "quantity_parts": [{"count": "4"}], "amount": D("1")}, "amount"),
        ({"quantity_parts": [{"count": "x"}], "unit_amount": D("1")}, "quantity_parts"),
        ({"fte_low": D("1"), "fte_high": D("0.5")}, "fte_high"),
        ({"phase": pilots.phase_y1}, "phase"),
    ]
    for change, field in cases:
        with pytest.raises(ValidationError) as refused:
            services.cost_item_save(**(base | change))
        assert field in refused.value.message_dict, change


def test_quantities_make_the_amount(world, pilots, figures):
    line = figures.cost_x_lines[0]
    assert line.amount == D("4800")
    assert line.quantity_text == "300 × 4 times × 4 people"


def test_the_pilots_cost_benefit(world, pilots, figures):
    result = f.pilot_cost_benefit(world.users["facilitator"], pilots.pilot_x)
    assert [line.converted.usd for line in result.hard] == [685, 3426, 3426, 285, 285]
    assert all(not line.stated.differs for line in result.hard)
    assert result.total.usd == 8108
    assert result.total.by_currency == {"CNY": D("56800")}
    assert [currency for currency, _rate in result.rates] == ["CNY"]
    assert [benefit.amount for benefit, _c in result.expected] == [D("196500")]


def test_a_cost_needs_a_rate_and_one_corrected_later_is_reported_not_raised(world, pilots, figures):
    user = world.users["facilitator"]
    eur = Currency.objects.get(code="EUR")
    cost = dict(
        actor=user, programme=pilots.programme, pilot=pilots.pilot_x,
        borne_by=world.supplier_x.organisation, nature="hard", category="other",
        description="Paid in euros", amount=D("100"), currency=eur, on_date=date(2008, 3, 1),
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.cost_item_save(**cost)
    assert "EUR" in refused.value.message_dict["currency"][0]
    rate = services.exchange_rate_save(
        actor=user, organisation=world.facilitator_org, currency=eur,
        valid_from=date(2008, 1, 1), usd=D("1.5"),
    )  # fmt: skip
    services.cost_item_save(**cost)
    services.exchange_rate_save(actor=user, rate=rate, valid_from=date(2008, 6, 1))
    result = f.pilot_cost_benefit(world.users["facilitator"], pilots.pilot_x)
    assert any("EUR" in message for message in result.missing_rates)
    assert result.total.usd == 8108


def test_resource_analysis_with_stated_figures(world, pilots, figures):
    user = world.users["facilitator"]
    services.stated_figure_save(
        actor=user, programme=pilots.programme, kind=StatedFigureKind.RESOURCE_TOTAL_USD,
        value=D("90000"), source="a report",
    )  # fmt: skip
    analysis = f.resource_analysis(user, pilots.programme)
    overall, row_x, row_y = analysis.rows
    assert overall.pilot is None
    assert overall.usd.computed == 74949
    assert (row_x.pilot, row_x.usd.computed) == (pilots.pilot_x, 8108)
    assert (row_y.pilot, row_y.usd.computed) == (pilots.pilot_y, 4875)
    assert analysis.total.computed == 74949 + 8108 + 4875
    assert analysis.total.stated == 90000
    assert analysis.total.difference == 74949 + 8108 + 4875 - 90000
    assert analysis.total.differs


def test_estimated_and_left_out_costs_are_listed_not_counted(world, pilots, figures):
    user = world.users["facilitator"]
    figures.cost_y.excluded_reason = "never implemented"
    figures.cost_y.save()
    analysis = f.resource_analysis(user, pilots.programme)
    assert figures.cost_y in analysis.left_out
    assert analysis.total.computed == 74949 + 8108


def test_stakeholder_participation(world, pilots, figures):
    pilots.programme.expected_participation = {"customer": 2, "supplier": 2, "government": 1}
    pilots.programme.save()
    rows = {row.organisation_kind: row for row in f.stakeholder_participation(
        world.users["facilitator"], pilots.programme
    )}  # fmt: skip
    assert rows["customer"].actual.computed == 2
    assert rows["supplier"].actual.computed == 2
    assert rows["government"].actual.computed == 0
    assert rows["government"].expected == 1
    assert rows["civil_society"].expected is None
    assert rows["civil_society"].actual.computed == 1


def test_cost_per_supplier_and_worker(world, pilots, figures):
    world.supplier_x.workers_headcount = 1000
    world.supplier_x.save()
    reach = f.cost_per_reach(world.users["facilitator"], pilots.programme)
    by_pilot = {row.label: row for row in reach["by_pilot"]}
    assert by_pilot["Pilot X"].per_supplier == 8108
    assert by_pilot["Pilot X"].per_worker == D("8.11")
    (approach,) = reach["by_approach"]
    assert approach.usd == 8108 + 4875
    assert approach.suppliers == 2


def test_figures_use_only_what_the_user_may_see(world, pilots, figures):
    customer_b = world.users["customer_b"]
    assert f.pilot_kpis(customer_b, pilots.pilot_x) == []
    analysis = f.resource_analysis(customer_b, pilots.programme)
    assert {row.pilot for row in analysis.rows} == {None, pilots.pilot_y}
    result = f.pilot_cost_benefit(customer_b, pilots.pilot_x)
    assert result.hard == []
    assert result.total is None


def test_programme_costs_are_summed_per_currency_and_rate_not_per_item(world, pilots):
    """The dashboard's one aggregate query: items of many days group by the rate in force
    (pinned rates and USD by themselves), and the totals are those of the items one by one."""
    user = world.users["facilitator"]
    org = world.facilitator_org
    currencies = {code: Currency.objects.get(code=code) for code in ("CNY", "HKD", "USD")}
    cny_2008 = services.exchange_rate_save(
        actor=user, organisation=org, currency=currencies["CNY"],
        valid_from=date(2008, 1, 1), usd=D("0.142741"),
    )  # fmt: skip
    for code, usd, valid_from in (
        ("CNY", "0.15", date(2009, 1, 1)),
        ("HKD", "0.128295", date(2008, 1, 1)),
    ):
        services.exchange_rate_save(
            actor=user, organisation=org, currency=currencies[code], valid_from=valid_from,
            usd=D(usd),
        )  # fmt: skip
    lines = [
        *[("CNY", "1000.10", date(2008, month, 3), None) for month in (2, 3, 5, 7, 12)],
        *[("CNY", "333.33", date(2009, month, 9), None) for month in (1, 4, 8)],
        ("CNY", "500", date(2009, 6, 1), D("0.1")),
        ("HKD", "38000", date(2008, 3, 1), None),
        ("HKD", "12.34", date(2010, 1, 1), None),
        ("USD", "100", date(2008, 3, 1), None),
        ("USD", "0.5", date(2011, 3, 1), None),
    ]
    items = [
        services.cost_item_save(
            actor=user,
            programme=pilots.programme,
            pilot=pilots.pilot_x,
            borne_by=world.customer_a,
            nature="hard",
            category="meetings",
            description=f"Line {index}",
            amount=D(amount),
            currency=currencies[code],
            on_date=on,
            pinned_rate=pinned,
        )
        for index, (code, amount, on, pinned) in enumerate(lines)
    ]
    services.cost_item_save(
        actor=user, programme=pilots.programme, pilot=pilots.pilot_x, borne_by=world.customer_a,
        nature="hard", category="meetings", description="Estimated", amount=D("9999"),
        currency=currencies["CNY"], on_date=date(2008, 3, 1), certainty="estimated",
    )  # fmt: skip

    costs = f.programme_costs(user, pilots.programme)

    groups = {(g.currency_id, g.pinned_rate, g.on_date): g.items for g in costs.groups}
    assert groups == {
        ("CNY", None, date(2008, 1, 1)): 5,
        ("CNY", None, date(2009, 1, 1)): 3,
        ("CNY", D("0.1"), None): 1,
        ("HKD", None, date(2008, 1, 1)): 2,
        ("USD", None, None): 2,
    }
    assert costs.left_out_count == 1
    one_by_one = money.total(items, costs.rates, lambda _item: org.pk)
    analysis = f.resource_analysis(user, pilots.programme, costs=costs)
    assert analysis.total.computed == one_by_one.usd == money.round_usd(
        D("5000.50") * D("0.142741") + D("999.99") * D("0.15") + 50
        + D("38012.34") * D("0.128295") + D("100.5")
    )  # fmt: skip
    assert analysis.left_out_count == 1
    reach = {
        row.label: row for row in f.cost_per_reach(user, pilots.programme, costs=costs)["by_pilot"]
    }
    assert reach[pilots.pilot_x.title].usd == one_by_one.usd

    # The 2008 rate now starts in June: an item before it has no rate, and is named by its day.
    services.exchange_rate_save(actor=user, rate=cny_2008, valid_from=date(2008, 6, 1))
    analysis = f.resource_analysis(user, pilots.programme)
    assert analysis.total.computed is None
    assert analysis.missing_rates
    for message in analysis.missing_rates:
        assert "CNY" in message
        assert any(day in message for day in ("2008-02-03", "2008-03-03", "2008-05-03"))

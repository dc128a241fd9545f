"""The metrics pages: a pilot's costs and benefits, its KPIs and the programme dashboard show
the figures the platform computes, to whoever may see them, in a constant number of queries."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics import services
from metrics.models import Currency
from pilots import services as pilot_services

# Pilot X: facilitator, its supplier, customer A and the NGO; pilot Y: facilitator, customer B.
SEES_X = {"facilitator", "customer_a", "supplier", "ngo"}
SEES_Y = {"facilitator", "customer_b"}
ROLES = ("facilitator", "customer_a", "customer_b", "supplier", "ngo")


def text_of(response) -> str:
    """The page's visible text, one space between words (charts left out)."""
    html = response.content.decode()
    html = re.sub(r"<svg\b.*?</svg>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def url(name, pk):
    return reverse(f"metrics:{name}", args=[pk])


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["pilot-costs", "pilot-kpis"])
@pytest.mark.parametrize("which", ["pilot_x", "pilot_y"])
def test_pilot_pages_answer_those_who_see_the_pilot_and_404_the_others(
    page_client, figures, pilots, role, page, which
):
    pilot = getattr(pilots, which)
    sees = role in (SEES_X if which == "pilot_x" else SEES_Y)

    response = page_client(role).get(url(page, pilot.pk))

    assert response.status_code == (200 if sees else 404)


@pytest.mark.parametrize("page", ["pilot-costs", "pilot-kpis"])
def test_a_hidden_pilot_answers_like_a_missing_one(page_client, figures, pilots, page):
    client = page_client("customer_b")

    hidden = client.get(url(page, pilots.pilot_x.pk))
    missing = client.get(url(page, 999_999))

    assert hidden.status_code == missing.status_code == 404
    assert "Pilot X" not in hidden.content.decode()


@pytest.mark.parametrize("page", ["pilot-costs", "pilot-kpis", "programme-dashboard"])
def test_anonymous_visitors_are_sent_to_sign_in(client, figures, pilots, page):
    pk = pilots.programme.pk if page == "programme-dashboard" else pilots.pilot_x.pk

    response = client.get(url(page, pk))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_exports_of_a_hidden_pilot_are_404_too(page_client, figures, pilots):
    client = page_client("customer_b")
    for query in ("?export=csv&table=hard_costs", "?export=xlsx"):
        assert client.get(url("pilot-costs", pilots.pilot_x.pk) + query).status_code == 404


def test_the_dashboard_shows_each_role_only_the_pilots_it_sees(page_client, figures, pilots):
    # given customer B, who sees pilot Y but not pilot X
    response = page_client("customer_b").get(url("programme-dashboard", pilots.programme.pk))

    page = text_of(response)
    assert response.status_code == 200
    assert "Pilot Y" in page
    assert "4,875" in page
    assert "Pilot X" not in page
    assert "8,108" not in page


def test_a_missing_programme_is_404(page_client, figures):
    assert page_client("facilitator").get(url("programme-dashboard", 999_999)).status_code == 404


# --- the cost-benefit page ------------------------------------------------------------------------


def test_the_cost_page_shows_the_lines_the_total_and_the_rate_used(page_client, figures, pilots):
    response = page_client("facilitator").get(url("pilot-costs", pilots.pilot_x.pk))

    page = text_of(response)
    assert response.status_code == 200
    # the five RMB lines, each in CNY and in USD
    assert "300 × 4 times × 4 people" in page
    hard = response.context["tables"]["hard_costs"]
    assert [row[7].display for row in hard.rows] == ["685", "3,426", "3,426", "285", "285"]
    assert [row[5].display for row in hard.rows] == ["4,800", "24,000", "24,000", "2,000", "2,000"]
    # stated beside computed: the report's per-line figures agree
    assert [row[11].display for row in hard.rows] == ["685", "3,426", "3,426", "285", "285"]
    assert {row[12].display for row in hard.rows} == {"0"}
    # the total is converted from RMB 56,800, not added up from the rounded lines (8,107)
    assert "56,800" in page
    assert "8,108 USD" in page
    assert "1 CNY = 0.142741 USD (rate of 2008-01-01)" in page
    # the expected benefit, a yearly saving in CNY and USD
    assert "196,500" in page
    assert "28,049" in page
    assert "year" in page


def test_a_pinned_rate_is_named_as_the_source_s(page_client, figures, pilots):
    response = page_client("facilitator").get(url("pilot-costs", pilots.pilot_y.pk))

    page = text_of(response)
    assert "4,875" in page
    assert "1 HKD = 0.128295 USD (rate the source used)" in page


def test_a_cost_without_a_rate_says_so(page_client, world, figures, pilots):
    # given a cost in euros entered with the rate then in force, which was later corrected to
    # start after the cost's date
    rate = services.exchange_rate_save(
        actor=world.users["facilitator"],
        organisation=world.facilitator_org,
        currency=Currency.objects.get(code="EUR"),
        valid_from=date(2008, 1, 1),
        usd=Decimal("1.47"),
    )
    services.cost_item_save(
        actor=world.users["facilitator"],
        programme=pilots.programme,
        pilot=pilots.pilot_x,
        borne_by=world.customer_a,
        nature="soft",
        category="travel",
        description="Flights",
        amount=Decimal("1000"),
        currency=Currency.objects.get(code="EUR"),
        on_date=date(2008, 3, 1),
    )
    services.exchange_rate_save(
        actor=world.users["facilitator"], rate=rate, valid_from=date(2008, 4, 1)
    )

    page = text_of(page_client("facilitator").get(url("pilot-costs", pilots.pilot_x.pk)))

    assert "There is no exchange rate for EUR on or before 2008-03-01" in page
    assert "no rate" in page
    assert "8,108 USD" in page  # the total of what can be converted


def test_a_stated_total_that_differs_is_shown_with_the_difference(
    page_client, world, figures, pilots
):
    services.stated_figure_save(
        actor=world.users["facilitator"],
        programme=pilots.programme,
        pilot=pilots.pilot_x,
        kind="pilot_cost_usd",
        value=Decimal("8107"),
        source="seeds/000, the lines added up",
    )

    response = page_client("facilitator").get(url("pilot-costs", pilots.pilot_x.pk))

    footer = response.context["tables"]["totals"].footer[0]
    assert [footer[3].display, footer[4].display, footer[5].display] == ["8,108", "8,107", "+1"]
    assert footer[5].tone == "warn"
    assert "The source states USD 8,107." in text_of(response)


# --- the KPI page --------------------------------------------------------------------------------


def test_the_kpi_page_shows_baseline_latest_change_target_and_savings(page_client, figures, pilots):
    response = page_client("facilitator").get(url("pilot-kpis", pilots.pilot_x.pk))

    page = text_of(response)
    rows = {row[0].value: row for row in response.context["tables"]["kpis"].rows}
    injuries = rows["Injuries"]
    assert [cell.display for cell in injuries[2:3] + injuries[4:5]] == ["131", "100"]
    assert injuries[6].display == "-31"
    assert injuries[7].display == "-23.7"
    assert injuries[8].display == "yes"
    assert injuries[9].display == "65.5"
    assert "derived" in injuries[9].note
    assert injuries[11].display == "196,500"
    assert injuries[12].value == "CNY"
    assert injuries[13].display == "28,049"
    rate = rows["Injury rate"]
    assert rate[2].display == "13.1"
    assert rate[4].display == "10"
    assert rate[0].note == "computed from counts"
    assert "131 → 100 injuries a year" in page
    assert "13.1 → 10 injuries per 1,000 workers a year" in page
    assert "120 → 87.8 hours a month" in page
    assert "No baseline" not in page


def test_a_tracked_indicator_without_baseline_is_flagged(page_client, figures, pilots):
    response = page_client("facilitator").get(url("pilot-kpis", pilots.pilot_y.pk))

    page = text_of(response)
    assert "No baseline: Overtime." in page
    overtime = response.context["tables"]["kpis"].rows[0]
    assert overtime[2].note == "no baseline"
    assert overtime[2].tone == "danger"
    assert overtime[4].display == "70"


def test_unconfirmed_figures_and_breakdowns_are_shown_apart(page_client, world, figures, pilots):
    # given a figure the supplier entered, not yet confirmed, and a breakdown by sex
    supplier = world.users["supplier"]
    for sex, value in (("", "90"), ("female", "40")):
        services.observation_save(
            actor=supplier,
            indicator=figures.injuries,
            supplier=world.supplier_x,
            pilot=pilots.pilot_x,
            value=Decimal(value),
            kind="actual",
            source="self_reported",
            period_start=date(2008, 7, 1),
            period_end=date(2008, 12, 31),
            sex=sex,
        )

    response = page_client("facilitator").get(url("pilot-kpis", pilots.pilot_x.pk))

    injuries = response.context["tables"]["kpis"].rows[0]
    assert injuries[4].display == "90"
    assert "unconfirmed" in injuries[4].note
    breakdowns = response.context["tables"]["breakdowns"].rows
    assert [(row[4].display, row[6].display) for row in breakdowns] == [("Women", "40")]
    assert "Breakdowns by sex and contract type" in text_of(response)


def test_each_indicator_has_its_chart_with_its_values_as_text(page_client, figures, pilots):
    response = page_client("facilitator").get(url("pilot-kpis", pilots.pilot_x.pk))

    html = response.content.decode()
    chart = re.search(
        rf'<svg[^>]*id="kpi-chart-{figures.tracked_injuries.pk}".*?</svg>', html, re.DOTALL
    ).group(0)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", chart)
    assert {"131", "100", "Target: 65.5"} <= set(texts)
    assert "<title" in chart
    assert "<desc" in chart
    assert html.count("<svg") == 3  # one per tracked indicator


# --- the programme dashboard ------------------------------------------------------------------


def test_the_dashboard_shows_the_programme_tables(page_client, world, figures, pilots):
    services.stated_figure_save(
        actor=world.users["facilitator"],
        programme=pilots.programme,
        kind="resource_total_usd",
        value=Decimal("87931"),
        source="seeds/000 §V.3",
    )

    response = page_client("facilitator").get(url("programme-dashboard", pilots.programme.pk))

    page = text_of(response)
    tables = response.context["tables"]
    resources = tables["resources"]
    assert resources.rows[0][0].value == "Overall project management"
    assert resources.rows[0][4].display == "74,949"
    assert [row[4].display for row in resources.rows[1:]] == ["8,108", "4,875"]
    total = resources.footer[0]
    assert [total[4].display, total[5].display, total[6].display] == ["87,932", "87,931", "+1"]
    assert total[6].tone == "warn"
    pilots_table = {row[0].value: row for row in tables["pilots"].rows}
    assert pilots_table["Pilot X"][5].display == "8,108"
    assert [row[1].value for row in tables["status"].rows] == [2]
    reach = tables["reach_by_approach"].rows[0]
    assert reach[1].display == "12,983"
    assert reach[2].value == 2
    kinds = {row[0].value: row[2].display for row in tables["participation"].rows}
    assert kinds["Customer"] == "2"
    assert kinds["Supplier"] == "2"
    assert "Resource analysis" in page
    assert "Stakeholder participation" in page
    html = response.content.decode()
    assert 'id="chart-cost-per-pilot"' in html
    assert 'id="chart-pilot-status"' in html


def test_pages_link_to_each_other(page_client, figures, pilots):
    client = page_client("facilitator")
    pilot_page = client.get(pilots.pilot_x.get_absolute_url()).content.decode()
    programme_page = client.get(pilots.programme.get_absolute_url()).content.decode()

    assert url("pilot-costs", pilots.pilot_x.pk) in pilot_page
    assert url("pilot-kpis", pilots.pilot_x.pk) in pilot_page
    assert url("programme-dashboard", pilots.programme.pk) in programme_page


# --- query counts -------------------------------------------------------------------------------


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def _more_rows(world, figures, pilots, numbers):
    facilitator = world.users["facilitator"]
    cny = Currency.objects.get(code="CNY")
    for i in numbers:
        services.cost_item_save(
            actor=facilitator,
            programme=pilots.programme,
            pilot=pilots.pilot_x,
            phase=pilots.phase_x1,
            borne_by=world.customer_a,
            nature="soft" if i % 2 else "hard",
            category="meetings",
            description=f"Meeting {i}",
            amount=Decimal("100"),
            currency=cny,
            on_date=date(2008, 3, 1),
            stated_usd=Decimal("14"),
        )
        services.benefit_save(
            actor=facilitator,
            programme=pilots.programme,
            pilot=pilots.pilot_x,
            status="received",
            incentive="external_intangible",
            description=f"Recognition {i}",
        )
        indicator = services.indicator_save(
            actor=facilitator, name=f"Indicator {i}", unit="cases", better="lower"
        )
        services.pilot_indicator_save(actor=facilitator, pilot=pilots.pilot_x, indicator=indicator)
        services.observation_save(
            actor=facilitator,
            indicator=indicator,
            supplier=world.supplier_x,
            pilot=pilots.pilot_x,
            value=Decimal(i),
            kind="baseline",
            source="audit",
            period_start=date(2007, 1, 1),
            period_end=date(2007, 12, 31),
        )
        pilot = pilot_services.pilot_create(
            actor=facilitator,
            programme=pilots.programme,
            supplier=world.supplier_y,
            title=f"Pilot {i}",
            pilot_type="worker_training",
            approach="group_training",
            participants=[],
        )
        services.cost_item_save(
            actor=facilitator,
            programme=pilots.programme,
            pilot=pilot,
            borne_by=world.supplier_y.organisation,
            nature="hard",
            category="training",
            description="Training",
            amount=Decimal("500"),
            currency=cny,
            on_date=date(2008, 3, 1),
        )


@pytest.mark.parametrize("page", ["pilot-costs", "pilot-kpis", "programme-dashboard"])
def test_query_counts_do_not_grow_with_the_rows(page_client, world, figures, pilots, page):
    client = page_client("facilitator")
    pk = pilots.programme.pk if page == "programme-dashboard" else pilots.pilot_x.pk
    _more_rows(world, figures, pilots, range(1))
    few = _queries(client, url(page, pk))

    _more_rows(world, figures, pilots, range(1, 5))
    many = _queries(client, url(page, pk))

    # session, user, the object, the actor's organisations, then one query per table's figures
    # (rates, cost items, benefits, stated figures, tracked indicators, observations, pilots);
    # none per row
    assert many == few


def test_the_dashboard_shows_the_first_rows_of_its_long_tables_and_exports_them_all(
    page_client, figures, pilots, monkeypatch
):
    """At a thousand pilots the page shows the first ones (a link leads to the pilot list);
    the tables' exports keep every row."""
    monkeypatch.setattr("metrics.views.DASHBOARD_ROWS_SHOWN", 1)
    client = page_client("facilitator")
    path = url("programme-dashboard", pilots.programme.pk)

    response = client.get(path)

    tables = response.context["tables"]
    assert [row[0].value for row in tables["pilots"].rows] == ["Pilot X"]
    assert "the first 1 of 2" in tables["pilots"].title
    assert len(tables["reach_by_pilot"].rows) == 1
    assert "the first 1 of 2" in tables["reach_by_pilot"].title
    assert len(tables["resources"].rows) == 1
    assert "the first 1 of 3" in tables["resources"].title
    assert tables["resources"].footer[0][4].display == "87,932"  # the total of every row
    pilot_list = reverse("pilots:pilot_list") + f"?programme={pilots.programme.pk}"
    assert pilot_list in response.content.decode()
    exported = b"".join(client.get(path + "?export=csv&table=pilots").streaming_content).decode()
    assert "Pilot X" in exported
    assert "Pilot Y" in exported
    response = client.get(path + "?export=csv&table=reach_by_pilot")
    assert "Pilot Y" in b"".join(response.streaming_content).decode()

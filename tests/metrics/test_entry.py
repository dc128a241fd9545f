"""The metrics entry pages: each form good and bad, and who may open them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from metrics.forms import QuantityError, parse_quantities
from metrics.models import (
    Benefit,
    CostItem,
    Currency,
    ExchangeRate,
    Indicator,
    Observation,
    PilotIndicator,
    StatedFigure,
)

pytestmark = pytest.mark.django_db


def test_quantities_are_parsed_into_parts():
    assert parse_quantities("300 × 4 times × 4 people") == (
        Decimal("300"),
        [{"count": "4", "unit": "times"}, {"count": "4", "unit": "people"}],
    )
    assert parse_quantities("1,000 x 12 days * 2 people")[0] == Decimal("1000")
    assert parse_quantities("300x4") == (Decimal("300"), [{"count": "4", "unit": ""}])
    assert parse_quantities("  ") == (None, [])
    for bad in ("300", "abc × 4", "300 × people", "300 × -4", "× 4"):
        with pytest.raises(QuantityError):
            parse_quantities(bad)


def cost_data(figures, pilots, **extra):
    data = {
        "pilot": pilots.pilot_x.pk,
        "phase": pilots.phase_x1.pk,
        "borne_by": pilots.pilot_x.supplier.organisation_id,
        "nature": "hard",
        "category": "training",
        "description": "Trainers' transport",
        "quantity": "300 × 4 times × 4 people",
        "amount": "",
        "currency": "CNY",
        "on_date": "2008-03-01",
        "certainty": "actual",
    }
    return {**data, **extra}


def test_cost_item_from_quantities(page_client, figures, pilots):
    client = page_client("facilitator")
    url = reverse("metrics:cost-add", args=[pilots.programme.pk])
    assert client.get(url + f"?pilot={pilots.pilot_x.pk}").status_code == 200
    response = client.post(url, cost_data(figures, pilots))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"/metrics/pilots/{pilots.pilot_x.pk}/costs/"
    item = CostItem.objects.get(description="Trainers' transport")
    assert item.amount == Decimal("4800")
    assert item.quantity_parts == [
        {"count": "4", "unit": "times"},
        {"count": "4", "unit": "people"},
    ]
    # The edit page shows the quantities as they were written.
    page = client.get(reverse("metrics:cost-edit", args=[item.pk])).content.decode()
    assert "300 × 4 times × 4 people" in page


def test_programme_level_cost_goes_to_the_dashboard(page_client, figures, pilots):
    client = page_client("facilitator")
    data = cost_data(
        figures, pilots, pilot="", phase="", quantity="", amount="1200", currency="USD"
    )
    data["borne_by"] = pilots.programme.facilitator_id
    response = client.post(reverse("metrics:cost-add", args=[pilots.programme.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == f"/metrics/programmes/{pilots.programme.pk}/"
    assert CostItem.objects.get(description="Trainers' transport").pilot is None


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"amount": "-5", "quantity": ""}, "amount", "cannot be negative"),
        ({"currency": "XYZ"}, "currency", "Unknown currency"),
        ({"quantity": "300 × people"}, "quantity", "unit amount times"),
        ({"amount": "5000"}, "amount", "quantities make"),
        ({"on_date": "2001-01-01"}, "currency", "no exchange rate for CNY"),
        ({"stated_usd": "-1"}, "stated_usd", "cannot be negative"),
    ],
)
def test_cost_item_bad_input_is_refused(page_client, figures, pilots, change, field, text):
    client = page_client("facilitator")
    before = CostItem.objects.count()
    response = client.post(
        reverse("metrics:cost-add", args=[pilots.programme.pk]),
        cost_data(figures, pilots, **change),
    )
    assert response.status_code == 400
    form = response.context["forms"][0]
    assert text in " ".join(form.errors.get(field, [])), form.errors
    assert CostItem.objects.count() == before  # nothing half-saved


def test_pinned_rate_needs_no_dated_rate(page_client, figures, pilots):
    client = page_client("facilitator")
    response = client.post(
        reverse("metrics:cost-add", args=[pilots.programme.pk]),
        cost_data(figures, pilots, on_date="2001-01-01", pinned_rate="0.14"),
    )
    assert response.status_code == 302


def test_inline_validation_saves_nothing(page_client, figures, pilots):
    client = page_client("facilitator")
    response = client.post(
        reverse("metrics:cost-add", args=[pilots.programme.pk]),
        cost_data(figures, pilots, amount="-3", quantity="", _validate="1"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "cannot be negative" in response.content.decode()
    assert not CostItem.objects.filter(description="Trainers' transport").exists()


def test_cost_item_edit(page_client, figures, pilots):
    item = figures.cost_y
    client = page_client("facilitator")
    data = cost_data(
        figures,
        pilots,
        pilot=pilots.pilot_y.pk,
        phase="",
        borne_by=item.borne_by_id,
        quantity="",
        amount="39000",
        currency="HKD",
        pinned_rate="0.128295",
    )
    response = client.post(reverse("metrics:cost-edit", args=[item.pk]), data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.amount == Decimal("39000")


def test_benefit_good_and_bad(page_client, figures, pilots):
    client = page_client("facilitator")
    url = reverse("metrics:benefit-add", args=[pilots.programme.pk])
    data = {
        "pilot": pilots.pilot_x.pk,
        "status": "received",
        "incentive": "external_intangible",
        "description": "Recognition by the customer",
        "amount": "",
        "on_date": "2008-06-30",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == f"/metrics/pilots/{pilots.pilot_x.pk}/costs/"
    assert Benefit.objects.filter(description="Recognition by the customer").exists()
    response = client.post(url, {**data, "description": "Savings", "amount": "-1"})
    assert response.status_code == 400
    assert "cannot be negative" in str(response.context["forms"][0].errors["amount"])
    response = client.post(url, {**data, "description": "Savings", "amount": "10"})
    assert response.status_code == 400
    assert "currency" in response.context["forms"][0].errors
    assert not Benefit.objects.filter(description="Savings").exists()
    edit = client.get(reverse("metrics:benefit-edit", args=[figures.benefit_x.pk]))
    assert edit.status_code == 200


def test_exchange_rate_good_and_bad(page_client, world, figures):
    client = page_client("facilitator")
    url = reverse("metrics:rate-add")
    data = {
        "organisation": world.facilitator_org.pk,
        "currency": "CNY",
        "valid_from": "2009-01-01",
        "usd": "0.146",
        "source": "central bank",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("metrics:rate-list")
    assert ExchangeRate.objects.filter(valid_from=date(2009, 1, 1)).exists()
    again = client.post(url, data)
    assert again.status_code == 400
    assert "already a rate" in str(again.context["forms"][0].errors)
    for change, field in (({"usd": "-1"}, "usd"), ({"currency": "ZZZ"}, "currency")):
        bad = client.post(url, {**data, "valid_from": "2010-01-01", **change})
        assert bad.status_code == 400
        assert field in bad.context["forms"][0].errors
    # Only the user's own facilitator organisations are offered.
    other = client.post(url, {**data, "organisation": world.customer_a.pk})
    assert "organisation" in other.context["forms"][0].errors
    assert client.get(reverse("metrics:rate-list")).status_code == 200
    rate = figures.rate_cny
    assert client.get(reverse("metrics:rate-edit", args=[rate.pk])).status_code == 200


def test_indicator_good_and_bad(page_client, figures):
    client = page_client("facilitator")
    url = reverse("metrics:indicator-add")
    data = {"name": "Lighting power", "unit": "kWh a month", "better": "lower"}
    data |= {"kind": "direct", "rollup": "sum"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert Indicator.objects.filter(name="Lighting power").exists()
    bad = client.post(url, {**data, "name": "Rate", "kind": "rate"})
    assert bad.status_code == 400
    assert "numerator" in bad.context["forms"][0].errors
    assert client.get(reverse("metrics:indicator-list")).status_code == 200


def test_tracked_indicator_good_and_bad(page_client, figures, pilots):
    client = page_client("facilitator")
    url = reverse("metrics:tracked-add", args=[pilots.pilot_y.pk])
    data = {"indicator": figures.injuries.pk, "target_change_pct": "-30"}
    data |= {"unit_cost": "3000", "unit_cost_currency": "CNY"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == f"/metrics/pilots/{pilots.pilot_y.pk}/kpis/"
    assert PilotIndicator.objects.filter(pilot=pilots.pilot_y, indicator=figures.injuries)
    twice = client.post(url, data)
    assert twice.status_code == 400
    assert "already tracks" in str(twice.context["forms"][0].errors)
    bad = client.post(
        url, {"indicator": figures.headcount.pk, "unit_cost": "-3", "unit_cost_currency": "CNY"}
    )
    assert "unit_cost" in bad.context["forms"][0].errors
    lone = client.post(url, {"indicator": figures.headcount.pk, "unit_cost": "3"})
    assert "unit_cost_currency" in lone.context["forms"][0].errors


def test_stated_figure(page_client, figures, pilots):
    client = page_client("facilitator")
    url = reverse("metrics:stated-add", args=[pilots.programme.pk])
    data = {"kind": "resource_total_usd", "value": "95187", "source": "seeds/000 §V.3"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert StatedFigure.objects.filter(value=Decimal("95187")).exists()
    assert client.post(url, {**data, "value": "-1"}).status_code == 400


# --- KPI figures -------------------------------------------------------------------------------


def observation_data(figures, pilots, **extra):
    data = {
        "pilot": pilots.pilot_x.pk,
        "indicator": figures.overtime.pk,
        "kind": "actual",
        "period_start": "2008-06-01",
        "period_end": "2008-06-30",
        "value": "80.5",
        "unit": "",
        "source": "self_reported",
    }
    return {**data, **extra}


def test_supplier_enters_a_figure_for_its_pilot(page_client, figures, pilots):
    client = page_client("supplier")
    url = reverse("metrics:observation-add")
    page = client.get(f"{url}?pilot={pilots.pilot_x.pk}&indicator={figures.overtime.pk}")
    assert page.status_code == 200
    assert 'value="hours a month"' in page.content.decode()  # the unit, prefilled
    response = client.post(url, observation_data(figures, pilots))
    assert response.status_code == 302, response.context["forms"][0].errors
    observation = Observation.objects.get(value=Decimal("80.5"))
    assert response["Location"] == reverse("metrics:observation-detail", args=[observation.pk])
    assert observation.supplier == pilots.pilot_x.supplier  # taken from the pilot
    assert observation.unit == "hours a month"
    assert observation.status == "submitted"


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"unit": "minutes"}, "unit", "measured in hours a month"),
        ({"value": "-1"}, "value", "cannot be negative"),
        ({"period_end": "2999-12-31"}, "period_end", "has not ended"),
        ({"period_start": "2008-07-01"}, "period_end", "ends before it starts"),
        ({"indicator": "999999"}, "indicator", ""),
        ({"source": "partner_verified"}, "source", ""),
    ],
)
def test_bad_figures_are_refused(page_client, figures, pilots, change, field, text):
    client = page_client("supplier")
    before = Observation.objects.count()
    response = client.post(
        reverse("metrics:observation-add"), observation_data(figures, pilots, **change)
    )
    assert response.status_code == 400
    errors = response.context["forms"][0].errors
    assert field in errors, errors
    assert text in " ".join(errors[field]), errors
    assert Observation.objects.count() == before


def test_future_target_is_fine(page_client, figures, pilots):
    future = date.today() + timedelta(days=400)
    response = page_client("supplier").post(
        reverse("metrics:observation-add"),
        observation_data(figures, pilots, kind="target", period_end=future.isoformat()),
    )
    assert response.status_code == 302


def test_supplier_cannot_use_another_suppliers_pilot_or_facility(
    page_client, world, figures, pilots
):
    client = page_client("supplier")
    url = reverse("metrics:observation-add")
    response = client.post(url, observation_data(figures, pilots, pilot=pilots.pilot_y.pk))
    assert response.status_code == 400
    assert "pilot" in response.context["forms"][0].errors
    response = client.post(url, observation_data(figures, pilots, facility=world.facility_y.pk))
    assert "facility" in response.context["forms"][0].errors
    # Opening the form on a hidden pilot is a 404, like a missing one.
    assert client.get(f"{url}?pilot={pilots.pilot_y.pk}").status_code == 404
    assert client.get(f"{url}?pilot=999999").status_code == 404


def test_lookups_offer_only_usable_choices(page_client, world, figures, pilots):
    client = page_client("supplier")
    pilots_found = client.get("/lookup/metrics-observation-pilots/?term=Pilot").content.decode()
    assert "Pilot X" in pilots_found
    assert "Pilot Y" not in pilots_found
    facilities = client.get("/lookup/metrics-observation-facilities/?term=plant").content.decode()
    assert "X plant" in facilities
    assert "Y plant" not in facilities


def test_facilitator_figure_counts_as_confirmed(page_client, figures, pilots):
    response = page_client("facilitator").post(
        reverse("metrics:observation-add"),
        observation_data(figures, pilots, source="partner_verified"),
    )
    assert response.status_code == 302
    assert Observation.objects.get(value=Decimal("80.5")).status == "confirmed"


def test_observation_list_finds_the_suppliers_figures(
    page_client, figures, pilots, django_assert_max_num_queries
):
    client = page_client("supplier")
    url = reverse("metrics:observation-list")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    listed = list(response.context["object_list"])
    assert listed
    assert all(o.supplier_id == pilots.pilot_x.supplier_id for o in listed)
    assert "Supplier Y" not in response.content.decode()
    filtered = client.get(f"{url}?indicator={figures.overtime.pk}")
    assert {o.indicator_id for o in filtered.context["object_list"]} == {figures.overtime.pk}
    assert client.get(f"{url}?period_from=not-a-date").status_code == 400
    # The supplier filter is a search box, never a dropdown of every supplier.
    assert '<select name="supplier"' not in response.content.decode()


def test_observation_list_query_count_does_not_grow(
    page_client, figures, pilots, django_assert_max_num_queries
):
    client = page_client("facilitator")
    for number in range(30):
        Observation.objects.create(
            indicator=figures.overtime,
            supplier=pilots.pilot_x.supplier,
            pilot=pilots.pilot_x,
            period_start=date(2006, 1, 1),
            period_end=date(2006, 1, 1) + timedelta(days=number),
            value=Decimal(number),
            unit="hours a month",
            kind="actual",
            source="audit",
        )
    with django_assert_max_num_queries(12):
        response = client.get(reverse("metrics:observation-list"))
    assert len(response.context["object_list"]) == 25


# --- who may open what -------------------------------------------------------------------------


def entry_urls(figures, pilots):
    programme = pilots.programme.pk
    return [
        reverse("metrics:cost-add", args=[programme]),
        reverse("metrics:cost-edit", args=[figures.cost_y.pk]),
        reverse("metrics:benefit-add", args=[programme]),
        reverse("metrics:benefit-edit", args=[figures.benefit_x.pk]),
        reverse("metrics:stated-add", args=[programme]),
        reverse("metrics:rate-list"),
        reverse("metrics:rate-add"),
        reverse("metrics:rate-edit", args=[figures.rate_cny.pk]),
        reverse("metrics:indicator-add"),
        reverse("metrics:indicator-edit", args=[figures.injuries.pk]),
        reverse("metrics:tracked-add", args=[pilots.pilot_x.pk]),
        reverse("metrics:tracked-edit", args=[figures.tracked_injuries.pk]),
    ]


@pytest.mark.parametrize("role", ["customer_a", "customer_b", "supplier", "ngo"])
def test_only_facilitators_open_the_figure_entry_pages(page_client, figures, pilots, role):
    client = page_client(role)
    for url in entry_urls(figures, pilots):
        assert client.get(url).status_code == 404, (role, url)
        assert client.post(url, {}).status_code == 404, (role, url)


def test_facilitator_opens_every_entry_page(page_client, figures, pilots):
    client = page_client("facilitator")
    for url in entry_urls(figures, pilots):
        assert client.get(url).status_code == 200, url


def test_missing_ids_are_404_like_hidden_ones(page_client, figures, pilots):
    client = page_client("facilitator")
    for name in ("cost-edit", "benefit-edit", "stated-edit", "rate-edit", "tracked-edit"):
        assert client.get(reverse(f"metrics:{name}", args=[999999])).status_code == 404
    assert client.get(reverse("metrics:cost-add", args=[999999])).status_code == 404
    assert client.get(reverse("metrics:observation-detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("role", "x_figure", "y_figure"),
    [
        ("supplier", 200, 404),
        ("customer_a", 200, 404),
        ("customer_b", 404, 200),
        ("ngo", 200, 404),
        ("facilitator", 200, 200),
    ],
)
def test_figure_pages_follow_the_pilot(page_client, figures, role, x_figure, y_figure):
    client = page_client(role)
    x, y = figures.observations_x[0], figures.observation_y
    assert client.get(reverse("metrics:observation-detail", args=[x.pk])).status_code == x_figure
    assert client.get(reverse("metrics:observation-detail", args=[y.pk])).status_code == y_figure


@pytest.mark.parametrize("role", ["supplier", "customer_a", "customer_b", "ngo"])
def test_confirmed_figures_are_not_edited_but_by_the_facilitator(page_client, figures, role):
    x, y = figures.observations_x[0], figures.observation_y
    client = page_client(role)
    for observation in (x, y):
        url = reverse("metrics:observation-edit", args=[observation.pk])
        assert client.get(url).status_code == 404
    assert (
        page_client("facilitator").get(reverse("metrics:observation-edit", args=[x.pk])).status_code
        == 200
    )


@pytest.mark.parametrize("role", ["customer_a", "customer_b", "ngo"])
def test_only_suppliers_and_facilitators_enter_figures(page_client, figures, role):
    assert page_client(role).get(reverse("metrics:observation-add")).status_code == 404


def test_usd_currency_exists():
    assert Currency.objects.filter(code="USD").exists()

"""Pilots across several suppliers and facilities: participation with dates, roll-ups by the
indicator's rule, and a comparison group for the same periods."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from metrics import figures as kpi_figures
from metrics import services as metrics_services
from pilots import services
from pilots.models import PilotSite
from tests.factories import FacilityFactory, SupplierFactory, member
from tests.metrics.conftest import figures  # noqa: F401 -- the fixture

H1 = (date(2024, 1, 1), date(2024, 6, 30))
H2 = (date(2024, 7, 1), date(2024, 12, 31))
BASE = (date(2023, 1, 1), date(2023, 12, 31))


@pytest.fixture
def multi(world, pilots):
    """Pilot X across two of supplier X's plants and a plant of a third supplier, with a
    fourth supplier's plant as its comparison group."""
    facilitator = world.users["facilitator"]
    pilot = pilots.pilot_x
    plant_a = world.facility_x
    plant_b = FacilityFactory(supplier=world.supplier_x, name="X second plant", workers=900)
    third = SupplierFactory(organisation__name="Supplier Z")
    plant_z = FacilityFactory(supplier=third, name="Z plant")
    outsider = SupplierFactory(organisation__name="Supplier C")
    plant_c = FacilityFactory(supplier=outsider, name="C plant")

    def site(supplier, facility, role="participant", **extra):
        return services.site_save(
            actor=facilitator, pilot=pilot, supplier=supplier, facility=facility, role=role, **extra
        )

    sites = {
        "a": site(world.supplier_x, plant_a, headcount=100),
        # Its own headcount is not given: the facility's 900 workers weigh it.
        "b": site(world.supplier_x, plant_b, joined_on=date(2024, 7, 1)),
        "z": site(third, plant_z, headcount=300, left_on=date(2024, 6, 30)),
        "c": site(outsider, plant_c, role="comparison", headcount=500),
    }
    return pilot, sites, {"a": plant_a, "b": plant_b, "z": plant_z, "c": plant_c}


def _indicator(world, rollup, name=None):
    return metrics_services.indicator_save(
        actor=world.users["facilitator"],
        name=name or f"Retention ({rollup})",
        unit="%",
        better="higher",
        rollup=rollup,
    )


def _observe(world, pilot, indicator, facility, value, kind, period):
    return metrics_services.observation_save(
        actor=world.users["facilitator"],
        indicator=indicator,
        supplier=facility.supplier,
        facility=facility,
        pilot=pilot,
        value=Decimal(value),
        kind=kind,
        source="audit",
        period_start=period[0],
        period_end=period[1],
    )


def _track(world, pilot, indicator):
    metrics_services.pilot_indicator_save(
        actor=world.users["facilitator"], pilot=pilot, indicator=indicator
    )


def _row(world, pilot, indicator, user="facilitator"):
    rows = kpi_figures.pilot_kpis(world.users[user], pilot)
    return next(row for row in rows if row.indicator.pk == indicator.pk)


@pytest.mark.parametrize(
    ("rollup", "baseline", "first_half", "second_half"),
    [
        # Baseline: a 60, b 70, z 80 (b's baseline counts though it joined later).
        # First half: a 70 and z 90 (b had not joined; its 99 is left out).
        # Second half: a 80 and b 75 (z had left; its 50 is left out).
        ("sum", "210", "160", "155"),
        ("mean", "70", "80", "77.5"),
        # Weighted by headcount: a 100, b 900 (the facility's workers), z 300: 93,000 / 1,300.
        ("weighted", "71.53846153846153846153846154", "85", "75.5"),
    ],
)
def test_rollup_per_rule_over_the_sites_while_they_take_part(
    world, multi, rollup, baseline, first_half, second_half
):
    pilot, _sites, plant = multi
    indicator = _indicator(world, rollup)
    _track(world, pilot, indicator)
    for key, value in (("a", "60"), ("b", "70"), ("z", "80")):
        _observe(world, pilot, indicator, plant[key], value, "baseline", BASE)
    for key, value in (("a", "70"), ("b", "99"), ("z", "90")):
        _observe(world, pilot, indicator, plant[key], value, "actual", H1)
    for key, value in (("a", "80"), ("b", "75"), ("z", "50")):
        _observe(world, pilot, indicator, plant[key], value, "actual", H2)

    row = _row(world, pilot, indicator)

    assert row.baseline.value == Decimal(baseline)
    assert row.baseline.count == 3
    assert [(p.period_end, p.value, p.count) for p in row.actuals] == [
        (H1[1], Decimal(first_half), 2),
        (H2[1], Decimal(second_half), 2),
    ]
    assert not any(point.weights_missing for point in row.actuals)


def test_weighted_mean_without_a_headcount_falls_back_to_the_mean_and_says_so(world, multi):
    pilot, _sites, plant = multi
    plant["b"].workers = None
    plant["b"].save()
    indicator = _indicator(world, "weighted")
    _track(world, pilot, indicator)
    _observe(world, pilot, indicator, plant["a"], "60", "actual", H2)
    _observe(world, pilot, indicator, plant["b"], "90", "actual", H2)

    point = _row(world, pilot, indicator).latest

    assert point.value == Decimal(75)
    assert point.weights_missing is True


def test_participants_against_comparison_group_and_baseline_for_the_same_periods(world, multi):
    pilot, _sites, plant = multi
    indicator = _indicator(world, "mean")
    _track(world, pilot, indicator)
    _observe(world, pilot, indicator, plant["a"], "60", "baseline", BASE)
    _observe(world, pilot, indicator, plant["a"], "80", "actual", H2)
    _observe(world, pilot, indicator, plant["c"], "62", "baseline", BASE)
    _observe(world, pilot, indicator, plant["c"], "55", "actual", H1)  # another period
    _observe(world, pilot, indicator, plant["c"], "65", "actual", H2)

    row = _row(world, pilot, indicator)

    # The comparison plant's figures never count as the participants'.
    assert row.baseline.value == Decimal(60)
    assert row.latest.value == Decimal(80)
    assert row.has_comparison
    assert row.comparison_baseline.value == Decimal(62)
    assert row.comparison_latest.value == Decimal(65)  # H2, as the participants' latest
    assert row.change == Decimal(20)
    assert row.comparison_change == Decimal(3)
    assert row.change_beyond_comparison == Decimal(17)
    assert row.versus_comparison == Decimal(15)


def test_comparison_without_a_figure_for_the_period_shows_none(world, multi):
    pilot, _sites, plant = multi
    indicator = _indicator(world, "sum")
    _track(world, pilot, indicator)
    _observe(world, pilot, indicator, plant["a"], "60", "baseline", BASE)
    _observe(world, pilot, indicator, plant["a"], "70", "actual", H2)
    _observe(world, pilot, indicator, plant["c"], "10", "actual", H1)

    row = _row(world, pilot, indicator)

    assert row.comparison_baseline is None
    assert row.comparison_latest is None
    assert row.change_beyond_comparison is None


def test_a_pilot_without_sites_covers_its_own_supplier(world, pilots):
    indicator = _indicator(world, "sum")
    _track(world, pilots.pilot_x, indicator)
    _observe(world, pilots.pilot_x, indicator, world.facility_x, "5", "actual", H1)

    row = _row(world, pilots.pilot_x, indicator)

    assert row.latest.value == Decimal(5)
    assert row.has_comparison is False


# --- bad input ------------------------------------------------------------------------------


def test_a_facility_in_two_roles_for_the_same_pilot_is_refused(world, multi):
    pilot, _sites, plant = multi
    with pytest.raises(ValidationError) as error:
        services.site_save(
            actor=world.users["facilitator"],
            pilot=pilot,
            supplier=world.supplier_x,
            facility=plant["a"],
            role="comparison",
        )
    assert "facility" in error.value.message_dict
    assert "either taking part or in the comparison group" in str(error.value)
    assert PilotSite.objects.filter(pilot=pilot, facility=plant["a"]).count() == 1


def test_a_supplier_as_a_whole_in_the_other_role_of_its_facility_is_refused(world, multi):
    pilot, _sites, plant = multi
    with pytest.raises(ValidationError) as error:
        services.site_save(
            actor=world.users["facilitator"],
            pilot=pilot,
            supplier=plant["c"].supplier,
            facility=None,
            role="participant",
        )
    assert "role" in error.value.message_dict


def test_the_pilots_own_supplier_cannot_be_its_comparison_group(world, pilots):
    with pytest.raises(ValidationError) as error:
        services.site_save(
            actor=world.users["facilitator"],
            pilot=pilots.pilot_x,
            supplier=world.supplier_x,
            facility=None,
            role="comparison",
        )
    assert "supplier" in error.value.message_dict


def test_a_facility_of_another_supplier_and_leaving_before_joining_are_refused(world, pilots):
    with pytest.raises(ValidationError) as error:
        services.site_save(
            actor=world.users["facilitator"],
            pilot=pilots.pilot_x,
            supplier=world.supplier_x,
            facility=world.facility_y,
            joined_on=date(2024, 5, 1),
            left_on=date(2024, 4, 1),
        )
    assert set(error.value.message_dict) >= {"facility", "left_on"}
    assert not PilotSite.objects.exists()


def test_only_the_facilitator_names_sites(world, pilots):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.site_save(
            actor=world.users["customer_a"],
            pilot=pilots.pilot_x,
            supplier=world.supplier_y,
            facility=None,
        )


def test_a_figure_of_a_supplier_the_pilot_does_not_cover_is_refused(world, multi):
    pilot, _sites, _plant = multi
    indicator = _indicator(world, "sum")
    with pytest.raises(ValidationError) as error:
        metrics_services.observation_save(
            actor=world.users["facilitator"],
            indicator=indicator,
            supplier=world.supplier_y,
            pilot=pilot,
            value=Decimal(1),
            kind="actual",
            source="audit",
            period_start=H1[0],
            period_end=H1[1],
        )
    assert "pilot" in error.value.message_dict


# --- who sees what ----------------------------------------------------------------------------


def test_a_supplier_taking_part_at_a_site_sees_the_pilot_a_comparison_supplier_does_not(
    world, multi, client
):
    pilot, _sites, plant = multi
    taking_part = member(plant["z"].supplier.organisation, email="z@example.org")
    compared = member(plant["c"].supplier.organisation, email="c@example.org")
    client.force_login(taking_part)
    page = client.get(pilot.get_absolute_url())
    assert page.status_code == 200
    assert "Sites and comparison group" in page.text
    client.force_login(compared)
    assert client.get(pilot.get_absolute_url()).status_code == 404


def test_api_names_only_facilities_the_caller_may_see(world, multi, api_client):
    pilot, sites, plant = multi
    url = "/api/v1/pilot-sites/"
    rows = api_client("ngo").get(url, {"pilot": pilot.pk}).json()["results"]
    assert {row["id"] for row in rows} == {site.pk for site in sites.values()}
    # The NGO sees the pilot and the suppliers it names, not the directory's facilities.
    assert all(row["facility"] is None and row["facility_name"] is None for row in rows)
    assert {row["supplier_name"] for row in rows} == {
        "Supplier X",
        "Supplier Z",
        "Supplier C",
    }
    # Customer A supplies from supplier X: it sees X's plants, not Z's or C's.
    rows = api_client("customer_a").get(url, {"pilot": pilot.pk}).json()["results"]
    shown = {row["facility_name"] for row in rows}
    assert shown == {plant["a"].name, plant["b"].name, None}


def test_api_refuses_a_hidden_site_as_a_missing_one(world, multi, api_client):
    _pilot, sites, _plant = multi
    hidden = api_client("customer_b").get(f"/api/v1/pilot-sites/{sites['a'].pk}/")
    missing = api_client("customer_b").get("/api/v1/pilot-sites/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_api_adds_a_site_and_refuses_two_roles_with_a_message(world, multi, api_client):
    pilot, _sites, _plant = multi
    api = api_client("facilitator")
    extra = FacilityFactory(supplier=world.supplier_y, name="Y second plant")
    added = api.post(
        "/api/v1/pilot-sites/",
        {
            "pilot": pilot.pk,
            "supplier": world.supplier_y.pk,
            "facility": extra.pk,
            "role": "comparison",
            "headcount": 40,
        },
        format="json",
    )
    assert added.status_code == 201, added.json()
    assert added.json()["role"] == "comparison"
    twice = api.post(
        "/api/v1/pilot-sites/",
        {"pilot": pilot.pk, "supplier": world.supplier_y.pk, "facility": extra.pk},
        format="json",
    )
    assert twice.status_code == 400
    assert "comparison group" in str(twice.json())


def test_pilot_figures_api_and_kpi_page_show_the_comparison(world, multi, api_client, client):
    pilot, _sites, plant = multi
    indicator = _indicator(world, "mean", name="Worker retention")
    _track(world, pilot, indicator)
    _observe(world, pilot, indicator, plant["a"], "60", "baseline", BASE)
    _observe(world, pilot, indicator, plant["a"], "80", "actual", H2)
    _observe(world, pilot, indicator, plant["c"], "62", "baseline", BASE)
    _observe(world, pilot, indicator, plant["c"], "65", "actual", H2)

    answer = api_client("customer_a").get(f"/api/v1/pilot-figures/{pilot.pk}/")
    assert answer.status_code == 200, answer.content
    row = next(r for r in answer.json()["kpis"] if r["indicator"] == indicator.pk)
    assert row["rollup"] == "mean"
    assert row["has_comparison"] is True
    assert Decimal(row["comparison_latest"]["value"]) == Decimal(65)
    assert Decimal(row["change_beyond_comparison"]) == Decimal(17)

    client.force_login(world.users["customer_a"])
    page = client.get(reverse("metrics:pilot-kpis", args=[pilot.pk]))
    assert page.status_code == 200
    assert "Participants and comparison group" in page.text
    assert "Change beyond the comparison group" in page.text


# --- what the review of the first version found ---------------------------------------------


def test_a_comparison_facility_of_the_pilots_own_supplier_leaves_the_rest_counted(world, pilots):
    pilot = pilots.pilot_x
    other_plant = FacilityFactory(supplier=world.supplier_x, name="X other plant")
    services.site_save(
        actor=world.users["facilitator"],
        pilot=pilot,
        supplier=world.supplier_x,
        facility=other_plant,
        role="comparison",
    )
    indicator = _indicator(world, "mean")
    _track(world, pilot, indicator)
    _observe(world, pilot, indicator, world.facility_x, "60", "baseline", BASE)
    _observe(world, pilot, indicator, world.facility_x, "80", "actual", H2)
    _observe(world, pilot, indicator, other_plant, "50", "baseline", BASE)
    _observe(world, pilot, indicator, other_plant, "55", "actual", H2)

    row = _row(world, pilot, indicator)

    assert (row.baseline.value, row.latest.value) == (Decimal(60), Decimal(80))
    assert (row.comparison_baseline.value, row.comparison_latest.value) == (50, 55)
    assert row.change_beyond_comparison == Decimal(15)


def test_a_rate_over_several_sites_is_the_pooled_rate(world, multi):
    """10 injuries in 100 workers and 0 in 900: 1 per 100, whatever rule rolls up the rate."""
    pilot, _sites, plant = multi
    facilitator = world.users["facilitator"]
    injuries = metrics_services.indicator_save(
        actor=facilitator, name="Injuries", unit="injuries", better="lower"
    )
    workers = metrics_services.indicator_save(
        actor=facilitator, name="Workers", unit="workers", better="higher"
    )
    rate = metrics_services.indicator_save(
        actor=facilitator,
        name="Injury rate",
        unit="injuries per 100 workers",
        better="lower",
        kind="rate",
        numerator=injuries,
        denominator=workers,
        per=100,
        rollup="weighted",
    )
    _track(world, pilot, rate)
    for key, counted, headcount in (("a", "10", "100"), ("b", "0", "900")):
        _observe(world, pilot, injuries, plant[key], counted, "actual", H2)
        _observe(world, pilot, workers, plant[key], headcount, "actual", H2)

    row = _row(world, pilot, rate)

    assert row.computed_from_counts
    assert row.latest.value == Decimal(1)


def test_totals_of_groups_of_different_sizes_are_not_set_against_each_other(world, multi):
    pilot, _sites, plant = multi
    indicator = _indicator(world, "sum")
    _track(world, pilot, indicator)
    for key, before, after in (("a", "100", "90"), ("c", "80", "79")):
        _observe(world, pilot, indicator, plant[key], before, "baseline", BASE)
        _observe(world, pilot, indicator, plant[key], after, "actual", H2)

    row = _row(world, pilot, indicator)

    assert row.change == Decimal(-10)
    assert row.comparison_change == Decimal(-1)
    assert row.comparable is False
    assert row.change_beyond_comparison is None
    assert row.versus_comparison is None


def test_a_latest_figure_from_other_sites_than_the_baseline_says_so(world, multi, client):
    pilot, _sites, plant = multi
    indicator = _indicator(world, "sum", name="Grievances")
    _track(world, pilot, indicator)
    for key in ("a", "b", "z"):
        _observe(world, pilot, indicator, plant[key], "10", "baseline", BASE)
    _observe(world, pilot, indicator, plant["a"], "8", "actual", H2)

    row = _row(world, pilot, indicator)

    assert row.sites_differ
    client.force_login(world.users["facilitator"])
    page = client.get(reverse("metrics:pilot-kpis", args=[pilot.pk])).text
    assert "3 sites at baseline, 1 latest" in page


def test_the_same_supplier_as_a_whole_twice_is_refused_on_the_supplier(world, pilots):
    facilitator = world.users["facilitator"]
    services.site_save(
        actor=facilitator, pilot=pilots.pilot_x, supplier=world.supplier_y, facility=None
    )
    with pytest.raises(ValidationError) as error:
        services.site_save(
            actor=facilitator,
            pilot=pilots.pilot_x,
            supplier=world.supplier_y,
            facility=None,
            role="comparison",
        )
    assert "supplier" in error.value.message_dict


def test_a_comparison_supplier_reads_its_own_figures_but_not_the_pilot(
    world, multi, api_client, client
):
    pilot, _sites, plant = multi
    compared = member(plant["c"].supplier.organisation, email="c@example.org")
    indicator = _indicator(world, "mean")
    figure = _observe(world, pilot, indicator, plant["c"], "62", "baseline", BASE)
    world.users["compared"] = compared

    (row,) = api_client("compared").get("/api/v1/observations/").json()["results"]
    assert row["id"] == figure.pk
    assert row["pilot"] is None
    assert row["pilot_title"] is None
    client.force_login(compared)
    listed = client.get(reverse("metrics:observation-list")).text
    shown = client.get(reverse("metrics:observation-detail", args=[figure.pk])).text
    assert pilot.title not in listed
    assert pilot.title not in shown


def test_a_supplier_at_a_site_reads_only_its_own_figures_of_the_pilot(world, multi, api_client):
    pilot, _sites, plant = multi
    taking_part = member(plant["z"].supplier.organisation, email="z@example.org")
    world.users["taking_part"] = taking_part
    indicator = _indicator(world, "mean")
    _track(world, pilot, indicator)
    own = _observe(world, pilot, indicator, plant["z"], "80", "baseline", BASE)
    _observe(world, pilot, indicator, plant["a"], "60", "baseline", BASE)
    _observe(world, pilot, indicator, plant["c"], "62", "baseline", BASE)

    rows = api_client("taking_part").get("/api/v1/observations/").json()["results"]
    assert [row["id"] for row in rows] == [own.pk]
    # Its KPI table rolls up what it may read: its own figure.
    assert _row(world, pilot, indicator, user="taking_part").baseline.value == Decimal(80)
    # The NGO taking part in the pilot reads every figure of it.
    seen = api_client("ngo").get("/api/v1/observations/", {"pilot": pilot.pk}).json()
    assert len(seen["results"]) == 3


def test_cost_per_reach_counts_the_suppliers_and_workers_at_the_sites(world, figures, multi):  # noqa: F811
    # (The figures fixture's costs and KPIs come first: once the pilot names supplier X's
    # plants, a figure of supplier X as a whole is refused.)
    pilot, _sites, _plant = multi
    rows = kpi_figures.cost_per_reach(world.users["facilitator"], pilot.programme)
    (row,) = [row for row in rows["by_pilot"] if row.pilots == [pilot]]
    # Supplier X (plants a and b) and supplier Z take part; C is only compared.
    assert row.suppliers == 2
    # Headcounts: a 100, b 900 (its workers), z 300.
    assert row.workers == 1300


def test_a_figure_no_site_of_the_pilot_counts_is_refused(world, multi):
    pilot, _sites, _plant = multi
    indicator = _indicator(world, "sum")
    with pytest.raises(ValidationError) as error:
        # Supplier X takes part through two named plants: a figure for X as a whole would be
        # counted nowhere.
        metrics_services.observation_save(
            actor=world.users["facilitator"],
            indicator=indicator,
            supplier=world.supplier_x,
            pilot=pilot,
            value=Decimal(1),
            kind="actual",
            source="audit",
            period_start=H2[0],
            period_end=H2[1],
        )
    assert "facility" in error.value.message_dict


def test_an_actual_figure_counts_only_for_a_period_wholly_within_participation(world, multi):
    pilot, _sites, plant = multi
    indicator = _indicator(world, "sum")
    _track(world, pilot, indicator)
    year = (date(2024, 1, 1), date(2024, 12, 31))
    # b joined on 1 July 2024 and z left on 30 June 2024: neither covers the whole year.
    for key in ("a", "b", "z"):
        _observe(world, pilot, indicator, plant[key], "1", "actual", year)
    # A baseline measured after joining is no baseline.
    _observe(world, pilot, indicator, plant["b"], "5", "baseline", H2)

    row = _row(world, pilot, indicator)

    assert (row.latest.value, row.latest.count) == (Decimal(1), 1)
    assert row.baseline is None

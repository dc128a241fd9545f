"""What an independent review of the metrics found, each kept fixed."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from metrics import figures as f
from metrics import services
from metrics.models import Currency
from tests.factories import SupplierFactory

D = Decimal


def cost(world, pilots, **fields):
    return dict(
        actor=world.users["facilitator"], programme=pilots.programme, pilot=pilots.pilot_x,
        borne_by=world.supplier_x.organisation, nature="hard", category="other",
        description="Fees", currency=Currency.objects.get(code="USD"),
    ) | fields  # fmt: skip


@pytest.mark.parametrize("count", ["1e20", "1e-30", "Infinity", "NaN"])
def test_quantities_that_make_no_amount_are_refused_on_the_quantities(
    world, pilots, figures, count
):
    with pytest.raises(ValidationError) as refused:
        services.cost_item_save(
            **cost(world, pilots, unit_amount=D("1"), quantity_parts=[{"count": count}])
        )
    assert "quantity_parts" in refused.value.message_dict


def test_a_cost_names_only_an_organisation_of_the_pilot_or_programme(world, pilots, figures):
    with pytest.raises(ValidationError) as refused:
        services.cost_item_save(**cost(world, pilots, borne_by=world.customer_b, amount=D("1")))
    assert "borne_by" in refused.value.message_dict
    services.cost_item_save(**cost(world, pilots, borne_by=world.customer_a, amount=D("1")))
    services.cost_item_save(**cost(world, pilots, pilot=None, borne_by=world.facilitator_org,
                                   amount=D("1")))  # fmt: skip


def test_savings_only_for_a_target_better_than_the_baseline(world, pilots, figures):
    tracked = figures.tracked_injuries
    tracked.target_change_pct = D("10")  # more injuries: not a saving
    tracked.save()
    rows = {row.indicator.name: row for row in f.pilot_kpis(world.users["facilitator"],
                                                            pilots.pilot_x)}  # fmt: skip
    assert rows["Injuries"].projected_reduction is None
    assert rows["Injuries"].projected_savings is None


def test_a_partial_viewer_gets_no_comparison_with_the_programmes_stated_total(
    world, pilots, figures
):
    services.stated_figure_save(
        actor=world.users["facilitator"], programme=pilots.programme,
        kind="resource_total_usd", value=D("87932"), source="report",
    )  # fmt: skip
    whole = f.resource_analysis(world.users["facilitator"], pilots.programme)
    assert whole.complete
    assert whole.total.stated == 87932
    partial = f.resource_analysis(world.users["customer_b"], pilots.programme)
    assert not partial.complete
    assert partial.total.stated is None
    assert partial.total.computed == 74949 + 4875


def test_a_suppliers_figure_nobody_could_confirm_is_refused(world, figures):
    from csrplatform.accounts.models import Role
    from tests.factories import member

    lone = SupplierFactory(organisation__name="Lone supplier")
    user = member(lone.organisation, Role.EDITOR, email="lone@example.org")
    with pytest.raises(ValidationError) as refused:
        services.observation_save(
            actor=user, indicator=figures.overtime, supplier=lone, value=D("1"), kind="actual",
            source="self_reported", period_start=date(2008, 1, 1), period_end=date(2008, 1, 31),
        )  # fmt: skip
    assert "pilot" in refused.value.message_dict


def test_a_facilitator_records_pilotless_figures_only_for_its_pilots_suppliers(world, figures):
    stranger = SupplierFactory(organisation__name="Stranger")
    with pytest.raises(PermissionDenied):
        services.observation_save(
            actor=world.users["facilitator"], indicator=figures.overtime, supplier=stranger,
            value=D("1"), kind="actual", source="audit",
            period_start=date(2008, 1, 1), period_end=date(2008, 1, 31),
        )  # fmt: skip
    own = services.observation_save(
        actor=world.users["facilitator"], indicator=figures.overtime, supplier=world.supplier_x,
        value=D("1"), kind="actual", source="audit",
        period_start=date(2008, 1, 1), period_end=date(2008, 1, 31),
    )  # fmt: skip
    from csrplatform import access
    from metrics.models import Observation

    assert access.can_view(world.users["facilitator"], own)
    assert Observation.objects.get(pk=own.pk).status == "confirmed"


def test_an_import_refuses_a_bearer_outside_the_pilot_and_a_cost_without_a_rate(
    page_client, world, figures
):
    from metrics.models import CostItem
    from tests.metrics.test_import import COSTS, cost_row, csv_upload, post

    before = CostItem.objects.count()
    response = post(
        page_client("facilitator"),
        csv_upload(
            [cost_row(borne_by="Customer B"), cost_row(currency="EUR", on_date="2008-03-01")],
            COSTS,
        ),
        "costs",
    )
    assert response.status_code == 400
    errors = {(error[0], error[1]) for error in response.context["errors"]}
    assert (2, "borne_by") in errors
    assert (3, "currency") in errors
    assert CostItem.objects.count() == before


def test_the_figure_list_is_paged_without_counting(page_client, figures):
    page = page_client("facilitator").get("/metrics/observations/").content.decode()
    assert "Page 1" in page
    assert " of " not in page.split("Page 1", 1)[1][:20]
    assert "results" not in page


def test_the_dashboard_shows_the_pilots_kpis_as_each_viewer_may_see_them(
    page_client, pilots, figures
):
    url = f"/metrics/programmes/{pilots.programme.pk}/?export=csv&table=kpis"
    facilitator = page_client("facilitator").get(url).getvalue().decode("utf-8-sig")
    assert "Pilot X,Injuries" in facilitator
    assert "Pilot Y,Overtime" in facilitator
    customer_b = page_client("customer_b").get(url).getvalue().decode("utf-8-sig")
    assert "Pilot X" not in customer_b
    assert "Pilot Y,Overtime" in customer_b

"""The access matrix of the metrics models, role × model × action, at the policy level (the
pages and the API go through the same `access.scope`)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from csrplatform import access
from csrplatform.accounts.models import Role
from csrplatform.reviews.models import Review
from metrics import services
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
from tests.factories import OrganisationFactory, member

ROLES = ("facilitator", "customer_a", "customer_b", "supplier", "ngo", "outsider")


@pytest.fixture
def outsider(world):
    outsider_org = OrganisationFactory(name="Unrelated brand", kind="customer")
    world.users["outsider"] = member(outsider_org, Role.EDITOR, email="outsider@example.org")
    return world.users["outsider"]


def visible(user, model, action=access.VIEW):
    return set(access.scope(user, model.objects.all(), action).values_list("pk", flat=True))


def test_view_matrix(world, pilots, figures, outsider):
    x_costs = {line.pk for line in figures.cost_x_lines}
    programme_cost = figures.cost_programme.pk
    x_obs = {obs.pk for obs in figures.observations_x}
    y_obs = {figures.observation_y.pk}
    expected = {
        "facilitator": (x_costs | {figures.cost_y.pk, programme_cost}, x_obs | y_obs),
        "customer_a": (x_costs | {programme_cost}, x_obs),
        "customer_b": ({figures.cost_y.pk, programme_cost}, y_obs),
        "supplier": (x_costs | {programme_cost}, x_obs),
        "ngo": (x_costs | {programme_cost}, x_obs),
        "outsider": (set(), set()),
    }
    for role in ROLES:
        user = world.users[role]
        costs, observations = expected[role]
        assert visible(user, CostItem) == costs, role
        assert visible(user, Observation) == observations, role
        assert (visible(user, Benefit) == {figures.benefit_x.pk}) == (
            role in ("facilitator", "customer_a", "supplier", "ngo")
        ), role
        tracked_x = {figures.tracked_injuries.pk, figures.tracked_rate.pk}
        assert (tracked_x <= visible(user, PilotIndicator)) == (
            role in ("facilitator", "customer_a", "supplier", "ngo")
        ), role
        sees_rates = visible(user, ExchangeRate) == {figures.rate_cny.pk, figures.rate_hkd.pk}
        assert sees_rates == (role != "outsider"), role
        assert visible(user, Currency) == set(Currency.objects.values_list("pk", flat=True))
        assert visible(user, Indicator) == set(Indicator.objects.values_list("pk", flat=True))


def test_edit_matrix(world, pilots, figures, outsider):
    everything = {
        model: set(model.objects.values_list("pk", flat=True))
        for model in (CostItem, Benefit, ExchangeRate, Observation, PilotIndicator, StatedFigure)
    }
    for role in ROLES:
        user = world.users[role]
        for model, pks in everything.items():
            expected = pks if role == "facilitator" else set()
            assert visible(user, model, access.EDIT) == expected, (role, model.__name__)
        assert bool(visible(user, Currency, access.EDIT)) == (role == "facilitator")
        assert bool(visible(user, Indicator, access.EDIT)) == (role == "facilitator")


def test_a_supplier_edits_its_own_figures_until_confirmed(world, pilots, figures):
    supplier = world.users["supplier"]
    observation = services.observation_save(
        actor=supplier, indicator=figures.overtime, supplier=world.supplier_x,
        pilot=pilots.pilot_x, value=Decimal("80"), kind="actual", source="self_reported",
        period_start=date(2008, 6, 1), period_end=date(2008, 6, 30),
    )  # fmt: skip
    assert observation.status == "submitted"
    assert visible(supplier, Observation, access.EDIT) == {observation.pk}
    review = Review.objects.for_subject(observation).get()
    assert review.reviewer == world.ngo_org  # the pilot's civil-society partner confirms
    services.observation_confirm(actor=world.users["ngo"], observation=observation)
    observation.refresh_from_db()
    assert observation.status == "confirmed"
    assert visible(supplier, Observation, access.EDIT) == set()


def test_nobody_else_records_a_suppliers_figures(world, pilots, figures):
    for role in ("customer_a", "ngo", "customer_b"):
        with pytest.raises(PermissionDenied):
            services.observation_save(
                actor=world.users[role], indicator=figures.overtime, supplier=world.supplier_x,
                pilot=pilots.pilot_x, value=Decimal("80"), kind="actual",
                source="self_reported", period_start=date(2008, 6, 1),
                period_end=date(2008, 6, 30),
            )  # fmt: skip


def test_only_the_reviewer_confirms_and_a_return_needs_a_reason(world, pilots, figures):
    from django.core.exceptions import ValidationError

    observation = services.observation_save(
        actor=world.users["supplier"], indicator=figures.overtime, supplier=world.supplier_x,
        pilot=pilots.pilot_x, value=Decimal("80"), kind="actual", source="self_reported",
        period_start=date(2008, 6, 1), period_end=date(2008, 6, 30),
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.observation_confirm(actor=world.users["customer_a"], observation=observation)
    with pytest.raises(ValidationError):
        services.observation_return(actor=world.users["ngo"], observation=observation, reason="")
    services.observation_return(
        actor=world.users["ngo"], observation=observation, reason="Which month?"
    )
    observation.refresh_from_db()
    assert observation.status == "returned"
    # The supplier corrects it, which asks again.
    services.observation_save(
        actor=world.users["supplier"], observation=observation, value=Decimal("81")
    )
    observation.refresh_from_db()
    assert observation.status == "submitted"
    assert Review.objects.for_subject(observation).pending().count() == 1
    with pytest.raises(ValidationError):
        services.observation_confirm(actor=world.users["ngo"], observation=figures.observation_y)

"""A programme with figures: rates, indicators, KPI observations, costs, benefits and stated
figures, on the two pilots of the shared `pilots` fixture (pilot X: supplier X, customer A and
the NGO; pilot Y: supplier Y and customer B)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from metrics import services
from metrics.currencies import ensure_currencies
from metrics.models import Currency


@dataclass
class MetricsWorld:
    rate_cny: object
    rate_hkd: object
    injuries: object  # count, lower is better
    headcount: object  # count
    injury_rate: object  # per 1,000 workers, from injuries and headcount
    overtime: object  # hours a month, measured directly
    tracked_injuries: object  # pilot X, -50% target, RMB 3,000 per injury
    tracked_rate: object  # pilot X
    tracked_overtime: object  # pilot X
    tracked_y: object  # pilot Y tracks overtime, no baseline
    cost_x_lines: list  # pilot X: RMB lines of seeds/000's worker-training budget
    cost_y: object  # pilot Y: HKD 38,000 consultants
    cost_programme: object  # overall project management, USD
    benefit_x: object
    observations_x: list
    observation_y: object


@pytest.fixture
def figures(world, pilots):
    facilitator = world.users["facilitator"]
    ensure_currencies()
    cny, hkd = Currency.objects.get(code="CNY"), Currency.objects.get(code="HKD")
    rate_cny = services.exchange_rate_save(
        actor=facilitator,
        organisation=world.facilitator_org,
        currency=cny,
        valid_from=date(2008, 1, 1),
        usd=Decimal("0.142741"),
        source="seeds/000 note 6",
    )
    rate_hkd = services.exchange_rate_save(
        actor=facilitator,
        organisation=world.facilitator_org,
        currency=hkd,
        valid_from=date(2008, 1, 1),
        usd=Decimal("0.128295"),
        source="seeds/000 note 5",
    )
    injuries = services.indicator_save(
        actor=facilitator, name="Injuries", unit="injuries a year", better="lower"
    )
    headcount = services.indicator_save(
        actor=facilitator, name="Workers", unit="workers", better="higher"
    )
    injury_rate = services.indicator_save(
        actor=facilitator,
        name="Injury rate",
        unit="injuries per 1,000 workers a year",
        better="lower",
        kind="rate",
        numerator=injuries,
        denominator=headcount,
        per=1000,
    )
    overtime = services.indicator_save(
        actor=facilitator, name="Overtime", unit="hours a month", better="lower", rollup="mean"
    )
    pilot_x, pilot_y = pilots.pilot_x, pilots.pilot_y
    tracked_injuries = services.pilot_indicator_save(
        actor=facilitator,
        pilot=pilot_x,
        indicator=injuries,
        target_change_pct=Decimal("-50"),
        unit_cost=Decimal("3000"),
        unit_cost_currency=cny,
        unit_cost_note="direct medical cost per injury",
    )
    tracked_rate = services.pilot_indicator_save(
        actor=facilitator, pilot=pilot_x, indicator=injury_rate
    )
    tracked_overtime = services.pilot_indicator_save(
        actor=facilitator, pilot=pilot_x, indicator=overtime
    )
    tracked_y = services.pilot_indicator_save(actor=facilitator, pilot=pilot_y, indicator=overtime)

    def observe(indicator, value, kind, start, end, **extra):
        return services.observation_save(
            actor=facilitator,
            indicator=indicator,
            supplier=extra.pop("supplier", world.supplier_x),
            pilot=extra.pop("pilot", pilot_x),
            value=Decimal(value),
            kind=kind,
            source=extra.pop("source", "audit"),
            period_start=start,
            period_end=end,
            **extra,
        )

    year_2007 = (date(2007, 1, 1), date(2007, 12, 31))
    observations_x = [
        observe(injuries, "131", "baseline", *year_2007),
        observe(headcount, "10000", "baseline", *year_2007),
        observe(injuries, "100", "actual", date(2008, 1, 1), date(2008, 6, 30)),
        observe(headcount, "10000", "actual", date(2008, 1, 1), date(2008, 6, 30)),
        observe(overtime, "120", "baseline", date(2007, 11, 1), date(2007, 11, 30)),
        observe(overtime, "87.8", "actual", date(2008, 5, 1), date(2008, 5, 31)),
    ]
    observation_y = observe(
        overtime,
        "70",
        "actual",
        date(2008, 5, 1),
        date(2008, 5, 31),
        supplier=world.supplier_y,
        pilot=pilot_y,
    )
    lines = [
        ("Transportation of trainers", "300", [("4", "times"), ("4", "people")], "685"),
        ("Professional fees of researchers", "1000", [("12", "days"), ("2", "people")], "3426"),
        ("Professional fees: university staff", "1000", [("12", "days"), ("2", "people")], "3426"),
        ("Printing", None, [], "285"),
        ("Miscellaneous", None, [], "285"),
    ]
    cost_x_lines = []
    for description, unit, parts, stated in lines:
        cost_x_lines.append(
            services.cost_item_save(
                actor=facilitator,
                programme=pilots.programme,
                pilot=pilot_x,
                phase=pilots.phase_x1,
                borne_by=world.supplier_x.organisation,
                nature="hard",
                category="consultants",
                description=description,
                unit_amount=Decimal(unit) if unit else None,
                quantity_parts=[{"count": count, "unit": what} for count, what in parts],
                amount=None if unit else Decimal("2000"),
                currency=cny,
                on_date=date(2008, 3, 1),
                stated_usd=Decimal(stated),
            )
        )
    cost_y = services.cost_item_save(
        actor=facilitator,
        programme=pilots.programme,
        pilot=pilot_y,
        borne_by=world.supplier_y.organisation,
        nature="hard",
        category="consultants",
        description="Consultants (time and travel)",
        amount=Decimal("38000"),
        currency=hkd,
        pinned_rate=Decimal("0.128295"),
        on_date=date(2008, 2, 1),
        stated_usd=Decimal("4875"),
    )
    cost_programme = services.cost_item_save(
        actor=facilitator,
        programme=pilots.programme,
        borne_by=world.facilitator_org,
        nature="hard",
        category="management_time",
        description="Overall project management",
        amount=Decimal("74949"),
        currency=Currency.objects.get(code="USD"),
        on_date=date(2008, 6, 30),
    )
    benefit_x = services.benefit_save(
        actor=facilitator,
        programme=pilots.programme,
        pilot=pilot_x,
        status="expected",
        incentive="internal_tangible",
        description="Fewer injuries: RMB 3,000 each in direct medical costs",
        amount=Decimal("196500"),
        currency=cny,
        on_date=date(2008, 6, 30),
        per="year",
    )
    return MetricsWorld(
        rate_cny=rate_cny,
        rate_hkd=rate_hkd,
        injuries=injuries,
        headcount=headcount,
        injury_rate=injury_rate,
        overtime=overtime,
        tracked_injuries=tracked_injuries,
        tracked_rate=tracked_rate,
        tracked_overtime=tracked_overtime,
        tracked_y=tracked_y,
        cost_x_lines=cost_x_lines,
        cost_y=cost_y,
        cost_programme=cost_programme,
        benefit_x=benefit_x,
        observations_x=observations_x,
        observation_y=observation_y,
    )

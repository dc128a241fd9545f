"""`load_demo` enters every figure of seeds/000 as the report gives it; the platform computes
the rest, and shows where the report's own arithmetic differs."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from csrplatform.accounts.models import User
from metrics import figures as f
from metrics.models import Benefit, CostItem, Observation, StatedFigure
from pilots import demo as pilots_demo
from pilots.models import Pilot, Programme

D = Decimal


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=StringIO())
    return User.objects.get(email=pilots_demo.FACILITATOR_EMAIL)


def pilot(title):
    return Pilot.objects.get(title=title)


def lines(result):
    return {line.item.description: line for line in result.hard + result.soft}


def test_the_worker_training_budget(demo):
    result = f.pilot_cost_benefit(demo, pilot(pilots_demo.TRAINING))
    budget = lines(result)
    assert budget["Transportation of trainers"].item.quantity_text == "300 × 4 times × 4 people"
    assert budget["Transportation of trainers"].converted.usd == 685
    assert budget["Professional fees of researchers"].converted.usd == 3426
    assert budget["Printing"].converted.usd == 285
    assert result.total.by_currency == {"CNY": D("56800")}
    assert result.total.usd == 8108
    assert not result.stated_total.differs


def test_the_hotline_costs_in_hkd_and_the_reports_rounding(demo):
    result = f.pilot_cost_benefit(demo, pilot(pilots_demo.HOTLINE))
    costs = lines(result)
    consultants = costs["Consultants (time and travel expenses)"]
    assert consultants.converted.usd == 4875
    assert not consultants.stated.differs
    service = costs["Hotline service for 7,000 workers, one month"]
    assert service.converted.usd == 1437  # HKD 11,200 × 0.128295
    assert service.stated.stated == 1440
    assert service.stated.difference == -3
    assert result.total is None  # nothing actually spent: estimates only
    assert result.estimated_total.by_currency == {"HKD": D("49200")}


def test_the_ehs_savings_projection(demo):
    rows = {row.indicator.name: row for row in f.pilot_kpis(demo, pilot(pilots_demo.EHS))}
    injuries = rows["Injuries"]
    assert injuries.baseline.value == 131
    assert injuries.target.value == D("65.5")
    assert injuries.projected_savings == D("196500")
    assert injuries.savings.currency == "CNY"
    rate = rows["Injury rate"]
    assert rate.baseline.value == D("1.46")
    assert rate.target.value == D("0.73")


def test_the_mentorship_kpis(demo):
    rows = {row.indicator.name: row for row in f.pilot_kpis(demo, pilot(pilots_demo.MENTORSHIP))}
    overtime = rows["Average monthly overtime of operators"]
    assert (overtime.baseline.value, overtime.latest.value) == (120, D("87.8"))
    assert overtime.pct_change == D("-26.8")
    assert rows["Lighting electricity use"].pct_change == -40


def test_the_resource_analysis_and_the_reports_total(demo):
    analysis = f.resource_analysis(
        demo, Programme.objects.get(title=pilots_demo.PROGRAMME["title"])
    )
    rows = {
        (row.pilot.title if row.pilot else "", row.organisation_kind): row for row in analysis.rows
    }
    assert rows[("", "")].usd.computed == 74949
    assert rows[(pilots_demo.MENTORSHIP, "customer")].usd.computed == 860
    assert rows[(pilots_demo.MENTORSHIP, "customer")].fte_text == "0–0.25"
    assert rows[(pilots_demo.MENTORSHIP, "supplier")].usd.computed == 5870
    assert rows[(pilots_demo.TRAINING, "supplier")].usd.computed == 8108
    assert rows[(pilots_demo.EHS, "supplier")].usd.computed == 2700
    assert all(not row.usd.differs for row in analysis.rows)
    assert analysis.total.computed == 92487  # what the report's rows add up to
    assert analysis.total.stated == 95187  # what the report prints
    assert analysis.total.difference == -2700
    assert {item.pilot.title for item in analysis.left_out if item.pilot} >= {pilots_demo.HOTLINE}


def test_stakeholder_participation_against_the_report(demo):
    rows = {row.organisation_kind: row for row in f.stakeholder_participation(
        demo, Programme.objects.get(title=pilots_demo.PROGRAMME["title"])
    )}  # fmt: skip
    assert rows["customer"].expected == 4
    assert rows["customer"].actual.computed == 4
    assert not rows["customer"].actual.differs
    assert rows["supplier"].actual.computed == 5
    assert rows["supplier"].actual.stated_text.startswith("4 + additional supplier")
    assert not rows["supplier"].actual.differs
    assert rows["government"].actual.computed == 0


def test_loading_twice_adds_nothing(demo):
    counts = [model.objects.count() for model in (CostItem, Benefit, Observation, StatedFigure)]
    assert all(counts)
    call_command("load_demo", stdout=StringIO())
    assert counts == [
        model.objects.count() for model in (CostItem, Benefit, Observation, StatedFigure)
    ]

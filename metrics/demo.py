"""Every figure of seeds/000 (BSR's July 2008 pilot summary), entered as the report gives it,
so that the platform computes the rest and shows where the report's own arithmetic differs.

- Rates: 1 HKD = 0.128295 USD (note 5) and 1 RMB = 0.142741 USD (note 6).
- Costs: the hotline's HKD fees, the worker-training phase 1 budget in RMB with its quantities,
  the EHS consultants' USD fees, the mentorship's customer effort and its USD amounts for
  customer and supplier, overall project management; the soft costs as listed, without
  amounts. What §V.3 leaves out (the hotline, estimates for later phases) is kept, with why.
- KPIs: overtime 120 → 87.8 h, lighting electricity −40%, injuries 131 (1.46 per 1,000 people)
  with the 50% target and RMB 3,000 per injury.
- Stated figures: each USD the report prints beside a computation, §V.3's rows and total
  (USD 95,187, whereas its rows add up to 92,487), and §V.1's actual participation.

Loading is idempotent: a programme that already has cost items is left as it is.
"""

from datetime import date
from decimal import Decimal

from csrplatform.accounts.models import User
from pilots.demo import EHS, FACILITATOR_EMAIL, HOTLINE, MENTORSHIP, PROGRAMME, TRAINING
from pilots.models import Phase, Programme

from . import services
from .choices import StatedFigureKind
from .currencies import ensure_currencies
from .models import CostItem, Indicator, PilotIndicator

D = Decimal
REPORT = "seeds/000, BSR pilot summary, July 2008"
YEAR_2008 = date(2008, 6, 30)  # the report's costs: "pilots of one-year duration"
HOTLINE_LEFT_OUT = (
    "§V.3 leaves the hotline out: its implementation did not occur (BSR's scoping time is in "
    "overall project management)."
)

# (pilot, phase number or None, borne by, nature, category, description, amount, currency,
#  unit amount and quantities, estimated?, stated USD, person-days, FTE range, left out because)
COSTS = [
    # 1. Customer-Supplier Mentorship: effort (§IV.1) and the USD amounts of §V.3.
    (MENTORSHIP, None, "customer_a", "soft", "management_time", "Onsite audits",
     None, None, None, False, None, D("9"), None, ""),
    (MENTORSHIP, None, "customer_a", "soft", "management_time",
     "Onsite support (and travel costs)", None, None, None, False, None, D("5"), None, ""),
    (MENTORSHIP, None, "customer_a", "soft", "meetings",
     "4 hours a week of review meetings with the supplier, action plans and guidance",
     None, None, None, False, None, None, None, ""),
    (MENTORSHIP, None, "customer_a", "soft", "management_time",
     "Customer's costs, as §V.3 gives them", D("860"), "USD", None, False, None, None,
     (D("0.0"), D("0.25")), ""),
    (MENTORSHIP, None, "mentorship_supplier", "soft", "employee_time",
     "Project leader (at least 4 days a week) and team members' time",
     None, None, None, False, None, None, None, ""),
    (MENTORSHIP, None, "mentorship_supplier", "hard", "training",
     "Training of the project leader and of employees", None, None, None, False, None, None,
     None, ""),
    (MENTORSHIP, None, "mentorship_supplier", "soft", "meetings",
     "Meetings on setting up the system; implementation time", None, None, None, False, None,
     None, None, ""),
    (MENTORSHIP, None, "mentorship_supplier", "hard", "other",
     "Supplier's costs, as §V.3 gives them", D("5870"), "USD", None, False, None, None, None,
     ""),
    # 2. Worker Hotline: hard costs in HKD (note 5), never implemented.
    (HOTLINE, None, "hotline_supplier", "hard", "consultants",
     "Consultants (time and travel expenses)", D("38000"), "HKD", None, True, D("4875"),
     None, None, HOTLINE_LEFT_OUT),
    (HOTLINE, None, "hotline_supplier", "hard", "external_service",
     "Hotline service for 7,000 workers, one month", D("11200"), "HKD", None, True, D("1440"),
     None, None, HOTLINE_LEFT_OUT),
    (HOTLINE, None, "hotline_supplier", "soft", "meetings",
     "E-mail, conference calls and two meetings to negotiate scope, NDA and kick-off",
     None, None, None, False, None, None, None, HOTLINE_LEFT_OUT),
    (HOTLINE, None, "hotline_supplier", "soft", "management_time",
     "Hosting the consultant's assessment visit; receiving, handling and reporting cases; "
     "management and oversight", None, None, None, True, None, None, None, HOTLINE_LEFT_OUT),
    # 3. Worker Training: the phase 1 budget in RMB (note 6).
    (TRAINING, 1, "training_supplier", "hard", "travel", "Transportation of trainers",
     None, "CNY", (D("300"), [("4", "times"), ("4", "people")]), False, D("685"), None, None,
     ""),
    (TRAINING, 1, "training_supplier", "hard", "consultants", "Professional fees of researchers",
     None, "CNY", (D("1000"), [("12", "days"), ("2", "people")]), False, D("3426"), None, None,
     ""),
    (TRAINING, 1, "training_supplier", "hard", "consultants",
     "Professional fees: university staff", None, "CNY",
     (D("1000"), [("12", "days"), ("2", "people")]), False, D("3426"), None, None, ""),
    (TRAINING, 1, "training_supplier", "hard", "materials", "Printing", D("2000"), "CNY", None,
     False, D("285"), None, None, ""),
    (TRAINING, 1, "training_supplier", "hard", "other", "Miscellaneous", D("2000"), "CNY", None,
     False, D("285"), None, None, ""),
    (TRAINING, 2, "training_supplier", "hard", "consultants",
     "Consultants and external trainers (time and travel); training materials", None, None,
     None, True, None, None, None, ""),
    (TRAINING, 1, "training_supplier", "soft", "management_time",
     "Management and oversight; HR manager's time hosting the researchers", None, None, None,
     False, None, None, None, ""),
    (TRAINING, 2, "training_supplier", "soft", "employee_time",
     "Internal trainers' time; workers' time away from production; incentives for taking part",
     None, None, None, True, None, None, None, ""),
    # 4. EHS Committee: consultants' fees in USD.
    (EHS, 1, "ehs_supplier", "hard", "consultants",
     "EHS consultants (time and travel expenses), phase 1", D("2700"), "USD", None, False,
     None, None, None, ""),
    (EHS, 2, "ehs_supplier", "hard", "consultants",
     "EHS consultants (time and travel expenses), phase 2", D("10600"), "USD", None, True,
     None, None, None, ""),
    (EHS, 2, "ehs_supplier", "hard", "capital",
     "Database and record-gathering technology; engineering fixes of identified hazards",
     None, None, None, True, None, None, None, ""),
    (EHS, 2, "ehs_supplier", "hard", "training", "Training of employees", None, None, None,
     True, None, None, None, ""),
    (EHS, 1, "ehs_supplier", "soft", "meetings",
     "Two in-person meetings to scope the project and assess the current state", None, None,
     None, False, None, None, None, ""),
    (EHS, 2, "ehs_supplier", "soft", "employee_time",
     "Employee time in the EHS committee and on incidents; training time", None, None, None,
     True, None, None, None, ""),
]  # fmt: skip

# (pilot, phase number or None, expected?, incentive, description, amount, currency, per)
BENEFITS = [
    (MENTORSHIP, None, False, "external_intangible", "Increased awareness of CSR on the part "
     "of the supplier", None, None, ""),
    (MENTORSHIP, None, False, "internal_tangible", "Proper planning: a clear understanding of "
     "where to focus efforts", None, None, ""),
    (MENTORSHIP, None, False, "internal_tangible", "Safer working environment: preventive "
     "actions, training in safe work, protective equipment", None, None, ""),
    (MENTORSHIP, None, False, "internal_tangible", "Better air quality in the workshop (safe "
     "handling of the washing equipment)", None, None, ""),
    (MENTORSHIP, None, False, "internal_tangible", "40% electricity saved by changing to "
     "energy-efficient lighting", None, None, ""),
    (MENTORSHIP, None, False, "external_intangible", "Management's demonstrable commitment to "
     "CSR and to the customer's requirements", None, None, ""),
    (MENTORSHIP, None, False, "internal_tangible", "An EHS management systems team; best "
     "practice identified (ISO 14001, SA 8000, customer and peers)", None, None, ""),
    (HOTLINE, None, True, "internal_tangible", "Enhanced upstream communication; better "
     "relations between workers and management", None, None, ""),
    (HOTLINE, None, True, "internal_tangible", "Issues of concern identified by workers and "
     "better remediated by management", None, None, ""),
    (TRAINING, None, True, "internal_tangible", "Employees know their rights and "
     "responsibilities; better engagement, productivity and retention", None, None, ""),
    (TRAINING, 1, True, "external_intangible", "An independent review of the training "
     "programme; an example of responsiveness to customers", None, None, ""),
    (TRAINING, 2, True, "external_tangible", "Training programmes meet the EICC requirements",
     None, None, ""),
    (EHS, 1, True, "internal_tangible", "Gaps in the EHS committee, systems and culture "
     "identified, with recommendations", None, None, ""),
    (EHS, 2, True, "internal_tangible", "Savings from 50% fewer injuries (131 a year at about "
     "RMB 3,000 each in direct medical costs)", D("196500"), "CNY", "year"),
    (EHS, 2, True, "internal_tangible", "Morale, retention and productivity; less downtime and "
     "absenteeism; fewer government fines; lower health costs", None, None, ""),
]  # fmt: skip

# Indicators: name, unit, better, kind, rate parts
INDICATORS = {
    "overtime": ("Average monthly overtime of operators", "hours a month", "lower"),
    "lighting": ("Lighting electricity use", "% of the use before the programme", "lower"),
    "injuries": ("Injuries", "injuries a year", "lower"),
    "people": ("People employed", "people", "higher"),
}
INJURY_RATE = ("Injury rate", "injuries per 1,000 people a year", "lower")

# (pilot, indicator key, kind, value, period, source)
OBSERVATIONS = [
    (MENTORSHIP, "overtime", "baseline", "120", (date(2007, 11, 1), date(2007, 11, 30)), "audit"),
    (MENTORSHIP, "overtime", "actual", "87.8", (date(2008, 5, 1), date(2008, 5, 31)),
     "self_reported"),
    (MENTORSHIP, "lighting", "baseline", "100", (date(2007, 11, 1), date(2007, 11, 30)),
     "self_reported"),
    (MENTORSHIP, "lighting", "actual", "60", (date(2008, 5, 1), date(2008, 5, 31)),
     "self_reported"),
    (EHS, "injuries", "baseline", "131", (date(2007, 1, 1), date(2007, 12, 31)),
     "partner_verified"),
    (EHS, "injury_rate", "baseline", "1.46", (date(2007, 1, 1), date(2007, 12, 31)),
     "partner_verified"),
]  # fmt: skip

RESOURCE_ROWS = [(MENTORSHIP, "customer", D("860")), (MENTORSHIP, "supplier", D("5870")),
                 (TRAINING, "supplier", D("8108")), (EHS, "supplier", D("2700"))]  # fmt: skip
PARTICIPATION = {
    "customer": (D("4"), "4"),
    "supplier": (D("5"), "4 + additional supplier for CSR Strategy Project"),
    "civil_society": (D("3"), "3"),
    "government": (D("0"), "0"),
    "industry_association": (D("1"), "1"),
}


def load(organisations) -> bool:
    """Enter seeds/000's figures on the demo programme; False if they are already there."""
    programme = Programme.objects.get(title=PROGRAMME["title"])
    if CostItem.objects.filter(programme=programme).exists():
        return False
    facilitator = User.objects.get(email=FACILITATOR_EMAIL)
    bsr = organisations["bsr"]
    currencies = ensure_currencies(("USD", "CNY", "HKD"))
    pilots = {pilot.title: pilot for pilot in programme.pilots.all()}
    phases = {
        (phase.pilot_id, phase.number): phase
        for phase in Phase.objects.filter(pilot__programme=programme)
    }
    for code, usd, note in (("HKD", "0.128295", "note 5"), ("CNY", "0.142741", "note 6")):
        services.exchange_rate_save(
            actor=facilitator,
            organisation=bsr,
            currency=currencies[code],
            valid_from=date(2007, 6, 1),
            usd=D(usd),
            source=f"{REPORT}, {note}",
        )
    _costs(facilitator, programme, organisations, pilots, phases, currencies, bsr)
    _benefits(facilitator, programme, pilots, phases, currencies)
    _kpis(facilitator, pilots, currencies)
    _stated(facilitator, programme, pilots)
    return True


def _costs(facilitator, programme, organisations, pilots, phases, currencies, bsr):
    for row in COSTS:
        (title, number, bearer, nature, category, description, amount, currency, quantities,
         estimated, stated, person_days, fte, left_out) = row  # fmt: skip
        pilot = pilots[title]
        unit_amount, parts = quantities if quantities else (None, [])
        services.cost_item_save(
            actor=facilitator,
            programme=programme,
            pilot=pilot,
            phase=phases.get((pilot.pk, number)) if number else None,
            borne_by=organisations[bearer],
            nature=nature,
            category=category,
            description=description,
            amount=amount,
            currency=currencies[currency] if currency else None,
            unit_amount=unit_amount,
            quantity_parts=[{"count": count, "unit": unit} for count, unit in parts],
            on_date=YEAR_2008,
            certainty="estimated" if estimated else "actual",
            stated_usd=stated,
            person_days=person_days,
            fte_low=fte[0] if fte else None,
            fte_high=fte[1] if fte else None,
            source=REPORT,
            excluded_reason=left_out,
        )
    services.cost_item_save(
        actor=facilitator,
        programme=programme,
        borne_by=bsr,
        nature="hard",
        category="management_time",
        description=(
            "Overall project management, including the effort to interview project "
            "participants and BSR's time scoping the hotline pilot"
        ),
        amount=D("74949"),
        currency=currencies["USD"],
        on_date=YEAR_2008,
        source=f"{REPORT}, §V.3",
    )


def _benefits(facilitator, programme, pilots, phases, currencies):
    for title, number, expected, incentive, description, amount, currency, per in BENEFITS:
        pilot = pilots[title]
        services.benefit_save(
            actor=facilitator,
            programme=programme,
            pilot=pilot,
            phase=phases.get((pilot.pk, number)) if number else None,
            status="expected" if expected else "received",
            incentive=incentive,
            description=description,
            amount=amount,
            currency=currencies[currency] if currency else None,
            on_date=YEAR_2008,
            per=per,
        )


def _indicator(facilitator, name, unit, better, **fields):
    existing = Indicator.objects.filter(name=name).first()
    return existing or services.indicator_save(
        actor=facilitator, name=name, unit=unit, better=better, **fields
    )


def _kpis(facilitator, pilots, currencies):
    indicators = {
        key: _indicator(facilitator, *definition) for key, definition in INDICATORS.items()
    }
    indicators["injury_rate"] = _indicator(
        facilitator,
        *INJURY_RATE,
        kind="rate",
        numerator=indicators["injuries"],
        denominator=indicators["people"],
        per=1000,
    )
    tracked = {
        (MENTORSHIP, "overtime"): {},
        (MENTORSHIP, "lighting"): {},
        (EHS, "injuries"): dict(
            target_change_pct=D("-50"),
            unit_cost=D("3000"),
            unit_cost_currency=currencies["CNY"],
            unit_cost_note="Direct medical costs per injury, light manufacturing (§IV.4)",
        ),
        (EHS, "injury_rate"): dict(target_change_pct=D("-50")),
    }
    for (title, key), fields in tracked.items():
        if not PilotIndicator.objects.filter(pilot=pilots[title], indicator=indicators[key]):
            services.pilot_indicator_save(
                actor=facilitator, pilot=pilots[title], indicator=indicators[key], **fields
            )
    for title, key, kind, value, (start, end), source in OBSERVATIONS:
        pilot = pilots[title]
        services.observation_save(
            actor=facilitator,
            indicator=indicators[key],
            supplier=pilot.supplier,
            pilot=pilot,
            kind=kind,
            value=D(value),
            period_start=start,
            period_end=end,
            source=source,
            note=REPORT,
        )


def _stated(facilitator, programme, pilots):
    def state(kind, value, *, pilot=None, organisation_kind="", text="", source=REPORT):
        services.stated_figure_save(
            actor=facilitator,
            programme=programme,
            pilot=pilot,
            kind=kind,
            organisation_kind=organisation_kind,
            value=value,
            text=text,
            source=source,
        )

    state(
        StatedFigureKind.PILOT_COST_USD,
        D("8108"),
        pilot=pilots[TRAINING],
        text="RMB 56,800 = USD 8,108",
        source=f"{REPORT}, phase one budget",
    )
    for title, organisation_kind, value in RESOURCE_ROWS:
        state(
            StatedFigureKind.RESOURCE_ROW_USD,
            value,
            pilot=pilots[title],
            organisation_kind=organisation_kind,
            source=f"{REPORT}, §V.3",
        )
    state(StatedFigureKind.OVERALL_MANAGEMENT_USD, D("74949"), source=f"{REPORT}, §V.3")
    state(StatedFigureKind.RESOURCE_TOTAL_USD, D("95187"), source=f"{REPORT}, §V.3")
    for organisation_kind, (value, text) in PARTICIPATION.items():
        state(
            StatedFigureKind.PARTICIPATION_ACTUAL,
            value,
            organisation_kind=organisation_kind,
            text=text,
            source=f"{REPORT}, §V.1",
        )

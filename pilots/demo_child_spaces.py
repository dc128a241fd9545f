"""An illustrative multi-factory pilot after seeds/001's "CCR CSR Factory Child-Friendly
Spaces Pilot Program in China" (launched 2012).

The summary describes the pilot (child-friendly spaces in selected supply-chain factories during
the summer school holiday) and says that retention was compared with the baseline and with
non-participants, but names no factory and gives no figure. Everything countable here is
invented to show how such a pilot runs on the platform: three factories take part (of one,
a single workshop), two are its comparison group, and worker retention is rolled up weighted
by headcount. The programme, the pilot and every figure say that they are illustrative.

Loading is idempotent: a programme of that title already there is left as it is.
"""

from datetime import date
from decimal import Decimal

from csrplatform.accounts.models import User
from metrics import services as metrics_services
from metrics.models import Indicator
from suppliers.models import Facility

from . import services
from .models import Programme

EMAIL = "ccrcsr@example.org"
ILLUSTRATIVE = (
    "Illustrative: seeds/001 describes this pilot but names no factory and gives no figure; "
    "the factories and figures here are invented to show a multi-factory pilot with a "
    "comparison group."
)
TITLE = "Factory Child-Friendly Spaces (illustrative, after seeds/001)"
PILOT_TITLE = "Summer child-friendly spaces 2012 (illustrative)"
INDICATOR = "Worker retention after the summer holiday"
CONTEXT = (
    "More than 60 million children are left behind in China, living without their parents. "
    "Migrant parents have a strong need for childcare support (seeds/001)."
)
OBJECTIVES = (
    "Establish a Factory Child-Friendly Space in each selected supply-chain factory during the "
    "summer school vacation, giving the children of migrant workers a safe, inclusive space to "
    "play and take part in joint parent-child activities.\n\n" + ILLUSTRATIVE
)
SUMMER_2011 = (date(2011, 7, 1), date(2011, 9, 30))
SUMMER_2012 = (date(2012, 7, 1), date(2012, 9, 30))
# (factory, role, joined, headcount, retention 2011, retention 2012): all invented.
SITES = [
    (1, "participant", date(2012, 7, 1), None, "78", "88"),
    (2, "participant", date(2012, 7, 1), None, "81", "90"),
    (3, "participant", date(2012, 7, 1), 600, "75", "84"),  # one workshop of the plant joined
    (4, "comparison", None, None, "77", "80"),
    (5, "comparison", None, None, "80", "82"),
]


def load(organisations) -> bool:
    """Create the programme and its pilot; False if it is already there."""
    if Programme.objects.filter(title=TITLE).exists():
        return False
    actor = User.objects.get(email=EMAIL)
    factories = {
        number: Facility.objects.select_related("supplier").get(
            supplier__organisation=organisations[f"fcfs_factory_{number}"]
        )
        for number in range(1, 6)
    }
    programme = services.programme_save(
        actor=actor,
        title=TITLE,
        facilitator=organisations["ccr_csr"],
        sector="Toys and garments",
        region="Guangdong",
        countries=["CN"],
        start_date=date(2012, 6, 1),
        end_date=date(2012, 10, 31),
        objectives=OBJECTIVES,
    )
    pilot = services.pilot_create(
        actor=actor,
        programme=programme,
        supplier=factories[1].supplier,
        title=PILOT_TITLE,
        pilot_type="other",
        approach="customised_project",
        context=CONTEXT,
        objectives=OBJECTIVES,
        planned_start=SUMMER_2012[0],
        planned_end=SUMMER_2012[1],
        outcomes=(
            "Fewer concerns about the safety of children at the centres; the more teachers "
            "worked at a space, the less worried and the more satisfied parents were "
            "(seeds/001). " + ILLUSTRATIVE
        ),
        effective_on=date(2012, 6, 1),
    )
    for number, role, joined_on, headcount, _before, _after in SITES:
        services.site_save(
            actor=actor,
            pilot=pilot,
            supplier=factories[number].supplier,
            facility=factories[number],
            role=role,
            joined_on=joined_on,
            headcount=headcount,
            note="Illustrative factory.",
        )
    retention = Indicator.objects.filter(name=INDICATOR).first() or (
        metrics_services.indicator_save(
            actor=actor,
            name=INDICATOR,
            unit="%",
            better="higher",
            rollup="weighted",
            description="Share of workers still employed a month after the summer holiday.",
        )
    )
    metrics_services.pilot_indicator_save(actor=actor, pilot=pilot, indicator=retention)
    for number, _role, _joined, _headcount, before, after in SITES:
        for kind, (start, end), value in (
            ("baseline", SUMMER_2011, before),
            ("actual", SUMMER_2012, after),
        ):
            metrics_services.observation_save(
                actor=actor,
                indicator=retention,
                supplier=factories[number].supplier,
                facility=factories[number],
                pilot=pilot,
                value=Decimal(value),
                kind=kind,
                source="self_reported",
                period_start=start,
                period_end=end,
                note="Illustrative figure, invented.",
            )
    return True

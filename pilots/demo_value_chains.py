"""The seeds/004 programme: the ILO's "Building Responsible Value Chains in Asia", as its final
evaluation gives it.

What the report states is recorded as stated, and where it gives a total without the rows
behind it, no rows are invented: the budget use (almost 88%) is a stated figure with no
spending rows, the share of indicators met (12 of 14, 86%) a stated figure beside a progress
report with no judgements recorded, so the pages say that no rows back them.

Loading is idempotent: a programme of that title already there is left as it is.
"""

from datetime import date
from decimal import Decimal

from csrplatform.accounts.models import User
from metrics import services as metrics_services
from metrics.choices import StatedFigureKind
from metrics.currencies import ensure_currencies

from . import services
from .models import Programme

EMAIL = "ilo@example.org"
REPORT = "seeds/004, independent final evaluation (2024)"
TITLE = (
    "Building Responsible Value Chains in Asia through the Promotion of Decent Work in "
    "Business Operations"
)
OBJECTIVES = (
    "Improve working conditions and the well-being of workers, and support firms in the "
    "specified sectors to improve productivity and responsible business practices that sustain "
    "these gains. Designed as a two-year project from 1 April 2022; a three-month no-cost "
    "extension for Bangladesh and Japan moved the end to 30 June 2024.\n\n"
    "Evaluated against the OECD/DAC criteria: relevance, coherence, effectiveness (quite "
    "satisfactory), efficiency of resource usage (satisfactory), management arrangements, "
    "impact orientation, sustainability, and cross-cutting issues (gender equality, social "
    "dialogue, environment).\n\n"
    "Recommendations include: put the programme further on the map with a high-level "
    "sustainability workshop in Japan; enhance regional cross-country sharing; reach tier 2 and "
    "3 enterprises and SMEs; a gender equality strategy with dedicated resources from the "
    "design stage; enhanced engagement of trade unions; management matched to the volume of "
    "work; multi-stakeholder workshops; continue the electronics pilot in Viet Nam."
)


def load(organisations) -> bool:
    """Create the programme with what the report states; False if it is already there."""
    if Programme.objects.filter(title=TITLE).exists():
        return False
    actor = User.objects.get(email=EMAIL)
    usd = ensure_currencies(("USD",))["USD"]
    programme = services.programme_save(
        actor=actor,
        title=TITLE,
        facilitator=organisations["ilo"],
        sponsors=[organisations["meti"]],
        sector="Garments, electronics",
        region="Asia",
        countries=["BD", "KH", "VN", "JP"],
        start_date=date(2022, 4, 1),
        end_date=date(2024, 6, 30),
        objectives=OBJECTIVES,
        stated_budget_use_pct=Decimal("88"),
        stated_budget_source=(
            f"{REPORT}: expenditures until mid-April 2024 amounted to almost 88% of the budget"
        ),
    )
    services.funding_save(
        actor=actor,
        programme=programme,
        donor=organisations["meti"],
        amount=Decimal("6800000"),
        currency=usd,
        on_date=date(2022, 4, 1),
        note=f"{REPORT}: USD 6.8 million",
    )
    services.people_reached_save(
        actor=actor,
        programme=programme,
        what="interviewed",
        total=151,
        women=69,
        note=f"{REPORT}: the evaluation interviewed 151 persons (69 female)",
    )
    metrics_services.progress_report_save(
        actor=actor,
        programme=programme,
        date=date(2023, 12, 31),
        title="Progress report as per 31 December 2023",
        notes="The evaluation quotes its self-assessment; its judgements are not in the report.",
    )
    metrics_services.stated_figure_save(
        actor=actor,
        programme=programme,
        kind=StatedFigureKind.SHARE_INDICATORS_MET,
        value=Decimal("86"),
        text="12 out of 14 indicators fully/mostly met (86%)",
        source=f"{REPORT}, quoting the progress report as per 31 December 2023",
    )
    return True

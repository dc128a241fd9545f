"""What each report says: the template context of every kind, read as the requester may see it.

Everything here starts from querysets scoped by `csrplatform.access.scope` (or the figure
functions of metrics/ and the selectors of pilots/, which scope what they read themselves), so
two requesters with different scopes get different content: a customer's pilot summary leaves
out facilitator-only documents, and its programme summary the pilots it does not take part in.
Nothing is cached between requesters.

The figures are computed by the functions the pages use (metrics.figures, pilots.budget,
pilots.selectors); the tables the programme dashboard and results pages show are built by the
same table builders, so a report never says something the pages do not.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.models import CorrectiveAction, Finding
from audits.selectors import BOARD_COLUMNS, board_column_conditions
from csrplatform import access
from metrics import charts, figures, money
from metrics.exports import Cell, Table, amount, usd
from metrics.views import (
    _framework_table,
    _kpi_chart,
    _left_out_table,
    _participation_table,
    _pilots_table,
    _resource_table,
    _shares_table,
    _totals_table,
)
from pilots import budget
from pilots.choices import InvitationStatus, PilotStatus
from pilots.models import (
    BudgetLine,
    Pilot,
    PilotParticipant,
    Programme,
    ProgrammeFunding,
    Spending,
)
from pilots.selectors import pilot_story
from suppliers.choices import OrganisationKind
from suppliers.models import Organisation, SupplyRelationship

# --- narrative text ------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*[-•*]\s+")


@dataclass(frozen=True)
class Block:
    """A paragraph (`text`) or a bulleted list (`items`) of a narrative field."""

    text: str = ""
    items: tuple[str, ...] = ()


def narrative(text: str) -> list[Block]:
    """A narrative field as blocks: paragraphs split on blank lines, "- " lines as bullets
    (the demo and the forms write lists that way). Plain strings: the template escapes them."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        paragraph: list[str] = []
        items: list[str] = []
        for line in lines:
            if _BULLET.match(line):
                if paragraph:
                    blocks.append(Block(text=" ".join(paragraph)))
                    paragraph = []
                items.append(_BULLET.sub("", line).strip())
            elif items and line.startswith((" ", "\t")):
                items[-1] += " " + line.strip()  # a bullet wrapped onto the next line
            else:
                if items:
                    blocks.append(Block(items=tuple(items)))
                    items = []
                paragraph.append(line.strip())
        if paragraph:
            blocks.append(Block(text=" ".join(paragraph)))
        if items:
            blocks.append(Block(items=tuple(items)))
    return blocks


# --- one pilot ------------------------------------------------------------------------------------


@dataclass
class KpiView:
    """One row of a pilot's KPI table, with its chart."""

    row: figures.KpiRow
    chart: str
    baseline: str
    latest: str
    change: str
    pct_change: str
    target: str


def _number(value, places=2) -> str:
    return charts.number_text(value, places) if value is not None else "—"


def _kpi_views(user, pilot) -> list[KpiView]:
    views = []
    for row in figures.pilot_kpis(user, pilot):
        views.append(
            KpiView(
                row=row,
                chart=_kpi_chart(row),
                baseline=_number(row.baseline.value if row.baseline else None),
                latest=_number(row.latest.value if row.latest else None),
                change=_number(row.change),
                pct_change=_number(row.pct_change, 1),
                target=_number(row.target.value if row.target else None),
            )
        )
    return views


@dataclass
class FindingView:
    finding: Finding
    led_to_pilot: bool  # the pilot started from it; otherwise the pilot's own assessment found it
    actions: list


def _findings(user, pilot) -> list[FindingView]:
    """The audit findings that led to the pilot (it started from them) and those its own
    assessments found, each with the corrective actions the user may see."""
    actions = CorrectiveAction.objects.visible_to(user).select_related("owner")
    # The ids first, by the two link tables: an OR across both joins read every finding.
    ids = (
        Finding.pilots.through.objects.filter(pilot=pilot)
        .values("finding_id")
        .union(Finding.objects.filter(audit__pilots=pilot).values("id"))
    )
    rows = (
        Finding.objects.visible_to(user)
        .filter(pk__in=ids)
        .select_related("audit__facility", "audit__standard", "audit__commissioned_by")
        .prefetch_related(
            Prefetch("corrective_actions", queryset=actions),
            Prefetch("pilots", queryset=Pilot.objects.filter(pk=pilot.pk), to_attr="led_pilots"),
        )
        .order_by("audit__start_date", "id")
    )
    return [
        FindingView(row, bool(row.led_pilots), list(row.corrective_actions.all())) for row in rows
    ]


@dataclass(frozen=True)
class MoneyRow:
    """A cost line or a benefit, with its original amount and its USD as the report writes
    them (the rounding rule of metrics.money)."""

    item: object  # CostItem or Benefit
    amount: str
    usd: str
    error: str = ""
    #: who bore a cost, if the user may see that organisation (never `item.borne_by` as is)
    bearer: Organisation | None = None


def _money_row(item, converted, error="", bearer=None) -> MoneyRow:
    return MoneyRow(
        item=item,
        amount=amount(item.amount).display if item.amount is not None else "",
        usd=usd(converted.usd_exact).display if converted is not None else "",
        error=error,
        bearer=bearer,
    )


def _cost_row(line: figures.CostLine) -> MoneyRow:
    return _money_row(line.item, line.converted, line.error, line.bearer)


@dataclass
class CostView:
    """A pilot's cost-benefit analysis as the report writes it."""

    result: figures.CostBenefit
    hard: list[MoneyRow]
    soft: list[MoneyRow]
    expected: list[MoneyRow]
    received: list[MoneyRow]
    totals: Table  # per currency and rate, and the USD total (the metrics page's table)
    estimated_usd: str
    estimated_by_currency: list[tuple[str, str]]
    rates: list[str]

    @property
    def has_costs(self) -> bool:
        return bool(self.hard or self.soft)

    @property
    def total_converted(self) -> bool:
        """Whether the actual total sums another currency than USD (then it is shown as
        originals = USD)."""
        total = self.result.total
        return total is not None and any(c != money.USD for c in total.by_currency)

    @property
    def estimated_converted(self) -> bool:
        return any(currency != money.USD for currency, _text in self.estimated_by_currency)


def _cost_view(user, pilot) -> CostView:
    result = figures.pilot_cost_benefit(user, pilot)
    estimated = result.estimated_total
    return CostView(
        result=result,
        hard=[_cost_row(line) for line in result.hard],
        soft=[_cost_row(line) for line in result.soft],
        expected=[_money_row(benefit, converted) for benefit, converted in result.expected],
        received=[_money_row(benefit, converted) for benefit, converted in result.received],
        totals=_totals_table(result),
        estimated_usd=usd(estimated.usd_exact).display if estimated else "",
        estimated_by_currency=[
            (currency, amount(summed).display)
            for currency, summed in sorted((estimated.by_currency if estimated else {}).items())
        ],
        rates=[rate.describe(currency) for currency, rate in result.rates],
    )


def pilot_section(user, pilot: Pilot) -> dict:
    """Everything one pilot's summary shows, as `user` may see it (the pilot itself must
    already come from a scoped queryset)."""
    story = pilot_story(pilot, user)
    for view in story["phases"]:
        view.objective_blocks = narrative(view.phase.objectives)
    return {
        "pilot": pilot,
        "anchor": f"pilot-{pilot.pk}",
        "participants": [p for p in story["participants"] if p.is_active],
        "declined": [p for p in story["participants"] if not p.is_active],
        "phases": story["phases"],
        "activities": story["activities"],
        "person_days": story["person_days"],
        "deliverables": story["deliverables"],
        "scope_changes": story["scope_changes"],
        "history": story["history"],
        "documents": story["documents"],
        "findings": _findings(user, pilot),
        "kpis": _kpi_views(user, pilot),
        "costs": _cost_view(user, pilot),
        "text": {
            name: narrative(getattr(pilot, name))
            for name in (
                "context",
                "objectives",
                "success_factors",
                "challenges",
                "outcomes",
                "capability_improvements",
                "participation_outcomes",
                "implications",
                "objectives_achievement_why",
                "long_term_change",
                "continuation",
            )
        },
    }


def pilot_queryset():
    return Pilot.objects.select_related(
        "programme__facilitator", "supplier__organisation"
    ).prefetch_related("programme__sponsors")


def pilot_summary(user, subject_id, progress) -> dict:
    pilot = access.get_or_404(pilot_queryset().visible_to(user), pk=subject_id)
    progress(20)
    section = pilot_section(user, pilot)
    progress(60)
    return {
        "title": pilot.title,
        "subtitle": _("Pilot summary"),
        "programme": pilot.programme,
        "section": section,
    }


# --- a programme ----------------------------------------------------------------------------------


def _visible_rows(user, model, programme, *related):
    rows = model.objects.visible_to(user).filter(programme=programme)
    return list(rows.select_related(*related) if related else rows)


def _budget_use(user, programme) -> budget.BudgetUse | None:
    """The programme's budget use from the rows the user sees; None when it has no budget."""
    lines = _visible_rows(user, BudgetLine, programme)
    if not lines:
        return None
    return budget.budget_use(
        programme,
        lines=lines,
        spendings=_visible_rows(user, Spending, programme, "budget_line"),
        fundings=_visible_rows(user, ProgrammeFunding, programme, "donor"),
    )


# A programme may run hundreds of pilots: the report details the first PILOTS_DETAILED (each
# pilot's own summary has the rest) and its tables stop at ROWS_LISTED rows, saying so; the
# totals always cover everything. WeasyPrint's documentation names page-long tables as its
# slow path.
PILOTS_DETAILED = 50
ROWS_LISTED = 200
NAMES_LISTED = 30


def _first_rows(table: Table, most: int = ROWS_LISTED) -> int:
    """Keep the first `most` rows of `table` (its footer stays); how many were left out."""
    left_out = max(len(table.rows) - most, 0)
    del table.rows[most:]
    return left_out


def _first_names(table: Table, column: int, most: int = NAMES_LISTED) -> None:
    """Shorten a cell listing names ("A; B; C") to its first `most` names."""
    for row in table.rows:
        names = row[column].display.split("; ")
        if len(names) > most:
            row[column] = Cell(
                None,
                "; ".join(names[:most])
                + " "
                + _("and %(count)d more") % {"count": len(names) - most},
            )


def programme_summary(user, subject_id, progress, *, detail: bool = True) -> dict:
    """The programme summary's context. With `detail=False` its `sections` hold only each
    detailed pilot and anchor (for the contents): reports.render lays the pilots out apart,
    calling `pilot_sections` in other processes."""
    programme = access.get_or_404(
        Programme.objects.visible_to(user).select_related("facilitator"), pk=subject_id
    )
    pilots = list(pilot_queryset().visible_to(user).filter(programme=programme).order_by("id"))
    analysis = figures.resource_analysis(user, programme)
    participation = figures.stakeholder_participation(user, programme)
    reach = figures.cost_per_reach(user, programme)
    framework = figures.results_framework(user, programme)
    cost_by_pilot = {row.pilots[0].pk: row.usd for row in reach["by_pilot"]}
    progress(25)
    statuses = Counter(pilot.status for pilot in pilots)
    status_labels = [str(label) for value, label in PilotStatus.choices if statuses.get(value)]
    status_counts = [statuses[value] for value, _label in PilotStatus.choices if statuses[value]]
    chart_costs = (
        charts.bar_chart(
            chart_id="report-chart-cost-per-pilot",
            title=_("Cost per pilot (USD)"),
            desc="; ".join(
                f"{pilot.title}: {charts.number_text(cost_by_pilot.get(pilot.pk), 0)}"
                for pilot in pilots
            ),
            labels=[pilot.title for pilot in pilots],
            values=[money.round_usd(cost_by_pilot.get(pilot.pk)) for pilot in pilots],
            unit=_("USD"),
        )
        if pilots
        else None
    )
    chart_status = (
        charts.bar_chart(
            chart_id="report-chart-pilot-status",
            title=_("Pilots by status"),
            desc="; ".join(
                f"{label}: {count}"
                for label, count in zip(status_labels, status_counts, strict=True)
            ),
            labels=status_labels,
            values=status_counts,
            unit=_("Pilots"),
        )
        if pilots
        else None
    )
    sections = []
    detailed = pilots[:PILOTS_DETAILED]
    for index, pilot in enumerate(detailed):
        if detail:
            sections.append(pilot_section(user, pilot))
            progress(30 + 40 * (index + 1) // len(detailed))
        else:
            sections.append({"pilot": pilot, "anchor": f"pilot-{pilot.pk}"})
    sponsors = access.scope(user, programme.sponsors.all()).order_by("name")
    overview = _pilots_table(pilots, cost_by_pilot)
    resources = _resource_table(analysis)
    participation_table = _participation_table(participation)
    _first_names(participation_table, column=len(participation_table.columns) - 1)
    return {
        "title": programme.title,
        "subtitle": _("Programme summary"),
        "programme": programme,
        "sponsors": list(sponsors),
        "pilots": pilots,
        "overview": overview,
        "overview_left_out": _first_rows(overview),
        "participation": participation_table,
        "analysis": analysis,
        "resources": resources,
        "resources_left_out": _first_rows(resources),
        "pilots_not_detailed": len(pilots) - len(detailed),
        "left_out": _left_out_table(analysis),
        "framework": framework if framework.items or framework.reports else None,
        "framework_table": _framework_table(framework),
        "shares_table": _shares_table(framework),
        "budget_use": _budget_use(user, programme),
        "chart_costs": chart_costs,
        "chart_status": chart_status,
        "sections": sections,
    }


def pilot_sections(user, pilot_ids) -> list[dict]:
    """The sections of the pilots `pilot_ids` that `user` sees, in that order (a part of a
    programme summary laid out apart)."""
    pilots = pilot_queryset().visible_to(user).in_bulk(pilot_ids)
    return [pilot_section(user, pilots[pk]) for pk in pilot_ids if pk in pilots]


# --- a customer's suppliers -----------------------------------------------------------------------


def customers_for(user):
    """The customer organisations whose supplier-progress report `user` may ask for: its own,
    and, for a facilitator, the customers taking part in the programmes it facilitates (every
    customer for a superuser). Anyone else: none (404, as for a missing one)."""
    actor = access.actor_for(user)
    customers = Organisation.objects.filter(kind=OrganisationKind.CUSTOMER)
    if not actor.is_authenticated:
        return customers.none()
    if actor.is_superuser:
        return customers
    in_programmes = PilotParticipant.objects.filter(
        pilot__programme__facilitator_id__in=actor.orgs_of_kind("facilitator"),
        invitation_status__in=(InvitationStatus.INVITED, InvitationStatus.ACCEPTED),
    ).values("organisation_id")
    return customers.filter(Q(pk__in=actor.customer_ids) | Q(pk__in=in_programmes))


# A customer may buy from thousands of suppliers: the report lists the most pressing first
# (overdue, then open, then waiting for verification) and details the first of them; each
# detailed column lists its soonest actions. The counts always cover all of them.
SUPPLIERS_LISTED = 200
SUPPLIERS_DETAILED = 50
ACTIONS_LISTED = 25


@dataclass
class ActionColumn:
    key: str
    label: str
    count: int
    actions: list = field(default_factory=list)  # the first ACTIONS_LISTED

    @property
    def more(self) -> int:
        return self.count - len(self.actions)


@dataclass
class SupplierProgress:
    relationship: SupplyRelationship
    counts: dict[str, int]
    pilot_count: int
    columns: list[ActionColumn] = field(default_factory=list)
    kpis: list[tuple[Pilot, list[KpiView]]] = field(default_factory=list)

    @property
    def supplier(self):
        return self.relationship.supplier

    @property
    def count_cells(self) -> list[tuple[str, int]]:
        return [(key, self.counts.get(key, 0)) for key, _label in BOARD_COLUMNS]

    @property
    def action_count(self) -> int:
        return sum(self.counts.values())

    @property
    def urgency(self) -> tuple:
        counts = self.counts
        return (-counts.get("overdue", 0), -counts.get("open", 0), -counts.get("submitted", 0))


def customer_actions(user, customer):
    """The corrective actions of the audits `customer` commissioned or that were shared with
    it (and not withdrawn), as `user` may see them."""
    from audits.models import AuditShare

    shared = AuditShare.objects.filter(customer=customer, withdrawn_at__isnull=True)
    return CorrectiveAction.objects.visible_to(user).filter(
        Q(finding__audit__commissioned_by=customer)
        | Q(finding__audit__in=shared.values("audit_id"))
    )


def supplier_progress(user, subject_id, progress) -> dict:
    """For one customer, each of its suppliers: the corrective actions of the audits the
    customer commissioned or that were shared with it (open, overdue, waiting for
    verification, verified), the pilots the supplier and the customer take part in, and their
    KPIs against baseline; all of it as the requester may see it."""
    customer = access.get_or_404(customers_for(user), pk=subject_id)
    today = timezone.localdate()
    conditions = board_column_conditions(today)
    relationships = access.scope(user, SupplyRelationship.objects.filter(customer=customer))
    actions = customer_actions(user, customer).filter(
        finding__audit__facility__supplier_id__in=relationships.values("supplier_id")
    )
    counts = {
        row.pop("finding__audit__facility__supplier_id"): row
        for row in actions.values("finding__audit__facility__supplier_id")
        .annotate(**{key: Count("pk", filter=condition) for key, condition in conditions.items()})
        .order_by()
    }
    customer_pilots = PilotParticipant.objects.filter(
        organisation=customer,
        invitation_status__in=(InvitationStatus.INVITED, InvitationStatus.ACCEPTED),
    ).values("pilot_id")
    pilots = pilot_queryset().visible_to(user).filter(pk__in=customer_pilots)
    pilot_counts = dict(
        pilots.values("supplier_id").annotate(count=Count("pk")).values_list("supplier_id", "count")
    )
    rows = [
        SupplierProgress(
            relationship=relationship,
            counts=counts.get(relationship.supplier_id, {}),
            pilot_count=pilot_counts.get(relationship.supplier_id, 0),
        )
        for relationship in relationships.select_related("supplier__organisation")
    ]
    rows.sort(
        key=lambda row: (row.urgency, row.relationship.tier, row.supplier.organisation.name.lower())
    )
    progress(20)
    detailed = rows[:SUPPLIERS_DETAILED]
    for index, row in enumerate(detailed):
        own = actions.filter(finding__audit__facility__supplier_id=row.relationship.supplier_id)
        row.columns = [
            ActionColumn(
                key=key,
                label=str(label),
                count=row.counts.get(key, 0),
                actions=list(
                    own.filter(conditions[key])
                    .select_related("finding__audit__facility")
                    .order_by("due_date", "id")[:ACTIONS_LISTED]
                )
                if row.counts.get(key)
                else [],
            )
            for key, label in BOARD_COLUMNS
        ]
        row.kpis = [
            (pilot, _kpi_views(user, pilot))
            for pilot in pilots.filter(supplier_id=row.relationship.supplier_id).order_by("id")
        ]
        progress(20 + 50 * (index + 1) // len(detailed))
    return {
        "title": customer.name,
        "subtitle": _("Supplier progress"),
        "customer": customer,
        "suppliers": rows[:SUPPLIERS_LISTED],
        "supplier_count": len(rows),
        "detailed": detailed,
        "columns": [str(label) for _key, label in BOARD_COLUMNS],
        "today": today,
    }


BUILDERS = {
    "pilot_summary": pilot_summary,
    "programme_summary": programme_summary,
    "supplier_progress": supplier_progress,
}

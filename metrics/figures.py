"""Derived figures: a pilot's KPI table and cost-benefit figures, and the programme tables
(resource analysis, stakeholder participation, cost per supplier and per worker reached).

Everything here is computed from rows the caller may see (each function scopes what it reads),
never typed in. Where a source states a figure, it is returned beside the computed one with
the difference (`Compared`).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, Q, Sum, Value, When

from csrplatform import access
from pilots.choices import InvitationStatus, SiteRole
from pilots.models import Pilot, PilotParticipant, PilotSite
from suppliers.models import Organisation

from . import money
from .choices import (
    RATINGS_COUNTED_MET,
    Better,
    Certainty,
    CostNature,
    IndicatorKind,
    ObservationKind,
    Rating,
    Rollup,
    StatedFigureKind,
)
from .models import (
    Benefit,
    CostItem,
    Judgement,
    Observation,
    PilotIndicator,
    ProgressReport,
    ResultIndicator,
    ResultItem,
    StatedFigure,
)

PCT_STEP = Decimal("0.1")


@dataclass(frozen=True)
class Compared:
    """A computed figure, and the figure a source states for it, if any."""

    computed: Decimal | None
    stated: Decimal | None = None
    stated_text: str = ""
    source: str = ""

    @property
    def difference(self) -> Decimal | None:
        return money.difference(self.stated, self.computed)

    @property
    def differs(self) -> bool:
        return self.difference not in (None, Decimal(0))


# --- KPIs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    period_start: date
    period_end: date
    value: Decimal
    confirmed: bool
    count: int = 1  # observations rolled up into it
    weights_missing: bool = False  # a headcount-weighted mean fell back to the plain mean


def _rollup(rows: list[tuple[Decimal, int | None]], rule: str) -> tuple[Decimal, bool]:
    """Values (with their headcounts) rolled up by the indicator's rule, and whether a
    weighted mean lacked a headcount and fell back to the plain mean."""
    values = [value for value, _weight in rows]
    if rule == Rollup.WEIGHTED:
        weights = [weight for _value, weight in rows]
        if all(weights):
            total = sum(weights)
            return sum((v * w for v, w in rows), Decimal(0)) / total, False
        return sum(values, Decimal(0)) / len(values), True
    if rule == Rollup.MEAN:
        return sum(values, Decimal(0)) / len(values), False
    return sum(values, Decimal(0)), False


PARTICIPANTS, COMPARISON = SiteRole.PARTICIPANT, SiteRole.COMPARISON


class SiteRoles:
    """Which of a pilot's figures count for its participants and which for its comparison
    group, and with what headcount.

    A figure belongs to the site of its facility, else to the site of its supplier as a whole.
    A pilot that names none of its own supplier's sites covers that supplier: its figures count
    as the participants'. Any other figure belongs to no site (and is refused when recorded).
    A site's actual figures count for periods wholly within its participation; its baseline
    for a period that began before it joined.
    """

    def __init__(self, pilot_supplier_id: int, sites: list[PilotSite]):
        self.by_facility = {site.facility_id: site for site in sites if site.facility_id}
        self.by_supplier = {site.supplier_id: site for site in sites if not site.facility_id}
        self.pilot_supplier_id = pilot_supplier_id
        # Naming one of its own supplier's facilities as the comparison does not stop the
        # pilot covering the rest of that supplier.
        self.lead_is_named = any(
            site.supplier_id == pilot_supplier_id and site.role == PARTICIPANTS for site in sites
        )
        self.has_comparison = any(site.role == COMPARISON for site in sites)

    def site_of(self, row) -> PilotSite | None:
        return self.by_facility.get(row.facility_id) or self.by_supplier.get(row.supplier_id)

    def is_placed(self, row) -> bool:
        """Whether a figure belongs to one of the pilot's sites (or its own supplier, when
        the pilot names none of its sites), whatever its period."""
        if self.site_of(row) is not None:
            return True
        return row.supplier_id == self.pilot_supplier_id and not self.lead_is_named

    def place(self, row: Observation) -> tuple[str | None, int | None]:
        """The role a figure counts in (None: left out) and its headcount."""
        site = self.site_of(row)
        facility_workers = row.facility.workers if row.facility_id else None
        if site is None:
            if self.is_placed(row):
                return PARTICIPANTS, facility_workers
            return None, None
        baseline = row.kind == ObservationKind.BASELINE
        if row.kind != ObservationKind.TARGET and not site.covers(
            row.period_start, row.period_end, baseline=baseline
        ):
            return None, None
        return site.role, site.headcount or facility_workers or site.weight


def _points(observations, indicator, roles: SiteRoles | None = None, role=PARTICIPANTS, rule=None):
    """Observations of one indicator from the sites in `role`, rolled up per kind and period
    by the indicator's rule (totals only; breakdowns by sex or contract are shown apart),
    oldest first."""
    grouped: dict[tuple, list] = defaultdict(list)
    for row in observations:
        if row.is_breakdown:
            continue
        placed, weight = roles.place(row) if roles else (PARTICIPANTS, None)
        if placed != role:
            continue
        grouped[(row.kind, row.period_start, row.period_end)].append((row, weight))
    points: dict[str, list[Point]] = defaultdict(list)
    for (kind, start, end), rows in sorted(grouped.items(), key=lambda item: item[0][2]):
        value, weights_missing = _rollup(
            [(row.value, weight) for row, weight in rows], rule or indicator.rollup
        )
        points[kind].append(
            Point(
                start,
                end,
                value,
                confirmed=all(row.status == "confirmed" for row, _weight in rows),
                count=len(rows),
                weights_missing=weights_missing,
            )
        )
    return points


def _rate_points(numerators: dict, denominators: dict, per: int) -> dict[str, list[Point]]:
    """A rate per kind and period wherever both counts exist for the same period."""
    points: dict[str, list[Point]] = defaultdict(list)
    for kind, counted in numerators.items():
        by_period = {(p.period_start, p.period_end): p for p in denominators.get(kind, [])}
        for point in counted:
            base = by_period.get((point.period_start, point.period_end))
            if base is None or not base.value:
                continue
            points[kind].append(
                Point(
                    point.period_start,
                    point.period_end,
                    point.value / base.value * per,
                    confirmed=point.confirmed and base.confirmed,
                    count=point.count,
                )
            )
    return points


@dataclass
class KpiRow:
    tracked: PilotIndicator
    baseline: Point | None
    latest: Point | None
    target: Point | None
    target_is_derived: bool
    actuals: list[Point]
    breakdowns: list[Observation] = field(default_factory=list)
    computed_from_counts: bool = False
    savings: money.Converted | None = None
    # The comparison group's figures for the same periods as the baseline and the latest.
    has_comparison: bool = False
    comparison_baseline: Point | None = None
    comparison_latest: Point | None = None

    @property
    def indicator(self):
        return self.tracked.indicator

    @property
    def rollup(self) -> str:
        return self.indicator.rollup

    @property
    def comparison_change(self) -> Decimal | None:
        if self.comparison_baseline is None or self.comparison_latest is None:
            return None
        return self.comparison_latest.value - self.comparison_baseline.value

    @property
    def versus_comparison(self) -> Decimal | None:
        """The participants' latest figure less the comparison group's, same period."""
        if self.latest is None or self.comparison_latest is None or not self.comparable:
            return None
        return self.latest.value - self.comparison_latest.value

    @property
    def change_beyond_comparison(self) -> Decimal | None:
        """How much more the participants changed than the comparison group over the same
        periods (a difference in differences)."""
        if self.change is None or self.comparison_change is None or not self.comparable:
            return None
        return self.change - self.comparison_change

    @property
    def comparable(self) -> bool:
        """Whether the participants' figures compare with the comparison group's: means and
        rates do; totals of groups of different sizes do not."""
        return self.indicator.rollup != Rollup.SUM or self.indicator.kind == IndicatorKind.RATE

    @property
    def sites_differ(self) -> bool:
        """The baseline and the latest figure roll up different numbers of sites, so their
        change is partly who reported."""
        if self.baseline is None or self.latest is None:
            return False
        return self.baseline.count != self.latest.count

    @property
    def missing_baseline(self) -> bool:
        return self.baseline is None

    @property
    def change(self) -> Decimal | None:
        if self.baseline is None or self.latest is None:
            return None
        return self.latest.value - self.baseline.value

    @property
    def pct_change(self) -> Decimal | None:
        if self.change is None or not self.baseline.value:
            return None
        return (self.change / self.baseline.value * 100).quantize(PCT_STEP, ROUND_HALF_UP)

    @property
    def improved(self) -> bool | None:
        if not self.change:
            return None
        return (self.change < 0) == (self.indicator.better == Better.LOWER)

    @property
    def target_gap(self) -> Decimal | None:
        """How far the latest figure still is from the target (0 or less: reached)."""
        if self.target is None or self.latest is None:
            return None
        gap = self.latest.value - self.target.value
        return gap if self.indicator.better == Better.LOWER else -gap

    @property
    def projected_reduction(self) -> Decimal | None:
        """How much better the target is than the baseline; None when it is not better."""
        if self.baseline is None or self.target is None:
            return None
        better = self.baseline.value - self.target.value
        if self.indicator.better == Better.HIGHER:
            better = -better
        return better if better > 0 else None

    @property
    def projected_savings(self) -> Decimal | None:
        """Reduction × unit cost: 131 injuries × 50% × RMB 3,000 = RMB 196,500."""
        if self.projected_reduction is None or self.tracked.unit_cost is None:
            return None
        return self.projected_reduction * self.tracked.unit_cost


def pilot_kpis(user, pilot, *, rates: money.RateTable | None = None) -> list[KpiRow]:
    """The KPI table of a pilot, from the observations the user may see (three queries)."""
    return _kpi_rows(user, PilotIndicator.objects.filter(pilot=pilot), pilot.programme, rates)


PROGRAMME_KPIS_SHOWN = 50


def programme_kpis(
    user, programme, *, shown: int = PROGRAMME_KPIS_SHOWN
) -> tuple[list[KpiRow], int]:
    """The KPI rows of the programme's pilots the user sees, the first `shown` (each pilot's
    page has the rest), and how many there are in all. Their figures are read and rolled up
    in Python: the time grows with `shown` (about 7 ms a row at issue 13's scale)."""
    tracked = access.scope(
        user, PilotIndicator.objects.filter(pilot__programme=programme)
    ).order_by("pilot__title", "pilot_id", "indicator__name")
    first = list(tracked.values_list("pk", flat=True)[:shown])
    rows = _kpi_rows(user, PilotIndicator.objects.filter(pk__in=first), programme)
    order = {pk: index for index, pk in enumerate(first)}
    return sorted(rows, key=lambda row: order[row.tracked.pk]), tracked.count()


def _kpi_rows(user, tracked_queryset, programme, rates=None) -> list[KpiRow]:
    tracked = list(
        access.scope(user, tracked_queryset).select_related(
            "pilot", "indicator", "unit_cost_currency"
        )
    )
    indicator_ids, pilot_ids = set(), set()
    for row in tracked:
        indicator = row.indicator
        indicator_ids |= {indicator.pk, indicator.numerator_id, indicator.denominator_id}
        pilot_ids.add(row.pilot_id)
    indicator_ids.discard(None)
    by_indicator: dict[tuple, list[Observation]] = defaultdict(list)
    observations = (
        access.scope(
            user,
            Observation.objects.filter(
                pilot_id__in=pilot_ids, indicator_id__in=indicator_ids
            ).counted(),
        )
        .select_related("facility")
        .order_by("period_end", "id")
    )
    for row in observations:
        by_indicator[(row.pilot_id, row.indicator_id)].append(row)
    # Sites only place the figures the user may see; they are not shown from here.
    sites: dict[int, list[PilotSite]] = defaultdict(list)
    for site in PilotSite.objects.filter(pilot_id__in=pilot_ids).select_related("facility"):
        sites[site.pilot_id].append(site)
    roles = {row.pilot_id: SiteRoles(row.pilot.supplier_id, sites[row.pilot_id]) for row in tracked}
    facilitator_id = programme.facilitator_id
    rates = rates or money.RateTable([facilitator_id])
    return [
        _kpi_row(
            row,
            {key[1]: rows for key, rows in by_indicator.items() if key[0] == row.pilot_id},
            rates,
            facilitator_id,
            roles[row.pilot_id],
        )
        for row in tracked
    ]


def _series(by_indicator, indicator, roles, role) -> tuple[dict[str, list[Point]], bool]:
    """One role's points per kind; a rate without figures of its own is computed from its two
    counts, period by period (and says so)."""
    points = _points(by_indicator.get(indicator.pk, []), indicator, roles, role)
    from_counts = False
    if indicator.kind == IndicatorKind.RATE and not points.get(ObservationKind.ACTUAL):
        # A rate over several sites is the pooled rate: their counts summed, whatever rule
        # rolls up the rate's own figures.
        numerators = _points(
            by_indicator.get(indicator.numerator_id, []), indicator, roles, role, Rollup.SUM
        )
        denominators = _points(
            by_indicator.get(indicator.denominator_id, []), indicator, roles, role, Rollup.SUM
        )
        computed = _rate_points(numerators, denominators, indicator.per or 1)
        for kind, values in computed.items():
            if not points.get(kind):
                points[kind] = values
                from_counts = True
    return points, from_counts


def _same_period(points: list[Point], point: Point | None) -> Point | None:
    if point is None:
        return None
    for candidate in points:
        if (candidate.period_start, candidate.period_end) == (point.period_start, point.period_end):
            return candidate
    return None


def _kpi_row(tracked, by_indicator, rates, facilitator_id, roles) -> KpiRow:
    indicator = tracked.indicator
    own = by_indicator.get(indicator.pk, [])
    points, from_counts = _series(by_indicator, indicator, roles, PARTICIPANTS)
    baselines = points.get(ObservationKind.BASELINE, [])
    actuals = points.get(ObservationKind.ACTUAL, [])
    targets = points.get(ObservationKind.TARGET, [])
    baseline = baselines[0] if baselines else None
    target, derived = (targets[-1], False) if targets else (None, False)
    if target is None and baseline is not None and tracked.target_change_pct is not None:
        value = baseline.value * (1 + tracked.target_change_pct / 100)
        target, derived = (
            Point(baseline.period_start, baseline.period_end, value, baseline.confirmed),
            True,
        )
    row = KpiRow(
        tracked=tracked,
        baseline=baseline,
        latest=actuals[-1] if actuals else None,
        target=target,
        target_is_derived=derived,
        actuals=actuals,
        breakdowns=[obs for obs in own if obs.is_breakdown and roles.place(obs)[0] == PARTICIPANTS],
        computed_from_counts=from_counts,
        has_comparison=roles.has_comparison,
    )
    if roles.has_comparison:
        compared, _from_counts = _series(by_indicator, indicator, roles, COMPARISON)
        row.comparison_baseline = _same_period(
            compared.get(ObservationKind.BASELINE, []), row.baseline
        )
        row.comparison_latest = _same_period(compared.get(ObservationKind.ACTUAL, []), row.latest)
    if row.projected_savings is not None and tracked.unit_cost_currency_id:
        saving = _Amount(row.projected_savings, tracked.unit_cost_currency_id, date.today())
        row.savings, _missing = money.try_convert(saving, rates, facilitator_id)
    return row


@dataclass
class _Amount:
    amount: Decimal
    currency_id: str
    on_date: date
    pinned_rate: Decimal | None = None


# --- a pilot's costs and benefits -----------------------------------------------------------------


@dataclass
class CostLine:
    item: CostItem
    converted: money.Converted | None
    error: str = ""
    #: who bore it, if the user may see that organisation (else the line names nobody)
    bearer: Organisation | None = None

    @property
    def stated(self) -> Compared:
        return Compared(
            self.converted.usd if self.converted else None,
            self.item.stated_usd,
            source=self.item.source,
        )


@dataclass
class CostBenefit:
    hard: list[CostLine]
    soft: list[CostLine]
    expected: list[tuple[Benefit, money.Converted | None]]
    received: list[tuple[Benefit, money.Converted | None]]
    total: money.Total | None  # actual costs
    estimated_total: money.Total | None
    rates: list[tuple[str, money.Rate]]
    missing_rates: list[str]
    stated_total: Compared | None = None


def _lines(user, items, rates, facilitator_id) -> tuple[list[CostLine], list[str]]:
    bearers = access.scope(
        user, Organisation.objects.filter(pk__in={item.borne_by_id for item in items})
    ).in_bulk()
    lines, missing = [], []
    for item in items:
        converted, why = money.try_convert(item, rates, facilitator_id)
        lines.append(CostLine(item, converted, why, bearers.get(item.borne_by_id)))
        if why:
            missing.append(why)
    return lines, missing


def pilot_cost_benefit(user, pilot) -> CostBenefit:
    """Hard and soft costs in original currency and USD, the rates used, the benefits."""
    facilitator_id = pilot.programme.facilitator_id
    rates = money.RateTable([facilitator_id])
    items = list(
        access.scope(user, CostItem.objects.filter(pilot=pilot))
        .select_related("phase", "borne_by", "currency")
        .order_by("phase__number", "id")
    )
    lines, missing = _lines(user, items, rates, facilitator_id)
    benefits = access.scope(user, Benefit.objects.filter(pilot=pilot)).select_related("phase")
    expected, received = [], []
    for benefit in benefits.order_by("phase__number", "id"):
        converted, why = money.try_convert(benefit, rates, facilitator_id)
        if why:
            missing.append(why)
        (expected if benefit.status == "expected" else received).append((benefit, converted))

    def total_of(certainty):
        counted = [
            line.item
            for line in lines
            if line.converted is not None and line.item.certainty == certainty
        ]
        return money.total(counted, rates, lambda _item: facilitator_id) if counted else None

    cost_total = total_of(Certainty.ACTUAL)
    used = {(line.converted.currency, line.converted.rate) for line in lines if line.converted}
    used |= {(c.currency, c.rate) for _b, c in expected + received if c is not None}
    stated = (
        access.scope(user, StatedFigure.objects.filter(pilot=pilot))
        .filter(kind=StatedFigureKind.PILOT_COST_USD)
        .first()
    )
    computed_total = cost_total.usd if cost_total else None
    return CostBenefit(
        hard=[line for line in lines if line.item.nature == CostNature.HARD],
        soft=[line for line in lines if line.item.nature == CostNature.SOFT],
        expected=expected,
        received=received,
        total=cost_total,
        estimated_total=total_of(Certainty.ESTIMATED),
        rates=sorted((c, r) for c, r in used if c != money.USD),
        missing_rates=sorted(set(missing)),
        stated_total=(
            Compared(computed_total, stated.value, stated.text, stated.source) if stated else None
        ),
    )


# --- programme tables ----------------------------------------------------------------------------


@dataclass
class ResourceRow:
    pilot: Pilot | None  # None: overall project management
    organisation_kind: str
    fte_low: Decimal | None
    fte_high: Decimal | None
    person_days: Decimal | None
    usd: Compared
    items: int

    @property
    def fte_text(self) -> str:
        if self.fte_low is None and self.fte_high is None:
            return ""
        if self.fte_low == self.fte_high or self.fte_high is None:
            return f"{self.fte_low.normalize():f}"
        low = self.fte_low if self.fte_low is not None else Decimal(0)
        return f"{low.normalize():f}–{self.fte_high.normalize():f}"


LEFT_OUT_SHOWN = 100


@dataclass
class ResourceAnalysis:
    rows: list[ResourceRow]
    total: Compared
    missing_rates: list[str]
    left_out: list[CostItem]  # the first LEFT_OUT_SHOWN
    left_out_count: int = 0
    #: False when the user sees only some of the programme's counted costs: the total is then
    #: of what the user sees, and not compared with the programme's stated total.
    complete: bool = True


@dataclass
class _CostGroup:
    """Costs summed in SQL per pilot, bearer, currency, pinned rate and rate date: it
    converts like one item (the rule's sums per currency and rate), at any number of items."""

    pilot_id: int | None
    organisation_kind: str
    currency_id: str | None
    pinned_rate: Decimal | None
    #: the first day of the rate that converts the group (`RateTable.rate_date`)
    on_date: date | None
    amount: Decimal | None
    person_days: Decimal | None
    fte_low: Decimal | None
    fte_high: Decimal | None
    items: int


#: The costs the resource analysis counts: actual, and not left out with a reason.
COUNTED = Q(certainty=Certainty.ACTUAL, excluded_reason="")


def counted_costs(queryset):
    """The costs the resource analysis counts: actual, and not left out with a reason."""
    return queryset.filter(COUNTED)


@dataclass
class ProgrammeCosts:
    """The costs of a programme a user sees, summed once for the resource analysis and the
    cost per reach: the counted ones per pilot, bearer, currency and rate, and how many
    are not counted."""

    rates: money.RateTable
    facilitator_id: int
    groups: list[_CostGroup]  # counted costs only
    left_out_count: int


def programme_costs(user, programme) -> ProgrammeCosts:
    """One aggregate query over the programme's costs the user sees (one more for the rates,
    one for the bearers' kinds): a few thousand groups for a hundred thousand items, converted
    in Python group by group."""
    facilitator_id = programme.facilitator_id
    rates = money.RateTable([facilitator_id])
    costs = access.scope(user, CostItem.objects.filter(programme=programme))
    rows = (
        costs.annotate(
            counted=Case(When(COUNTED, then=Value(True)), default=Value(False)),
            rate_date=rates.rate_date(facilitator_id),
        )
        # Per bearer, not per bearer kind: joining the organisations before grouping doubles
        # the rows sorted (260 ms against 165 ms for 100,000 items); their kinds are read after.
        .values("counted", "pilot_id", "borne_by_id", "currency_id", "pinned_rate", "rate_date")
        .annotate(
            sum_amount=Sum("amount"),
            sum_person_days=Sum("person_days"),
            sum_fte_low=Sum("fte_low"),
            sum_fte_high=Sum("fte_high"),
            items=Count("id"),
        )
        .order_by()
    )
    groups, left_out_count = [], 0
    rows = list(rows)
    kinds = dict(
        Organisation.objects.filter(
            pk__in={row["borne_by_id"] for row in rows if row["counted"] and row["pilot_id"]}
        ).values_list("pk", "kind")
    )
    for row in rows:
        if not row["counted"]:
            left_out_count += row["items"]
            continue
        groups.append(
            _CostGroup(
                pilot_id=row["pilot_id"],
                organisation_kind=(
                    "" if row["pilot_id"] is None else kinds.get(row["borne_by_id"], "")
                ),
                currency_id=row["currency_id"],
                pinned_rate=row["pinned_rate"],
                on_date=row["rate_date"],
                amount=row["sum_amount"],
                person_days=row["sum_person_days"],
                fte_low=row["sum_fte_low"],
                fte_high=row["sum_fte_high"],
                items=row["items"],
            )
        )
    return ProgrammeCosts(rates, facilitator_id, groups, left_out_count)


def _usd_total(groups, rates, facilitator_id, missing: list[str]) -> Decimal | None:
    try:
        result = money.total(groups, rates, lambda _group: facilitator_id)
    except money.MissingRate as exc:
        missing.append(" ".join(exc.messages))
        return None
    return None if result.is_empty else result.usd


def resource_analysis(user, programme, *, costs: ProgrammeCosts | None = None) -> ResourceAnalysis:
    """Seeds/000 §V.3: per pilot and per bearer (customer, supplier...) the FTE and the USD of
    the actual costs, plus overall project management (the programme's own costs), and the
    total, converted from the summed originals. Estimated costs and costs left out with a
    reason are listed apart, not counted. Summed in SQL: a few queries at any size; pass
    `costs` (`programme_costs`) to share its sums with `cost_per_reach`."""
    costs = costs or programme_costs(user, programme)
    rates, facilitator_id, groups = costs.rates, costs.facilitator_id, costs.groups
    seen = sum(group.items for group in groups)
    complete = seen == counted_costs(CostItem.objects.filter(programme=programme)).count()
    stated = {
        (figure.kind, figure.pilot_id, figure.organisation_kind): figure
        for figure in access.scope(user, StatedFigure.objects.filter(programme=programme))
    }

    def compared(computed, kind, pilot_id=None, organisation_kind=""):
        figure = stated.get((kind, pilot_id, organisation_kind))
        if figure is None:
            return Compared(computed)
        return Compared(computed, figure.value, figure.text, figure.source)

    by_row: dict[tuple, list[_CostGroup]] = defaultdict(list)
    for group in groups:
        by_row[(group.pilot_id, group.organisation_kind)].append(group)
    # A row names its pilot by title (a thousand full pilots took ~50 ms of the dashboard).
    pilots = Pilot.objects.only("id", "title").in_bulk(
        [key[0] for key in by_row if key[0] is not None]
    )
    missing: list[str] = []
    rows = []
    for pilot_id, kind in sorted(by_row, key=lambda key: (key[0] is not None, key[0] or 0, key[1])):
        row_groups = by_row[(pilot_id, kind)]
        usd = _usd_total(row_groups, rates, facilitator_id, missing)
        rows.append(
            ResourceRow(
                pilot=pilots.get(pilot_id),
                organisation_kind=kind,
                fte_low=_sum_or_none(g.fte_low for g in row_groups),
                fte_high=_sum_or_none(g.fte_high for g in row_groups),
                person_days=_sum_or_none(g.person_days for g in row_groups),
                usd=(
                    compared(usd, StatedFigureKind.OVERALL_MANAGEMENT_USD)
                    if pilot_id is None
                    else compared(usd, StatedFigureKind.RESOURCE_ROW_USD, pilot_id, kind)
                ),
                items=sum(g.items for g in row_groups),
            )
        )
    grand = _usd_total(groups, rates, facilitator_id, missing)
    left_out = (
        access.scope(user, CostItem.objects.filter(programme=programme))
        .exclude(COUNTED)
        .select_related("pilot", "borne_by", "currency")
    )
    return ResourceAnalysis(
        rows=rows,
        total=(
            compared(grand, StatedFigureKind.RESOURCE_TOTAL_USD) if complete else Compared(grand)
        ),
        missing_rates=sorted(set(missing)),
        left_out=list(left_out.order_by("pilot_id", "id")[:LEFT_OUT_SHOWN]),
        left_out_count=costs.left_out_count,
        complete=complete,
    )


def _sum_or_none(values):
    values = [value for value in values if value is not None]
    return sum(values, Decimal(0)) if values else None


@dataclass
class ParticipationRow:
    organisation_kind: str
    label: str
    expected: int | None
    actual: Compared
    organisations: list[Organisation]


def stakeholder_participation(user, programme) -> list[ParticipationRow]:
    """Seeds/000 §V.1: organisations expected and actually taking part, by kind. Taking part:
    the pilots' suppliers and their participants who accepted (the facilitator aside)."""
    pilots = access.scope(user, Pilot.objects.filter(programme=programme))
    participating = PilotParticipant.objects.filter(
        pilot__in=pilots, invitation_status=InvitationStatus.ACCEPTED
    ).values("organisation_id")
    suppliers = pilots.values("supplier__organisation_id")
    at_sites = PilotSite.objects.taking_part().filter(pilot__in=pilots)
    organisations = (
        access.scope(
            user,
            Organisation.objects.filter(
                Q(pk__in=participating)
                | Q(pk__in=suppliers)
                | Q(pk__in=at_sites.values("supplier__organisation_id"))
            ),
        )
        .exclude(pk=programme.facilitator_id)
        .order_by("name")
    )
    by_kind: dict[str, list[Organisation]] = defaultdict(list)
    for organisation in organisations:
        by_kind[organisation.kind].append(organisation)
    stated = {
        figure.organisation_kind: figure
        for figure in access.scope(
            user,
            StatedFigure.objects.filter(
                programme=programme, pilot__isnull=True, kind=StatedFigureKind.PARTICIPATION_ACTUAL
            ),
        )
    }
    expected = programme.expected_participation or {}
    kinds = list(expected) + [kind for kind in by_kind if kind not in expected]
    labels = dict(Organisation._meta.get_field("kind").choices)
    rows = []
    for kind in kinds:
        figure = stated.get(kind)
        actual = Decimal(len(by_kind.get(kind, [])))
        rows.append(
            ParticipationRow(
                organisation_kind=kind,
                label=str(labels.get(kind, kind)),
                expected=expected.get(kind),
                actual=(
                    Compared(actual, figure.value, figure.text, figure.source)
                    if figure
                    else Compared(actual)
                ),
                organisations=by_kind.get(kind, []),
            )
        )
    return rows


@dataclass
class ReachRow:
    label: str
    pilots: list[Pilot]
    usd: Decimal | None
    suppliers: int
    workers: int | None

    @property
    def per_supplier(self) -> Decimal | None:
        if self.usd is None or not self.suppliers:
            return None
        return money.round_usd(self.usd / self.suppliers)

    @property
    def per_worker(self) -> Decimal | None:
        if self.usd is None or not self.workers:
            return None
        return (self.usd / self.workers).quantize(Decimal("0.01"), ROUND_HALF_UP)


def cost_per_reach(
    user, programme, *, costs: ProgrammeCosts | None = None
) -> dict[str, list[ReachRow]]:
    """Cost per supplier and per worker reached, by pilot and by approach: the actual costs of
    each pilot (as the resource analysis counts them) over its supplier and that supplier's
    workers. Pass `costs` (`programme_costs`) to share the resource analysis's sums."""
    costs = costs or programme_costs(user, programme)
    rates, facilitator_id = costs.rates, costs.facilitator_id
    pilots = list(
        access.scope(user, Pilot.objects.filter(programme=programme))
        .select_related("supplier")
        # The columns used here only: a thousand pilots' texts cost more than the figures.
        .only("title", "approach", "supplier", "supplier__workers_headcount")
        .order_by("id")
    )
    groups_of: dict[int, list[_CostGroup]] = defaultdict(list)
    for group in costs.groups:
        if group.pilot_id is not None:
            groups_of[group.pilot_id].append(group)

    def usd(of_pilots):
        groups = [group for pilot in of_pilots for group in groups_of.get(pilot.pk, [])]
        return _usd_total(groups, rates, facilitator_id, []) if groups else None

    # A pilot across several factories reaches each supplier taking part at a site, and the
    # workers of its sites (else of the whole supplier).
    sites_of: dict[int, list[PilotSite]] = defaultdict(list)
    for site in (
        PilotSite.objects.taking_part()
        .filter(pilot__in=[pilot.pk for pilot in pilots])
        .select_related("supplier", "facility")
    ):
        sites_of[site.pilot_id].append(site)

    def row(label, of_pilots):
        suppliers = {pilot.supplier_id: pilot.supplier for pilot in of_pilots}
        site_workers: dict[int, list] = defaultdict(list)
        for pilot in of_pilots:
            for site in sites_of.get(pilot.pk, []):
                suppliers[site.supplier_id] = site.supplier
                site_workers[site.supplier_id].append(site.weight)
        workers = [
            sum(w for w in site_workers[pk] if w) if pk in site_workers else s.workers_headcount
            for pk, s in suppliers.items()
        ]
        known = [w for w in workers if w]
        return ReachRow(
            label=label,
            pilots=of_pilots,
            usd=usd(of_pilots),
            suppliers=len(suppliers),
            workers=sum(known) if known else None,
        )

    # The labels looked up once: get_approach_display() rebuilds the choices for each pilot
    # (0.2 s for a thousand).
    labels = dict(Pilot._meta.get_field("approach").flatchoices)
    by_approach: dict[str, list[Pilot]] = defaultdict(list)
    for pilot in pilots:
        by_approach[str(labels.get(pilot.approach, pilot.approach)) or "—"].append(pilot)
    return {
        "by_pilot": [row(pilot.title, [pilot]) for pilot in pilots],
        "by_approach": [row(label, group) for label, group in sorted(by_approach.items())],
    }


# --- results framework ---------------------------------------------------------------------------


def _code_key(item) -> tuple:
    """ "1.10" after "1.2": the numbers of a code compared as numbers."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in item.code.replace("-", ".").split(".")
    )


def share_met(met: int, judged: int) -> Decimal | None:
    """The share of judged indicators met or mostly met, in %, to one decimal."""
    if not judged:
        return None
    return (Decimal(met) * 100 / judged).quantize(PCT_STEP, ROUND_HALF_UP)


@dataclass
class ReportShare:
    """A progress report, its judgements by indicator as they stood, and the share of the
    indicators it judged that were met or mostly met."""

    report: ProgressReport
    judgements: dict[int, Judgement]
    counts: dict[str, int]

    @property
    def judged(self) -> int:
        return sum(self.counts.values())

    @property
    def met(self) -> int:
        return sum(self.counts.get(rating, 0) for rating in RATINGS_COUNTED_MET)

    @property
    def share(self) -> Decimal | None:
        return share_met(self.met, self.judged)


@dataclass
class ResultsFramework:
    #: outcomes and outputs in tree order, each with its depth (0 at the top)
    items: list[tuple[ResultItem, int]]
    indicators: dict[int, list[ResultIndicator]]
    reports: list[ReportShare]  # oldest first
    #: the latest report's share beside the share a source states
    latest_share: Compared

    @property
    def all_indicators(self) -> list[ResultIndicator]:
        return [row for item, _depth in self.items for row in self.indicators.get(item.pk, [])]

    @property
    def latest(self) -> ReportShare | None:
        return self.reports[-1] if self.reports else None


def _tree(items: list[ResultItem]) -> list[tuple[ResultItem, int]]:
    children: dict[int | None, list[ResultItem]] = defaultdict(list)
    known = {item.pk for item in items}
    for item in items:
        children[item.parent_id if item.parent_id in known else None].append(item)
    ordered: list[tuple[ResultItem, int]] = []

    def walk(parent_id, depth):
        for item in sorted(children.get(parent_id, []), key=_code_key):
            ordered.append((item, depth))
            walk(item.pk, depth + 1)

    walk(None, 0)
    return ordered


def _report_share(report, judgements: dict[int, Judgement]) -> ReportShare:
    counts = dict.fromkeys(Rating.values, 0)
    for judgement in judgements.values():
        counts[judgement.rating] = counts.get(judgement.rating, 0) + 1
    return ReportShare(report, judgements, counts)


def _compared_share(user, programme, computed: Decimal | None) -> Compared:
    """The computed share met beside the share a source states for the programme (if any)."""
    stated = (
        access.scope(
            user,
            StatedFigure.objects.filter(
                programme=programme,
                pilot__isnull=True,
                kind=StatedFigureKind.SHARE_INDICATORS_MET,
            ),
        )
        .order_by("organisation_kind")
        .first()
    )
    if stated is None:
        return Compared(computed)
    return Compared(computed, stated.value, stated.text, stated.source)


def latest_report_share(user, programme) -> tuple[ReportShare | None, Compared]:
    """The programme's latest progress report with its judgements and share met (None without
    a report), and that share beside the stated one: three queries, however large the
    framework (the programme page's results section)."""
    report = (
        access.scope(user, ProgressReport.objects.filter(programme=programme))
        .order_by("-date", "-id")
        .first()
    )
    if report is None:
        return None, _compared_share(user, programme, None)
    judgements = {
        judgement.indicator_id: judgement
        for judgement in access.scope(user, Judgement.objects.filter(progress_report=report))
    }
    share = _report_share(report, judgements)
    return share, _compared_share(user, programme, share.share)


def results_framework(user, programme) -> ResultsFramework:
    """A programme's outcomes and outputs with their indicators, its progress reports with
    their judgements, and the share of indicators met per report, computed from the rows (a
    few queries at any size). The latest report's share is compared with the stated one."""
    items = list(access.scope(user, ResultItem.objects.filter(programme=programme)))
    indicators: dict[int, list[ResultIndicator]] = defaultdict(list)
    for row in access.scope(
        user, ResultIndicator.objects.filter(result_item__programme=programme)
    ).order_by("result_item_id", "order", "id"):
        indicators[row.result_item_id].append(row)
    reports = list(
        access.scope(user, ProgressReport.objects.filter(programme=programme)).order_by(
            "date", "id"
        )
    )
    by_report: dict[int, dict[int, Judgement]] = defaultdict(dict)
    for judgement in access.scope(
        user, Judgement.objects.filter(progress_report__programme=programme)
    ):
        by_report[judgement.progress_report_id][judgement.indicator_id] = judgement
    shares = [_report_share(report, by_report.get(report.pk, {})) for report in reports]
    latest_share = _compared_share(user, programme, shares[-1].share if shares else None)
    return ResultsFramework(
        items=_tree(items), indicators=dict(indicators), reports=shares, latest_share=latest_share
    )

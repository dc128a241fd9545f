"""Pages of costs, benefits and KPIs: a pilot's cost-benefit page, its KPI page and the
programme dashboard, each table exportable as CSV or XLSX (`metrics.exports`)."""

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from csrplatform import access
from pilots.choices import Achievement, PilotStatus
from pilots.models import Pilot, Programme
from suppliers.models import Organisation

from . import charts, figures
from .choices import Certainty, Rating
from .exports import Cell, Column, Table, amount, decimal, difference, export_response, usd, yes_no

NUM = True


def _pilot(request, pk):
    return access.get_object_or_404(
        request.user,
        Pilot.objects.select_related("programme__facilitator", "supplier__organisation"),
        pk=pk,
    )


def _kind_labels():
    return dict(Organisation._meta.get_field("kind").choices)


def _page(request, template, context, tables, basename):
    """The page, or the export of one of its tables that the query string asks for."""
    return export_response(request, tables, basename) or render(
        request, template, {**context, "tables": {table.name: table for table in tables}}
    )


# --- a pilot's costs and benefits ----------------------------------------------------------------


def _cost_table(name, title, lines) -> Table:
    table = Table(
        name,
        title,
        [
            Column(_("Description")),
            Column(_("Phase")),
            Column(_("Borne by")),
            Column(_("Category")),
            Column(_("Quantity")),
            Column(_("Amount"), NUM),
            Column(_("Currency")),
            Column(_("USD"), NUM),
            Column(_("Estimated or actual")),
            Column(_("Person-days"), NUM),
            Column(_("FTE"), NUM),
            Column(_("USD as stated"), NUM),
            Column(_("Difference (USD)"), NUM),
        ],
    )
    for line in lines:
        item, stated = line.item, line.stated
        table.add(
            item.description,
            item.phase.title if item.phase else None,
            line.bearer.name if line.bearer else None,
            item.get_category_display(),
            item.quantity_text or None,
            amount(item.amount),
            item.currency_id,
            usd(line.converted.usd_exact)
            if line.converted
            else Cell(None, note=line.error and _("no rate"), tone="danger"),
            Cell(
                item.get_certainty_display(),
                tone="warn" if item.certainty == Certainty.ESTIMATED else "",
            ),
            decimal(item.person_days),
            Cell(item.fte_text or None),
            usd(stated.stated),
            difference(stated.difference),
        )
    return table


def _totals_table(cost_benefit) -> Table:
    table = Table(
        "totals",
        _("Total costs"),
        [
            Column(_("Currency")),
            Column(_("Amount"), NUM),
            Column(_("Rate (USD per unit)"), NUM),
            Column(_("USD"), NUM),
            Column(_("USD as stated"), NUM),
            Column(_("Difference (USD)"), NUM),
        ],
        caption=_(
            "The USD total is converted from the summed original amounts and rounded once, "
            "so it can differ from the sum of the rounded lines."
        ),
    )
    total = cost_benefit.total
    if total is None:
        return table
    for (currency, rate), summed in sorted(total.rates_used.items(), key=lambda kv: kv[0][0]):
        table.add(
            currency,
            amount(summed),
            Cell(rate.usd.normalize(), f"{rate.usd.normalize():f}"),
            usd(summed * rate.usd),
            None,
            None,
        )
    stated = cost_benefit.stated_total
    table.add_footer(
        Cell(_("Total (USD)")),
        None,
        None,
        usd(total.usd_exact),
        usd(stated.stated) if stated else Cell(None),
        difference(stated.difference) if stated else Cell(None),
    )
    return table


def _benefit_table(name, title, benefits) -> Table:
    table = Table(
        name,
        title,
        [
            Column(_("Incentive")),
            Column(_("Description")),
            Column(_("Phase")),
            Column(_("Amount"), NUM),
            Column(_("Currency")),
            Column(_("USD"), NUM),
            Column(_("Per")),
        ],
    )
    for benefit, converted in benefits:
        table.add(
            benefit.get_incentive_display(),
            benefit.description,
            benefit.phase.title if benefit.phase else None,
            amount(benefit.amount),
            benefit.currency_id,
            usd(converted.usd_exact) if converted else Cell(None),
            benefit.per or None,
        )
    return table


@login_required
def pilot_costs(request, pk):
    pilot = _pilot(request, pk)
    cost_benefit = figures.pilot_cost_benefit(request.user, pilot)
    tables = [
        _cost_table("hard_costs", _("Hard costs"), cost_benefit.hard),
        _cost_table("soft_costs", _("Soft costs"), cost_benefit.soft),
        _totals_table(cost_benefit),
        _benefit_table("expected_benefits", _("Expected benefits"), cost_benefit.expected),
        _benefit_table("received_benefits", _("Received benefits"), cost_benefit.received),
    ]
    return _page(
        request,
        "metrics/pilot_costs.html",
        {
            "pilot": pilot,
            "cost_benefit": cost_benefit,
            "rates": [rate.describe(currency) for currency, rate in cost_benefit.rates],
            "can_edit": access.can_edit(request.user, pilot),
        },
        tables,
        f"pilot-{pilot.pk}-costs",
    )


# --- a pilot's KPIs ---------------------------------------------------------------------------


def _point_cell(point, *, missing_note="", derived=False):
    if point is None:
        return Cell(None, note=missing_note, tone="danger" if missing_note else "")
    notes = []
    if derived:
        notes.append(_("derived from the target change"))
    if not point.confirmed:
        notes.append(_("unconfirmed"))
    if point.weights_missing:
        notes.append(_("plain mean: a site has no headcount"))
    return decimal(point.value, note="; ".join(notes), tone="warn" if not point.confirmed else "")


def _kpi_table(rows, *, name="kpis", title=None, with_pilot=False) -> Table:
    table = Table(
        name,
        title or _("Indicators"),
        [
            *([Column(_("Pilot"))] if with_pilot else []),
            Column(_("Indicator")),
            Column(_("Unit")),
            Column(_("Baseline"), NUM),
            Column(_("Baseline period")),
            Column(_("Latest"), NUM),
            Column(_("Latest period")),
            Column(_("Change"), NUM),
            Column(_("Change (%)"), NUM),
            Column(_("Improved")),
            Column(_("Target"), NUM),
            Column(_("Target gap"), NUM),
            Column(_("Projected savings"), NUM),
            Column(_("Savings currency")),
            Column(_("Projected savings (USD)"), NUM),
        ],
    )
    for row in rows:
        indicator = row.indicator
        name_note = _("computed from counts") if row.computed_from_counts else ""
        table.add(
            *([row.tracked.pilot.title] if with_pilot else []),
            Cell(indicator.name, note=name_note, tone="muted"),
            indicator.unit,
            _point_cell(row.baseline, missing_note=_("no baseline")),
            _period(row.baseline),
            _sites_cell(row),
            _period(row.latest),
            decimal(row.change),
            decimal(row.pct_change, 1),
            yes_no(row.improved),
            _point_cell(row.target, derived=row.target_is_derived),
            decimal(row.target_gap),
            amount(row.projected_savings),
            row.tracked.unit_cost_currency_id if row.projected_savings is not None else None,
            usd(row.savings.usd_exact) if row.savings else Cell(None),
        )
    return table


def _sites_cell(row):
    """The latest figure, saying so when it rolls up other sites than the baseline."""
    cell = _point_cell(row.latest)
    if not row.sites_differ:
        return cell
    note = _("%(baseline)s sites at baseline, %(latest)s latest") % {
        "baseline": row.baseline.count,
        "latest": row.latest.count,
    }
    return decimal(row.latest.value, note="; ".join(filter(None, [cell.note, note])), tone="warn")


def _comparison_table(rows) -> Table:
    """Participants against the comparison group and against baseline, for the same
    periods."""
    table = Table(
        "comparison",
        _("Participants and comparison group"),
        [
            Column(_("Indicator")),
            Column(_("Roll-up across sites")),
            Column(_("Baseline period")),
            Column(_("Participants' baseline"), NUM),
            Column(_("Comparison baseline"), NUM),
            Column(_("Latest period")),
            Column(_("Participants' latest"), NUM),
            Column(_("Comparison latest"), NUM),
            Column(_("Participants' change"), NUM),
            Column(_("Comparison change"), NUM),
            Column(_("Change beyond the comparison group"), NUM),
        ],
        caption=_(
            "The comparison group's figures are those for the same periods as the "
            "participants' baseline and latest figures; a dash: it has none for that period. "
            "Totals of groups of different sizes are not set against each other."
        ),
    )
    for row in rows:
        if not row.has_comparison:
            continue
        table.add(
            row.indicator.name,
            row.indicator.get_rollup_display(),
            _period(row.baseline),
            _point_cell(row.baseline, missing_note=_("no baseline")),
            _point_cell(row.comparison_baseline),
            _period(row.latest),
            _sites_cell(row),
            _point_cell(row.comparison_latest),
            decimal(row.change),
            decimal(row.comparison_change),
            decimal(row.change_beyond_comparison),
        )
    return table


def _period(point):
    if point is None:
        return Cell(None)
    text = f"{point.period_start.isoformat()} – {point.period_end.isoformat()}"
    return Cell(text)


def _series_table(row) -> Table:
    table = Table(
        f"series_{row.tracked.pk}",
        row.indicator.name,
        [
            Column(_("Figure")),
            Column(_("Period from")),
            Column(_("Period to")),
            Column(row.indicator.unit, NUM),
            Column(_("Confirmed")),
        ],
    )
    labelled = ([(_("Baseline"), row.baseline)] if row.baseline else []) + [
        (_("Actual"), point) for point in row.actuals
    ]
    for label, point in labelled:
        table.add(
            label,
            point.period_start,
            point.period_end,
            decimal(point.value),
            yes_no(point.confirmed),
        )
    if row.target:
        table.add(
            _("Target (derived)") if row.target_is_derived else _("Target"),
            row.target.period_start if not row.target_is_derived else None,
            row.target.period_end if not row.target_is_derived else None,
            decimal(row.target.value),
            yes_no(row.target.confirmed),
        )
    return table


def _breakdown_table(rows) -> Table:
    table = Table(
        "breakdowns",
        _("Breakdowns by sex and contract type"),
        [
            Column(_("Indicator")),
            Column(_("Figure")),
            Column(_("Period from")),
            Column(_("Period to")),
            Column(_("Sex")),
            Column(_("Contract type")),
            Column(_("Value"), NUM),
            Column(_("Status")),
        ],
        caption=_("Shown apart: the totals above do not add these up again."),
    )
    for row in rows:
        for observation in row.breakdowns:
            table.add(
                row.indicator.name,
                observation.get_kind_display(),
                observation.period_start,
                observation.period_end,
                observation.get_sex_display() or None,
                observation.get_contract_type_display() or None,
                decimal(observation.value),
                Cell(
                    observation.get_status_display(),
                    tone="" if observation.status == "confirmed" else "warn",
                ),
            )
    return table


def _kpi_chart(row):
    baseline = (row.baseline.period_end, row.baseline.value) if row.baseline else None
    actuals = [(point.period_end, point.value) for point in row.actuals]
    values = ", ".join(
        f"{end.isoformat()}: {charts.number_text(value)}"
        for end, value in [*([baseline] if baseline else []), *actuals]
    )
    desc = _("%(indicator)s in %(unit)s, baseline and actuals by period end: %(values)s.") % {
        "indicator": row.indicator.name,
        "unit": row.indicator.unit,
        "values": values or _("none yet"),
    }
    if row.target is not None:
        desc += " " + _("Target: %(target)s.") % {"target": charts.number_text(row.target.value)}
    return charts.kpi_chart(
        chart_id=f"kpi-chart-{row.tracked.pk}",
        title=row.indicator.name,
        desc=desc,
        unit=row.indicator.unit,
        baseline=baseline,
        actuals=actuals,
        target=row.target.value if row.target else None,
        labels={"actual": _("Actual"), "baseline": _("Baseline"), "target": _("Target")},
    )


@login_required
def pilot_kpis(request, pk):
    pilot = _pilot(request, pk)
    rows = figures.pilot_kpis(request.user, pilot)
    series = [_series_table(row) for row in rows]
    tables = [_kpi_table(rows), _comparison_table(rows), _breakdown_table(rows), *series]
    wants_export = bool(request.GET.get("export"))
    indicators = [
        {
            "row": row,
            "series": table,
            "baseline_text": row.baseline and charts.number_text(row.baseline.value),
            "latest_text": row.latest and charts.number_text(row.latest.value),
            "chart": None if wants_export else _kpi_chart(row),
        }
        for row, table in zip(rows, series, strict=True)
    ]
    return _page(
        request,
        "metrics/pilot_kpis.html",
        {
            "pilot": pilot,
            "indicators": indicators,
            "missing_baselines": [row for row in rows if row.missing_baseline],
            "can_edit": access.can_edit(request.user, pilot),
        },
        tables,
        f"pilot-{pilot.pk}-kpis",
    )


# --- the programme dashboard ---------------------------------------------------------------------


def _pilots_table(pilots, cost_by_pilot) -> Table:
    table = Table(
        "pilots",
        _("Pilots"),
        [
            Column(_("Pilot")),
            Column(_("Supplier")),
            Column(_("Approach")),
            Column(_("Status")),
            Column(_("Achievement of objectives")),
            Column(_("Cost (USD)"), NUM),
        ],
        caption=_("Actual costs counted in the resource analysis."),
    )
    for pilot in pilots:
        table.add(
            Cell(pilot.title, href=pilot.get_absolute_url()),
            pilot.supplier.organisation.name,
            pilot.get_approach_display() or None,
            pilot.get_status_display(),
            pilot.get_objectives_achievement_display() or None,
            usd(cost_by_pilot.get(pilot.pk)),
        )
    return table


def _count_table(name, title, label, choices, counts) -> Table:
    table = Table(name, title, [Column(label), Column(_("Pilots"), NUM)])
    for value, text in choices:
        if counts.get(value):
            table.add(str(text), counts[value])
    if counts.get(""):
        table.add(_("Not assessed yet"), counts[""])
    return table


def _resource_table(analysis) -> Table:
    kinds = _kind_labels()
    table = Table(
        "resources",
        _("Resource analysis"),
        [
            Column(_("Pilot")),
            Column(_("Borne by")),
            Column(_("FTE"), NUM),
            Column(_("Person-days"), NUM),
            Column(_("USD"), NUM),
            Column(_("USD as stated"), NUM),
            Column(_("Difference (USD)"), NUM),
        ],
        caption=_(
            "Actual costs only; estimated costs and costs left out with a reason are listed "
            "below. Differences are computed minus stated."
        ),
    )
    for row in analysis.rows:
        table.add(
            row.pilot.title if row.pilot else _("Overall project management"),
            str(kinds.get(row.organisation_kind, row.organisation_kind)) or None,
            Cell(row.fte_text or None),
            decimal(row.person_days),
            usd(row.usd.computed),
            usd(row.usd.stated),
            difference(row.usd.difference),
        )
    table.add_footer(
        _("Total") if analysis.complete else _("Total of the costs you can see"),
        None,
        None,
        None,
        usd(analysis.total.computed),
        usd(analysis.total.stated),
        difference(analysis.total.difference),
    )
    return table


def _left_out_table(analysis) -> Table:
    title = _("Costs not counted")
    if analysis.left_out_count > len(analysis.left_out):
        title = _("Costs not counted: the first %(shown)d of %(count)d") % {
            "shown": len(analysis.left_out),
            "count": analysis.left_out_count,
        }
    table = Table(
        "left_out",
        title,
        [
            Column(_("Pilot")),
            Column(_("Description")),
            Column(_("Amount"), NUM),
            Column(_("Currency")),
            Column(_("Why")),
        ],
    )
    for item in analysis.left_out:
        table.add(
            item.pilot.title if item.pilot else _("Overall project management"),
            item.description,
            amount(item.amount),
            item.currency_id,
            item.excluded_reason or item.get_certainty_display(),
        )
    return table


def _participation_table(rows) -> Table:
    table = Table(
        "participation",
        _("Stakeholder participation"),
        [
            Column(_("Organisation kind")),
            Column(_("Expected"), NUM),
            Column(_("Taking part"), NUM),
            Column(_("As stated"), NUM),
            Column(_("Difference"), NUM),
            Column(_("Organisations")),
        ],
    )
    for row in rows:
        stated = row.actual
        table.add(
            row.label,
            row.expected,
            decimal(stated.computed, 0),
            Cell(stated.stated.normalize(), stated.stated_text or None)
            if stated.stated is not None
            else Cell(None),
            difference(stated.difference),
            "; ".join(organisation.name for organisation in row.organisations) or None,
        )
    return table


def _reach_table(name, title, first, rows) -> Table:
    table = Table(
        name,
        title,
        [
            Column(first),
            Column(_("Cost (USD)"), NUM),
            Column(_("Suppliers"), NUM),
            Column(_("Cost per supplier (USD)"), NUM),
            Column(_("Workers"), NUM),
            Column(_("Cost per worker (USD)"), NUM),
        ],
    )
    for row in rows:
        table.add(
            row.label,
            usd(row.usd),
            row.suppliers,
            usd(row.per_supplier),
            row.workers,
            decimal(row.per_worker),
        )
    return table


DASHBOARD_ROWS_SHOWN = 50
# Each KPI row rolls up its figures in Python (about 7 ms a row with a thousand pilots): the
# dashboard shows the first 20, each pilot's KPI page has them all.
DASHBOARD_KPIS_SHOWN = 20


def _shown_on_page(table, count) -> Table:
    """A long table as the page shows it: its first DASHBOARD_ROWS_SHOWN rows of `count`,
    saying so (its CSV and XLSX hold them all)."""
    shown = DASHBOARD_ROWS_SHOWN
    if count <= shown:
        return table
    table.rows = table.rows[:shown]
    table.title = _("%(title)s: the first %(shown)d of %(count)d (the CSV and XLSX have all)") % {
        "title": table.title,
        "shown": shown,
        "count": count,
    }
    return table


@login_required
def programme_dashboard(request, pk):
    programme = access.get_object_or_404(
        request.user, Programme.objects.select_related("facilitator"), pk=pk
    )
    wants_export = bool(request.GET.get("export"))
    visible = Pilot.objects.visible_to(request.user).filter(programme=programme).order_by("id")
    # Every pilot counts in the charts and counts; the page's table shows the first ones (the
    # pilot list and the exports have them all), so only those are loaded with their related.
    overview = list(visible.values_list("pk", "title", "status", "objectives_achievement"))
    listed = visible.with_list_related()
    pilots = list(listed if wants_export else listed[:DASHBOARD_ROWS_SHOWN])
    costs = figures.programme_costs(request.user, programme)
    analysis = figures.resource_analysis(request.user, programme, costs=costs)
    reach = figures.cost_per_reach(request.user, programme, costs=costs)
    participation = figures.stakeholder_participation(request.user, programme)
    kpi_rows, kpi_count = figures.programme_kpis(
        request.user, programme, shown=DASHBOARD_KPIS_SHOWN
    )
    cost_by_pilot = {row.pilots[0].pk: row.usd for row in reach["by_pilot"]}
    statuses = Counter(status for _pk, _title, status, _achievement in overview)
    achievements = Counter(achievement or "" for _pk, _title, _status, achievement in overview)
    pilots_table = _pilots_table(pilots, cost_by_pilot)
    if not wants_export:
        _shown_on_page(pilots_table, len(overview))
    tables = [
        pilots_table,
        _count_table("status", _("Pilots by status"), _("Status"), PilotStatus.choices, statuses),
        _count_table(
            "achievement",
            _("Pilots by achievement of objectives"),
            _("Achievement of objectives"),
            Achievement.choices,
            achievements,
        ),
        _resource_table(analysis),
        _left_out_table(analysis),
        _participation_table(participation),
        _kpi_table(
            kpi_rows,
            name="kpis",
            title=(
                _("KPIs of the pilots")
                if kpi_count <= len(kpi_rows)
                else _("KPIs of the pilots: the first %(shown)d of %(count)d")
                % {"shown": len(kpi_rows), "count": kpi_count}
            ),
            with_pilot=True,
        ),
        _reach_table(
            "reach_by_pilot",
            _("Cost per supplier and per worker reached, by pilot"),
            _("Pilot"),
            # The page shows the first rows only: the others are not made into cells.
            reach["by_pilot"] if wants_export else reach["by_pilot"][:DASHBOARD_ROWS_SHOWN],
        ),
        _reach_table(
            "reach_by_approach",
            _("Cost per supplier and per worker reached, by approach"),
            _("Approach"),
            reach["by_approach"],
        ),
    ]
    chart_pilots = None
    chart_status = None
    if not wants_export:
        resources, reach_by_pilot = tables[3], tables[7]
        _shown_on_page(resources, len(resources.rows))
        _shown_on_page(reach_by_pilot, len(reach["by_pilot"]))
        chart_pilots = charts.bar_chart(
            chart_id="chart-cost-per-pilot",
            title=_("Cost per pilot (USD)"),
            desc="; ".join(
                f"{title}: {charts.number_text(cost_by_pilot.get(pk), 0)}"
                for pk, title, _status, _achievement in overview
            ),
            labels=[title for _pk, title, _status, _achievement in overview],
            values=[usd(cost_by_pilot.get(pk)).value for pk, *_rest in overview],
            unit=_("USD"),
        )
        status_rows = tables[1].rows
        chart_status = charts.bar_chart(
            chart_id="chart-pilot-status",
            title=_("Pilots by status"),
            desc="; ".join(f"{row[0].display}: {row[1].display}" for row in status_rows),
            labels=[row[0].display for row in status_rows],
            values=[row[1].value for row in status_rows],
            unit=_("Pilots"),
        )
    return _page(
        request,
        "metrics/programme_dashboard.html",
        {
            "programme": programme,
            "analysis": analysis,
            "pilots_not_shown": len(overview) - len(pilots),
            "chart_pilots": chart_pilots,
            "chart_status": chart_status,
        },
        tables,
        f"programme-{programme.pk}",
    )


# --- a programme's results framework -------------------------------------------------------------


def _framework_table(framework, *, can_edit: bool = False) -> Table:
    """The outcomes, outputs and indicators; for those who may change them, each name links
    to its edit page."""

    def edit(name, pk):
        return reverse(name, args=[pk]) if can_edit else ""

    table = Table(
        "framework",
        _("Outcomes, outputs and indicators"),
        [
            Column(_("Number")),
            Column(_("Level")),
            Column(_("Outcome, output or indicator")),
            Column(_("Unit")),
            Column(_("Baseline"), NUM),
            Column(_("Target"), NUM),
            Column(_("Actual"), NUM),
            Column(_("Latest judgement")),
        ],
    )
    latest = framework.latest
    for item, depth in framework.items:
        table.add(
            item.code,
            item.get_level_display(),
            Cell(
                item.title,
                text=("— " * depth) + item.title,
                href=edit("metrics:result-item-edit", item.pk),
            ),
            None,
            None,
            None,
            None,
            None,
        )
        for indicator in framework.indicators.get(item.pk, []):
            judgement = latest.judgements.get(indicator.pk) if latest else None
            table.add(
                item.code,
                _("Indicator"),
                Cell(indicator.name, href=edit("metrics:result-indicator-edit", indicator.pk)),
                indicator.unit or None,
                decimal(indicator.baseline),
                decimal(indicator.target),
                decimal(indicator.actual),
                _rating_cell(judgement),
            )
    return table


RATING_TONES = {"met": "ok", "mostly_met": "ok", "partly_met": "warn", "not_met": "danger"}


def _rating_cell(judgement):
    if judgement is None:
        return Cell(None, note=_("not judged"), tone="muted")
    return Cell(judgement.get_rating_display(), tone=RATING_TONES.get(judgement.rating, ""))


def _shares_table(framework) -> Table:
    table = Table(
        "shares",
        _("Share of indicators met, per progress report"),
        [
            Column(_("Progress report")),
            Column(_("Date")),
            Column(_("Indicators judged"), NUM),
            *[Column(str(label), NUM) for _value, label in Rating.choices],
            Column(_("Met or mostly met (%)"), NUM),
            Column(_("As stated (%)"), NUM),
            Column(_("Difference"), NUM),
        ],
        caption=_(
            "Computed from the judgements: indicators met or mostly met over indicators judged. "
            "The stated share is compared with the latest report's; differences are computed "
            "minus stated."
        ),
    )
    compared = framework.latest_share
    for index, share in enumerate(framework.reports):
        last = index == len(framework.reports) - 1
        table.add(
            share.report.title,
            share.report.date,
            share.judged,
            *[share.counts.get(value, 0) for value in Rating.values],
            decimal(share.share, 1),
            Cell(compared.stated.normalize(), compared.stated_text or None)
            if last and compared.stated is not None
            else Cell(None),
            difference(compared.difference) if last else Cell(None),
        )
    return table


def _report_table(framework, share) -> Table:
    report = share.report
    table = Table(
        f"report_{report.pk}",
        _("%(title)s (%(date)s): judgements")
        % {"title": report.title, "date": report.date.isoformat()},
        [
            Column(_("Number")),
            Column(_("Indicator")),
            Column(_("Rating")),
            Column(_("Reasoning")),
            Column(_("Judged on")),
        ],
        caption=report.notes,
    )
    for item, _depth in framework.items:
        for indicator in framework.indicators.get(item.pk, []):
            judgement = share.judgements.get(indicator.pk)
            table.add(
                item.code,
                indicator.name,
                _rating_cell(judgement),
                judgement.reasoning or None if judgement else None,
                judgement.judged_on if judgement else None,
            )
    return table


@login_required
def programme_results(request, pk):
    programme = access.get_object_or_404(
        request.user, Programme.objects.select_related("facilitator"), pk=pk
    )
    framework = figures.results_framework(request.user, programme)
    can_edit = access.can_edit(request.user, programme)
    report_tables = [_report_table(framework, share) for share in reversed(framework.reports)]
    tables = [
        _framework_table(framework, can_edit=can_edit),
        _shares_table(framework),
        *report_tables,
    ]
    chart = None
    if not request.GET.get("export"):
        chart = charts.judgements_chart(framework.latest, compared=framework.latest_share)
    return _page(
        request,
        "metrics/results_framework.html",
        {
            "programme": programme,
            "framework": framework,
            "report_tables": [
                (share, table)
                for share, table in zip(reversed(framework.reports), report_tables, strict=True)
            ],
            "can_edit": can_edit,
            "chart_judgements": chart,
        },
        tables,
        f"programme-{programme.pk}-results",
    )


urlpatterns = [
    path("pilots/<int:pk>/costs/", pilot_costs, name="pilot-costs"),
    path("pilots/<int:pk>/kpis/", pilot_kpis, name="pilot-kpis"),
    path("programmes/<int:pk>/", programme_dashboard, name="programme-dashboard"),
    path("programmes/<int:pk>/results/", programme_results, name="programme-results"),
]

"""Charts as SVG, drawn on the server by matplotlib, so that the page and the PDF show one
and the same chart.

- Text stays text (`svg.fonttype: none`): screen readers, search, tests and WeasyPrint read
  the figures, and the page's own fonts (Chinese too) draw them.
- The output is deterministic (fixed `svg.hashsalt`, no date in the metadata): the same
  figures give the same bytes, so charts can be compared and cached.
- Each chart carries a <title> and a <desc> and the page shows a table with its figures beside
  it; the chart never holds a figure the table does not.

Figures are Decimals everywhere else; they become floats here only to be drawn.
"""

import io
import re
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import matplotlib
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .choices import Rating

RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "csr-platform",
    "svg.image_inline": True,
    "font.size": 9,
    "font.family": "sans-serif",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#c7cfd4",
    "axes.labelcolor": "#1e2a30",
    "xtick.color": "#5f6e76",
    "ytick.color": "#5f6e76",
    "path.simplify": False,
}
TEAL, TEAL_LIGHT, WARN, MUTED = "#17766f", "#7fd1c7", "#9a6200", "#5f6e76"
PALETTE = ["#17766f", "#136c8a", "#9a6200", "#6a2c9c", "#1d7a46", "#b42318", "#5f6e76"]

# rcParams are process-wide: one chart at a time per process, drawn whole under the lock (a
# chart drawn while another thread restored the rcParams would be cached as it came out).
_LOCK = threading.RLock()
_PREAMBLE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
# matplotlib names every group figure_1, axes_1...: the same ids in each chart of a page.
_GROUP_IDS = re.compile(r' id="[A-Za-z][A-Za-z0-9.]*_\d+"')
_GROUP_TAGS = re.compile(r"<g\b[^>]*>|</g>")
_BETWEEN_TAGS = re.compile(r">\s+<")


def _unwrap_groups(text: str) -> str:
    """The SVG without its bare <g> wrappers (one per artist, most without attributes once
    their ids are gone) and the indentation between tags. They draw nothing, and WeasyPrint
    computes an HTML style for every element of an inline SVG: half of a chart's nodes were
    these."""
    kept, pieces, start = [], [], 0
    for match in _GROUP_TAGS.finditer(text):
        tag = match.group()
        pieces.append(text[start : match.start()])
        start = match.end()
        if tag == "</g>":
            if kept.pop():
                pieces.append(tag)
        elif tag.endswith("/>"):
            pieces.append(tag)
        else:
            kept.append(tag != "<g>")
            if kept[-1]:
                pieces.append(tag)
    pieces.append(text[start:])
    return _BETWEEN_TAGS.sub("><", "".join(pieces))


def number_text(value: Decimal | float | int | None, places: int = 2) -> str:
    """A figure as charts and tables show it: grouped thousands, at most `places` decimals,
    no trailing zeros."""
    if value is None:
        return "—"
    value = Decimal(value).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    text = f"{value:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _svg(figure: Figure, title: str, desc: str, chart_id: str) -> SafeString:
    buffer = io.StringIO()
    # The salt is the chart's id: clip paths and markers get ids unique on a page of charts.
    with (
        _LOCK,
        matplotlib.rc_context(RC | {"svg.id": chart_id, "svg.hashsalt": chart_id}),
        warnings.catch_warnings(),
    ):
        # Chinese labels have no glyph in matplotlib's font; the browser draws them (text).
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None, "Creator": None})
    text = _PREAMBLE.sub("", buffer.getvalue(), count=1)
    text = _METADATA.sub("", text, count=1)
    text = _unwrap_groups(_GROUP_IDS.sub("", text))
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    text = re.sub(
        r"<svg\b([^>]*)>",
        lambda match: (
            f'<svg{match.group(1)} role="img" aria-labelledby="{title_id} {desc_id}"'
            ' class="chart-svg">'
            f'<title id="{title_id}">{escape(title)}</title>'
            f'<desc id="{desc_id}">{escape(desc)}</desc>'
        ),
        text,
        count=1,
    )
    # Fixed size in the file; the page scales it to its box.
    text = re.sub(r'(<svg\b[^>]*?) width="[^"]*" height="[^"]*"', r"\1", text, count=1)
    return mark_safe(text)  # noqa: S308 - drawn by matplotlib from escaped text, not user HTML


def _figure(width=6.4, height=3.2, layout="constrained") -> Figure:
    with matplotlib.rc_context(RC):
        return Figure(figsize=(width, height), dpi=72, layout=layout)


def _text_width(text: str, size: float) -> float:
    """The width of `text` in points, as matplotlib measures it for the layout."""
    width, _height, _descent = text_to_path.get_text_width_height_descent(
        text, FontProperties(size=size), ismath=False
    )
    return width


def _kpi_margins(figure: Figure, axes, legend: bool) -> float:
    """Place the axes of a KPI chart by its y tick labels, the only text of varying width at
    its edges (constrained layout measured every artist for that: a third of the drawing).
    Returns the left margin (a fraction of the width)."""
    width, height = figure.get_size_inches() * figure.dpi
    low, high = axes.get_ylim()
    ticks = [y for y in axes.get_yticks() if low <= y <= high]
    size = RC["font.size"]
    widest = max((_text_width(number_text(y), size) for y in ticks), default=0)
    # pad, the unit (rotated: a line high), pad, tick labels, tick and its pad, pad
    left = 4 + size * 1.2 + 4 + widest + 3.5 + 3.5 + 2
    top = 4 + (8 * 1.6 if legend else 0) + 4
    bottom = 4 + size * 1.2 + 3.5 + 3.5
    figure.subplots_adjust(
        left=left / width, right=1 - 6 / width, top=1 - top / height, bottom=bottom / height
    )
    return left / width


@dataclass(frozen=True)
class Series:
    """A dated series for a line chart: (date, value) points."""

    label: str
    points: Sequence[tuple[date, Decimal]]


#: Dates written under a KPI chart at most: first and last, and evenly between (a printed chart
#: is half a page wide; thirty dates there overlap).
MOST_DATES = 5


def kpi_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    unit: str,
    baseline: tuple[date, Decimal] | None,
    actuals: Sequence[tuple[date, Decimal]],
    target: Decimal | None,
    labels: dict[str, str],
) -> SafeString:
    """Baseline and actuals over time, the target as a dashed line. The values written on the
    chart are the baseline's, the latest actual's and the target: the figures of the KPI table
    beside it (the page's series table and the desc hold every point). The axis names the
    baseline's and the latest period end and a few between (`MOST_DATES`).

    The same chart is drawn once per process (matplotlib takes a tenth of a second or more
    for one), as in `bar_chart`."""
    return _kpi_chart(
        chart_id,
        title,
        desc,
        unit,
        baseline,
        tuple(actuals),
        target,
        tuple(sorted(labels.items())),
    )


def _spread(days: Sequence[date], most: int) -> list[int]:
    """The indexes of at most `most` of the sorted `days`: the first, the last and those
    nearest to even steps in time between them, none nearer to the next than 0.8 of a step (the
    dates would overlap)."""
    if len(days) <= most:
        return list(range(len(days)))
    first, last = days[0], days[-1]
    step = (last - first).days / (most - 1)
    chosen = [0]
    for number in range(1, most - 1):
        wanted = step * number
        index = min(range(len(days)), key=lambda i: abs((days[i] - first).days - wanted))
        if (days[index] - days[chosen[-1]]).days >= 0.8 * step and (
            last - days[index]
        ).days >= 0.8 * step:
            chosen.append(index)
    return [*chosen, len(days) - 1]


@lru_cache(maxsize=256)
def _kpi_chart(chart_id, title, desc, unit, baseline, actuals, target, labels) -> SafeString:
    labels = dict(labels)
    with _LOCK, matplotlib.rc_context(RC):
        figure = _figure(layout=None)
        axes = figure.add_subplot()
        points = ([baseline] if baseline else []) + list(actuals)
        if points:
            xs = [point[0] for point in points]
            ys = [float(point[1]) for point in points]
            axes.plot(xs, ys, color=TEAL, marker="o", linewidth=2, label=labels["actual"])
            if baseline:
                axes.plot(
                    [baseline[0]],
                    [float(baseline[1])],
                    linestyle="none",
                    marker="s",
                    markersize=9,
                    color=MUTED,
                    label=labels["baseline"],
                )
            # Written outward, beside the series' two ends, where the line never runs.
            written = []
            if baseline:
                written.append((0, (-8, 0), "right"))
            if actuals:
                written.append((len(points) - 1, (8, 0), "left"))
            for index, offset, align in written:
                axes.annotate(
                    number_text(points[index][1]),
                    (xs[index], ys[index]),
                    textcoords="offset points",
                    xytext=offset,
                    ha=align,
                    va="center",
                    color="#1e2a30",
                )
            ticks = _spread(xs, MOST_DATES)
            axes.set_xticks([xs[i] for i in ticks], [xs[i].isoformat() for i in ticks])
        if target is not None:
            axes.axhline(float(target), color=WARN, linestyle="--", linewidth=1.5)
            axes.annotate(
                f"{labels['target']}: {number_text(target)}",
                (0, float(target)),
                xycoords=("axes fraction", "data"),
                textcoords="offset points",
                xytext=(2, 3),
                color=WARN,
            )
        axes.set_ylabel(unit)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: number_text(y)))
        low = min(
            [float(p[1]) for p in points] + ([float(target)] if target is not None else []),
            default=0,
        )
        axes.set_ylim(bottom=min(0, low))
        axes.margins(x=0.15, y=0.2)
        left = _kpi_margins(figure, axes, legend=bool(points))
        if points:
            # Room beside the ends for their values, however long.
            room = 12 + max(
                _text_width(number_text(points[i][1]), RC["font.size"]) for i in (0, -1)
            )
            across = axes.get_position().width * figure.get_figwidth() * figure.dpi
            axes.margins(x=min(0.45, max(0.15, room / max(across - 2 * room, 1))), y=0.2)
        if points:
            # Above the axes: inside, it covered the baseline's point and value.
            figure.legend(
                loc="upper left",
                bbox_to_anchor=(left - 0.01, 1),
                ncols=2,
                frameon=False,
                fontsize=8,
                borderaxespad=0.2,
            )
        return _svg(figure, title, desc, chart_id)


MOST_BARS = 30


def bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[Decimal | int | None],
    unit: str,
    places: int = 0,
    most: int = MOST_BARS,
    colours: Sequence[str] | None = None,
    note: str = "",
) -> SafeString:
    """Horizontal bars, each with its value written at its end (missing values: "—"). Past
    `most` bars only the largest are drawn (a thousand labels take matplotlib half a minute);
    the page's table beside the chart holds them all. `colours` gives each bar its own colour
    (otherwise the palette's, in turn); `note` is written above the bars.

    The same bars in the same language are drawn once per process: matplotlib takes a tenth
    of a second or more for a chart, the larger part of a dashboard's time at scale."""
    return _bar_chart(
        get_language(),
        chart_id,
        title,
        desc,
        tuple(labels),
        tuple(values),
        unit,
        places,
        most,
        tuple(colours) if colours else None,
        note,
    )


@lru_cache(maxsize=256)
def _bar_chart(
    _language, chart_id, title, desc, labels, values, unit, places, most, colours, note
) -> SafeString:
    if len(labels) > most:
        largest = sorted(range(len(labels)), key=lambda index: values[index] or 0, reverse=True)[
            :most
        ]
        title = _many_title(title, most, len(labels))
        labels, values = [labels[i] for i in largest], [values[i] for i in largest]
        colours = [colours[i] for i in largest] if colours is not None else None
    with _LOCK, matplotlib.rc_context(RC):
        height = max(1.6, 0.45 * len(labels) + 0.9) + (0.25 if note else 0)
        figure = _figure(height=height)
        axes = figure.add_subplot()
        positions = list(range(len(labels)))
        widths = [float(value or 0) for value in values]
        colours = colours or [PALETTE[index % len(PALETTE)] for index in positions]
        axes.barh(positions, widths, color=list(colours), height=0.6)
        axes.set_yticks(positions, [str(label) for label in labels])
        axes.invert_yaxis()
        for position, width, value in zip(positions, widths, values, strict=True):
            axes.annotate(
                number_text(value, places),
                (width, position),
                textcoords="offset points",
                xytext=(4, 0),
                va="center",
                color="#1e2a30",
            )
        axes.set_xlabel(unit)
        axes.xaxis.set_major_locator(MaxNLocator(integer=places == 0))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: number_text(x, places)))
        axes.margins(x=0.2)
        if note:
            figure.suptitle(note, fontsize=9, color="#1e2a30", x=0.01, ha="left")
        return _svg(figure, title, desc, chart_id)


def _largest(values: Sequence[Decimal | int | None], most: int) -> list[int]:
    """The indexes of the `most` largest values, in their original order."""
    ranked = sorted(range(len(values)), key=lambda index: values[index] or 0, reverse=True)
    return sorted(ranked[:most])


def _many_title(title: str, most: int, count: int) -> str:
    return _("%(title)s: the %(most)d largest of %(count)d") % {
        "title": title,
        "most": most,
        "count": count,
    }


def no_data_chart(*, chart_id: str, title: str, message: str, note: str = "") -> SafeString:
    """What a chart shows when there is nothing to draw: its message (and a note, such as a
    figure a source states without rows behind it), as text, in the same frame."""
    with _LOCK, matplotlib.rc_context(RC):
        figure = _figure(height=1.2 if not note else 1.5)
        axes = figure.add_subplot()
        axes.set_axis_off()
        axes.text(0.5, 0.62 if note else 0.5, message, ha="center", va="center", color=MUTED)
        if note:
            axes.text(0.5, 0.2, note, ha="center", va="center", color="#1e2a30")
        return _svg(figure, title, " ".join(part for part in (message, note) if part), chart_id)


@dataclass(frozen=True)
class Bars:
    """One series of a grouped bar chart: a value per group, and optionally the text written
    at the end of each bar (otherwise the value; a missing one "—")."""

    label: str
    values: Sequence[Decimal | int | None]
    texts: Sequence[str] | None = None
    colour: str | None = None


def grouped_bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Bars],
    unit: str,
    places: int = 0,
    note: str = "",
    empty: str = "",
    most: int = MOST_BARS,
) -> SafeString:
    """Horizontal bars, one per series in each group (budget and spent per category; women
    and men per kind of reach), each with its value written at its end, and a legend. Past
    `most` groups only the largest (by the first series) are drawn, as in `bar_chart`. With
    no group or no value at all it is the `empty` chart (`no_data_chart`)."""
    if not labels or not series or all(v is None for bars in series for v in bars.values):
        return no_data_chart(chart_id=chart_id, title=title, message=empty, note=note)
    if len(labels) > most:
        keep = _largest(series[0].values, most)
        title = _many_title(title, most, len(labels))
        labels = [labels[i] for i in keep]
        series = [
            Bars(
                bars.label,
                [bars.values[i] for i in keep],
                [bars.texts[i] for i in keep] if bars.texts is not None else None,
                bars.colour,
            )
            for bars in series
        ]
    with _LOCK, matplotlib.rc_context(RC):
        count = len(series)
        height = max(1.8, (0.3 * count + 0.25) * len(labels) + 1.3 + (0.25 if note else 0))
        figure = _figure(height=height)
        axes = figure.add_subplot()
        thickness = 0.8 / count
        groups = list(range(len(labels)))
        for number, bars in enumerate(series):
            offset = (number - (count - 1) / 2) * thickness
            positions = [group + offset for group in groups]
            widths = [float(value or 0) for value in bars.values]
            axes.barh(
                positions,
                widths,
                height=thickness * 0.9,
                color=bars.colour or PALETTE[number % len(PALETTE)],
                label=bars.label,
            )
            texts = bars.texts or [number_text(value, places) for value in bars.values]
            for position, width, text in zip(positions, widths, texts, strict=True):
                axes.annotate(
                    text,
                    (width, position),
                    textcoords="offset points",
                    xytext=(4, 0),
                    va="center",
                    color="#1e2a30",
                    fontsize=8,
                )
        axes.set_yticks(groups, [str(label) for label in labels])
        axes.invert_yaxis()
        axes.set_xlabel(unit)
        axes.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=places == 0))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: number_text(x, places)))
        axes.margins(x=0.3)
        figure.legend(loc="outside lower center", ncols=count, frameon=False, fontsize=8)
        if note:
            figure.suptitle(note, fontsize=9, color="#1e2a30", x=0.01, ha="left")
        return _svg(figure, title, desc, chart_id)


# --- charts of a programme's budget, people reached and results framework ----------------------
# They take what pilots.budget and metrics.figures compute (budget use, reach totals, a progress
# report's share) and draw it; the page's tables hold the same figures.

RATING_COLOURS = {
    "met": TEAL,
    "mostly_met": TEAL_LIGHT,
    "partly_met": WARN,
    "not_met": "#b42318",
}


def _pct_text(value) -> str:
    return "—" if value is None else f"{number_text(value, 1)}%"


def budget_use_note(use) -> str:
    """Budget use as computed and, where a source states it, as stated."""
    parts = []
    if use.use_pct is not None:
        parts.append(_("Budget use (computed): %(pct)s") % {"pct": _pct_text(use.use_pct)})
    if use.stated_pct is not None:
        stated = _("Budget use (stated): %(pct)s") % {"pct": _pct_text(use.stated_pct)}
        if use.stated_source:
            stated += f" ({use.stated_source})"
        parts.append(stated)
    return "; ".join(parts)


def budget_use_chart(use, *, chart_id: str = "chart-budget-use") -> SafeString:
    """Budget and spending in USD per category (`pilots.budget.BudgetUse.by_category`), each
    spent bar with its budget use, and the stated use beside the computed one."""
    groups = use.by_category
    labels = [str(group.label) for group in groups]
    budget_values = [group.budget.usd for group in groups]
    spent_values = [group.spent.usd for group in groups]
    spent_texts = [
        number_text(group.spent.usd, 0)
        + (f" ({_pct_text(group.use_pct)})" if group.use_pct is not None else "")
        for group in groups
    ]
    note = budget_use_note(use)
    desc = "; ".join(
        _("%(label)s: budget %(budget)s, spent %(spent)s, use %(use)s")
        % {
            "label": label,
            "budget": number_text(group.budget.usd, 0),
            "spent": number_text(group.spent.usd, 0),
            "use": _pct_text(group.use_pct),
        }
        for label, group in zip(labels, groups, strict=True)
    )
    return grouped_bar_chart(
        chart_id=chart_id,
        title=_("Budget and spending per category (USD)"),
        desc=". ".join(part for part in (desc, note) if part),
        labels=labels,
        series=[
            Bars(_("Budget"), budget_values, colour=TEAL_LIGHT),
            Bars(_("Spent"), spent_values, spent_texts, colour=TEAL),
        ],
        unit=_("USD"),
        note=note,
        empty=(
            _("No USD value to chart: a rate is missing.")
            if groups
            else _("No budget lines recorded.")
        ),
    )


def people_reached_chart(totals, *, chart_id: str = "chart-people-reached") -> SafeString:
    """People trained, interviewed or reached by sex (`pilots.budget.reach_totals`), each part
    with its share of the total; a part no row counts is left out, the part not broken down by
    sex is drawn when there is one."""
    labels = [str(entry.label) for entry in totals]
    parts = [
        ("women", _("Women"), "women_pct", PALETTE[0]),
        ("men", _("Men"), "men_pct", PALETTE[3]),
        ("other", _("Other or unknown"), "other_pct", PALETTE[2]),
    ]
    series = []
    for name, label, share, colour in parts:
        values = [getattr(entry, name) for entry in totals]
        if all(value is None for value in values):
            continue
        texts = [
            "—"
            if value is None
            else f"{number_text(value, 0)} ({_pct_text(getattr(entry.shares, share))})"
            for entry, value in zip(totals, values, strict=True)
        ]
        series.append(Bars(label, values, texts, colour))
    unrecorded = [entry.shares.unrecorded for entry in totals]
    if any(unrecorded):
        series.append(
            Bars(
                _("Not broken down"),
                unrecorded,
                [
                    f"{number_text(value, 0)} ({_pct_text(entry.shares.unrecorded_pct)})"
                    for entry, value in zip(totals, unrecorded, strict=True)
                ],
                MUTED,
            )
        )
    desc = "; ".join(
        f"{label}: {number_text(entry.total, 0)} ("
        + ", ".join(f"{bars.label} {bars.texts[index]}" for bars in series)
        + ")"
        for index, (label, entry) in enumerate(zip(labels, totals, strict=True))
    )
    return grouped_bar_chart(
        chart_id=chart_id,
        title=_("People reached by sex"),
        desc=desc,
        labels=labels,
        series=series,
        unit=_("People"),
        empty=_("No counts of people reached recorded."),
    )


def stated_share_note(compared) -> str:
    """The share of indicators met as a source states it (`metrics.figures.Compared`)."""
    if compared is None or compared.stated is None:
        return ""
    note = _("As stated: %(pct)s") % {"pct": _pct_text(compared.stated)}
    details = "; ".join(part for part in (compared.stated_text, compared.source) if part)
    return f"{note} ({details})" if details else note


def judgements_chart(share, *, compared=None, chart_id: str = "chart-judgements") -> SafeString:
    """How many indicators the latest progress report (`metrics.figures.ReportShare`, or None)
    judged met, mostly met, partly met and not met, with the share met or mostly met beside
    the share a source states (`compared`)."""
    stated_note = stated_share_note(compared)
    title = _("Indicators by judgement")
    if share is None:
        return no_data_chart(
            chart_id=chart_id,
            title=title,
            message=_("No progress report recorded yet."),
            note=stated_note,
        )
    title = _("Indicators by judgement: %(report)s (%(date)s)") % {
        "report": share.report.title,
        "date": share.report.date.isoformat(),
    }
    if not share.judged:
        return no_data_chart(
            chart_id=chart_id,
            title=title,
            message=_("The latest progress report judges no indicator."),
            note=stated_note,
        )
    labels = [str(label) for _value, label in Rating.choices]
    values = [share.counts.get(value, 0) for value in Rating.values]
    note = _("%(met)d of %(judged)d judged met or mostly met: %(share)s") % {
        "met": share.met,
        "judged": share.judged,
        "share": _pct_text(share.share),
    }
    if stated_note:
        note = f"{note}; {stated_note}"
    desc = "; ".join(f"{label}: {value}" for label, value in zip(labels, values, strict=True))
    return bar_chart(
        chart_id=chart_id,
        title=title,
        desc=f"{desc}. {note}",
        labels=labels,
        values=values,
        unit=_("Indicators"),
        colours=[RATING_COLOURS.get(value, MUTED) for value in Rating.values],
        note=note,
    )

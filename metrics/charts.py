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

import matplotlib
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

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

# rcParams are process-wide: one chart at a time per process.
_LOCK = threading.Lock()
_PREAMBLE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
# matplotlib names every group figure_1, axes_1...: the same ids in each chart of a page.
_GROUP_IDS = re.compile(r' id="[A-Za-z][A-Za-z0-9.]*_\d+"')


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
    text = _GROUP_IDS.sub("", text)
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


def _figure(width=6.4, height=3.2) -> Figure:
    with matplotlib.rc_context(RC):
        return Figure(figsize=(width, height), dpi=72, layout="constrained")


@dataclass(frozen=True)
class Series:
    """A dated series for a line chart: (date, value) points."""

    label: str
    points: Sequence[tuple[date, Decimal]]


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
    """Baseline and actuals over time (each point labelled with its value), the target as a
    dashed line."""
    with matplotlib.rc_context(RC):
        figure = _figure()
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
            for x, y, value in zip(xs, ys, (point[1] for point in points), strict=True):
                axes.annotate(
                    number_text(value),
                    (x, y),
                    textcoords="offset points",
                    xytext=(0, 7),
                    ha="center",
                    color="#1e2a30",
                )
            axes.set_xticks(xs, [x.isoformat() for x in xs])
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
        low = min([float(p[1]) for p in points] + ([float(target)] if target is not None else []))
        axes.set_ylim(bottom=min(0, low))
        axes.margins(x=0.15, y=0.2)
        if points:
            axes.legend(loc="lower left", frameon=False, fontsize=8)
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
) -> SafeString:
    """Horizontal bars, each with its value written at its end (missing values: "—"). Past
    `most` bars only the largest are drawn (a thousand labels take matplotlib half a minute);
    the page's table beside the chart holds them all."""
    if len(labels) > most:
        largest = sorted(range(len(labels)), key=lambda index: values[index] or 0, reverse=True)[
            :most
        ]
        title = _("%(title)s: the %(most)d largest of %(count)d") % {
            "title": title,
            "most": most,
            "count": len(labels),
        }
        labels, values = [labels[i] for i in largest], [values[i] for i in largest]
    with matplotlib.rc_context(RC):
        height = max(1.6, 0.45 * len(labels) + 0.9)
        figure = _figure(height=height)
        axes = figure.add_subplot()
        positions = list(range(len(labels)))
        widths = [float(value or 0) for value in values]
        colours = [PALETTE[index % len(PALETTE)] for index in positions]
        axes.barh(positions, widths, color=colours, height=0.6)
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
        return _svg(figure, title, desc, chart_id)

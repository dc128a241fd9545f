"""A metrics table's cell as the pages write it: header or data cell, link, badge, escaped."""

from metrics.exports import Cell, Column
from metrics.templatetags.metric_tables import metric_cell


def test_a_first_cell_is_the_row_header_and_text_is_escaped():
    cell = Cell(value="<b>", href="/pilots/1/?a=1&b=2")
    assert metric_cell(Column("Pilot"), cell, True) == (
        '<th scope="row" class=""><a href="/pilots/1/?a=1&amp;b=2">&lt;b&gt;</a></th>'
    )


def test_a_figure_is_numeric_with_its_tone_and_badge():
    cell = Cell(value=12, text="12.5", note="stated <15>", tone="warn")
    assert metric_cell(Column("USD", numeric=True), cell) == (
        '<td class="num cell-warn">12.5 '
        '<span class="badge badge-warn">stated &lt;15&gt;</span></td>'
    )


def test_a_note_without_a_tone_is_muted():
    assert metric_cell(Column("Status"), Cell(value="x", note="n")) == (
        '<td class="">x <span class="badge badge-muted">n</span></td>'
    )

"""A metrics table's cell, written in Python: a page of tables has a couple of thousand cells,
and including a template for each took a fifth of the programme dashboard's time."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def metric_cell(column, cell, first=False):
    """A row's first cell is its header (`th scope="row"`); the others are data cells."""
    tag = "th" if first else "td"
    classes = ("num" if column.numeric else "") + (f" cell-{cell.tone}" if cell.tone else "")
    scope = mark_safe(' scope="row"') if first else ""
    content = (
        format_html('<a href="{}">{}</a>', cell.href, cell.display) if cell.href else cell.display
    )
    # The template this replaces ran {% spaceless %}: no space between a link and its badge.
    note = (
        format_html(
            '{}<span class="badge badge-{}">{}</span>',
            "" if cell.href else " ",
            cell.tone or "muted",
            cell.note,
        )
        if cell.note
        else ""
    )
    return format_html('<{}{} class="{}">{}{}</{}>', tag, scope, classes, content, note, tag)

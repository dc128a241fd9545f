from django import template

from csrplatform.text import shorten as shorten_text

register = template.Library()


@register.filter
def shorten(value, limit):
    """`{{ text|shorten:80 }}`: cut on a word boundary, with an ellipsis."""
    return shorten_text(value, int(limit))

"""Text is shortened on word boundaries, with an ellipsis."""

import pytest
from django.template import Context, Template

from csrplatform.text import shorten


@pytest.mark.parametrize(
    ("text", "limit", "shortened"),
    [
        ("Overtime must first be approved by someone", 33, "Overtime must first be approved…"),
        (
            "Overtime must first be approved by someone",
            100,
            "Overtime must first be approved by someone",
        ),
        ("short", 5, "short"),
        ("line one\n  line two", 40, "line one line two"),
        ("Unbreakablelongword", 8, "Unbreak…"),
        ("Approved, then verified", 10, "Approved…"),
        ("", 10, ""),
        (None, 10, ""),
    ],
)
def test_shorten(text, limit, shortened):
    assert shorten(text, limit) == shortened
    assert len(shorten(text, limit)) <= limit


def test_the_template_filter():
    template = Template("{% load text %}{{ note|shorten:20 }}")
    rendered = template.render(Context({"note": "The supplier must first be approved by someone"}))
    assert rendered == "The supplier must…"

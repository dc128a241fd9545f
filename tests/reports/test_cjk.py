"""Chinese in the PDFs (issue 12, point 6): 深圳 renders with an embedded CJK font, not boxes."""

import shutil
import subprocess

import pytest

from pilots.models import Pilot
from reports.render import render_report_pdf
from suppliers.models import Organisation
from tests.conftest import skip_or_fail
from tests.reports.pdf_helpers import embedded_fonts, pdf_text

CHINESE_NAME = "深圳华强电子厂"


@pytest.fixture
def cjk_fonts():
    if shutil.which("fc-list") is None:
        skip_or_fail("fontconfig is missing: sudo apt-get install -y fontconfig fonts-noto-cjk")
    families = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
    ).stdout
    if "Noto Sans CJK SC" not in families:
        skip_or_fail("No CJK font: sudo apt-get install -y fonts-noto-cjk")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_chinese_supplier_name_renders_with_an_embedded_cjk_font(
    cjk_fonts, pilots, world, language
):
    Organisation.objects.filter(pk=world.supplier_x.organisation_id).update(
        name=CHINESE_NAME, local_name="深圳"
    )
    Pilot.objects.filter(pk=pilots.pilot_x.pk).update(
        context="工厂位于深圳宝安区。", title="深圳工人培训试点"
    )

    data = render_report_pdf(
        kind="pilot_summary",
        subject_id=pilots.pilot_x.pk,
        user=world.users["facilitator"],
        language=language,
    )

    text = pdf_text(data)
    assert CHINESE_NAME in text
    assert "深圳工人培训试点" in text
    assert "工厂位于深圳宝安区。" in text
    fonts = embedded_fonts(data)
    assert any("CJK" in name for name in fonts), fonts


def test_a_latin_only_report_needs_no_cjk_font(cjk_fonts, pilots, world):
    """The control: the CJK font is embedded because of the Chinese text, not always."""
    data = render_report_pdf(
        kind="pilot_summary",
        subject_id=pilots.pilot_x.pk,
        user=world.users["facilitator"],
        language="en",
    )
    assert "深圳" not in pdf_text(data)
    assert not any("CJK" in name for name in embedded_fonts(data))

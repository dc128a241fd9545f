"""The illustrative seeds/001 pilot in the demo: several factories, a comparison group, and
figures that say they are invented."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from csrplatform.accounts.models import User
from metrics import figures
from pilots.demo_child_spaces import EMAIL, INDICATOR, PILOT_TITLE, TITLE
from pilots.models import Pilot


@pytest.fixture
def pilot(db):
    call_command("load_demo", stdout=StringIO())
    return Pilot.objects.get(title=PILOT_TITLE, programme__title=TITLE)


# The demo table weighted by headcount, worked out by hand: factories 1 and 2 with their
# workers (1,200 and 800), factory 3 with the 600 workers of the workshop taking part; the
# comparison factories 4 and 5 with theirs (1,500 and 900).
PARTICIPANTS_2011 = Decimal(78 * 1200 + 81 * 800 + 75 * 600) / 2600
PARTICIPANTS_2012 = Decimal(88 * 1200 + 90 * 800 + 84 * 600) / 2600
COMPARISON_2011 = Decimal(77 * 1500 + 80 * 900) / 2400
COMPARISON_2012 = Decimal(80 * 1500 + 82 * 900) / 2400


def test_the_pilot_covers_three_factories_against_two(pilot):
    roles = sorted(pilot.sites.values_list("role", flat=True))
    assert roles == ["comparison"] * 2 + ["participant"] * 3
    assert "Illustrative" in pilot.programme.objectives
    assert "invented" in pilot.objectives


def test_retention_is_rolled_up_by_headcount_against_the_comparison_group(pilot):
    user = User.objects.get(email=EMAIL)
    (row,) = [r for r in figures.pilot_kpis(user, pilot) if r.indicator.name == INDICATOR]
    assert row.indicator.rollup == "weighted"
    assert row.baseline.value == PARTICIPANTS_2011
    assert row.latest.value == PARTICIPANTS_2012
    assert row.comparison_baseline.value == COMPARISON_2011
    assert row.comparison_latest.value == COMPARISON_2012
    assert row.change_beyond_comparison > 0
    assert row.latest.count == 3
    assert row.comparison_latest.count == 2


def test_the_facilitator_sees_sites_and_comparison_in_the_browser(pilot, client):
    client.force_login(User.objects.get(email=EMAIL))
    page = client.get(pilot.get_absolute_url()).text
    assert page.count("Comparison group") >= 2
    assert "Illustrative factory 4" in page
    kpis = client.get(reverse("metrics:pilot-kpis", args=[pilot.pk])).text
    assert "Participants and comparison group" in kpis

"""The illustrative seeds/001 pilot in the demo: several factories, a comparison group, and
figures that say they are invented."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from csrplatform.accounts.models import User
from metrics import figures
from pilots.demo_child_spaces import EMAIL, INDICATOR, PILOT_TITLE, SITES, TITLE
from pilots.models import Pilot


@pytest.fixture
def pilot(db):
    call_command("load_demo", stdout=StringIO())
    return Pilot.objects.get(title=PILOT_TITLE, programme__title=TITLE)


def _weighted(pilot, role, column):
    """The headcount-weighted mean of the demo table's column for the sites in `role`."""
    weights = {
        site.facility_id: site.headcount or site.facility.workers
        for site in pilot.sites.select_related("facility").filter(role=role)
    }
    values = {
        site.facility_id: Decimal(row[column])
        for site, row in zip(pilot.sites.order_by("id"), SITES, strict=True)
        if site.role == role
    }
    total = sum(weights.values())
    return sum(values[key] * weights[key] for key in weights) / total


def test_the_pilot_covers_three_factories_against_two(pilot):
    roles = sorted(pilot.sites.values_list("role", flat=True))
    assert roles == ["comparison"] * 2 + ["participant"] * 3
    assert "Illustrative" in pilot.programme.objectives
    assert "invented" in pilot.objectives


def test_retention_is_rolled_up_by_headcount_against_the_comparison_group(pilot):
    user = User.objects.get(email=EMAIL)
    (row,) = [r for r in figures.pilot_kpis(user, pilot) if r.indicator.name == INDICATOR]
    assert row.indicator.rollup == "weighted"
    assert row.baseline.value == _weighted(pilot, "participant", 4)
    assert row.latest.value == _weighted(pilot, "participant", 5)
    assert row.comparison_baseline.value == _weighted(pilot, "comparison", 4)
    assert row.comparison_latest.value == _weighted(pilot, "comparison", 5)
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

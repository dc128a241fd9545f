"""The findings a pilot summary lists: those that led to the pilot and those its audits found."""

import pytest
from django.db.models import Q

from audits.models import Finding
from reports import content


@pytest.fixture
def linked(world, pilots, audits):
    audits.finding_x.pilots.add(pilots.pilot_x)  # led to the pilot...
    audits.audit_x.pilots.add(pilots.pilot_x)  # ...and its audit did too: listed once
    audits.audit_y.pilots.add(pilots.pilot_x)  # found by an audit of the pilot
    return audits


def _as_before(user, pilot):
    """The findings as the summary read them before (an OR across both link tables)."""
    return list(
        Finding.objects.visible_to(user)
        .filter(Q(pilots=pilot) | Q(audit__pilots=pilot))
        .distinct()
        .order_by("audit__start_date", "id")
    )


def test_a_pilot_lists_each_linked_finding_once(world, pilots, linked):
    views = content._findings(world.users["facilitator"], pilots.pilot_x)

    assert [view.finding for view in views] == sorted(
        [linked.finding_x, linked.finding_y], key=lambda finding: finding.pk
    )
    assert {view.finding: view.led_to_pilot for view in views} == {
        linked.finding_x: True,
        linked.finding_y: False,
    }
    assert content._findings(world.users["facilitator"], pilots.pilot_y) == []


@pytest.mark.parametrize("role", ["facilitator", "customer_a", "customer_b", "supplier", "ngo"])
def test_each_user_gets_the_findings_the_or_query_gave(world, pilots, linked, role):
    user = world.users[role]
    for pilot in (pilots.pilot_x, pilots.pilot_y):
        views = content._findings(user, pilot)
        assert [view.finding for view in views] == _as_before(user, pilot)

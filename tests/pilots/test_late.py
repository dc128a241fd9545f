"""What is late: a phase that has not started by its planned start, a deliverable past due;
never what a stalled or discontinued pilot planned and will not do (the hotline pilot)."""

import datetime

import pytest

from pilots import services
from pilots.models import Deliverable, Phase, Pilot

TODAY = datetime.date(2008, 7, 1)
PAST = datetime.date(2008, 1, 11)


@pytest.fixture
def planned(world, pilots):
    facilitator = world.users["facilitator"]
    phase = services.phase_save(
        actor=facilitator, pilot=pilots.pilot_x, title="Assessment", planned_start=PAST
    )
    deliverable = services.deliverable_save(
        actor=facilitator, pilot=pilots.pilot_x, title="Assessment report", due_date=PAST
    )
    return phase, deliverable


def late_count(pilot):
    return Pilot.objects.with_list_related().get(pk=pilot.pk).late_deliverable_count


def test_an_open_pilots_unstarted_phase_and_undelivered_report_are_late(pilots, planned):
    phase, deliverable = planned
    assert phase.is_start_late(TODAY)
    assert deliverable.days_late(TODAY) == (TODAY - PAST).days
    assert late_count(pilots.pilot_x) == 1


@pytest.mark.parametrize("status", ["stalled", "discontinued"])
def test_a_halted_pilots_plans_are_not_late(world, pilots, planned, status):
    services.pilot_transition(
        actor=world.users["facilitator"],
        pilot=pilots.pilot_x,
        to_status=status,
        reason="The supplier and the NGO disagreed on the sampling protocol.",
    )
    phase = Phase.objects.get(pk=planned[0].pk)
    deliverable = Deliverable.objects.get(pk=planned[1].pk)
    assert not phase.is_start_late(TODAY)
    assert deliverable.days_late(TODAY) == 0
    assert not deliverable.is_late
    assert late_count(pilots.pilot_x) == 0


def test_what_was_done_late_stays_late_when_the_pilot_halts(world, pilots, planned):
    facilitator = world.users["facilitator"]
    phase, deliverable = planned
    services.deliverable_save(
        actor=facilitator,
        pilot=pilots.pilot_x,
        deliverable=deliverable,
        delivered_on=PAST + datetime.timedelta(days=10),
    )
    Phase.objects.filter(pk=phase.pk).update(actual_start=PAST + datetime.timedelta(days=3))
    services.pilot_transition(
        actor=facilitator, pilot=pilots.pilot_x, to_status="discontinued", reason="Ended."
    )
    assert Phase.objects.get(pk=phase.pk).is_start_late(TODAY)
    assert Deliverable.objects.get(pk=deliverable.pk).days_late(TODAY) == 10
    assert late_count(pilots.pilot_x) == 1


def test_the_pilot_page_flags_no_late_phase_of_a_discontinued_pilot(
    world, pilots, planned, page_client
):
    client = page_client("facilitator")
    assert 'badge-danger">late' in client.get(pilots.pilot_x.get_absolute_url()).content.decode()
    services.pilot_transition(
        actor=world.users["facilitator"],
        pilot=pilots.pilot_x,
        to_status="discontinued",
        reason="Ended at scoping.",
    )
    page = client.get(pilots.pilot_x.get_absolute_url()).content.decode()
    assert 'badge-danger">late' not in page

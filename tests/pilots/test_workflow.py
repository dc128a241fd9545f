"""The pilot workflow: legal moves only, recorded history, phases started only when agreed."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from csrplatform.reviews.models import ReviewEvent
from pilots import services
from pilots.choices import PilotStatus
from pilots.models import PilotStatusChange


def move(world, pilot, *statuses, reason="because"):
    for status in statuses:
        pilot = services.pilot_transition(
            actor=world.users["facilitator"], pilot=pilot, to_status=status, reason=reason
        )
    return pilot


def test_forward_moves_are_recorded_with_who_and_why(world, pilots):
    pilot = move(world, pilots.pilot_x, "scoping", "agreed")
    history = list(
        PilotStatusChange.objects.filter(pilot=pilot).values_list(
            "from_status", "to_status", "actor__email", "reason"
        )
    )
    assert history == [
        ("", "proposed", "facilitator@example.org", "Pilot proposed."),
        ("proposed", "scoping", "facilitator@example.org", "because"),
        ("scoping", "agreed", "facilitator@example.org", "because"),
    ]


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ((), "agreed"),  # proposed cannot skip scoping
        ((), "completed"),
        (("scoping",), "in_progress"),
        (("discontinued",), "scoping"),  # discontinued is final
        (("scoping", "agreed", "in_progress", "completed"), "stalled"),  # completed is final
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(world, pilots, path, target):
    pilot = move(world, pilots.pilot_x, *path)
    before = (pilot.status, PilotStatusChange.objects.count(), pilot.version)
    with pytest.raises(services.TransitionNotAllowed) as caught:
        services.pilot_transition(
            actor=world.users["facilitator"], pilot=pilot, to_status=target, reason="x"
        )
    assert "cannot become" in str(caught.value)
    pilot.refresh_from_db()
    assert (pilot.status, PilotStatusChange.objects.count(), pilot.version) == before


def test_stalled_and_discontinued_need_a_reason_and_come_from_any_open_state(world, pilots):
    with pytest.raises(ValidationError):
        services.pilot_transition(
            actor=world.users["facilitator"], pilot=pilots.pilot_x, to_status="stalled", reason=" "
        )
    pilot = move(world, pilots.pilot_x, "scoping", "stalled", reason="staff changes")
    # It resumes where it stopped, never skipping scoping or agreement.
    assert services.allowed_transitions(pilot) == ["scoping", "discontinued"]
    with pytest.raises(services.TransitionNotAllowed):
        services.pilot_transition(
            actor=world.users["facilitator"], pilot=pilot, to_status="in_progress"
        )
    pilot = move(world, pilot, "scoping", "discontinued", reason="impasse on sampling")
    assert services.allowed_transitions(pilot) == []


def test_only_the_facilitator_moves_a_pilot(world, pilots):
    for role in ("customer_a", "supplier", "ngo"):
        with pytest.raises(PermissionDenied):
            services.pilot_transition(
                actor=world.users[role], pilot=pilots.pilot_x, to_status="scoping"
            )


def test_phase_starts_only_after_every_required_participant_agreed(world, pilots):
    facilitator = world.users["facilitator"]
    pilot = move(world, pilots.pilot_x, "scoping", "agreed")
    phase = pilots.phase_x1
    with pytest.raises(services.TransitionNotAllowed, match="Still waiting for"):
        services.phase_start(actor=facilitator, phase=phase)

    services.phase_request_agreement(actor=facilitator, phase=phase)
    services.phase_agree(actor=world.users["supplier"], phase=phase)
    services.phase_agree(actor=world.users["customer_a"], phase=phase, note="Fine by us")
    with pytest.raises(services.TransitionNotAllowed) as caught:
        services.phase_start(actor=facilitator, phase=phase)
    assert "Training NGO" in str(caught.value)
    assert "Supplier X" not in str(caught.value)

    services.phase_agree(actor=world.users["ngo"], phase=phase)
    services.phase_agree(actor=facilitator, phase=phase, organisation=world.facilitator_org)
    phase = services.phase_start(actor=facilitator, phase=phase)
    pilot.refresh_from_db()
    assert phase.status == "in_progress"
    assert pilot.status == PilotStatus.IN_PROGRESS
    assert pilot.status_changes.last().reason == "Phase 1 started."
    approvals = ReviewEvent.objects.filter(action="approved").values_list(
        "actor__email", "on_behalf_of__name"
    )
    assert set(approvals) == {
        ("supplier@example.org", "Supplier X"),
        ("customer-a@example.org", "Customer A"),
        ("ngo@example.org", "Training NGO"),
        ("facilitator@example.org", "Facilitator Org"),
    }


def test_a_returned_agreement_blocks_the_phase_until_asked_again(world, pilots):
    facilitator = world.users["facilitator"]
    move(world, pilots.pilot_x, "scoping", "agreed")
    phase = pilots.phase_x1
    services.phase_request_agreement(actor=facilitator, phase=phase)
    with pytest.raises(ValidationError):
        services.phase_decline(actor=world.users["supplier"], phase=phase, reason="")
    services.phase_decline(
        actor=world.users["supplier"], phase=phase, reason="Sampling protocol not acceptable"
    )
    assert world.supplier_x.organisation in services.missing_agreements(phase)
    requested = services.phase_request_agreement(actor=facilitator, phase=phase)
    assert [review.reviewer for review in requested] == [world.supplier_x.organisation]


def test_outsiders_cannot_agree_for_others(world, pilots):
    services.phase_request_agreement(actor=world.users["facilitator"], phase=pilots.phase_x1)
    with pytest.raises(PermissionDenied):
        services.phase_agree(actor=world.users["customer_b"], phase=pilots.phase_x1)
    with pytest.raises(PermissionDenied):
        services.phase_agree(
            actor=world.users["customer_a"],
            phase=pilots.phase_x1,
            organisation=world.supplier_x.organisation,
        )


def test_declined_invitation_is_kept_with_its_reason(world, pilots):
    from tests.factories import SupplierFactory

    declined = SupplierFactory(organisation__name="Declining supplier")
    participant = services.participant_invite(
        actor=world.users["facilitator"],
        pilot=pilots.pilot_x,
        organisation=declined.organisation,
        role="supplier",
    )
    with pytest.raises(ValidationError):
        services.participant_respond(
            actor=world.users["facilitator"], participant=participant, accept=False
        )
    services.participant_respond(
        actor=world.users["facilitator"],
        participant=participant,
        accept=False,
        reason="No clear benefits; too much work",
    )
    participant.refresh_from_db()
    assert participant.invitation_status == "declined"
    assert participant.decline_reason == "No clear benefits; too much work"
    # A declined participant is not asked to agree to phases.
    assert declined.organisation not in services.required_agreers(pilots.phase_x1)


def test_concurrent_edits_do_not_silently_overwrite(world, pilots):
    facilitator = world.users["facilitator"]
    opened_version = pilots.pilot_x.version
    services.pilot_update(
        actor=facilitator,
        pilot=pilots.pilot_x,
        expected_version=opened_version,
        outcomes="First editor's outcomes",
    )
    with pytest.raises(services.EditConflict, match="after you opened it"):
        services.pilot_update(
            actor=facilitator,
            pilot=pilots.pilot_x,
            expected_version=opened_version,
            outcomes="Second editor's",
        )
    pilots.pilot_x.refresh_from_db()
    assert pilots.pilot_x.outcomes == "First editor's outcomes"


def test_changing_a_phases_terms_withdraws_agreements_given_to_the_old_terms(world, pilots):
    facilitator = world.users["facilitator"]
    move(world, pilots.pilot_x, "scoping", "agreed")
    phase = pilots.phase_x1
    services.phase_request_agreement(actor=facilitator, phase=phase)
    services.phase_agree(actor=world.users["supplier"], phase=phase)
    # A change that is not a term (the number) keeps the agreement.
    services.phase_save(
        actor=facilitator,
        pilot=pilots.pilot_x,
        phase=phase,
        objectives="Assess worker training, including dormitories",
    )
    assert world.supplier_x.organisation in services.missing_agreements(phase)
    statuses = set(phase_reviews(phase).values_list("status", flat=True))
    assert statuses == {"withdrawn"}
    asked_again = services.phase_request_agreement(actor=facilitator, phase=phase)
    assert len(asked_again) == len(services.required_agreers(phase))


def phase_reviews(phase):
    from csrplatform.reviews.models import Review

    return Review.objects.for_subject(phase)


def test_a_started_phase_keeps_its_terms(world, pilots):
    facilitator = world.users["facilitator"]
    move(world, pilots.pilot_x, "scoping", "agreed")
    phase = pilots.phase_x1
    services.phase_request_agreement(actor=facilitator, phase=phase)
    for organisation in services.missing_agreements(phase):
        services.phase_agree(actor=facilitator, phase=phase, organisation=organisation)
    phase = services.phase_start(actor=facilitator, phase=phase)
    with pytest.raises(ValidationError, match="has started"):
        services.phase_save(
            actor=facilitator, pilot=pilots.pilot_x, phase=phase, title="Something else"
        )


def test_only_the_programmes_facilitator_records_answers_for_others(world, pilots):
    from tests.factories import OrganisationFactory, member

    other_facilitator = member(OrganisationFactory(name="Other facilitator", kind="facilitator"))
    services.phase_request_agreement(actor=world.users["facilitator"], phase=pilots.phase_x1)
    with pytest.raises(PermissionDenied):
        services.phase_agree(
            actor=other_facilitator,
            phase=pilots.phase_x1,
            organisation=world.supplier_x.organisation,
        )

"""Flows without traps: a participant agrees only after accepting its invitation, open
invitations wait in the invitee's inbox, and the phase card offers only legal moves, each one
not possible yet with its reason."""

import pytest
from django.core.exceptions import ValidationError

from csrplatform.inbox import inbox_count, inbox_items
from csrplatform.reviews import services as reviews
from csrplatform.reviews.models import Review, ReviewKind
from pilots import services
from pilots.selectors import pilot_story
from tests.factories import OrganisationFactory, member


@pytest.fixture
def newcomer(world, pilots):
    """An NGO invited to pilot X that has not answered yet, with one editor."""
    organisation = OrganisationFactory(
        name="Late NGO", kind="civil_society", civil_society_type="ngo"
    )
    user = member(organisation, email="late-ngo@example.org")
    participant = services.participant_invite(
        actor=world.users["facilitator"],
        pilot=pilots.pilot_x,
        organisation=organisation,
        role="civil_society_partner",
    )
    return participant, user


def move(world, pilot, *statuses):
    for status in statuses:
        pilot = services.pilot_transition(
            actor=world.users["facilitator"], pilot=pilot, to_status=status
        )
    return pilot


def agree_all_asked(world, phase):
    for organisation in services.missing_agreements(phase):
        if Review.objects.for_subject(phase).pending().filter(reviewer=organisation).exists():
            services.phase_agree(
                actor=world.users["facilitator"], phase=phase, organisation=organisation
            )


def offered(world, pilot, phase, role="facilitator"):
    story = pilot_story(pilot, world.users[role])
    view = next(view for view in story["phases"] if view.phase.pk == phase.pk)
    return {action.name: action for action in view.offered}


def test_an_open_invitation_is_not_asked_to_agree_and_blocks_the_start(world, pilots, newcomer):
    participant, _user = newcomer
    facilitator = world.users["facilitator"]
    phase = pilots.phase_x1
    move(world, pilots.pilot_x, "scoping", "agreed")

    asked = services.phase_request_agreement(actor=facilitator, phase=phase)
    assert participant.organisation not in [review.reviewer for review in asked]
    agree_all_asked(world, phase)
    # Everyone asked agreed, but the invitation is unanswered: the phase does not start.
    with pytest.raises(services.TransitionNotAllowed, match="has not answered the invitation"):
        services.phase_start(actor=facilitator, phase=phase)


def test_an_invitee_cannot_agree_before_accepting(world, pilots, newcomer):
    participant, user = newcomer
    phase = pilots.phase_x1
    services.phase_request_agreement(actor=world.users["facilitator"], phase=phase)
    # Even a request made some other way (an older request, the API) cannot be answered.
    reviews.review_request(
        actor=world.users["facilitator"],
        subject=phase,
        kind=ReviewKind.PHASE_AGREEMENT,
        reviewer=participant.organisation,
    )
    with pytest.raises(ValidationError, match="has not accepted the invitation"):
        services.phase_agree(actor=user, phase=phase)
    with pytest.raises(ValidationError, match="has not accepted the invitation"):
        services.phase_decline(actor=user, phase=phase, reason="No")
    with pytest.raises(ValidationError, match="has not accepted the invitation"):
        services.phase_agree(
            actor=world.users["facilitator"], phase=phase, organisation=participant.organisation
        )


def test_accepting_joins_the_agreement_already_asked_and_the_phase_can_start(
    world, pilots, newcomer
):
    participant, user = newcomer
    facilitator = world.users["facilitator"]
    phase = pilots.phase_x1
    move(world, pilots.pilot_x, "scoping", "agreed")
    services.phase_request_agreement(actor=facilitator, phase=phase)

    # Given the invitation waits in the invitee's inbox (and nowhere else's)
    items = inbox_items(user)
    assert [item.what for item in items] == ["Invitation to pilot Pilot X"]
    assert items[0].url.endswith(f"#invitation-{participant.pk}")
    assert inbox_count(user) == 1
    assert not any("Invitation" in item.what for item in inbox_items(world.users["ngo"]))

    # When it accepts, it is asked to agree to the phase already put to agreement
    services.participant_respond(actor=user, participant=participant, accept=True)
    assert [item.what for item in inbox_items(user)] == ["Agreement to a phase: 1. Benchmarking"]
    assert inbox_count(user) == 1
    pending = Review.objects.for_subject(phase).pending().get(reviewer=participant.organisation)
    assert pending.requested_by == facilitator

    # Then it agrees, and once everyone has, the phase starts
    services.phase_agree(actor=user, phase=phase)
    agree_all_asked(world, phase)
    assert services.phase_start(actor=facilitator, phase=phase).status == "in_progress"


def test_asking_twice_is_refused_with_the_reason(world, pilots):
    facilitator = world.users["facilitator"]
    services.phase_request_agreement(actor=facilitator, phase=pilots.phase_x1)
    with pytest.raises(services.TransitionNotAllowed, match="Already asked; waiting for"):
        services.phase_request_agreement(actor=facilitator, phase=pilots.phase_x1)


def test_the_phase_card_offers_only_legal_moves_with_reasons(world, pilots, newcomer):
    participant, user = newcomer
    facilitator = world.users["facilitator"]
    pilot, phase = pilots.pilot_x, pilots.phase_x1

    # Proposed, nobody asked: asking is the main button; starting says why not.
    actions = offered(world, pilot, phase)
    assert list(actions) == ["request-agreement", "start"]
    assert actions["request-agreement"].enabled
    assert actions["request-agreement"].primary
    assert "phases start once the pilot is agreed" in actions["start"].reason
    assert not actions["start"].primary

    # Asked: asking again is not offered as possible, and says whom we wait for.
    services.phase_request_agreement(actor=facilitator, phase=phase)
    actions = offered(world, pilot, phase)
    assert not actions["request-agreement"].enabled
    assert "Already asked; waiting for" in actions["request-agreement"].reason

    # Everyone asked agreed, the pilot is agreed, but one invitation is open.
    agree_all_asked(world, phase)
    pilot = move(world, pilot, "scoping", "agreed")
    actions = offered(world, pilot, phase)
    assert "Late NGO to answer the invitation" in actions["request-agreement"].reason
    assert "has not answered the invitation" in actions["start"].reason

    # It accepts and agrees: start is the one main button left, asking is gone.
    services.participant_respond(actor=user, participant=participant, accept=True)
    services.phase_agree(actor=user, phase=phase)
    actions = offered(world, pilot, phase)
    assert list(actions) == ["start"]
    assert actions["start"].enabled
    assert actions["start"].primary

    services.phase_start(actor=facilitator, phase=phase)
    actions = offered(world, pilot, phase)
    assert list(actions) == ["complete"]
    # Participants who do not run the pilot are offered none of these moves.
    assert offered(world, pilot, phase, role="customer_a") == {}


def test_the_pilot_page_shows_the_reason_in_place_and_the_invitation(
    world, pilots, newcomer, page_client, client
):
    participant, user = newcomer
    services.phase_request_agreement(actor=world.users["facilitator"], phase=pilots.phase_x1)
    page = page_client("facilitator").get(pilots.pilot_x.get_absolute_url()).content.decode()
    assert "Agreement needed for phases" in page
    assert "Agrees to phases" not in page
    assert "Already asked; waiting for" in page
    assert 'data-action="start"' in page
    assert "phases start once the pilot is agreed" in page

    client.force_login(user)
    page = client.get(pilots.pilot_x.get_absolute_url()).content.decode()
    assert f'id="invitation-{participant.pk}"' in page
    assert "Accept the invitation" in page

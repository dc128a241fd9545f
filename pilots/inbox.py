"""What pilots ask of people: invitations to answer, phases to agree to, assessments to
reply to."""

from django.db.models import Q
from django.utils.translation import gettext as _

from csrplatform import access, inbox
from csrplatform.inbox import InboxItem, pending_reviews
from csrplatform.reviews.models import Review, ReviewKind

from .choices import InvitationStatus
from .models import Document, Phase, PilotParticipant


def open_invitations(user):
    """Invitations to pilots still open for organisations the user writes for."""
    writable = access.actor_for(user).writable_org_ids
    return PilotParticipant.objects.visible_to(user).filter(
        organisation_id__in=writable, invitation_status=InvitationStatus.INVITED
    )


@inbox.source
def invitation_inbox_items(user) -> list[InboxItem]:
    """Invitations to pilots the user's organisation has not answered yet."""
    invitations = open_invitations(user).select_related("pilot", "organisation")
    return [
        InboxItem(
            what=_("Invitation to pilot %(pilot)s") % {"pilot": participant.pilot.title},
            # The pilot's page opens on the invitation, with accept and decline.
            url=f"{participant.pilot.get_absolute_url()}#invitation-{participant.pk}",
            context=participant.pilot.title,
            context_url=participant.pilot.get_absolute_url(),
            organisation=participant.organisation.name,
            since=participant.invited_on or participant.pilot.created_at,
        )
        for participant in invitations.order_by("invited_on", "pk")
    ]


@inbox.counter
def pilot_inbox_count(user) -> list:
    """One row per pilots' inbox item (counted by `inbox.inbox_count`)."""
    writable = access.actor_for(user).writable_org_ids
    reviews = (
        Review.objects.pending()
        .filter(reviewer_id__in=writable)
        .filter(
            Q(
                kind=ReviewKind.PHASE_AGREEMENT,
                object_id__in=Phase.objects.visible_to(user).values("pk"),
            )
            | Q(
                kind=ReviewKind.ASSESSMENT_REPLY,
                object_id__in=Document.objects.visible_to(user).values("pk"),
            )
        )
    )
    return [reviews.values("pk"), open_invitations(user).values("pk")]


@inbox.source
def pilot_inbox_items(user) -> list[InboxItem]:
    """Phases waiting for the user's agreement, assessments waiting for their reply."""
    reviews = pending_reviews(user, (ReviewKind.PHASE_AGREEMENT, ReviewKind.ASSESSMENT_REPLY))
    phase_ids = [r.object_id for r in reviews if r.kind == ReviewKind.PHASE_AGREEMENT]
    document_ids = [r.object_id for r in reviews if r.kind == ReviewKind.ASSESSMENT_REPLY]
    phases = Phase.objects.visible_to(user).select_related("pilot").in_bulk(phase_ids)
    documents = (
        Document.objects.visible_to(user)
        .with_shown_versions(user)
        .select_related("pilot")
        .in_bulk(document_ids)
    )
    items = []
    for review in reviews:
        if review.kind == ReviewKind.PHASE_AGREEMENT:
            subject = phases.get(review.object_id)
            url = subject and subject.get_absolute_url()
        else:
            subject = documents.get(review.object_id)
            url = subject and f"{subject.pilot.get_absolute_url()}#document-{subject.pk}"
        if subject is None:
            continue
        # A document's version as the user counts them (a hidden earlier one is not counted).
        name = (
            f"{subject.title} (v{subject.shown_version})"
            if review.kind == ReviewKind.ASSESSMENT_REPLY
            else str(subject)
        )
        items.append(
            InboxItem(
                what=f"{review.get_kind_display()}: {name}",
                url=url,
                context=subject.pilot.title,
                context_url=subject.pilot.get_absolute_url(),
                organisation=review.reviewer.name,
                since=review.requested_at,
            )
        )
    return items

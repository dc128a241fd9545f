"""What pilots ask of people: phases to agree to, assessments to reply to."""

from csrplatform import inbox
from csrplatform.inbox import InboxItem, pending_reviews
from csrplatform.reviews.models import ReviewKind

from .models import Document, Phase


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

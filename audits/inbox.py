"""What audits ask of people: corrective actions to verify, overdue actions to fix."""

from django.db.models import Q
from django.utils.translation import gettext as _

from csrplatform import access, inbox
from csrplatform.inbox import InboxItem, pending_reviews
from csrplatform.reviews.models import Review, ReviewKind

from .choices import ActionStatus
from .models import CorrectiveAction


def _overdue_owned(user, actions):
    """Overdue actions the user owns or, with no owner named, the user's supplier must fix
    (a submitted one waits on its verifier, not on them)."""
    suppliers = access.actor_for(user).orgs_of_kind("supplier", writable=True)
    return (
        actions.overdue()
        .exclude(status=ActionStatus.SUBMITTED)
        .filter(
            Q(owner=user)
            | Q(
                owner__isnull=True,
                finding__audit__facility__supplier__organisation_id__in=suppliers,
            )
        )
    )


@inbox.source
def audit_inbox_items(user) -> list[InboxItem]:
    """Actions waiting for the user's verification, and overdue actions the user owns (or,
    with no owner named, that the user's supplier must fix)."""
    items = []
    reviews = pending_reviews(user, (ReviewKind.ACTION_VERIFICATION,))
    actions = (
        CorrectiveAction.objects.visible_to(user)
        .with_list_related()
        .in_bulk([review.object_id for review in reviews])
    )
    for review in reviews:
        action = actions.get(review.object_id)
        if action is None:
            continue
        audit = action.finding.audit
        items.append(
            InboxItem(
                what=_("Verify: %(action)s") % {"action": action},
                url=action.get_absolute_url(),
                context=str(audit),
                context_url=audit.get_absolute_url(),
                organisation=review.reviewer.name,
                since=review.requested_at,
            )
        )
    mine = _overdue_owned(user, CorrectiveAction.objects.visible_to(user)).with_list_related()
    for action in mine:
        audit = action.finding.audit
        items.append(
            InboxItem(
                what=_("Overdue: %(action)s") % {"action": action},
                url=action.get_absolute_url(),
                context=str(audit),
                context_url=audit.get_absolute_url(),
                organisation=audit.facility.supplier.organisation.name,
                since=action.due_date,
                late=True,
            )
        )
    return items


@inbox.counter
def audit_inbox_count(user) -> list:
    """One row per audits' inbox item (counted by `inbox.inbox_count`)."""
    writable = access.actor_for(user).writable_org_ids
    visible = CorrectiveAction.objects.visible_to(user)
    to_verify = Review.objects.pending().filter(
        reviewer_id__in=writable,
        kind=ReviewKind.ACTION_VERIFICATION,
        object_id__in=visible.values("pk"),
    )
    return [to_verify.values("pk"), _overdue_owned(user, visible).values("pk")]

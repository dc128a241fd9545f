"""The inbox: what waits on a user, gathered from every app that asks things of people."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from csrplatform import access
from csrplatform.reviews.models import Review


@dataclass
class InboxItem:
    what: str
    url: str
    context: str
    context_url: str
    organisation: str
    since: datetime | date
    late: bool = False

    @property
    def since_date(self) -> date:
        if isinstance(self.since, datetime):
            return timezone.localtime(self.since).date()
        return self.since


def pending_reviews(user, kinds) -> list[Review]:
    """Reviews of these kinds asked of organisations the user writes for."""
    writable = access.actor_for(user).writable_org_ids
    return list(
        Review.objects.pending()
        .filter(reviewer_id__in=writable, kind__in=kinds)
        .select_related("reviewer", "requested_by")
    )


def inbox_items(user) -> list[InboxItem]:
    from audits.selectors import audit_inbox_items
    from pilots.selectors import pilot_inbox_items

    items = [*pilot_inbox_items(user), *audit_inbox_items(user)]
    return sorted(items, key=lambda item: (not item.late, item.since_date))

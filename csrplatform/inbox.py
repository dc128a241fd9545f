"""The inbox: what waits on a user, gathered from every app that asks things of people.

Apps contribute with the `@source` decorator in their `inbox.py`; `csrplatform.apps` imports
those modules when Django starts, so this module imports no app.
"""

from collections.abc import Callable
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


InboxSource = Callable[[object], list[InboxItem]]
_SOURCES: list[InboxSource] = []


def source(func: InboxSource) -> InboxSource:
    """Register `func(user) -> list[InboxItem]` as one of the inbox's sources."""
    if func not in _SOURCES:
        _SOURCES.append(func)
    return func


def registered_sources() -> tuple[InboxSource, ...]:
    return tuple(_SOURCES)


InboxCounter = Callable[[object], list]
_COUNTERS: list[InboxCounter] = []


def counter(func: InboxCounter) -> InboxCounter:
    """Register `func(user) -> [queryset, ...]`: querysets with one row per item a source
    gives the user (`.values("pk")`, unevaluated). The menu shows the count on every page, so
    all of them are counted together in one query."""
    if func not in _COUNTERS:
        _COUNTERS.append(func)
    return func


#: The menu's badge counts up to this many items and then says "99+": a facilitator's inbox
#: can hold thousands, and the badge is on every page.
BADGE_LIMIT = 99


def inbox_count(user, *, limit: int | None = None) -> int:
    """How many items wait on the user, from one query over the union of the counters' rows;
    with `limit`, at most `limit + 1` (reading no more rows than that)."""
    if user is None or not user.is_authenticated:
        return 0
    parts = [part.order_by() for count in _COUNTERS for part in count(user)]
    if not parts:
        return 0
    rows = parts[0].union(*parts[1:], all=True)
    if limit is None:
        return rows.count()
    return len(rows.order_by()[: limit + 1])


def inbox_badge(user) -> str:
    """The menu's count of waiting items: "" for none, "99+" past BADGE_LIMIT."""
    count = inbox_count(user, limit=BADGE_LIMIT)
    if count > BADGE_LIMIT:
        return f"{BADGE_LIMIT}+"
    return str(count) if count else ""


def pending_reviews(user, kinds) -> list[Review]:
    """Reviews of these kinds asked of organisations the user writes for."""
    writable = access.actor_for(user).writable_org_ids
    return list(
        Review.objects.pending()
        .filter(reviewer_id__in=writable, kind__in=kinds)
        .select_related("reviewer", "requested_by")
    )


def inbox_items(user) -> list[InboxItem]:
    items = [item for gather in _SOURCES for item in gather(user)]
    return sorted(items, key=lambda item: (not item.late, item.since_date))

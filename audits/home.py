"""What the home page shows of audits: corrective actions due and overdue."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from csrplatform import home
from csrplatform.home import HomeSection

from .choices import ActionStatus
from .models import CorrectiveAction

DUE_SOON_DAYS = 30
SHOWN_ACTIONS = 8


@home.section
def actions_due(user) -> HomeSection | None:
    """The user's visible corrective actions not yet verified: overdue and due within
    DUE_SOON_DAYS, counted in one aggregate, and the first few by due date."""
    today = timezone.localdate()
    soon = today + timedelta(days=DUE_SOON_DAYS)
    unverified = CorrectiveAction.objects.visible_to(user).exclude(status=ActionStatus.VERIFIED)
    counts = unverified.order_by().aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(due_date__lt=today)),
        due_soon=Count("pk", filter=Q(due_date__gte=today, due_date__lte=soon)),
        submitted=Count("pk", filter=Q(status=ActionStatus.SUBMITTED)),
    )
    if not counts["open"]:
        return None
    actions = list(
        unverified.filter(due_date__lte=soon)
        .with_list_related()
        .order_by("due_date", "pk")[:SHOWN_ACTIONS]
    )
    return HomeSection(
        key="actions",
        title=_("Corrective actions due and overdue"),
        template="audits/_home_actions.html",
        order=40,
        context={"actions": actions, "today": today, "days": DUE_SOON_DAYS, **counts},
    )

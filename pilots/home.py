"""What the home page shows of pilots: the user's pilots and their status and, for
facilitators, the programme at a glance."""

from django.db.models import Case, Count, IntegerField, Value, When
from django.utils.translation import gettext as _

from csrplatform import access, home
from csrplatform.home import HomeSection

from .choices import OPEN_STATUSES, PilotStatus
from .models import Pilot

SHOWN_PILOTS = 8


@home.section
def my_pilots(user) -> HomeSection:
    """The pilots the user takes part in (a facilitator: those it runs), open ones first."""
    visible = Pilot.objects.visible_to(user)
    pilots = list(
        visible.with_list_related()
        .annotate(
            closed=Case(
                When(status__in=OPEN_STATUSES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("closed", "programme__title", "title", "pk")[:SHOWN_PILOTS]
    )
    total = visible.count()
    return HomeSection(
        key="pilots",
        title=_("My pilots"),
        template="pilots/_home_pilots.html",
        order=20,
        context={"pilots": pilots, "total": total},
    )


@home.section
def programme_at_a_glance(user) -> HomeSection | None:
    """For facilitators: how many pilots stand in each status (one aggregate query)."""
    if not access.actor_for(user).is_facilitator:
        return None
    counts = dict(
        Pilot.objects.visible_to(user)
        .order_by()
        .values_list("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    return HomeSection(
        key="programme",
        title=_("The programme at a glance"),
        template="pilots/_home_programme.html",
        order=30,
        context={
            "statuses": [
                (status, label, counts.get(status, 0)) for status, label in PilotStatus.choices
            ],
            "total": sum(counts.values()),
        },
    )

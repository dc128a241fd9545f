"""What KPI figures ask of people: figures to confirm (the pilot's partner, or the
facilitator) and returned figures to correct (the supplier)."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from csrplatform import access, inbox
from csrplatform.inbox import InboxItem, pending_reviews
from csrplatform.reviews.models import Review, ReviewKind, ReviewStatus

from .choices import ObservationStatus
from .models import Observation
from .views_entry import pilot_kpis_url


def _label(observation) -> str:
    return f"{observation.indicator.name}: {observation.value.normalize():f} {observation.unit}"


def _where(observation) -> tuple[str, str]:
    if observation.pilot_id:
        return observation.pilot.title, pilot_kpis_url(observation.pilot_id)
    return (
        observation.supplier.organisation.name,
        reverse("metrics:observation-list") + f"?supplier={observation.supplier_id}",
    )


def returned_to_correct(user):
    """Returned figures of the suppliers the user writes for (a supplier sees its own
    figures, so no scope is needed: the menu's count stays one query)."""
    suppliers = access.actor_for(user).orgs_of_kind("supplier", writable=True)
    return Observation.objects.filter(
        status=ObservationStatus.RETURNED, supplier__organisation_id__in=suppliers
    )


def _item(observation, what, organisation, since):
    context, context_url = _where(observation)
    return InboxItem(
        what=what,
        url=reverse("metrics:observation-detail", args=[observation.pk]),
        context=context,
        context_url=context_url,
        organisation=organisation,
        since=since,
    )


@inbox.source
def figure_inbox_items(user) -> list[InboxItem]:
    """KPI figures waiting for the user's confirmation, and returned figures to correct."""
    reviews = pending_reviews(user, (ReviewKind.FIGURE_CONFIRMATION,))
    figures = (
        Observation.objects.visible_to(user)
        .with_list_related()
        .in_bulk([review.object_id for review in reviews])
    )
    items = []
    for review in reviews:
        observation = figures.get(review.object_id)
        if observation is None:
            continue
        what = _("Confirm KPI figure: %(figure)s") % {"figure": _label(observation)}
        items.append(_item(observation, what, review.reviewer.name, review.requested_at))
    returned_at = (
        Review.objects.filter(
            content_type=ContentType.objects.get_for_model(Observation),
            object_id=OuterRef("pk"),
            kind=ReviewKind.FIGURE_CONFIRMATION,
            status=ReviewStatus.RETURNED,
        )
        .order_by("-decided_at")
        .values("decided_at")[:1]
    )
    returned = (
        returned_to_correct(user)
        .with_list_related()
        .annotate(returned_at=Subquery(returned_at))
        .order_by("pk")
    )
    for observation in returned:
        what = _("Correct returned KPI figure: %(figure)s") % {"figure": _label(observation)}
        items.append(
            _item(
                observation,
                what,
                observation.supplier.organisation.name,
                observation.returned_at or observation.created_at,
            )
        )
    return items


@inbox.counter
def figure_inbox_count(user) -> list:
    """One row per KPI-figure inbox item (counted by `inbox.inbox_count`)."""
    # Reviews asked of the user's organisations are theirs to see (csrplatform.reviews.rules).
    writable = access.actor_for(user).writable_org_ids
    to_confirm = Review.objects.pending().filter(
        reviewer_id__in=writable, kind=ReviewKind.FIGURE_CONFIRMATION
    )
    return [to_confirm.values("pk"), returned_to_correct(user).values("pk")]

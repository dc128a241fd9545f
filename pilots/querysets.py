from django.db.models import Count, F, Q
from django.utils import timezone

from csrplatform.access import ScopedQuerySet


class ProgrammeQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("facilitator").prefetch_related("sponsors")

    def with_pilot_counts(self, user):
        """How many of each programme's pilots the user may see (never the hidden ones)."""
        from .models import Pilot

        visible = Pilot.objects.visible_to(user).values("pk")
        return self.annotate(
            pilot_count=Count("pilots", filter=Q(pilots__in=visible), distinct=True)
        ).order_by("-start_date", "title", "pk")  # Meta.ordering is dropped with GROUP BY


def late_deliverables_count():
    """Deliverables past due and not delivered, or delivered after their due date."""
    return Count(
        "deliverables",
        filter=Q(deliverables__due_date__isnull=False)
        & (
            Q(
                deliverables__delivered_on__isnull=True,
                deliverables__due_date__lt=timezone.localdate(),
            )
            | Q(deliverables__delivered_on__gt=F("deliverables__due_date"))
        ),
        distinct=True,
    )


class PilotQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return (
            self.select_related("programme", "supplier__organisation")
            .annotate(
                phase_count=Count("phases", distinct=True),
                late_deliverable_count=late_deliverables_count(),
            )
            .order_by("programme__title", "title", "pk")
        )  # Meta.ordering is dropped with GROUP BY


class PilotRelatedQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("pilot")

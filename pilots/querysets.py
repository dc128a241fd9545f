from django.db.models import Count, F, Func, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
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
    """Deliverables past due and not delivered, or delivered after their due date (what a
    stalled or discontinued pilot never delivered is not late: see Deliverable.days_late)."""
    from .choices import HALTED_STATUSES

    return Count(
        "deliverables",
        filter=Q(deliverables__due_date__isnull=False)
        & (
            Q(
                deliverables__delivered_on__isnull=True,
                deliverables__due_date__lt=timezone.localdate(),
            )
            & ~Q(status__in=HALTED_STATUSES)
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


class ActivityQuerySet(PilotRelatedQuerySet):
    def with_visible_participants(self, user):
        """Each activity with only the participants `user` may see: another pilot's supplier
        met at a peer visit stays unnamed for those who may not see it."""
        from suppliers.models import Organisation

        return self.prefetch_related(
            Prefetch("participants", queryset=Organisation.objects.visible_to(user))
        )


class DocumentQuerySet(PilotRelatedQuerySet):
    def with_shown_versions(self, user):
        """Each document with `shown_version`, its place among the versions of it that `user`
        may see, and `shown_root_id`, the first of those. A version the user may not see is
        not counted, so a visible second version never tells of a hidden first one."""
        from .models import Document

        chain = Coalesce(OuterRef("root_id"), OuterRef("pk"))
        seen = Document.objects.visible_to(user).filter(Q(pk=chain) | Q(root_id=chain)).order_by()
        return self.annotate(
            shown_version=Subquery(
                seen.filter(version__lte=OuterRef("version"))
                .annotate(count=Func(F("pk"), function="COUNT"))
                .values("count")[:1]
            ),
            shown_root_id=Subquery(seen.order_by("version").values("pk")[:1]),
        )

from django.db.models import Count
from django.utils import timezone

from csrplatform.access import ScopedQuerySet

__all__ = ["AuditQuerySet", "CorrectiveActionQuerySet", "FindingQuerySet", "ScopedQuerySet"]


class AuditQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return (
            self.select_related(
                "facility__supplier__organisation", "commissioned_by", "conducted_by", "standard"
            )
            .annotate(finding_count=Count("findings", distinct=True))
            .order_by("-start_date", "pk")  # Meta.ordering is dropped with GROUP BY
        )


class FindingQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("audit__facility__supplier__organisation").prefetch_related(
            "clauses__standard"
        )


class CorrectiveActionQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related(
            "owner",
            "finding__audit__facility__supplier__organisation",
            "finding__audit__commissioned_by",
        )

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.exclude(status="verified").filter(due_date__lt=today)

from django.apps import apps
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from csrplatform.access import ScopedQuerySet

__all__ = ["AuditQuerySet", "CorrectiveActionQuerySet", "FindingQuerySet", "ScopedQuerySet"]


class AuditQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return (
            self.select_related(
                "facility__supplier__organisation", "commissioned_by", "conducted_by", "standard"
            )
            # A correlated count, worked out for the page's rows only: a join with GROUP BY
            # would count every visible audit's findings before LIMIT (and in the page count).
            .annotate(
                finding_count=Coalesce(
                    Subquery(
                        apps.get_model("audits", "Finding")
                        .objects.filter(audit=OuterRef("pk"))
                        .order_by()
                        .values("audit")
                        .annotate(count=Count("pk"))
                        .values("count")
                    ),
                    0,
                )
            )
            .order_by("-start_date", "pk")
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

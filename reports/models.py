"""Report jobs: a requested PDF is a row first (pending → rendering → ready | failed).

The row is the truth the page, the API and the task read. Its subject is one of three foreign
keys, the one its kind names, so that every id an answer shows is a plain pilot, programme or
organisation id the access policy can check.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from csrplatform.access import ScopedQuerySet


class ReportKind(models.TextChoices):
    PILOT_SUMMARY = "pilot_summary", _("Pilot summary")
    PROGRAMME_SUMMARY = "programme_summary", _("Programme summary")
    SUPPLIER_PROGRESS = "supplier_progress", _("Suppliers' progress")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to start")
    RENDERING = "rendering", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ReportLanguage(models.TextChoices):
    ENGLISH = "en", _("English")
    SIMPLIFIED_CHINESE = "zh-hans", _("Simplified Chinese")


#: The foreign key that holds the subject of each kind of report.
SUBJECT_FIELDS = {
    ReportKind.PILOT_SUMMARY: "pilot",
    ReportKind.PROGRAMME_SUMMARY: "programme",
    ReportKind.SUPPLIER_PROGRESS: "customer",
}


def report_file_name(instance, filename):
    # A new name for every render: a file is never overwritten, so a download in progress
    # never reads a half-written replacement.
    return f"reports/{instance.requested_by_id}/{instance.pk}-{uuid.uuid4().hex}.pdf"


class ReportQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("pilot", "programme", "customer")

    def of(self, user):
        """The user's own reports. The access rule says so too; this also keeps other
        people's reports from superusers, whom the rules let through."""
        return self.visible_to(user).filter(requested_by_id=user.pk)


class Report(models.Model):
    """A PDF that one user asked for, about one pilot, programme or customer, rendered in the
    background with what that user may see; private to that user."""

    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    pilot = models.ForeignKey(
        "pilots.Pilot",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pilot"),
    )
    programme = models.ForeignKey(
        "pilots.Programme",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme"),
    )
    customer = models.ForeignKey(
        "suppliers.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=ReportLanguage.choices,
        default=ReportLanguage.ENGLISH,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to=report_file_name, blank=True, max_length=200)
    #: Set by the render that holds the row; only that render may finish it.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    #: Renders started (each claim counts one, also one whose worker died).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    #: The worker (Celery hostname) whose render stored the file: the one render that counted.
    rendered_by = models.CharField(max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    #: When the render task was last sent to the broker (the sweep sends it again if need be).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="report_requester_idx"),
            models.Index(fields=["status", "dispatched_at"], name="report_sweep_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=ReportKind.PILOT_SUMMARY,
                        pilot__isnull=False,
                        programme__isnull=True,
                        customer__isnull=True,
                    )
                    | Q(
                        kind=ReportKind.PROGRAMME_SUMMARY,
                        pilot__isnull=True,
                        programme__isnull=False,
                        customer__isnull=True,
                    )
                    | Q(
                        kind=ReportKind.SUPPLIER_PROGRESS,
                        pilot__isnull=True,
                        programme__isnull=True,
                        customer__isnull=False,
                    )
                ),
                name="report_subject_matches_kind",
                violation_error_message=_("A report has exactly the subject its kind names."),
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_percent"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject}"

    def get_absolute_url(self):
        return reverse("reports:report_detail", args=[self.pk])

    @property
    def subject_field(self) -> str:
        return SUBJECT_FIELDS[ReportKind(self.kind)]

    @property
    def subject(self):
        return getattr(self, self.subject_field)

    @property
    def subject_id(self):
        return getattr(self, f"{self.subject_field}_id")

    @property
    def finished(self) -> bool:
        return self.status in (ReportStatus.READY, ReportStatus.FAILED)

    @property
    def download_name(self) -> str:
        return f"{self.kind.replace('_', '-')}-{self.subject_id}-{self.language}.pdf"

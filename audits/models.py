"""Audits, their findings and the corrective actions that fix them."""

from datetime import date

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from csrplatform.text import shorten

from .choices import ActionStatus, AuditKind, AuditStatus, Severity
from .querysets import AuditQuerySet, CorrectiveActionQuerySet, FindingQuerySet, ScopedQuerySet


class Standard(models.Model):
    """A code of conduct, management-system standard or law that audits measure against."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    version = models.CharField(_("version"), max_length=40, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Clause(models.Model):
    """One requirement of a standard (working hours, wages, EHS management system...)."""

    standard = models.ForeignKey(
        Standard, on_delete=models.CASCADE, related_name="clauses", verbose_name=_("standard")
    )
    reference = models.CharField(_("reference"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(
        _("topic"),
        max_length=100,
        blank=True,
        help_text=_("e.g. labour, health and safety, environment"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["standard__name", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "reference"], name="clause_unique_reference"
            ),
        ]

    def __str__(self):
        return f"{self.standard.code} {self.reference} {self.title}"


class Audit(models.Model):
    """An audit or assessment of a supplier's facility."""

    facility = models.ForeignKey(
        "suppliers.Facility",
        on_delete=models.PROTECT,
        related_name="audits",
        verbose_name=_("facility"),
    )
    commissioned_by = models.ForeignKey(
        "suppliers.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commissioned_audits",
        verbose_name=_("commissioned by"),
        help_text=_("The customer that ordered the audit, if any."),
    )
    conducted_by = models.ForeignKey(
        "suppliers.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conducted_audits",
        verbose_name=_("conducted by"),
        help_text=_("An NGO or consultant in the platform; otherwise name the audit firm."),
    )
    audit_firm = models.CharField(_("audit firm"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AuditKind.choices)
    standard = models.ForeignKey(
        Standard, on_delete=models.PROTECT, related_name="audits", verbose_name=_("standard")
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True)
    person_days = models.DecimalField(
        _("person-days"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AuditStatus.choices, default=AuditStatus.REPORTED
    )
    summary = models.TextField(_("summary"), blank=True)
    pilots = models.ManyToManyField(
        "pilots.Pilot", blank=True, related_name="audits", verbose_name=_("pilots started from it")
    )

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        ordering = ["-start_date", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.facility} · {self.start_date:%b %Y}"

    def get_absolute_url(self):
        return reverse("audits:audit_detail", args=[self.pk])

    @property
    def supplier(self):
        return self.facility.supplier


class AuditShare(models.Model):
    """A supplier's consent that a customer sees one of its audits; withdrawable."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="shares")
    customer = models.ForeignKey(
        "suppliers.Organisation",
        on_delete=models.PROTECT,
        related_name="audit_shares",
        verbose_name=_("customer"),
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shared_at = models.DateTimeField(auto_now_add=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit share")
        verbose_name_plural = _("audit shares")
        ordering = ["-shared_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "customer"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="share_one_active_per_customer",
            ),
        ]

    def __str__(self):
        return f"{self.audit} → {self.customer}"

    @property
    def is_active(self):
        return self.withdrawn_at is None


class Finding(models.Model):
    """Something an audit found wrong, mapped to the clauses of every standard it breaks."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="findings")
    clauses = models.ManyToManyField(Clause, related_name="findings", verbose_name=_("clauses"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("description"))
    evidence = models.TextField(_("evidence"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    pilots = models.ManyToManyField(
        "pilots.Pilot",
        blank=True,
        related_name="findings",
        verbose_name=_("pilots started from it"),
    )
    history = HistoricalRecords(m2m_fields=[clauses])

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["audit", "id"]

    def __str__(self):
        return shorten(self.description, 80)

    def get_absolute_url(self):
        return f"{self.audit.get_absolute_url()}#finding-{self.pk}"


class CorrectiveAction(models.Model):
    """What the supplier does about a finding; verified by the customer or facilitator."""

    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, related_name="corrective_actions"
    )
    action = models.TextField(_("corrective action"))
    preventive_action = models.TextField(_("preventive action"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="corrective_actions",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    progress_note = models.TextField(_("progress"), blank=True)
    # What the supplier said when submitting, kept apart from its progress report.
    submission_note = models.TextField(_("submission note"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking: every change adds one; a change based on an older version is refused
    # (audits.services.ActionEditConflict), not silently applied over someone else's. The
    # database default serves rows written in bulk without the model.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)
    history = HistoricalRecords()

    objects = CorrectiveActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_date", "id"]

    def __str__(self):
        return shorten(self.action, 80)

    def get_absolute_url(self):
        return reverse("audits:action_detail", args=[self.pk])

    def is_overdue(self, today: date | None = None) -> bool:
        """Past its due date and not yet verified (a submitted action waits on the verifier,
        but the supplier's deadline has still passed)."""
        today = today or timezone.localdate()
        return self.status != ActionStatus.VERIFIED and self.due_date < today

    @property
    def overdue(self) -> bool:
        return self.is_overdue()


class ReminderSent(models.Model):
    """One reminder e-mail about one action on one day, so a second run sends nothing."""

    action = models.ForeignKey(CorrectiveAction, on_delete=models.CASCADE, related_name="reminders")
    sent_on = models.DateField()
    recipients = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "sent_on"], name="reminder_once_a_day"),
        ]

    def __str__(self):
        return f"{self.action} · {self.sent_on}"

"""One review mechanism for everything one party proposes and another accepts.

A phase is agreed by every participant, an NGO's assessment is answered by the supplier, a
corrective action is verified by the customer: each is a `Review` of some subject, asked of one
organisation, which approves it or returns it with a reason. Every step is a `ReviewEvent`.
What is pending for a user's organisations is their inbox.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewKind(models.TextChoices):
    PHASE_AGREEMENT = "phase_agreement", _("Agreement to a phase")
    ASSESSMENT_REPLY = "assessment_reply", _("Reply to an assessment")
    ACTION_VERIFICATION = "action_verification", _("Verification of a corrective action")
    FIGURE_CONFIRMATION = "figure_confirmation", _("Confirmation of a KPI figure")


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReviewQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=ReviewStatus.PENDING)

    def for_subject(self, subject):
        return self.filter(
            content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
        )

    def of_kind(self, kind):
        return self.filter(kind=kind)


class Review(models.Model):
    """A request that `reviewer` approve a subject, or return it with a reason."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=30, choices=ReviewKind.choices)
    reviewer = models.ForeignKey(
        "suppliers.Organisation",
        on_delete=models.PROTECT,
        related_name="reviews_asked",
        verbose_name=_("asked of"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note or reason"), blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["requested_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind", "reviewer"],
                condition=models.Q(status="pending"),
                name="review_one_pending_per_reviewer",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.reviewer} · {self.get_status_display()}"


class ReviewAction(models.TextChoices):
    REQUESTED = "requested", _("asked")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("returned")
    WITHDRAWN = "withdrawn", _("withdrew")


class ReviewEvent(models.Model):
    """One step of a review, kept for the history."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=ReviewAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The organisation the actor spoke for (a facilitator may record a partner's answer).
    on_behalf_of = models.ForeignKey(
        "suppliers.Organisation", on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.actor} {self.get_action_display()} {self.review}"

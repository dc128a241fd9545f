"""Ask for, approve, return and withdraw reviews; each step is recorded as an event."""

from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from csrplatform import access

from .models import Review, ReviewAction, ReviewEvent, ReviewStatus


def _may_answer_for(actor, review) -> bool:
    """Members who may write for the reviewer answer; a facilitator who may edit the subject
    may record an answer given outside the platform. (Editing a subject is not enough by
    itself: a supplier edits its corrective actions but never verifies them.)"""
    actor_info = access.actor_for(actor)
    if review.reviewer_id in actor_info.writable_org_ids:
        return True
    return actor_info.is_facilitator_editor and access.can_edit(actor, review.subject)


@transaction.atomic
def review_request(
    *, actor, subject, kind, reviewer, note: str = "", on: date | None = None
) -> Review:
    """Ask `reviewer` (an organisation) to approve `subject`; idempotent while pending.
    `on` dates a request made earlier, outside the platform."""
    existing = (
        Review.objects.for_subject(subject)
        .of_kind(kind)
        .pending()
        .filter(reviewer=reviewer)
        .first()
    )
    if existing is not None:
        return existing
    review = Review.objects.create(
        subject=subject, kind=kind, reviewer=reviewer, requested_by=actor, note=note
    )
    if on is not None:
        review.requested_at = _moment(on)
        review.save(update_fields=["requested_at"])
    event = ReviewEvent.objects.create(
        review=review, action=ReviewAction.REQUESTED, actor=actor, note=note
    )
    _date_event(event, on)
    return review


def _date_event(event, on):
    """A step recorded later keeps the day it happened, like the review it belongs to."""
    if on is not None:
        event.at = _moment(on)
        event.save(update_fields=["at"])


def _moment(on):
    """When a decision was taken: now, or noon of the day given for a decision taken outside
    the platform and recorded later."""
    if on is None:
        return timezone.now()
    return timezone.make_aware(datetime.combine(on, time(12)))


def _decide(*, actor, review, status, action, note, on=None):
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.PENDING:
        raise ValidationError(
            _("This was already %(status)s; nothing changed.")
            % {"status": review.get_status_display().lower()}
        )
    if not _may_answer_for(actor, review):
        raise PermissionDenied(_("Only %(org)s can answer this.") % {"org": review.reviewer})
    review.status = status
    review.decided_by = actor
    review.decided_at = _moment(on)
    review.note = note
    review.save(update_fields=["status", "decided_by", "decided_at", "note"])
    event = ReviewEvent.objects.create(
        review=review, action=action, actor=actor, on_behalf_of=review.reviewer, note=note
    )
    _date_event(event, on)
    return review


@transaction.atomic
def review_approve(*, actor, review: Review, note: str = "", on: date | None = None) -> Review:
    """The reviewer agrees (with an optional note, e.g. a reply); `on` dates an answer given
    earlier, outside the platform."""
    return _decide(
        actor=actor,
        review=review,
        status=ReviewStatus.APPROVED,
        action=ReviewAction.APPROVED,
        note=note.strip(),
        on=on,
    )


@transaction.atomic
def review_return(*, actor, review: Review, reason: str, on: date | None = None) -> Review:
    """The reviewer sends it back; a reason is required so the other side knows what to fix."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Say why you return it.")})
    return _decide(
        actor=actor,
        review=review,
        status=ReviewStatus.RETURNED,
        action=ReviewAction.RETURNED,
        note=reason.strip(),
        on=on,
    )


@transaction.atomic
def review_withdraw(*, actor, subject, kind, note: str = "") -> int:
    """Withdraw every pending or approved review of `subject`: what was asked or agreed no
    longer stands (e.g. a phase whose terms changed)."""
    withdrawn = 0
    for review in (
        Review.objects.select_for_update()
        .for_subject(subject)
        .of_kind(kind)
        .filter(status__in=(ReviewStatus.PENDING, ReviewStatus.APPROVED))
    ):
        review.status = ReviewStatus.WITHDRAWN
        review.decided_by = actor
        review.decided_at = timezone.now()
        review.save(update_fields=["status", "decided_by", "decided_at"])
        ReviewEvent.objects.create(
            review=review, action=ReviewAction.WITHDRAWN, actor=actor, note=note
        )
        withdrawn += 1
    return withdrawn

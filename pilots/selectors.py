"""Reads for the pilot pages: the story of one pilot, in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _

from csrplatform.reviews.models import Review, ReviewKind, ReviewStatus

from .models import Document, Phase, Pilot
from .rules import acting_organisations


@dataclass
class PhaseView:
    phase: Phase
    agreements: list = field(default_factory=list)  # (organisation, latest review or None)
    # Pending agreement reviews the viewer may answer.
    answerable: list = field(default_factory=list)

    @property
    def fully_agreed(self):
        return all(
            review is not None and review.status == ReviewStatus.APPROVED
            for _organisation, review in self.agreements
        )


@dataclass
class TimelineEntry:
    on: date
    kind: str
    text: str
    planned: bool = False
    late: bool = False
    anchor: str = ""


def shown_version(document: Document, user) -> tuple[int, int | None]:
    """(version, root id) of `document` as `user` sees its versions: counted among those it may
    see, the root being the first of them (None for that first one). Read from the
    `with_shown_versions` annotations when the document came with them."""
    if not hasattr(document, "shown_version"):
        document = Document.objects.with_shown_versions(user).get(pk=document.pk)
    root_id = document.shown_root_id
    return document.shown_version or 1, (None if root_id in (None, document.pk) else root_id)


def _reviews_by_subject(model, ids, kind):
    reviews = {}
    queryset = (
        Review.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=ids, kind=kind
        )
        .select_related("reviewer", "decided_by")
        .order_by("requested_at", "id")
    )
    for review in queryset:
        reviews.setdefault(review.object_id, {})[review.reviewer_id] = review
    return reviews


def pilot_story(pilot: Pilot, user) -> dict:
    """Everything the pilot page shows, scoped to what `user` may see."""
    today = timezone.localdate()
    participants = list(pilot.participants.select_related("organisation"))
    acting = set(acting_organisations(user, pilot))
    phases = list(pilot.phases.all())
    agreement_reviews = _reviews_by_subject(
        Phase, [phase.pk for phase in phases], ReviewKind.PHASE_AGREEMENT
    )
    required = [p.organisation for p in participants if p.agreement_required and p.is_active]
    phase_views = []
    for phase in phases:
        latest = agreement_reviews.get(phase.pk, {})
        agreements = [(organisation, latest.get(organisation.pk)) for organisation in required]
        answerable = [
            review
            for _org, review in agreements
            if review is not None
            and review.status == ReviewStatus.PENDING
            and review.reviewer_id in acting
        ]
        phase_views.append(PhaseView(phase=phase, agreements=agreements, answerable=answerable))

    documents = list(
        Document.objects.visible_to(user)
        .with_shown_versions(user)
        .filter(pilot=pilot)
        .select_related("uploaded_by", "uploaded_for", "phase", "deliverable")
        .order_by("-uploaded_at")
    )
    replies = _reviews_by_subject(
        Document, [doc.pk for doc in documents], ReviewKind.ASSESSMENT_REPLY
    )
    for document in documents:
        document.reply_reviews = list(replies.get(document.pk, {}).values())
        document.reply_answerable = [
            review
            for review in document.reply_reviews
            if review.status == ReviewStatus.PENDING and review.reviewer_id in acting
        ]

    deliverables = list(pilot.deliverables.select_related("phase", "responsible"))
    activities = list(pilot.activities.select_related("phase").with_visible_participants(user))
    scope_changes = list(pilot.scope_changes.select_related("proposed_by"))
    history = list(pilot.status_changes.select_related("actor"))
    comments = list(pilot.comments.select_related("author", "organisation"))

    from audits.models import Finding

    findings = list(
        Finding.objects.visible_to(user)
        .filter(pilots=pilot)
        .select_related("audit__facility", "audit__standard")
    )
    return {
        "participants": participants,
        "audit_findings": findings,
        "acting_organisations": acting,
        "phases": phase_views,
        "deliverables": deliverables,
        "late_deliverables": [d for d in deliverables if d.days_late(today) > 0],
        "activities": activities,
        "person_days": sum((a.person_days or 0) for a in activities),
        "scope_changes": scope_changes,
        "history": history,
        "documents": documents,
        "comments": comments,
        "timeline": pilot_timeline(
            pilot, phases, deliverables, activities, scope_changes, history, documents, today
        ),
    }


def pilot_timeline(
    pilot, phases, deliverables, activities, scope_changes, history, documents, today
) -> list[TimelineEntry]:
    """Planned and actual dates of the pilot and its phases, deliverables (late ones flagged),
    activities, scope changes, status moves and uploads, in date order."""
    entries = []
    if pilot.planned_start:
        entries.append(TimelineEntry(pilot.planned_start, "plan", _("Planned start"), True))
    if pilot.planned_end:
        entries.append(TimelineEntry(pilot.planned_end, "plan", _("Planned end"), True))
    for change in history:
        entries.append(
            TimelineEntry(
                change.effective_on,
                "status",
                _("Status: %(status)s") % {"status": change.get_to_status_display()}
                + (f" — {change.reason}" if change.reason else ""),
            )
        )
    for phase in phases:
        label = _("Phase %(number)s %(title)s") % {"number": phase.number, "title": phase.title}
        if phase.planned_start:
            started = phase.actual_start
            late = (started is None and phase.planned_start < today) or (
                started is not None and started > phase.planned_start
            )
            entries.append(
                TimelineEntry(
                    phase.planned_start,
                    "plan",
                    _("%(phase)s planned to start") % {"phase": label},
                    True,
                    late,
                    f"phase-{phase.pk}",
                )
            )
        if phase.actual_start:
            entries.append(
                TimelineEntry(
                    phase.actual_start,
                    "phase",
                    _("%(phase)s started") % {"phase": label},
                    anchor=f"phase-{phase.pk}",
                )
            )
        if phase.actual_end:
            entries.append(
                TimelineEntry(
                    phase.actual_end,
                    "phase",
                    _("%(phase)s completed") % {"phase": label},
                    anchor=f"phase-{phase.pk}",
                )
            )
    for deliverable in deliverables:
        days_late = deliverable.days_late(today)
        if deliverable.due_date:
            entries.append(
                TimelineEntry(
                    deliverable.due_date,
                    "deliverable",
                    _("%(title)s due") % {"title": deliverable.title},
                    True,
                    days_late > 0,
                    f"deliverable-{deliverable.pk}",
                )
            )
        if deliverable.delivered_on:
            text = _("%(title)s delivered") % {"title": deliverable.title}
            if days_late:
                text += " " + _("(%(days)s days late)") % {"days": days_late}
            entries.append(
                TimelineEntry(
                    deliverable.delivered_on,
                    "deliverable",
                    text,
                    late=days_late > 0,
                    anchor=f"deliverable-{deliverable.pk}",
                )
            )
    for activity in activities:
        entries.append(
            TimelineEntry(
                activity.date,
                "activity",
                f"{activity.get_kind_display()}: {activity.title}",
                anchor=f"activity-{activity.pk}",
            )
        )
    for change in scope_changes:
        entries.append(
            TimelineEntry(
                change.proposed_on,
                "scope",
                _("Scope change proposed by %(org)s: %(text)s")
                % {"org": change.proposed_by, "text": change.description},
                anchor=f"scope-{change.pk}",
            )
        )
        if change.decided_on:
            entries.append(
                TimelineEntry(
                    change.decided_on,
                    "scope",
                    _("Scope change %(status)s") % {"status": change.get_status_display().lower()},
                    anchor=f"scope-{change.pk}",
                )
            )
    for document in documents:
        entries.append(
            TimelineEntry(
                timezone.localtime(document.uploaded_at).date(),
                "document",
                _("%(org)s uploaded “%(title)s”")
                % {"org": document.uploaded_for, "title": document.title},
                anchor=f"document-{document.pk}",
            )
        )
    return sorted(entries, key=lambda entry: (entry.on, entry.planned))

"""Reads for the pilot pages: the story of one pilot, in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _

from csrplatform import access
from csrplatform.reviews.models import Review, ReviewKind, ReviewStatus

from .choices import InvitationStatus, PhaseStatus
from .models import Document, Phase, Pilot
from .rules import acting_organisations
from .services import phase_agreements, phase_request_refusal, phase_start_refusal


@dataclass
class OfferedAction:
    """A button the page offers: enabled, or shown disabled with the reason in place."""

    name: str  # the phase_action URL's action
    label: str
    reason: str = ""  # why it is not possible yet; empty when it is
    primary: bool = False

    @property
    def enabled(self):
        return not self.reason


@dataclass
class PhaseView:
    phase: Phase
    # Where agreement stands (services.PhaseAgreements): rows of (participant, latest review).
    state: object = None
    # Pending agreement reviews the viewer may answer.
    answerable: list = field(default_factory=list)
    # Organisations whose pending agreement the facilitator may record for them.
    recordable: set = field(default_factory=set)
    # What the viewer may do with the phase now, and why not.
    offered: list = field(default_factory=list)

    @property
    def agreements(self):
        return self.state.rows

    @property
    def fully_agreed(self):
        return self.state.fully_agreed


def phase_offered_actions(phase: Phase, pilot: Pilot, state, *, can_edit: bool) -> list:
    """What a facilitator may do with the phase now: only the moves the workflow allows; one
    not possible yet comes with the reason (the same one the service would give)."""
    if not can_edit or phase.status == PhaseStatus.COMPLETED:
        return []
    if phase.status == PhaseStatus.IN_PROGRESS:
        return [OfferedAction("complete", _("Complete phase"), primary=True)]
    offered = []
    start_refusal = phase_start_refusal(phase, pilot, state)
    if not state.fully_agreed:
        request_refusal = phase_request_refusal(phase, state)
        offered.append(
            OfferedAction(
                "request-agreement",
                _("Ask every participant to agree"),
                reason=request_refusal or "",
                primary=not request_refusal,
            )
        )
    offered.append(
        OfferedAction(
            "start",
            _("Start phase"),
            reason=start_refusal or "",
            primary=not start_refusal,
        )
    )
    return offered


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
    can_edit = access.can_edit(user, pilot)
    phase_views = []
    for phase in phases:
        state = phase_agreements(participants, agreement_reviews.get(phase.pk, {}))
        pending = [
            (participant, review)
            for participant, review in state.rows
            if review is not None
            and review.status == ReviewStatus.PENDING
            and participant.invitation_status == InvitationStatus.ACCEPTED
        ]
        phase_views.append(
            PhaseView(
                phase=phase,
                state=state,
                answerable=[review for _p, review in pending if review.reviewer_id in acting],
                recordable={
                    review.reviewer_id
                    for _p, review in pending
                    if can_edit and review.reviewer_id not in acting
                },
                offered=phase_offered_actions(phase, pilot, state, can_edit=can_edit),
            )
        )
    # Each participant's answers to the phases, for the participants table.
    for participant in participants:
        participant.phase_answers = [
            (view.phase, review)
            for view in phase_views
            for row_participant, review in view.state.rows
            if row_participant.pk == participant.pk
        ]
    my_invitations = [
        participant
        for participant in participants
        if participant.invitation_status == InvitationStatus.INVITED
        and participant.organisation_id in access.actor_for(user).writable_org_ids
    ]

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
    sites = pilot_sites(user, pilot)
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
        "my_invitations": my_invitations,
        "audit_findings": findings,
        "acting_organisations": acting,
        "phases": phase_views,
        "deliverables": deliverables,
        "late_deliverables": [d for d in deliverables if d.days_late(today) > 0],
        "activities": activities,
        "person_days": sum((a.person_days or 0) for a in activities),
        "scope_changes": scope_changes,
        "sites": sites,
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
            late = phase.is_start_late(today)
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


def pilot_sites(user, pilot) -> list:
    """The pilot's sites; a facility the user may not see in the directory is left unnamed
    (`site.shown_facility` is None), its supplier is named by the pilot."""
    from suppliers.models import Facility

    sites = list(
        access.scope(user, pilot.sites.all()).select_related("supplier__organisation", "facility")
    )
    visible = access.visible_among(user, Facility, (site.facility_id for site in sites))
    for site in sites:
        site.shown_facility = site.facility if site.facility_id in visible else None
    return sites

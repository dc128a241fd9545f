"""Writes for programmes and pilots. Every state change records who, when and why."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from csrplatform import access
from csrplatform.errors import Conflict
from csrplatform.reviews import services as reviews
from csrplatform.reviews.models import Review, ReviewKind, ReviewStatus
from csrplatform.services import apply_fields, require
from csrplatform.uploads import check_upload
from suppliers.models import Organisation

from .choices import (
    TRANSITIONS,
    DocumentKind,
    InvitationStatus,
    ParticipantRole,
    PhaseStatus,
    PilotStatus,
    ScopeChangeStatus,
    SiteRole,
    Visibility,
)
from .models import (
    Activity,
    BudgetLine,
    Comment,
    Deliverable,
    Document,
    PeopleReached,
    Phase,
    Pilot,
    PilotParticipant,
    PilotSite,
    PilotStatusChange,
    Programme,
    ProgrammeFunding,
    ScopeChange,
    Spending,
)
from .rules import acting_organisations


class TransitionNotAllowed(Conflict):
    """A status move the workflow forbids (the API answers 409)."""


class EditConflict(Conflict):
    """Someone else saved the record since this edit began (the API answers 409)."""


PILOT_FIELDS = (
    "title",
    "pilot_type",
    "approach",
    "context",
    "objectives",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "success_factors",
    "challenges",
    "outcomes",
    "capability_improvements",
    "participation_outcomes",
    "implications",
    "objectives_achievement",
    "objectives_achievement_why",
    "long_term_change",
    "continuation",
)


def _require_facilitator_of(actor, pilot):
    require(access.can_edit(actor, pilot), _("Only the programme's facilitator may do this."))


# --- programmes ----------------------------------------------------------------------------


@transaction.atomic
def programme_save(
    *, actor, programme: Programme | None = None, sponsors=None, **fields
) -> Programme:
    """Create or change a programme; its facilitator must be one of the actor's."""
    programme = programme or Programme()
    if programme.pk:
        require(access.can_edit(actor, programme))
    apply_fields(
        programme,
        fields,
        (
            "title",
            "sector",
            "region",
            "start_date",
            "end_date",
            "facilitator",
            "objectives",
            "expected_participation",
            "countries",
            "stated_budget_use_pct",
            "stated_budget_source",
        ),
    )
    actor_info = access.actor_for(actor)
    require(
        actor_info.is_superuser
        or programme.facilitator_id in actor_info.orgs_of_kind("facilitator", writable=True),
        _("You may only set up programmes that your organisation facilitates."),
    )
    # Titles are unique per facilitator, checked among the programmes the actor's own
    # organisation facilitates: another facilitator's programme is never spoken of.
    if (
        Programme.objects.filter(facilitator_id=programme.facilitator_id, title=programme.title)
        .exclude(pk=programme.pk)
        .exists()
    ):
        raise ValidationError(
            {"title": _("Your organisation already runs a programme of this title.")}
        )
    programme.full_clean()
    programme.save()
    if sponsors is not None:
        programme.sponsors.set(sponsors)
    return programme


# --- pilots --------------------------------------------------------------------------------


@transaction.atomic
def pilot_create(
    *,
    actor,
    programme: Programme,
    supplier,
    participants=(),
    effective_on: date | None = None,
    **fields,
) -> Pilot:
    """Create a proposed pilot with its supplier and facilitator as participants.

    `participants` are (organisation, role) pairs invited as well.
    """
    require(
        access.can_edit(actor, programme),
        _("Only the programme's facilitator may add pilots to it."),
    )
    pilot = Pilot(programme=programme, supplier=supplier, updated_by=actor)
    apply_fields(pilot, fields, PILOT_FIELDS)
    pilot.full_clean()
    pilot.save()
    invited = [
        (supplier.organisation, ParticipantRole.SUPPLIER),
        (programme.facilitator, ParticipantRole.FACILITATOR),
        *participants,
    ]
    for organisation, role in invited:
        if not pilot.participants.filter(organisation=organisation).exists():
            participant_invite(
                actor=actor,
                pilot=pilot,
                organisation=organisation,
                role=role,
                invited_on=effective_on,
            )
    PilotStatusChange.objects.create(
        pilot=pilot,
        from_status="",
        to_status=pilot.status,
        actor=actor,
        reason=_("Pilot proposed."),
        effective_on=effective_on or timezone.localdate(),
    )
    return pilot


@transaction.atomic
def pilot_update(*, actor, pilot: Pilot, expected_version: int, **fields) -> Pilot:
    """Change a pilot's story; refused if someone saved it since `expected_version`."""
    _require_facilitator_of(actor, pilot)
    current = Pilot.objects.select_for_update().get(pk=pilot.pk)
    if current.version != expected_version:
        who = current.updated_by or _("someone else")
        raise EditConflict(
            _(
                "%(who)s saved this pilot at %(when)s, after you opened it. Your changes were "
                "not saved: reload the page to see theirs, then apply yours again."
            )
            % {"who": who, "when": timezone.localtime(current.updated_at).strftime("%H:%M")}
        )
    apply_fields(current, fields, PILOT_FIELDS)
    current.updated_by = actor
    current.full_clean()
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    return current


def allowed_transitions(pilot: Pilot) -> list[str]:
    """The statuses the pilot may move to now, in workflow order."""
    allowed = set(TRANSITIONS[pilot.status])
    if pilot.status == PilotStatus.STALLED:
        # A stalled pilot resumes where it stopped, so it never skips scoping or agreement.
        stalled = (
            pilot.status_changes.filter(to_status=PilotStatus.STALLED)
            .order_by("effective_on", "recorded_at", "pk")
            .last()
        )
        if stalled is not None and stalled.from_status:
            allowed.add(stalled.from_status)
    return [status for status in PilotStatus.values if status in allowed]


@transaction.atomic
def pilot_transition(
    *, actor, pilot: Pilot, to_status: str, reason: str = "", effective_on: date | None = None
) -> Pilot:
    """Move a pilot along its workflow, recording who, when and why."""
    _require_facilitator_of(actor, pilot)
    pilot = Pilot.objects.select_for_update().get(pk=pilot.pk)
    if to_status not in PilotStatus.values:
        raise TransitionNotAllowed(_("Unknown status “%(status)s”.") % {"status": to_status})
    if to_status not in allowed_transitions(pilot):
        allowed = ", ".join(str(PilotStatus(s).label) for s in allowed_transitions(pilot))
        raise TransitionNotAllowed(
            _("A pilot that is %(current)s cannot become %(target)s. %(allowed)s")
            % {
                "current": pilot.get_status_display().lower(),
                "target": PilotStatus(to_status).label.lower(),
                "allowed": (_("It can become: %(list)s.") % {"list": allowed})
                if allowed
                else _("It is closed; nothing can follow."),
            }
        )
    if to_status in (PilotStatus.STALLED, PilotStatus.DISCONTINUED) and not reason.strip():
        raise ValidationError(
            {
                "reason": _("Say why the pilot is %(status)s.")
                % {"status": PilotStatus(to_status).label.lower()}
            }
        )
    PilotStatusChange.objects.create(
        pilot=pilot,
        from_status=pilot.status,
        to_status=to_status,
        actor=actor,
        reason=reason.strip(),
        effective_on=effective_on or timezone.localdate(),
    )
    pilot.status = to_status
    pilot.updated_by = actor
    pilot.version = F("version") + 1
    pilot.save(update_fields=["status", "updated_by", "version", "updated_at"])
    pilot.refresh_from_db()
    return pilot


# --- participants --------------------------------------------------------------------------


@transaction.atomic
def participant_invite(
    *,
    actor,
    pilot: Pilot,
    organisation,
    role: str,
    agreement_required: bool = True,
    invited_on: date | None = None,
) -> PilotParticipant:
    """Invite an organisation to the pilot in a role."""
    _require_facilitator_of(actor, pilot)
    participant = PilotParticipant(
        pilot=pilot,
        organisation=organisation,
        role=role,
        agreement_required=agreement_required,
        invited_on=invited_on or timezone.localdate(),
    )
    if role == ParticipantRole.FACILITATOR or organisation.pk == pilot.supplier.organisation_id:
        participant.invitation_status = InvitationStatus.ACCEPTED
    participant.full_clean()
    participant.save()
    return participant


@transaction.atomic
def participant_respond(
    *,
    actor,
    participant: PilotParticipant,
    accept: bool,
    reason: str = "",
    responded_on: date | None = None,
) -> PilotParticipant:
    """Record an invitation's answer; a declined one is kept with its reason."""
    allowed = participant.organisation_id in access.actor_for(
        actor
    ).writable_org_ids or access.can_edit(actor, participant.pilot)
    require(allowed)
    if participant.invitation_status != InvitationStatus.INVITED:
        raise ValidationError(_("This invitation was already answered."))
    if not accept and not reason.strip():
        raise ValidationError({"reason": _("Say why the invitation is declined.")})
    participant.invitation_status = (
        InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    )
    participant.decline_reason = "" if accept else reason.strip()
    participant.responded_on = responded_on or timezone.localdate()
    participant.save()
    if accept and participant.agreement_required:
        _ask_newcomer(actor=actor, participant=participant)
    return participant


def _ask_newcomer(*, actor, participant):
    """A participant that accepts joins the agreement already asked of the others: every
    planned phase that has been put to agreement asks it too (its inbox shows it), in the
    name of whoever asked the others."""
    asked = Review.objects.filter(
        content_type=ContentType.objects.get_for_model(Phase),
        kind=ReviewKind.PHASE_AGREEMENT,
        object_id__in=participant.pilot.phases.filter(status=PhaseStatus.PLANNED).values("pk"),
    ).select_related("requested_by")
    first_asked, already = {}, set()
    for review in asked.order_by("requested_at", "pk"):
        first_asked.setdefault(review.object_id, review)
        if review.reviewer_id == participant.organisation_id:
            already.add(review.object_id)
    phases = Phase.objects.in_bulk([pk for pk in first_asked if pk not in already])
    for phase_id, phase in sorted(phases.items()):
        reviews.review_request(
            actor=first_asked[phase_id].requested_by or actor,
            subject=phase,
            kind=ReviewKind.PHASE_AGREEMENT,
            reviewer=participant.organisation,
        )


# --- phases and their agreements -------------------------------------------------------------


@transaction.atomic
def phase_save(*, actor, pilot: Pilot, phase: Phase | None = None, **fields) -> Phase:
    """Define or change a phase.

    The terms of a planned phase (title, objectives, dates) are what participants agree to:
    changing them withdraws the agreements given so far, which must then be asked again.
    A phase that has started keeps its terms; only its actual dates change.
    """
    _require_facilitator_of(actor, pilot)
    phase = phase or Phase(pilot=pilot)
    if phase.pk and phase.pilot_id != pilot.pk:
        raise PermissionDenied
    before = {name: getattr(phase, name) for name in PHASE_TERMS} if phase.pk else None
    apply_fields(phase, fields, (*PHASE_TERMS, "number", "actual_start", "actual_end"))
    if phase.number is None:
        phase.number = (
            pilot.phases.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
    changed_terms = before is not None and any(
        getattr(phase, name) != value for name, value in before.items()
    )
    if changed_terms and phase.status != PhaseStatus.PLANNED:
        raise ValidationError(
            _(
                "This phase has started; its terms no longer change. Record what happened as "
                "an activity or a scope change instead."
            )
        )
    phase.full_clean()
    phase.save()
    if changed_terms:
        reviews.review_withdraw(
            actor=actor,
            subject=phase,
            kind=ReviewKind.PHASE_AGREEMENT,
            note=_("The phase's terms changed; agreement must be given again."),
        )
    return phase


PHASE_TERMS = ("title", "objectives", "planned_start", "planned_end")


def required_agreers(phase: Phase):
    """The organisations whose agreement the phase needs (an open invitation counts: the
    phase waits for that organisation to accept, then to agree)."""
    return [
        p.organisation
        for p in phase.pilot.participants.select_related("organisation")
        if p.agreement_required and p.is_active
    ]


def agreement_state(phase: Phase) -> dict:
    """Each required organisation's answer: its latest agreement review, or None."""
    latest = {}
    for review in Review.objects.for_subject(phase).of_kind(ReviewKind.PHASE_AGREEMENT):
        latest[review.reviewer_id] = review
    return {organisation: latest.get(organisation.pk) for organisation in required_agreers(phase)}


def missing_agreements(phase: Phase) -> list:
    return [
        organisation
        for organisation, review in agreement_state(phase).items()
        if review is None or review.status != ReviewStatus.APPROVED
    ]


@dataclass
class PhaseAgreements:
    """Where a phase's agreement stands, read from its participants and their latest reviews;
    the one place that says what may be asked, agreed and started, and why not."""

    # (participant, latest review or None) for every participant that must agree.
    rows: list
    # Organisations whose invitation is still open: they accept first, then agree.
    unanswered: list
    # Accepted organisations that may be asked now (never asked, or asked again after a
    # refusal or a change of terms).
    askable: list
    # Accepted organisations asked and not answered yet.
    waiting: list
    # Every required organisation that has not agreed (for whatever reason).
    missing: list

    @property
    def fully_agreed(self) -> bool:
        return not self.missing


def phase_agreements(participants, latest: dict) -> PhaseAgreements:
    """`participants` of the pilot (with their organisation), `latest` the phase's latest
    agreement review per reviewer id."""
    rows, unanswered, askable, waiting, missing = [], [], [], [], []
    for participant in participants:
        if not (participant.agreement_required and participant.is_active):
            continue
        organisation = participant.organisation
        review = latest.get(organisation.pk)
        rows.append((participant, review))
        if review is None or review.status != ReviewStatus.APPROVED:
            missing.append(organisation)
        if participant.invitation_status != InvitationStatus.ACCEPTED:
            unanswered.append(organisation)
        elif review is None or review.status in (ReviewStatus.RETURNED, ReviewStatus.WITHDRAWN):
            askable.append(organisation)
        elif review.status == ReviewStatus.PENDING:
            waiting.append(organisation)
    return PhaseAgreements(rows, unanswered, askable, waiting, missing)


def _names(organisations) -> str:
    return ", ".join(str(organisation) for organisation in organisations)


def phase_request_refusal(phase: Phase, agreements: PhaseAgreements) -> str | None:
    """Why agreement to the phase cannot be asked now, or None when it can."""
    if phase.status != PhaseStatus.PLANNED:
        return _("Only a planned phase is put to agreement.")
    if agreements.askable:
        return None
    reasons = []
    if agreements.waiting:
        reasons.append(
            _("Already asked; waiting for %(names)s.") % {"names": _names(agreements.waiting)}
        )
    if agreements.unanswered:
        reasons.append(
            _(
                "Waiting for %(names)s to answer the invitation to the pilot; they are asked "
                "to agree once they accept."
            )
            % {"names": _names(agreements.unanswered)}
        )
    if reasons:
        return " ".join(reasons)
    if not agreements.rows:
        return _("No participant has to agree to this phase.")
    return _("Every participant has agreed.")


def phase_start_refusal(phase: Phase, pilot: Pilot, agreements: PhaseAgreements) -> str | None:
    """Why the phase cannot start now, or None when it can."""
    if phase.status != PhaseStatus.PLANNED:
        return _("This phase is %(status)s; only a planned phase starts.") % {
            "status": phase.get_status_display().lower()
        }
    if pilot.status not in (PilotStatus.AGREED, PilotStatus.IN_PROGRESS):
        return _("The pilot is %(status)s; phases start once the pilot is agreed.") % {
            "status": pilot.get_status_display().lower()
        }
    if agreements.unanswered:
        return _(
            "The phase cannot start until every participant has agreed. %(names)s has not "
            "answered the invitation to the pilot yet."
        ) % {"names": _names(agreements.unanswered)}
    if agreements.missing:
        return _(
            "The phase cannot start until every participant has agreed. Still waiting for: "
            "%(names)s."
        ) % {"names": _names(agreements.missing)}
    return None


def _phase_agreements(phase: Phase) -> PhaseAgreements:
    latest = {}
    for review in Review.objects.for_subject(phase).of_kind(ReviewKind.PHASE_AGREEMENT):
        latest[review.reviewer_id] = review
    return phase_agreements(phase.pilot.participants.select_related("organisation"), latest)


@transaction.atomic
def phase_request_agreement(*, actor, phase: Phase, on: date | None = None) -> list[Review]:
    """Ask every participant that must agree, and has accepted its invitation, to agree to
    the phase (their inbox shows it). Those still invited are asked when they accept. `on`
    dates a request made earlier, outside the platform."""
    _require_facilitator_of(actor, phase.pilot)
    agreements = _phase_agreements(phase)
    refusal = phase_request_refusal(phase, agreements)
    if refusal:
        raise TransitionNotAllowed(refusal)
    return [
        reviews.review_request(
            actor=actor,
            subject=phase,
            kind=ReviewKind.PHASE_AGREEMENT,
            reviewer=organisation,
            on=on,
        )
        for organisation in agreements.askable
    ]


def _agreement_review(actor, phase, organisation):
    acting = acting_organisations(actor, phase.pilot)
    if organisation is None:
        pending = Review.objects.for_subject(phase).of_kind(ReviewKind.PHASE_AGREEMENT).pending()
        candidates = [review for review in pending if review.reviewer_id in acting]
        if not candidates and access.can_edit(actor, phase.pilot):
            raise ValidationError(_("Say on whose behalf you record the agreement."))
        if not candidates:
            raise PermissionDenied(_("Nothing waits for your agreement on this phase."))
        return candidates[0]
    review = (
        Review.objects.for_subject(phase)
        .of_kind(ReviewKind.PHASE_AGREEMENT)
        .pending()
        .filter(reviewer=organisation)
        .first()
    )
    if review is None:
        raise ValidationError(
            _("%(org)s has not been asked to agree to this phase, or has already answered.")
            % {"org": organisation}
        )
    return review


def _require_accepted(review, phase):
    """Only a participant that accepted the invitation to the pilot agrees to its phases."""
    accepted = phase.pilot.participants.filter(
        organisation_id=review.reviewer_id, invitation_status=InvitationStatus.ACCEPTED
    ).exists()
    if not accepted:
        raise ValidationError(
            _(
                "%(org)s has not accepted the invitation to this pilot; it agrees to phases "
                "once it has accepted."
            )
            % {"org": review.reviewer}
        )
    return review


@transaction.atomic
def phase_agree(
    *, actor, phase: Phase, organisation=None, note: str = "", on: date | None = None
) -> Review:
    """Record an organisation's agreement to a phase (a facilitator may record it for them,
    dated `on` when it was given earlier)."""
    review = _require_accepted(_agreement_review(actor, phase, organisation), phase)
    return reviews.review_approve(actor=actor, review=review, note=note, on=on)


@transaction.atomic
def phase_decline(
    *, actor, phase: Phase, reason: str, organisation=None, on: date | None = None
) -> Review:
    """Record that an organisation does not agree to the phase as it stands, and why."""
    review = _require_accepted(_agreement_review(actor, phase, organisation), phase)
    return reviews.review_return(actor=actor, review=review, reason=reason, on=on)


@transaction.atomic
def phase_start(*, actor, phase: Phase, started_on: date | None = None) -> Phase:
    """Start a phase: only once every required participant has agreed."""
    _require_facilitator_of(actor, phase.pilot)
    phase = Phase.objects.select_for_update().select_related("pilot").get(pk=phase.pk)
    pilot = phase.pilot
    refusal = phase_start_refusal(phase, pilot, _phase_agreements(phase))
    if refusal:
        raise TransitionNotAllowed(refusal)
    phase.status = PhaseStatus.IN_PROGRESS
    phase.actual_start = started_on or timezone.localdate()
    phase.save(update_fields=["status", "actual_start"])
    if pilot.status == PilotStatus.AGREED:
        pilot_transition(
            actor=actor,
            pilot=pilot,
            to_status=PilotStatus.IN_PROGRESS,
            reason=_("Phase %(number)s started.") % {"number": phase.number},
            effective_on=phase.actual_start,
        )
    return phase


@transaction.atomic
def phase_complete(*, actor, phase: Phase, completed_on: date | None = None) -> Phase:
    """Mark a running phase done."""
    _require_facilitator_of(actor, phase.pilot)
    phase = Phase.objects.select_for_update().get(pk=phase.pk)
    if phase.status != PhaseStatus.IN_PROGRESS:
        raise TransitionNotAllowed(_("Only a phase in progress can be completed."))
    phase.status = PhaseStatus.COMPLETED
    phase.actual_end = completed_on or timezone.localdate()
    phase.save(update_fields=["status", "actual_end"])
    return phase


# --- the rest of the story --------------------------------------------------------------------


def _require_taking_part(pilot, instance, fields, allowed):
    """An organisation a part of the pilot names (a deliverable's responsible, a scope change's
    proposer) is one of the pilot's: everyone who sees the pilot sees it named, and sees the
    pilot's own organisations only (`rules.pilot_named_organisation_ids`). An activity may
    name others (a peer company visited); those show only to whoever may see them."""
    for name in allowed:
        organisation = fields.get(name)
        field = instance._meta.get_field(name)
        if (
            organisation is not None
            and field.many_to_one
            and field.related_model is Organisation
            and not pilot.participants.filter(organisation=organisation).exists()
        ):
            raise ValidationError({name: _("Choose one of the pilot's participants.")})


def _save_part(actor, pilot, instance, fields, allowed, related=None):
    _require_facilitator_of(actor, pilot)
    if instance.pk and instance.pilot_id != pilot.pk:
        raise PermissionDenied
    _require_taking_part(pilot, instance, fields, allowed)
    instance.pilot = pilot
    apply_fields(instance, fields, allowed)
    for name in ("phase", "deliverable"):
        linked = getattr(instance, name, None)
        if linked is not None and linked.pilot_id != pilot.pk:
            raise ValidationError({name: _("This belongs to another pilot.")})
    instance.full_clean()
    instance.save()
    if related:
        for name, values in related.items():
            if values is not None:
                getattr(instance, name).set(values)
    return instance


@transaction.atomic
def deliverable_save(*, actor, pilot, deliverable=None, **fields) -> Deliverable:
    """Record a deliverable, or its delivery."""
    return _save_part(
        actor,
        pilot,
        deliverable or Deliverable(),
        fields,
        ("phase", "title", "kind", "responsible", "due_date", "delivered_on", "notes"),
    )


@transaction.atomic
def activity_save(*, actor, pilot, activity=None, participants=None, **fields) -> Activity:
    """Record a meeting, visit, call or training and the person-days it took."""
    return _save_part(
        actor,
        pilot,
        activity or Activity(),
        fields,
        ("phase", "kind", "date", "title", "description", "person_days"),
        related={"participants": participants},
    )


@transaction.atomic
def scope_change_save(*, actor, pilot, scope_change=None, **fields) -> ScopeChange:
    """Record a proposed change of scope, or its acceptance or refusal."""
    instance = scope_change or ScopeChange()
    status = fields.get("status", instance.status)
    if status != ScopeChangeStatus.PROPOSED and not fields.get("decided_on", instance.decided_on):
        fields["decided_on"] = timezone.localdate()
    return _save_part(
        actor,
        pilot,
        instance,
        fields,
        ("proposed_on", "proposed_by", "description", "status", "decided_on", "reason"),
    )


SITE_FIELDS = ("supplier", "facility", "role", "joined_on", "left_on", "headcount", "note")


@transaction.atomic
def site_save(*, actor, pilot, site=None, **fields) -> PilotSite:
    """Name a supplier or facility the pilot covers, or compares its participants with."""
    instance = site or PilotSite()
    supplier = fields.get("supplier", instance.supplier if instance.supplier_id else None)
    facility = fields.get("facility", instance.facility if instance.facility_id else None)
    role = fields.get("role", instance.role)
    if supplier is not None:
        if facility is None and role == SiteRole.COMPARISON and supplier.pk == pilot.supplier_id:
            raise ValidationError(
                {
                    "supplier": _(
                        "The pilot's own supplier takes part; name another supplier, or one of "
                        "its facilities that does not take part."
                    )
                }
            )
        others = pilot.sites.exclude(pk=instance.pk) if instance.pk else pilot.sites.all()
        if facility is None and others.filter(supplier=supplier, facility__isnull=True).exists():
            raise ValidationError(
                {"supplier": _("This supplier already has a role in this pilot as a whole.")}
            )
        if facility is not None and others.filter(facility=facility).exists():
            raise ValidationError(
                {
                    "facility": _(
                        "This facility already has a role in this pilot: a facility is either "
                        "taking part or in the comparison group, once."
                    )
                }
            )
        other_role = others.filter(supplier=supplier).exclude(role=role)
        if facility is not None:
            other_role = other_role.filter(facility__isnull=True)
        if other_role.exists():
            message = (
                _(
                    "This supplier as a whole already has the other role in this pilot: its "
                    "facilities cannot take this one."
                )
                if facility is not None
                else _(
                    "One of this supplier's facilities already has the other role in this "
                    "pilot: the supplier as a whole cannot take this one."
                )
            )
            raise ValidationError({"role": message})
    return _save_part(actor, pilot, instance, fields, SITE_FIELDS)


@transaction.atomic
def comment_add(*, actor, pilot: Pilot, body: str, organisation=None) -> Comment:
    """A participant comments on the pilot's progress."""
    acting = acting_organisations(actor, pilot)
    require(bool(acting), _("Only the pilot's participants comment on it."))
    if organisation is not None and organisation.pk not in acting:
        raise PermissionDenied
    comment = Comment(
        pilot=pilot,
        author=actor,
        organisation_id=(organisation.pk if organisation else acting[0]),
        body=body,
    )
    comment.full_clean()
    comment.save()
    return comment


# --- documents -------------------------------------------------------------------------------


def document_store(
    *,
    actor,
    upload,
    uploader_org: int,
    target: dict,
    title: str = "",
    kind=DocumentKind.OTHER,
    visibility="all_participants",
    replaces: Document | None = None,
) -> Document:
    """Check and store one uploaded file on `target` (pilot, phase, deliverable or corrective
    action fields); the permission checks are the caller's.

    The file is checked first (name, size, type from the bytes); the same bytes already on the
    same target, in a document the actor may see, are refused, saying where they are. A copy
    the actor may not see does not count: refusing would tell of a document it may not know
    about. A new upload of a document is a new version; nothing is overwritten.
    """
    facts = check_upload(upload)
    target = {
        "pilot": None,
        "phase": None,
        "deliverable": None,
        "corrective_action": None,
        **target,
    }
    same_bytes = Document.objects.filter(sha256=facts["sha256"], **target)
    same = access.scope(actor, same_bytes).with_shown_versions(actor).order_by("pk").first()
    if same is not None:
        raise ValidationError(
            _(
                "This exact file is already here: “%(title)s” version %(version)s, uploaded on "
                "%(date)s as %(name)s. Nothing was stored."
            )
            % {
                "title": same.title,
                "version": same.shown_version,
                "name": same.original_name,
                "date": date_format(timezone.localtime(same.uploaded_at).date()),
            }
        )
    root = None
    version = 1
    if replaces is not None:
        root = replaces.root or replaces
        version = (
            Document.objects.filter(root=root)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
            or 1
        ) + 1
        title = title or replaces.title
    document = Document(
        **target,
        title=title or facts["original_name"],
        kind=kind,
        visibility=visibility,
        root=root,
        version=version,
        uploaded_by=actor,
        uploaded_for_id=uploader_org,
        storage_key=secrets.token_hex(16),
        **facts,
    )
    document.full_clean(exclude=["file"])
    document.save()
    # The file is written last, so that a refusal before it leaves no file behind. Its name
    # is the random storage key: a write never overwrites another document.
    document.file.save(document.storage_key, upload, save=True)
    return document


@transaction.atomic
def document_upload(
    *,
    actor,
    pilot: Pilot,
    upload,
    title: str = "",
    kind=DocumentKind.OTHER,
    visibility="all_participants",
    phase=None,
    deliverable=None,
    replaces: Document | None = None,
    organisation=None,
    uploaded_on: date | None = None,
) -> Document:
    """A participant stores a file on a pilot (or a phase or deliverable of it).

    An NGO's assessment report asks the supplier for a reply. `uploaded_on` dates a file
    handed over earlier, outside the platform (recorded history keeps the story's dates).
    """
    acting = acting_organisations(actor, pilot)
    require(bool(acting), _("Only the pilot's participants upload documents to it."))
    for name, linked in (("phase", phase), ("deliverable", deliverable), ("replaces", replaces)):
        if linked is not None and linked.pilot_id != pilot.pk:
            raise ValidationError({name: _("This belongs to another pilot.")})
    uploader_org = organisation.pk if organisation is not None else acting[0]
    if uploader_org not in acting:
        raise PermissionDenied
    asks_for_reply = (
        kind == DocumentKind.ASSESSMENT_REPORT and uploader_org != pilot.supplier.organisation_id
    )
    if asks_for_reply and visibility == Visibility.FACILITATOR_ONLY:
        raise ValidationError(
            {
                "visibility": _(
                    "The supplier replies to an assessment report, so it must be able "
                    "to see it: choose all participants, or facilitator and supplier."
                )
            }
        )
    document = document_store(
        actor=actor,
        upload=upload,
        uploader_org=uploader_org,
        target={"pilot": pilot, "phase": phase, "deliverable": deliverable},
        title=title,
        kind=kind,
        visibility=visibility,
        replaces=replaces,
    )
    if uploaded_on is not None:
        document.uploaded_at = timezone.make_aware(datetime.combine(uploaded_on, time(12)))
        Document.objects.filter(pk=document.pk).update(uploaded_at=document.uploaded_at)
    if asks_for_reply:
        reviews.review_request(
            actor=actor,
            subject=document,
            kind=ReviewKind.ASSESSMENT_REPLY,
            reviewer=pilot.supplier.organisation,
            on=uploaded_on,
        )
    return document


def _assessment_review(document):
    review = (
        Review.objects.for_subject(document).of_kind(ReviewKind.ASSESSMENT_REPLY).pending().first()
    )
    if review is None:
        raise ValidationError(_("No reply is awaited on this document."))
    return review


@transaction.atomic
def assessment_reply(
    *, actor, document: Document, reply: str, accept: bool = True, on: date | None = None
) -> Review:
    """The supplier answers an assessment: accepts it with a reply, or disputes it with reasons."""
    review = _assessment_review(document)
    if accept:
        return reviews.review_approve(actor=actor, review=review, note=reply, on=on)
    return reviews.review_return(actor=actor, review=review, reason=reply, on=on)


# --- funding, budget, spending and people reached ---------------------------------------------

MONEY_FIELDS = ("amount", "currency", "pinned_rate", "on_date")


def _require_programme_editor(actor, programme):
    require(
        access.can_edit(actor, programme),
        _("Only the programme's facilitator may do this."),
    )


def _require_rate(row, programme):
    """A money figure whose USD value cannot be computed is refused, naming the currency:
    enter a dated rate first, or pin the rate the source used."""
    from metrics import money

    facilitator_id = programme.facilitator_id
    _converted, missing = money.try_convert(row, money.RateTable([facilitator_id]), facilitator_id)
    if missing:
        raise ValidationError({"currency": [missing]})


def _programme_row_save(actor, programme, row, fields, allowed, *, money=True):
    _require_programme_editor(actor, programme)
    if row.pk and row.programme_id != programme.pk:
        raise PermissionDenied
    row.programme = programme
    apply_fields(row, fields, allowed)
    row.full_clean()
    if money:
        _require_rate(row, programme)
    row.save()
    return row


@transaction.atomic
def funding_save(
    *, actor, programme: Programme, funding: ProgrammeFunding | None = None, **fields
) -> ProgrammeFunding:
    """Record (or correct) what a donor gives to the programme."""
    return _programme_row_save(
        actor, programme, funding or ProgrammeFunding(), fields, ("donor", "note", *MONEY_FIELDS)
    )


@transaction.atomic
def budget_line_save(
    *, actor, programme: Programme, line: BudgetLine | None = None, **fields
) -> BudgetLine:
    """Add (or correct) a line of the programme's budget."""
    return _programme_row_save(
        actor,
        programme,
        line or BudgetLine(),
        fields,
        ("category", "country", "note", *MONEY_FIELDS),
    )


@transaction.atomic
def spending_save(
    *, actor, programme: Programme, spending: Spending | None = None, **fields
) -> Spending:
    """Record money spent against one of the programme's budget lines; refused when its
    currency has no rate for its date."""
    line = fields.get("budget_line")
    if line is not None and line.programme_id != programme.pk:
        raise ValidationError({"budget_line": _("Choose a line of this programme's budget.")})
    return _programme_row_save(
        actor, programme, spending or Spending(), fields, ("budget_line", "note", *MONEY_FIELDS)
    )


@transaction.atomic
def people_reached_save(
    *, actor, programme: Programme, row: PeopleReached | None = None, **fields
) -> PeopleReached:
    """Record how many people the programme (a pilot, an activity) trained, interviewed or
    reached; refused when women, men and other add up to more than the total."""
    pilot, activity = fields.get("pilot"), fields.get("activity")
    if activity is not None:
        if pilot is None:
            fields["pilot"] = pilot = activity.pilot
        elif activity.pilot_id != pilot.pk:
            raise ValidationError({"activity": _("Choose an activity of this pilot.")})
    if pilot is not None and pilot.programme_id != programme.pk:
        raise ValidationError({"pilot": _("Choose a pilot of this programme.")})
    return _programme_row_save(
        actor,
        programme,
        row or PeopleReached(),
        fields,
        ("pilot", "activity", "what", "on_date", "total", "women", "men", "other", "note"),
        money=False,
    )

"""Writes for audits: findings, corrective actions from open to verified, sharing by consent.

Every change of a finding or corrective action is kept by django-simple-history (with the
acting user); submission and verification also go through the one review mechanism, so
what waits for verification shows in the verifier's inbox.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from csrplatform import access
from csrplatform.errors import Conflict
from csrplatform.reviews import services as reviews
from csrplatform.reviews.models import Review, ReviewKind
from csrplatform.services import apply_fields, require
from pilots import services as pilot_services
from pilots.choices import DocumentKind, InvitationStatus, ParticipantRole
from pilots.models import PilotParticipant
from suppliers.models import Organisation, SupplyRelationship

from .choices import ACTION_TRANSITIONS, ActionStatus, AuditKind
from .models import Audit, AuditShare, Clause, CorrectiveAction, Finding, Standard


class ActionTransitionNotAllowed(Conflict):
    """A corrective-action move the rules forbid (the API answers 409)."""


class ActionEditConflict(Conflict):
    """A change based on a version of the action someone has changed since (409)."""


def _save(instance, actor):
    # simple-history records the acting user from `_history_user` outside of requests too.
    instance._history_user = actor
    instance.full_clean()
    instance.save()
    return instance


# --- reference data and audits ------------------------------------------------------------------


@transaction.atomic
def standard_save(*, actor, standard: Standard | None = None, **fields) -> Standard:
    """Create or change a standard (facilitators)."""
    require(access.actor_for(actor).is_facilitator_editor)
    standard = standard or Standard()
    apply_fields(standard, fields, ("code", "name", "issuer", "version"))
    standard.full_clean()
    standard.save()
    return standard


@transaction.atomic
def clause_save(*, actor, clause: Clause | None = None, **fields) -> Clause:
    """Create or change a clause of a standard (facilitators)."""
    require(access.actor_for(actor).is_facilitator_editor)
    clause = clause or Clause()
    apply_fields(clause, fields, ("standard", "reference", "title", "topic"))
    clause.full_clean()
    clause.save()
    return clause


AUDIT_FIELDS = (
    "facility",
    "commissioned_by",
    "conducted_by",
    "audit_firm",
    "kind",
    "standard",
    "start_date",
    "end_date",
    "person_days",
    "status",
    "summary",
)


def _supplies(supplier_id, customer_id) -> bool:
    return SupplyRelationship.objects.filter(
        supplier_id=supplier_id, customer_id=customer_id
    ).exists()


def assessing_organisations(actor, pilot) -> frozenset:
    """The civil-society organisations through which `actor` may record an assessment of
    `pilot`: those it writes for (admin or editor) that take part in the pilot (invitation
    accepted)."""
    writable = access.actor_for(actor).orgs_of_kind("civil_society", writable=True)
    if not writable or pilot is None:
        return frozenset()
    return frozenset(
        PilotParticipant.objects.filter(
            pilot=pilot,
            organisation_id__in=writable,
            invitation_status=InvitationStatus.ACCEPTED,
        ).values_list("organisation_id", flat=True)
    )


def _check_assessment(actor, audit: Audit, pilot) -> None:
    """An NGO or consultant records its own assessment, of the supplier of a pilot it takes
    part in, and nothing else (seeds/000: the EHS consultant's evaluation, §IV.4)."""
    if pilot is None:
        pilot = next(
            (
                linked
                for linked in audit.pilots.all()
                if audit.conducted_by_id in assessing_organisations(actor, linked)
            ),
            None,
        )
    if pilot is None or audit.conducted_by_id not in assessing_organisations(actor, pilot):
        raise PermissionDenied(
            _(
                "Only facilitators record audits; an NGO or consultant records its own "
                "assessment of a pilot it takes part in."
            )
        )
    errors = {}
    if audit.kind != AuditKind.NGO_ASSESSMENT:
        errors["kind"] = _("An NGO or consultant records an NGO assessment.")
    if audit.commissioned_by_id:
        errors["commissioned_by"] = _("Only the facilitator records who commissioned an audit.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def audit_save(*, actor, audit: Audit | None = None, pilot=None, **fields) -> Audit:
    """Record an audit (facilitators; a customer's audits are entered on its behalf), or an
    NGO's or consultant's assessment of a pilot it takes part in (a writable member of that
    civil-society organisation). `pilot` links the audit to the pilot it belongs to; its
    facility must then be one of the pilot's supplier."""
    is_facilitator = access.actor_for(actor).is_facilitator_editor
    if not is_facilitator:
        if audit is not None and audit.pk is not None:
            _check_assessment(actor, audit, pilot)  # the one recorded, before it changes
        elif not assessing_organisations(actor, pilot):
            raise PermissionDenied(
                _(
                    "Only facilitators record audits; an NGO or consultant records its own "
                    "assessment of a pilot it takes part in."
                )
            )
    audit = audit or Audit()
    apply_fields(audit, fields, AUDIT_FIELDS)
    if not is_facilitator:
        _check_assessment(actor, audit, pilot)
    if pilot is not None and audit.facility_id and audit.facility.supplier_id != pilot.supplier_id:
        raise ValidationError(
            {
                "facility": _("Choose a facility of the pilot's supplier, %(supplier)s.")
                % {"supplier": pilot.supplier}
            }
        )
    if audit.commissioned_by_id and audit.commissioned_by.kind != "customer":
        raise ValidationError({"commissioned_by": _("Only a customer commissions audits.")})
    moves = audit.pk is None or "facility" in fields or "commissioned_by" in fields
    if (
        moves
        and audit.commissioned_by_id
        and audit.facility_id
        and not _supplies(audit.facility.supplier_id, audit.commissioned_by_id)
    ):
        # The customer would see an audit of a supplier it may not see (nor the supplier it).
        raise ValidationError(
            {
                "facility": _(
                    "This facility's supplier does not supply the customer that commissioned "
                    "the audit: choose a facility of one of its suppliers, or record the supply "
                    "relationship first."
                )
            }
        )
    audit.full_clean()
    audit.save()
    if pilot is not None:
        audit.pilots.add(pilot)
    return audit


@transaction.atomic
def finding_save(
    *, actor, audit: Audit, finding: Finding | None = None, clauses=None, **fields
) -> Finding:
    """Record a finding and the clauses (of one or more standards) it breaks."""
    require(
        access.can_edit(actor, audit),
        _("Only facilitators, or the NGO or consultant that made the assessment, record findings."),
    )
    finding = finding or Finding(audit=audit)
    if finding.audit_id != audit.pk:
        raise PermissionDenied
    apply_fields(finding, fields, ("severity", "description", "evidence", "root_cause"))
    _save(finding, actor)
    if clauses is not None:
        if not clauses:
            raise ValidationError({"clauses": _("Name at least one clause the finding breaks.")})
        finding.clauses.set(clauses)
    return finding


@transaction.atomic
def action_create(*, actor, finding: Finding, **fields) -> CorrectiveAction:
    """Plan a corrective action for a finding (facilitators, or the audited supplier)."""
    action = CorrectiveAction(finding=finding)
    require(
        access.actor_for(actor).is_facilitator_editor or _writes_for_supplier(actor, finding.audit)
    )
    _check_owner(fields.get("owner"), finding.audit)
    apply_fields(action, fields, ("action", "preventive_action", "owner", "due_date"))
    return _save(action, actor)


def _check_owner(owner, audit) -> None:
    """An action's owner works for the audited supplier or for a facilitator: reminders about
    the action go to them, so nobody else may be named."""
    if owner is None:
        return
    works_there = owner.memberships.filter(
        Q(organisation_id=audit.facility.supplier.organisation_id)
        | Q(organisation__kind="facilitator")
    ).exists()
    if not works_there:
        raise ValidationError(
            {"owner": _("The owner must be a member of the audited supplier or the facilitator.")}
        )


def _writes_for_supplier(actor, audit) -> bool:
    return audit.facility.supplier.organisation_id in access.actor_for(actor).writable_org_ids


# --- the corrective-action workflow --------------------------------------------------------------


def _move(action, to_status):
    if to_status not in ACTION_TRANSITIONS[action.status]:
        raise ActionTransitionNotAllowed(
            _("A corrective action that is %(current)s cannot become %(target)s.")
            % {
                "current": action.get_status_display().lower(),
                "target": ActionStatus(to_status).label.lower(),
            }
        )
    action.status = to_status


def _locked(action, expected_version: int | None = None) -> CorrectiveAction:
    """The action, locked until the transaction ends; refused if it is no longer at
    `expected_version` (when the caller says which version its change starts from)."""
    locked = (
        CorrectiveAction.objects.select_for_update(of=("self",))
        .select_related(
            "finding__audit__facility__supplier__organisation", "finding__audit__commissioned_by"
        )
        .get(pk=action.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ActionEditConflict(
            _(
                "Someone changed this corrective action after you opened it. Your change was "
                "not saved: reload it to see theirs, then make yours again."
            )
        )
    return locked


def _save_locked(action, actor) -> CorrectiveAction:
    """Save an action read by `_locked`: the row lock makes the next version number safe."""
    action.version += 1
    return _save(action, actor)


@transaction.atomic
def action_progress(
    *,
    actor,
    action: CorrectiveAction,
    note: str = "",
    owner=None,
    due_date: date | None = None,
    expected_version: int | None = None,
) -> CorrectiveAction:
    """The supplier reports progress (an open action becomes in progress); refused if the
    action changed since `expected_version`."""
    require(
        access.can_edit(actor, action),
        _("Only the supplier or the facilitator updates this action."),
    )
    action = _locked(action, expected_version)
    if action.status == ActionStatus.VERIFIED:
        raise ActionTransitionNotAllowed(_("This action is verified; it no longer changes."))
    if action.status == ActionStatus.OPEN:
        _move(action, ActionStatus.IN_PROGRESS)
    if note:
        action.progress_note = note
    if owner is not None:
        _check_owner(owner, action.finding.audit)
        action.owner = owner
    if due_date is not None and due_date != action.due_date:
        # A supplier does not move its own deadline: that would clear "overdue" and stop the
        # reminders. The facilitator agrees new dates.
        require(
            access.actor_for(actor).is_facilitator_editor,
            _("Only the facilitator changes the due date; ask them if you need more time."),
        )
        action.due_date = due_date
    return _save_locked(action, actor)


def verifier_for(action: CorrectiveAction) -> Organisation:
    """Who verifies: the customer that commissioned the audit; otherwise the facilitator of a
    pilot started from it, or else the platform's facilitator."""
    audit = action.finding.audit
    if audit.commissioned_by_id:
        return audit.commissioned_by
    pilot = audit.pilots.select_related("programme__facilitator").first()
    if pilot is not None:
        return pilot.programme.facilitator
    facilitator = Organisation.objects.filter(kind="facilitator").order_by("pk").first()
    if facilitator is None:
        raise ValidationError(_("No customer or facilitator can verify this action."))
    return facilitator


@transaction.atomic
def action_submit(
    *,
    actor,
    action: CorrectiveAction,
    note: str,
    evidence=None,
    on: date | None = None,
    expected_version: int | None = None,
) -> CorrectiveAction:
    """The supplier says the action is done, with a note and optionally evidence, and asks
    for verification (`on` dates a submission made earlier, outside the platform)."""
    require(
        access.can_edit(actor, action),
        _("Only the supplier or the facilitator submits this action."),
    )
    action = _locked(action, expected_version)
    if not note.strip():
        raise ValidationError({"note": _("Say what was done.")})
    _move(action, ActionStatus.SUBMITTED)
    action.submission_note = note.strip()
    _save_locked(action, actor)
    if evidence is not None:
        evidence_upload(actor=actor, action=action, upload=evidence)
    review = reviews.review_request(
        actor=actor,
        subject=action,
        kind=ReviewKind.ACTION_VERIFICATION,
        reviewer=verifier_for(action),
        note=note.strip(),
        on=on,
    )
    CorrectiveAction.objects.filter(pk=action.pk).update(submitted_at=review.requested_at)
    action.submitted_at = review.requested_at
    return action


def _pending_verification(action) -> Review:
    review = (
        Review.objects.for_subject(action).of_kind(ReviewKind.ACTION_VERIFICATION).pending().first()
    )
    if review is None:
        raise ActionTransitionNotAllowed(_("This action has not been submitted for verification."))
    return review


def _refuse_self_verification(actor, action):
    if _writes_for_supplier(actor, action.finding.audit):
        raise PermissionDenied(_("A supplier cannot verify its own corrective action."))


@transaction.atomic
def action_verify(
    *,
    actor,
    action: CorrectiveAction,
    note: str = "",
    on: date | None = None,
    expected_version: int | None = None,
) -> CorrectiveAction:
    """The customer (or facilitator) confirms the fix."""
    action = _locked(action, expected_version)
    _refuse_self_verification(actor, action)
    if action.status != ActionStatus.SUBMITTED:
        raise ActionTransitionNotAllowed(
            _("Only a submitted action can be verified; this one is %(status)s.")
            % {"status": action.get_status_display().lower()}
        )
    review = reviews.review_approve(
        actor=actor, review=_pending_verification(action), note=note, on=on
    )
    _move(action, ActionStatus.VERIFIED)
    action.verification_note = note.strip()
    action.verified_by = actor
    action.verified_at = review.decided_at
    return _save_locked(action, actor)


@transaction.atomic
def action_reject(
    *, actor, action: CorrectiveAction, reason: str, expected_version: int | None = None
) -> CorrectiveAction:
    """The verifier sends the action back to the supplier, saying why."""
    action = _locked(action, expected_version)
    _refuse_self_verification(actor, action)
    if action.status != ActionStatus.SUBMITTED:
        raise ActionTransitionNotAllowed(_("Only a submitted action can be rejected."))
    reviews.review_return(actor=actor, review=_pending_verification(action), reason=reason)
    _move(action, ActionStatus.IN_PROGRESS)
    action.verification_note = reason.strip()
    return _save_locked(action, actor)


@transaction.atomic
def evidence_upload(*, actor, action: CorrectiveAction, upload, title: str = ""):
    """Attach evidence to a corrective action (the supplier, or the facilitator)."""
    require(
        access.can_edit(actor, action),
        _("Only the supplier or the facilitator adds evidence to this action."),
    )
    audit = action.finding.audit
    actor_info = access.actor_for(actor)
    uploader = (
        audit.facility.supplier.organisation_id
        if audit.facility.supplier.organisation_id in actor_info.writable_org_ids
        else next(iter(sorted(actor_info.orgs_of_kind("facilitator", writable=True))), None)
    )
    if uploader is None:
        raise PermissionDenied
    return pilot_services.document_store(
        actor=actor,
        upload=upload,
        uploader_org=uploader,
        target={"corrective_action": action},
        title=title,
        kind=DocumentKind.EVIDENCE,
    )


# --- sharing by consent -----------------------------------------------------------------------


@transaction.atomic
def audit_share(*, actor, audit: Audit, customer: Organisation) -> AuditShare:
    """The supplier lets one of its customers see this audit."""
    require(
        _writes_for_supplier(actor, audit),
        _("Only the audited supplier decides whom it shares its audits with."),
    )
    if customer.kind != "customer":
        raise ValidationError({"customer": _("Audits are shared with customers.")})
    existing = audit.shares.filter(customer=customer, withdrawn_at__isnull=True).first()
    if existing is not None:
        return existing
    share = AuditShare(audit=audit, customer=customer, shared_by=actor)
    share.full_clean()
    share.save()
    return share


@transaction.atomic
def audit_share_withdraw(*, actor, share: AuditShare) -> AuditShare:
    """The supplier withdraws a share; the customer no longer sees the audit."""
    require(_writes_for_supplier(actor, share.audit))
    if share.withdrawn_at is None:
        share.withdrawn_at = timezone.now()
        share.withdrawn_by = actor
        share.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return share


# --- from findings to a pilot ------------------------------------------------------------------


@transaction.atomic
def pilot_from_findings(
    *,
    actor,
    findings,
    programme,
    title: str,
    pilot_type: str,
    approach: str = "integrate_auditing",
    objectives: str = "",
):
    """Start a pilot from recurring findings; the pilot and the findings point at each other."""
    findings = list(findings)
    if not findings:
        raise ValidationError(_("Choose at least one finding."))
    audits = {finding.audit for finding in findings}
    suppliers = {audit.facility.supplier for audit in audits}
    if len(suppliers) != 1:
        raise ValidationError(
            _("A pilot works with one supplier: choose findings of one supplier.")
        )
    supplier = suppliers.pop()
    customers = {audit.commissioned_by for audit in audits if audit.commissioned_by_id}
    context = "\n".join(
        f"- [{finding.get_severity_display()}] {finding.description}" for finding in findings
    )
    pilot = pilot_services.pilot_create(
        actor=actor,
        programme=programme,
        supplier=supplier,
        title=title,
        pilot_type=pilot_type,
        approach=approach,
        objectives=objectives,
        context=_("Started from these audit findings:") + "\n" + context,
        participants=[(customer, ParticipantRole.INVITING_CUSTOMER) for customer in customers],
    )
    for finding in findings:
        finding.pilots.add(pilot)
    for audit in audits:
        audit.pilots.add(pilot)
    return pilot

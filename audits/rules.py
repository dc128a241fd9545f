"""Who sees and edits audits, findings, corrective actions and shares.

Facilitators see every audit and their editors change them. A supplier sees the audits of its
own facilities; a customer those it commissioned or that the supplier shares with it (until the
share is withdrawn); an NGO or consultant the assessments it conducted, and its writable members
edit them and their findings (who may record one: audits.services.audit_save). Findings and
corrective actions follow their audit. Suppliers keep their own corrective actions up to date.

Whoever sees an audit sees what it is about: the facility and the audited supplier's
organisation record (granted to the directory's models; the supplier profile's private data stays
the directory's).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from csrplatform import access
from csrplatform.access import EDIT, VIEW, Actor, rule
from csrplatform.reviews.rules import register_review_subjects
from suppliers.models import Facility, Organisation, Supplier

from .choices import AuditKind
from .models import Audit, AuditShare, Clause, CorrectiveAction, Finding, ReminderSent, Standard

register_review_subjects(CorrectiveAction)


def visible_audit_ids(actor: Actor) -> QuerySet:
    if actor.is_facilitator:
        return Audit.objects.values("pk")
    return Audit.objects.filter(
        Q(facility__supplier__organisation_id__in=actor.supplier_org_ids)
        | Q(commissioned_by_id__in=actor.customer_ids)
        | Q(shares__customer_id__in=actor.customer_ids, shares__withdrawn_at__isnull=True)
        | Q(conducted_by_id__in=actor.org_ids)
    ).values("pk")


def _visible_audits(actor: Actor) -> QuerySet:
    return Audit.objects.filter(pk__in=visible_audit_ids(actor))


@access.grant(Facility)
def facilities_of_visible_audits(actor):
    """The facility an audit the actor sees was at (an NGO sees where it assessed)."""
    return _visible_audits(actor).values("facility_id")


@access.grant(Supplier)
def suppliers_of_visible_audits(actor):
    return _visible_audits(actor).values("facility__supplier_id")


@access.grant(Organisation)
def supplier_organisations_of_visible_audits(actor):
    return _visible_audits(actor).values("facility__supplier__organisation_id")


def visible_action_ids(actor: Actor) -> QuerySet:
    return CorrectiveAction.objects.filter(finding__audit_id__in=visible_audit_ids(actor)).values(
        "pk"
    )


def _own_assessments(actor: Actor) -> Q:
    """NGO assessments conducted by a civil-society organisation the actor writes for, of a
    pilot that organisation takes part in: it keeps them and their findings up to date
    (audits.services.audit_save holds the same rule for recording one)."""
    from pilots.choices import InvitationStatus
    from pilots.models import PilotParticipant

    taking_part = PilotParticipant.objects.filter(
        pilot__audits=OuterRef("pk"),
        organisation_id=OuterRef("conducted_by_id"),
        invitation_status=InvitationStatus.ACCEPTED,
    )
    return Q(
        Exists(taking_part),
        kind=AuditKind.NGO_ASSESSMENT,
        conducted_by_id__in=actor.orgs_of_kind("civil_society", writable=True),
    )


@rule(Audit)
def audit_rule(actor, qs, action):
    if action == EDIT:
        if actor.is_facilitator_editor:
            return qs
        return qs.filter(_own_assessments(actor))
    if actor.is_facilitator:
        return qs
    return qs.filter(pk__in=visible_audit_ids(actor))


@rule(Finding)
def finding_rule(actor, qs, action):
    if action == EDIT:
        if actor.is_facilitator_editor:
            return qs
        return qs.filter(audit__in=Audit.objects.filter(_own_assessments(actor)))
    if actor.is_facilitator:
        return qs
    return qs.filter(audit_id__in=visible_audit_ids(actor))


@rule(CorrectiveAction)
def corrective_action_rule(actor, qs, action):
    """Suppliers keep their own corrective actions up to date; facilitators edit all."""
    if action == EDIT:
        if actor.is_facilitator_editor:
            return qs
        return qs.filter(
            finding__audit__facility__supplier__organisation_id__in=actor.orgs_of_kind(
                "supplier", writable=True
            )
        )
    if actor.is_facilitator:
        return qs  # every audit's actions: no id subquery over 50,000 rows
    return qs.filter(pk__in=visible_action_ids(actor))


@rule(AuditShare)
def share_rule(actor, qs, action):
    """A supplier decides what it shares; the customer sees what is shared with it."""
    suppliers = actor.orgs_of_kind("supplier", writable=action == EDIT)
    own = Q(audit__facility__supplier__organisation_id__in=suppliers)
    if action == EDIT:
        return qs.filter(own)
    if actor.is_facilitator:
        return qs
    return qs.filter(own | Q(customer_id__in=actor.customer_ids))


@rule(Standard, Clause)
def reference_rule(actor, qs, action):
    """Standards and clauses: everyone reads them, facilitators maintain them."""
    if action == VIEW:
        return qs
    return qs if actor.is_facilitator_editor else qs.none()


@rule(ReminderSent)
def reminder_rule(actor, qs, action):
    """The record of reminders sent, kept so none goes twice: facilitators read it, nobody
    edits it by hand."""
    if action == EDIT or not actor.is_facilitator:
        return qs.none()
    return qs

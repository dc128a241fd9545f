from django.db import models
from django.utils.translation import gettext_lazy as _


class PilotType(models.TextChoices):
    MENTORSHIP = "mentorship", _("Customer-supplier mentorship")
    WORKER_HOTLINE = "worker_hotline", _("Worker hotline")
    WORKER_TRAINING = "worker_training", _("Worker training")
    EHS_COMMITTEE = "ehs_committee", _("EHS committee")
    CSR_STRATEGY = "csr_strategy", _("CSR strategy")
    OTHER = "other", _("Other")


class Approach(models.TextChoices):
    """Seeds/000 §VI.2, from most to least scalable (the order of this list)."""

    INTEGRATE_AUDITING = "integrate_auditing", _("Integrate capability building into auditing")
    INDEPENDENT_TOOLS = "independent_tools", _("Tools suppliers use independently")
    GROUP_TRAINING = "group_training", _("Standardised group training")
    LEARNING_NETWORK = "learning_network", _("Learning network for suppliers")
    MENTORSHIP = "mentorship", _("Customer-supplier mentorship")
    CUSTOMISED_PROJECT = "customised_project", _("Customised project")


APPROACH_SCALABILITY_RANK = {value: rank for rank, value in enumerate(Approach.values, start=1)}


class PilotStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    SCOPING = "scoping", _("Scoping")
    AGREED = "agreed", _("Agreed")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    STALLED = "stalled", _("Stalled")
    DISCONTINUED = "discontinued", _("Discontinued")


OPEN_STATUSES = (
    PilotStatus.PROPOSED,
    PilotStatus.SCOPING,
    PilotStatus.AGREED,
    PilotStatus.IN_PROGRESS,
)

# A pilot that has stopped: what it planned and never did is not late.
HALTED_STATUSES = (PilotStatus.STALLED, PilotStatus.DISCONTINUED)

# The workflow: forward one step at a time; stalled or discontinued from any open state; a
# stalled pilot resumes at the status it stalled in (see services.allowed_transitions), or is
# discontinued. Completed and discontinued are final.
TRANSITIONS = {
    PilotStatus.PROPOSED: {PilotStatus.SCOPING},
    PilotStatus.SCOPING: {PilotStatus.AGREED},
    PilotStatus.AGREED: {PilotStatus.IN_PROGRESS},
    PilotStatus.IN_PROGRESS: {PilotStatus.COMPLETED},
    PilotStatus.STALLED: {PilotStatus.DISCONTINUED},
    PilotStatus.COMPLETED: set(),
    PilotStatus.DISCONTINUED: set(),
}
for _open in OPEN_STATUSES:
    TRANSITIONS[_open] |= {PilotStatus.STALLED, PilotStatus.DISCONTINUED}


class ParticipantRole(models.TextChoices):
    SUPPLIER = "supplier", _("Supplier")
    INVITING_CUSTOMER = "inviting_customer", _("Inviting customer")
    CIVIL_SOCIETY_PARTNER = "civil_society_partner", _("Civil-society partner")
    FACILITATOR = "facilitator", _("Facilitator")
    CONSULTANT = "consultant", _("Consultant")


class SiteRole(models.TextChoices):
    PARTICIPANT = "participant", _("Takes part")
    COMPARISON = "comparison", _("Comparison group")


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class PhaseStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Achievement(models.TextChoices):
    FULLY_MET = "fully_met", _("Fully met")
    PARTIALLY_MET = "partially_met", _("Partially met")
    NOT_MET = "not_met", _("Not met")


class DeliverableKind(models.TextChoices):
    SITE_VISIT_REPORT = "site_visit_report", _("Site visit report")
    ASSESSMENT_REPORT = "assessment_report", _("Assessment report")
    PROPOSAL = "proposal", _("Proposal")
    ACTION_PLAN = "action_plan", _("Action plan")
    STRATEGY = "strategy", _("Strategy")
    OTHER = "other", _("Other")


class ActivityKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    SITE_VISIT = "site_visit", _("Site visit")
    CALL = "call", _("Call")
    TRAINING = "training", _("Training")
    WORKSHOP = "workshop", _("Workshop")
    PEER_VISIT = "peer_visit", _("Peer visit")
    OTHER = "other", _("Other")


class ScopeChangeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class DocumentKind(models.TextChoices):
    ASSESSMENT_REPORT = "assessment_report", _("Assessment report")
    NDA = "nda", _("NDA")
    PROPOSAL = "proposal", _("Proposal")
    REPORT = "report", _("Report")
    EVIDENCE = "evidence", _("Evidence")
    OTHER = "other", _("Other")


class Visibility(models.TextChoices):
    ALL_PARTICIPANTS = "all_participants", _("All participants")
    FACILITATOR_SUPPLIER = "facilitator_supplier", _("Facilitator and supplier")
    FACILITATOR_ONLY = "facilitator_only", _("Facilitator only")

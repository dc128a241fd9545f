from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditKind(models.TextChoices):
    INITIAL = "initial", _("Initial audit")
    FOLLOW_UP = "follow_up", _("Follow-up audit")
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment")
    NGO_ASSESSMENT = "ngo_assessment", _("NGO assessment")


class AuditStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    REPORTED = "reported", _("Reported")
    CLOSED = "closed", _("Closed")


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    MAJOR = "major", _("Major")
    MINOR = "minor", _("Minor")


SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.MAJOR: 1, Severity.MINOR: 2}


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted for verification")
    VERIFIED = "verified", _("Verified")


# Open → in progress → submitted → verified; a rejected submission goes back to in progress.
ACTION_TRANSITIONS = {
    ActionStatus.OPEN: {ActionStatus.IN_PROGRESS, ActionStatus.SUBMITTED},
    ActionStatus.IN_PROGRESS: {ActionStatus.SUBMITTED},
    ActionStatus.SUBMITTED: {ActionStatus.VERIFIED, ActionStatus.IN_PROGRESS},
    ActionStatus.VERIFIED: set(),
}

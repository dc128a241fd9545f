from django.db import models
from django.utils.translation import gettext_lazy as _


class CostNature(models.TextChoices):
    HARD = "hard", _("Hard cost")
    SOFT = "soft", _("Soft cost")


class CostCategory(models.TextChoices):
    CONSULTANTS = "consultants", _("Consultants")
    EXTERNAL_SERVICE = "external_service", _("External service")
    CAPITAL = "capital", _("Capital")
    TRAINING = "training", _("Training")
    MATERIALS = "materials", _("Materials")
    CERTIFICATION = "certification", _("Certification")
    LABOUR = "labour", _("Labour")
    MANAGEMENT_TIME = "management_time", _("Management time")
    MEETINGS = "meetings", _("Meetings")
    EMPLOYEE_TIME = "employee_time", _("Employee time")
    TRAVEL = "travel", _("Travel")
    OTHER = "other", _("Other")


class Certainty(models.TextChoices):
    ESTIMATED = "estimated", _("Estimated")
    ACTUAL = "actual", _("Actual")


class BenefitStatus(models.TextChoices):
    EXPECTED = "expected", _("Expected")
    RECEIVED = "received", _("Received")


class Incentive(models.TextChoices):
    """Seeds/000 §III.1: what moves a supplier."""

    INTERNAL_TANGIBLE = "internal_tangible", _("Internal tangible")
    EXTERNAL_TANGIBLE = "external_tangible", _("External tangible")
    EXTERNAL_INTANGIBLE = "external_intangible", _("External intangible")


class Better(models.TextChoices):
    LOWER = "lower", _("Lower is better")
    HIGHER = "higher", _("Higher is better")


class IndicatorKind(models.TextChoices):
    DIRECT = "direct", _("Measured directly")
    RATE = "rate", _("Rate from two counts")


class Rollup(models.TextChoices):
    SUM = "sum", _("Sum")
    MEAN = "mean", _("Mean")
    WEIGHTED = "weighted", _("Mean weighted by headcount")


class ObservationKind(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    TARGET = "target", _("Target")
    ACTUAL = "actual", _("Actual")


class ObservationSource(models.TextChoices):
    SELF_REPORTED = "self_reported", _("Self-reported")
    AUDIT = "audit", _("Audit")
    PARTNER_VERIFIED = "partner_verified", _("Partner-verified")


class ObservationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    RETURNED = "returned", _("Returned")


class Sex(models.TextChoices):
    FEMALE = "female", _("Women")
    MALE = "male", _("Men")
    OTHER = "other", _("Other")


class ContractType(models.TextChoices):
    PERMANENT = "permanent", _("Permanent")
    TEMPORARY = "temporary", _("Temporary")
    AGENCY = "agency", _("Agency")


class StatedFigureKind(models.TextChoices):
    """Figures a source states that the platform also computes."""

    PILOT_COST_USD = "pilot_cost_usd", _("Pilot cost (USD)")
    RESOURCE_ROW_USD = "resource_row_usd", _("Resource analysis row (USD)")
    OVERALL_MANAGEMENT_USD = "overall_management_usd", _("Overall project management (USD)")
    RESOURCE_TOTAL_USD = "resource_total_usd", _("Resource analysis total (USD)")
    PARTICIPATION_ACTUAL = "participation_actual", _("Stakeholders participating")
    SHARE_INDICATORS_MET = (
        "share_indicators_met",
        _("Share of results indicators met or mostly met (%)"),
    )


class ResultLevel(models.TextChoices):
    OUTCOME = "outcome", _("Outcome")
    OUTPUT = "output", _("Output")


class Rating(models.TextChoices):
    """How far a results indicator is met, as a progress report judges it."""

    MET = "met", _("Met")
    MOSTLY_MET = "mostly_met", _("Mostly met")
    PARTLY_MET = "partly_met", _("Partly met")
    NOT_MET = "not_met", _("Not met")


#: the ratings counted as met in the share of indicators met ("fully/mostly met")
RATINGS_COUNTED_MET = (Rating.MET, Rating.MOSTLY_MET)

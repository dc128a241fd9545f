from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    SUPPLIER = "supplier", _("Supplier")
    CUSTOMER = "customer", _("Customer")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    FACILITATOR = "facilitator", _("Facilitator")
    GOVERNMENT = "government", _("Government")
    INDUSTRY_ASSOCIATION = "industry_association", _("Industry association")
    MULTILATERAL = "multilateral", _("Multilateral")
    DONOR = "donor", _("Donor")
    TRADE_UNION = "trade_union", _("Trade union")
    EMPLOYERS_ORGANISATION = "employers_organisation", _("Employers' organisation")
    WORKERS_ORGANISATION = "workers_organisation", _("Workers' organisation")


class CivilSocietyType(models.TextChoices):
    NGO = "ngo", _("NGO")
    ACADEMIC = "academic", _("Academic")
    CONSULTANT = "consultant", _("Consultant")


class MaturityStage(models.TextChoices):
    """Seeds/000 §VI.2: the continuum of a supplier's capability to manage CSR."""

    BASIC_AWARENESS = "basic_awareness", _("Basic awareness")
    SENIOR_COMMITMENT = "senior_commitment", _("Senior management commitment")
    MANAGEMENT_SYSTEMS = "management_systems", _("Management systems")
    EMBEDDED_CULTURE = "embedded_culture", _("Embedded culture")


class CommitmentLevel(models.TextChoices):
    SUPPLIER_LED = "supplier_led", _("Supplier-led")
    COMMITTED = "committed", _("Committed")
    LACKING = "lacking", _("Lacking")

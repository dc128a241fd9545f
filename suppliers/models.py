"""The supply-chain directory: organisations, supplier profiles, facilities, relationships."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .choices import CivilSocietyType, CommitmentLevel, MaturityStage, OrganisationKind
from .querysets import (
    ClusterQuerySet,
    FacilityQuerySet,
    OrganisationQuerySet,
    SupplierQuerySet,
    SupplyRelationshipQuerySet,
)


class Organisation(models.Model):
    """Any party to a programme: supplier, customer, NGO, facilitator, sponsor..."""

    name = models.CharField(_("name"), max_length=200)
    local_name = models.CharField(
        _("local-language name"), max_length=200, blank=True, help_text=_("e.g. the Chinese name")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    civil_society_type = models.CharField(
        _("civil-society type"),
        max_length=20,
        choices=CivilSocietyType.choices,
        blank=True,
        help_text=_("Only for civil-society organisations."),
    )
    # Blank when a report keeps it anonymous (the seed programme's customers).
    country = CountryField(_("country"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "country",
                name="organisation_unique_name_country",
                violation_error_message=_(
                    "An organisation with this name already exists in this country."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("suppliers:organisation_detail", args=[self.pk])

    def clean(self):
        if self.kind == OrganisationKind.CIVIL_SOCIETY and not self.civil_society_type:
            raise ValidationError(
                {"civil_society_type": _("Say whether it is an NGO, academic or consultant.")}
            )
        if self.kind != OrganisationKind.CIVIL_SOCIETY and self.civil_society_type:
            raise ValidationError(
                {"civil_society_type": _("Only civil-society organisations have this type.")}
            )

    @property
    def is_supplier(self):
        return self.kind == OrganisationKind.SUPPLIER


class Certification(models.Model):
    """A management-system or social certification a supplier may hold (ISO 14001...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Supplier(models.Model):
    """The supplier profile of an organisation of kind supplier."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="supplier_profile",
        limit_choices_to={"kind": OrganisationKind.SUPPLIER},
    )
    sector = models.CharField(_("sector"), max_length=100, blank=True)
    workers_headcount = models.PositiveIntegerField(_("workers"), null=True, blank=True)
    headquarters_city = models.CharField(_("headquarters city"), max_length=100, blank=True)
    headquarters_country = CountryField(
        _("headquarters country"),
        blank=True,
        help_text=_("Where decisions are taken, if not at the factory."),
    )
    certifications = models.ManyToManyField(
        Certification, blank=True, related_name="suppliers", verbose_name=_("certifications")
    )
    maturity_stage = models.CharField(
        _("CSR maturity stage"), max_length=30, choices=MaturityStage.choices, blank=True
    )
    commitment_level = models.CharField(
        _("commitment level"), max_length=20, choices=CommitmentLevel.choices, blank=True
    )

    objects = SupplierQuerySet.as_manager()

    class Meta:
        verbose_name = _("supplier profile")
        verbose_name_plural = _("supplier profiles")
        ordering = ["organisation__name", "id"]

    def __str__(self):
        return self.organisation.name

    def get_absolute_url(self):
        return self.organisation.get_absolute_url()

    def clean(self):
        if self.organisation_id and self.organisation.kind != OrganisationKind.SUPPLIER:
            raise ValidationError(
                {"organisation": _("Only an organisation of kind supplier has a supplier profile.")}
            )


class Facility(models.Model):
    """A supplier's site; audits and KPIs attach to it when known."""

    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="facilities", verbose_name=_("supplier")
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"))
    workers = models.PositiveIntegerField(_("workers"), null=True, blank=True)
    products = models.TextField(_("products"), blank=True)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["supplier__organisation__name", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "name"],
                name="facility_unique_supplier_name",
                violation_error_message=_("This supplier already has a facility of this name."),
            )
        ]

    def __str__(self):
        return f"{self.supplier} · {self.name}"


class SupplyRelationship(models.Model):
    """A customer sources from a supplier; this is what lets the customer see it at all."""

    customer = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="supplier_relationships",
        limit_choices_to={"kind": OrganisationKind.CUSTOMER},
        verbose_name=_("customer"),
    )
    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.CASCADE,
        related_name="customer_relationships",
        verbose_name=_("supplier"),
    )
    tier = models.PositiveSmallIntegerField(
        _("tier"), default=1, help_text=_("1 supplies the customer directly, 2 supplies a tier 1.")
    )
    since = models.DateField(_("since"), null=True, blank=True)
    products = models.TextField(
        _("products"), blank=True, help_text=_("Product models or components supplied.")
    )

    objects = SupplyRelationshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("supply relationship")
        verbose_name_plural = _("supply relationships")
        ordering = ["customer__name", "tier", "supplier__organisation__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "supplier"],
                name="relationship_unique_customer_supplier",
                violation_error_message=_(
                    "This customer already has a relationship with this supplier."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(tier__gte=1), name="relationship_tier_positive"
            ),
        ]

    def __str__(self):
        return f"{self.customer} ← {self.supplier} (tier {self.tier})"

    def clean(self):
        if self.customer_id and self.customer.kind != OrganisationKind.CUSTOMER:
            raise ValidationError(
                {"customer": _("The customer must be an organisation of kind customer.")}
            )


class Cluster(models.Model):
    """Suppliers grouped by place and sector, for shared monitoring and benchmarks."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    sector = models.CharField(_("sector"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    country = CountryField(_("country"))
    description = models.TextField(_("description"), blank=True)
    suppliers = models.ManyToManyField(
        Supplier, blank=True, related_name="clusters", verbose_name=_("suppliers")
    )

    objects = ClusterQuerySet.as_manager()

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ["name"]

    def __str__(self):
        return self.name

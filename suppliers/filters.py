"""FilterSets of the directory, shared by the HTML lists and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from csrplatform import access
from csrplatform.filters import ScopedFilterSet

from .choices import CommitmentLevel, MaturityStage, OrganisationKind
from .models import Certification, Cluster, Facility, Organisation, Supplier, SupplyRelationship


def country_choices():
    return [(country.code, country.name) for country in countries]


class TierFilter(django_filters.NumberFilter):
    """Suppliers at this tier in a relationship the requesting user may see (so a customer
    filtering by tier learns nothing of other customers' supply chains)."""

    def __init__(self, *args, supplier_path="pk", **kwargs):
        self.supplier_path = supplier_path
        kwargs.setdefault("label", _("Tier"))
        kwargs.setdefault("min_value", 1)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        relationships = access.scope(
            self.parent.request.user if self.parent.request else None,
            SupplyRelationship.objects.filter(tier=value),
        )
        return qs.filter(**{f"{self.supplier_path}__in": relationships.values("supplier_id")})


class OrganisationFilterSet(ScopedFilterSet):
    search_fields = ("name", "local_name", "city", "notes")

    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices, label=_("Kind"))
    country = django_filters.ChoiceFilter(choices=country_choices, label=_("Country"))
    cluster = django_filters.ModelChoiceFilter(
        field_name="supplier_profile__clusters",
        queryset=Cluster.objects.all(),
        label=_("Cluster"),
    )
    tier = TierFilter(supplier_path="supplier_profile")
    maturity_stage = django_filters.ChoiceFilter(
        field_name="supplier_profile__maturity_stage",
        choices=MaturityStage.choices,
        label=_("Maturity stage"),
    )
    commitment_level = django_filters.ChoiceFilter(
        field_name="supplier_profile__commitment_level",
        choices=CommitmentLevel.choices,
        label=_("Commitment level"),
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind", "country", "cluster", "tier", "maturity_stage", "commitment_level"]


class SupplierFilterSet(ScopedFilterSet):
    search_fields = (
        "organisation__name",
        "organisation__local_name",
        "organisation__city",
        "sector",
    )

    country = django_filters.ChoiceFilter(
        field_name="organisation__country", choices=country_choices, label=_("Country")
    )
    cluster = django_filters.ModelChoiceFilter(
        field_name="clusters", queryset=Cluster.objects.all(), label=_("Cluster")
    )
    certification = django_filters.ModelChoiceFilter(
        field_name="certifications",
        queryset=Certification.objects.all(),
        to_field_name="code",
        label=_("Certification"),
    )
    customer = django_filters.ModelChoiceFilter(
        field_name="customer_relationships__customer",
        queryset=Organisation.objects.customers(),
        label=_("Customer"),
    )
    tier = TierFilter()
    maturity_stage = django_filters.ChoiceFilter(choices=MaturityStage.choices)
    commitment_level = django_filters.ChoiceFilter(choices=CommitmentLevel.choices)

    class Meta:
        model = Supplier
        fields = [
            "q",
            "country",
            "cluster",
            "certification",
            "customer",
            "tier",
            "maturity_stage",
            "commitment_level",
        ]


class FacilityFilterSet(ScopedFilterSet):
    search_fields = ("name", "city", "address", "products", "supplier__organisation__name")

    supplier = django_filters.ModelChoiceFilter(queryset=Supplier.objects.all())
    country = django_filters.ChoiceFilter(choices=country_choices)

    class Meta:
        model = Facility
        fields = ["q", "supplier", "country"]


class SupplyRelationshipFilterSet(ScopedFilterSet):
    search_fields = ("products", "customer__name", "supplier__organisation__name")

    customer = django_filters.ModelChoiceFilter(queryset=Organisation.objects.customers())
    supplier = django_filters.ModelChoiceFilter(queryset=Supplier.objects.all())
    tier = django_filters.NumberFilter(min_value=1)

    class Meta:
        model = SupplyRelationship
        fields = ["q", "customer", "supplier", "tier"]


class ClusterFilterSet(ScopedFilterSet):
    search_fields = ("name", "sector", "region", "description")

    country = django_filters.ChoiceFilter(choices=country_choices)

    class Meta:
        model = Cluster
        fields = ["q", "country", "sector"]

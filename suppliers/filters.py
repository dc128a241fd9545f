"""FilterSets of the directory, shared by the HTML lists and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from csrplatform import access
from csrplatform.filters import ScopedFilterSet
from csrplatform.widgets import Lookup, SearchSelect, register_lookup

from .choices import CommitmentLevel, MaturityStage, OrganisationKind
from .models import Certification, Cluster, Facility, Organisation, Supplier, SupplyRelationship
from .rules import readable_profiles

# Search-as-you-type choices: a network has thousands of suppliers and facilities.
register_lookup(
    "suppliers",
    Lookup(
        queryset=Supplier.objects.all,
        search_fields=("organisation__name", "organisation__local_name", "organisation__city"),
        label=lambda supplier: supplier.organisation.name,
        select_related=("organisation",),
        order_by=("organisation__name", "pk"),
    ),
)
register_lookup(
    "facilities",
    Lookup(
        queryset=Facility.objects.all,
        search_fields=("name", "city", "supplier__organisation__name"),
        label=lambda facility: f"{facility.supplier.organisation.name} · {facility.name}",
        select_related=("supplier__organisation",),
        order_by=("supplier__organisation__name", "name", "pk"),
    ),
)
register_lookup(
    "customers",
    Lookup(
        queryset=Organisation.objects.customers,
        search_fields=("name", "local_name", "city"),
        label=lambda organisation: organisation.name,
        order_by=("name", "pk"),
    ),
)


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


class ReadableProfileFilters(ScopedFilterSet):
    """Filters and search terms on a supplier profile's private data (maturity, commitment,
    certifications, clusters, customers, sector) match only the profiles the user may read
    (`rules.readable_profiles`): a supplier seen as a pilot's fellow participant is never found
    by them, so filtering does not tell what its profile hides."""

    #: where the Supplier is, from the filtered model
    profile_path = "pk"
    private_filters: tuple[str, ...] = ()
    private_search_fields: tuple[str, ...] = ()

    def _readable(self) -> Q:
        user = getattr(self.request, "user", None)
        return Q(**{f"{self.profile_path}__in": readable_profiles(user).values("pk")})

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if any(data.get(name) not in (None, "", []) for name in self.private_filters):
            queryset = queryset.filter(self._readable())
        return queryset

    #: fields searched only among the rows the user sees by their own rule (not by a grant)
    own_rule_search_fields: tuple[str, ...] = ()

    def _seen_by_own_rule(self) -> Q:
        actor = access.actor_for(getattr(self.request, "user", None))
        return Q(pk__in=access.visible_ids(actor, self.queryset.model, grants=False))

    def filter_search(self, queryset, name, value):
        readable = self._readable()
        own_rule = self._seen_by_own_rule() if self.own_rule_search_fields else Q()
        for term in value.split():
            condition = Q()
            for field_name in self.search_fields:
                match = Q(**{f"{field_name}__icontains": term})
                if field_name in self.private_search_fields:
                    match &= readable
                if field_name in self.own_rule_search_fields:
                    match &= own_rule
                condition |= match
            queryset = queryset.filter(condition)
        return queryset


class OrganisationFilterSet(ReadableProfileFilters):
    search_fields = ("name", "local_name", "city", "notes")
    own_rule_search_fields = ("notes",)
    profile_path = "supplier_profile"
    private_filters = ("cluster", "maturity_stage", "commitment_level")

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


class SupplierFilterSet(ReadableProfileFilters):
    search_fields = (
        "organisation__name",
        "organisation__local_name",
        "organisation__city",
        "sector",
    )
    private_filters = ("cluster", "certification", "customer", "maturity_stage", "commitment_level")
    private_search_fields = ("sector",)

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
        widget=SearchSelect("customers"),
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

    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.all(), widget=SearchSelect("suppliers")
    )
    country = django_filters.ChoiceFilter(choices=country_choices)

    class Meta:
        model = Facility
        fields = ["q", "supplier", "country"]


class SupplyRelationshipFilterSet(ScopedFilterSet):
    search_fields = ("products", "customer__name", "supplier__organisation__name")

    customer = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.customers(), widget=SearchSelect("customers")
    )
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.all(), widget=SearchSelect("suppliers")
    )
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

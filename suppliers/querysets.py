"""Querysets of the directory: `visible_to` goes through the one access policy, the
`with_*_related` methods load what a page or endpoint shows in a fixed number of queries."""

from csrplatform.access import ScopedQuerySet


class OrganisationQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("supplier_profile").prefetch_related(
            "supplier_profile__certifications", "supplier_profile__clusters"
        )

    def customers(self):
        return self.filter(kind="customer")

    def suppliers(self):
        return self.filter(kind="supplier")


class SupplierQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("organisation").prefetch_related("certifications", "clusters")


class FacilityQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("supplier__organisation")


class SupplyRelationshipQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("customer", "supplier__organisation")


class ClusterQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.prefetch_related("suppliers__organisation")

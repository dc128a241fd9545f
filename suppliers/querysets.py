"""Querysets of the directory: `visible_to` goes through the one access policy, the
`with_*_related` methods load what a page or endpoint shows in a fixed number of queries."""

from django.db.models import Exists, OuterRef

from csrplatform.access import ScopedQuerySet


def _readable_profiles(user):
    from .rules import readable_profiles

    return readable_profiles(user)


class OrganisationQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("supplier_profile").prefetch_related(
            "supplier_profile__certifications", "supplier_profile__clusters"
        )

    def with_profile_readable(self, user):
        """`profile_readable`: whether `user` may read the supplier profile's private data
        (`rules.readable_profiles`), in the same query as the rows."""
        readable = _readable_profiles(user).filter(organisation=OuterRef("pk"))
        return self.annotate(profile_readable=Exists(readable))

    def customers(self):
        return self.filter(kind="customer")

    def suppliers(self):
        return self.filter(kind="supplier")


class SupplierQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("organisation").prefetch_related("certifications", "clusters")

    def with_profile_readable(self, user):
        """`profile_readable`: whether `user` may read the profile's private data."""
        readable = _readable_profiles(user).filter(pk=OuterRef("pk"))
        return self.annotate(profile_readable=Exists(readable))


class FacilityQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("supplier__organisation")


class SupplyRelationshipQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("customer", "supplier__organisation")


class ClusterQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.prefetch_related("suppliers__organisation")

from django.db.models import Prefetch

from csrplatform.api import ScopedModelViewSet

from ..filters import (
    ClusterFilterSet,
    FacilityFilterSet,
    OrganisationFilterSet,
    SupplierFilterSet,
    SupplyRelationshipFilterSet,
)
from ..models import Cluster, Facility, Organisation, Supplier, SupplyRelationship
from . import serializers


class OrganisationViewSet(ScopedModelViewSet):
    """Organisations the caller may see; facilitators add and change them."""

    queryset = Organisation.objects.all()
    serializer_class = serializers.OrganisationSerializer
    filterset_class = OrganisationFilterSet

    def _listed_queryset(self):
        return super()._listed_queryset().with_profile_readable(self.request.user)


class SupplierViewSet(ScopedModelViewSet):
    """Supplier profiles (read-only here: change them through their organisation)."""

    queryset = Supplier.objects.all()
    serializer_class = serializers.SupplierSerializer
    filterset_class = SupplierFilterSet
    http_method_names = ["get", "head", "options"]

    def _listed_queryset(self):
        return super()._listed_queryset().with_profile_readable(self.request.user)


class FacilityViewSet(ScopedModelViewSet):
    queryset = Facility.objects.all()
    serializer_class = serializers.FacilitySerializer
    filterset_class = FacilityFilterSet


class SupplyRelationshipViewSet(ScopedModelViewSet):
    queryset = SupplyRelationship.objects.all()
    serializer_class = serializers.SupplyRelationshipSerializer
    filterset_class = SupplyRelationshipFilterSet


class ClusterViewSet(ScopedModelViewSet):
    queryset = Cluster.objects.all()
    serializer_class = serializers.ClusterSerializer
    filterset_class = ClusterFilterSet

    def _listed_queryset(self):
        # A cluster lists only the members the caller may see.
        members = Supplier.objects.visible_to(self.request.user).select_related("organisation")
        return Cluster.objects.prefetch_related(Prefetch("suppliers", queryset=members))

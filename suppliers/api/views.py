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


class SupplierViewSet(ScopedModelViewSet):
    """Supplier profiles (read-only here: change them through their organisation)."""

    queryset = Supplier.objects.all()
    serializer_class = serializers.SupplierSerializer
    filterset_class = SupplierFilterSet
    http_method_names = ["get", "head", "options"]


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

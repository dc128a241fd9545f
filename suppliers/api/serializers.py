from rest_framework import serializers

from csrplatform.api import ScopedModelSerializer, ServiceSerializerMixin

from .. import services
from ..models import Certification, Cluster, Facility, Organisation, Supplier, SupplyRelationship
from ..rules import notes_are_readable, profile_is_readable

# What a supplier profile shows only to those who may read it (`rules.readable_profile_ids`).
PRIVATE_PROFILE_FIELDS = (*services.SUPPLIER_FIELDS, "certifications", "clusters")


class SupplierProfileSerializer(serializers.ModelSerializer):
    certifications = serializers.SlugRelatedField(
        slug_field="code", many=True, required=False, queryset=Certification.objects.all()
    )
    headquarters_country = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        model = Supplier
        fields = (*services.SUPPLIER_FIELDS, "certifications")


class OrganisationSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:organisation-detail")
    country = serializers.CharField()
    supplier_profile = SupplierProfileSerializer(required=False, allow_null=True)

    class Meta:
        model = Organisation
        fields = (
            "id",
            "url",
            *services.ORGANISATION_FIELDS,
            "supplier_profile",
            "created_at",
            "updated_at",
        )
        # Uniqueness is checked by the model's constraint in the service's full_clean().
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        # Seen as a pilot's fellow participant, say: the record, not the private profile.
        if (
            data.get("supplier_profile") is not None
            and request is not None
            and not profile_is_readable(request.user, instance)
        ):
            data["supplier_profile"] = None
        if request is not None and not notes_are_readable(request.user, instance):
            data["notes"] = ""
        return data

    def _split(self, validated_data):
        profile = validated_data.pop("supplier_profile", None)
        certifications = profile.pop("certifications", None) if profile else None
        return validated_data, profile, certifications

    def create(self, validated_data):
        fields, profile, certifications = self._split(validated_data)
        return self.run_service(
            services.organisation_create,
            supplier_profile=profile,
            certifications=certifications,
            **fields,
        )

    def update(self, instance, validated_data):
        fields, profile, certifications = self._split(validated_data)
        return self.run_service(
            services.organisation_update,
            organisation=instance,
            supplier_profile=profile,
            certifications=certifications,
            **fields,
        )


class SupplierSerializer(ScopedModelSerializer):
    organisation = serializers.PrimaryKeyRelatedField(read_only=True)
    name = serializers.CharField(source="organisation.name", read_only=True)
    country = serializers.CharField(source="organisation.country.code", read_only=True)
    city = serializers.CharField(source="organisation.city", read_only=True)
    certifications = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    clusters = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    headquarters_country = serializers.CharField(read_only=True)

    class Meta:
        model = Supplier
        fields = (
            "id",
            "organisation",
            "name",
            "country",
            "city",
            *services.SUPPLIER_FIELDS,
            "certifications",
            "clusters",
        )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not profile_is_readable(request.user, instance):
            # Which supplier it is, not its private profile.
            for name in PRIVATE_PROFILE_FIELDS:
                value = data[name]
                data[name] = type(value)() if isinstance(value, (str, list)) else None
        return data


class FacilitySerializer(ServiceSerializerMixin, ScopedModelSerializer):
    country = serializers.CharField()

    class Meta:
        model = Facility
        fields = ("id", "supplier", "name", "address", "city", "country", "workers", "products")
        validators = []

    def create(self, validated_data):
        return self.run_service(services.facility_save, **validated_data)

    def update(self, instance, validated_data):
        return self.run_service(services.facility_save, facility=instance, **validated_data)


class SupplyRelationshipSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    class Meta:
        model = SupplyRelationship
        fields = ("id", "customer", "supplier", "tier", "since", "products")
        validators = []

    def create(self, validated_data):
        return self.run_service(services.relationship_save, **validated_data)

    def update(self, instance, validated_data):
        return self.run_service(services.relationship_save, relationship=instance, **validated_data)


class ClusterSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    country = serializers.CharField()

    class Meta:
        model = Cluster
        fields = ("id", "name", "sector", "region", "country", "description", "suppliers")
        validators = []

    def create(self, validated_data):
        return self.run_service(services.cluster_save, **validated_data)

    def update(self, instance, validated_data):
        return self.run_service(services.cluster_save, cluster=instance, **validated_data)

"""Writes to the directory. Views, forms and serializers validate input and call these."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from csrplatform import access
from csrplatform.services import apply_fields, require

from .choices import OrganisationKind
from .models import Cluster, Facility, Organisation, Supplier, SupplyRelationship

ORGANISATION_FIELDS = (
    "name",
    "local_name",
    "kind",
    "civil_society_type",
    "country",
    "city",
    "website",
    "notes",
)
SUPPLIER_FIELDS = (
    "sector",
    "workers_headcount",
    "headquarters_city",
    "headquarters_country",
    "maturity_stage",
    "commitment_level",
)


@transaction.atomic
def organisation_create(
    *, actor, supplier_profile: dict | None = None, certifications=None, **fields
) -> Organisation:
    """Add an organisation; a supplier gets its supplier profile in the same transaction."""
    require(access.can_create(actor, Organisation))
    organisation = Organisation()
    apply_fields(organisation, fields, ORGANISATION_FIELDS)
    organisation.full_clean()
    organisation.save()
    if organisation.kind == OrganisationKind.SUPPLIER:
        supplier_save(
            actor=actor,
            organisation=organisation,
            certifications=certifications,
            **(supplier_profile or {}),
        )
    return organisation


def _identity(name, country) -> tuple[str, str]:
    """What the uniqueness constraint compares: the name without case, and the country."""
    return (str(name or "").strip().lower(), str(getattr(country, "code", country) or ""))


def _refuse_identity_change(organisation: Organisation, fields: dict):
    before = _identity(organisation.name, organisation.country)
    after = _identity(
        fields.get("name", organisation.name), fields.get("country", organisation.country)
    )
    if after == before:
        return
    changed = "name" if after[0] != before[0] else "country"
    raise ValidationError(
        {
            changed: _(
                "Only a facilitator changes an organisation's name or country; ask the "
                "programme's facilitator."
            )
        }
    )


@transaction.atomic
def organisation_update(
    *,
    actor,
    organisation: Organisation,
    supplier_profile: dict | None = None,
    certifications=None,
    **fields,
) -> Organisation:
    """Change an organisation the actor may edit (and its supplier profile)."""
    require(access.can_edit(actor, organisation))
    changes_kind = "kind" in fields and fields["kind"] != organisation.kind
    facilitator = access.actor_for(actor).is_facilitator_editor
    if changes_kind and not facilitator:
        # The kind decides what its members may see: only facilitators change it.
        raise ValidationError({"kind": _("Only a facilitator changes an organisation's kind.")})
    if not facilitator:
        # Name and country make an organisation unique. Only those who see the whole directory
        # (facilitators, who alone also add organisations) change them, so "already exists"
        # is never said to someone who may not see the organisation that exists: the refusal
        # below reads the same whether or not a hidden one has that name.
        _refuse_identity_change(organisation, fields)
    if (
        changes_kind
        and organisation.is_supplier
        and SupplyRelationship.objects.filter(supplier__organisation=organisation).exists()
    ):
        raise ValidationError(
            {
                "kind": _(
                    "This supplier has customers; remove its relationships "
                    "before changing its kind."
                )
            }
        )
    apply_fields(organisation, fields, ORGANISATION_FIELDS)
    organisation.full_clean()
    organisation.save()
    if organisation.kind == OrganisationKind.SUPPLIER:
        supplier_save(
            actor=actor,
            organisation=organisation,
            certifications=certifications,
            **(supplier_profile or {}),
        )
    return organisation


def supplier_save(*, actor, organisation: Organisation, certifications=None, **fields) -> Supplier:
    """Create or change the supplier profile of `organisation`."""
    try:
        supplier = organisation.supplier_profile
    except Supplier.DoesNotExist:
        supplier = Supplier(organisation=organisation)
    apply_fields(supplier, fields, SUPPLIER_FIELDS)
    supplier.full_clean()
    supplier.save()
    if certifications is not None:
        supplier.certifications.set(certifications)
    return supplier


@transaction.atomic
def facility_save(*, actor, facility: Facility | None = None, **fields) -> Facility:
    """Create or change a facility of a supplier the actor may edit."""
    facility = facility or Facility()
    if facility.pk:
        require(access.can_edit(actor, facility))
    apply_fields(
        facility, fields, ("supplier", "name", "address", "city", "country", "workers", "products")
    )
    require(
        access.can_create(actor, Facility)
        and (
            access.actor_for(actor).is_facilitator_editor
            or access.can_edit(actor, facility.supplier.organisation)
        )
    )
    facility.full_clean()
    facility.save()
    return facility


@transaction.atomic
def relationship_save(
    *, actor, relationship: SupplyRelationship | None = None, **fields
) -> SupplyRelationship:
    """Record that a customer sources from a supplier (facilitators only)."""
    require(access.can_create(actor, SupplyRelationship))
    relationship = relationship or SupplyRelationship()
    apply_fields(relationship, fields, ("customer", "supplier", "tier", "since", "products"))
    relationship.full_clean()
    relationship.save()
    return relationship


@transaction.atomic
def cluster_save(*, actor, cluster: Cluster | None = None, suppliers=None, **fields) -> Cluster:
    """Create or change a cluster of suppliers (facilitators only)."""
    require(access.can_create(actor, Cluster))
    cluster = cluster or Cluster()
    apply_fields(cluster, fields, ("name", "sector", "region", "country", "description"))
    cluster.full_clean()
    cluster.save()
    if suppliers is not None:
        cluster.suppliers.set(suppliers)
    return cluster

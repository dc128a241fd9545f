"""Who sees and edits the directory: organisations, suppliers, facilities, relationships,
clusters and certifications.

Every facilitator sees the whole directory and its editors change it. A customer sees the
suppliers it has a supply relationship with; a supplier sees itself and its own customers.
Facilitators, NGOs, associations, multilaterals and governments are public to every signed-in
user. Suppliers keep their own records up to date; customers and partners only read.
"""

from functools import wraps

from django.db.models import Q, QuerySet

from csrplatform.access import EDIT, PUBLIC_KINDS, VIEW, Actor, rule

from .models import Certification, Cluster, Facility, Organisation, Supplier, SupplyRelationship


def _directory_rule(scope_rule):
    """The directory is shared by every facilitator: they see all of it, editors change it."""

    @wraps(scope_rule)
    def wrapped(actor, qs, action):
        if actor.is_facilitator:
            return qs if action == VIEW or actor.is_facilitator_editor else qs.none()
        return scope_rule(actor, qs, action)

    return wrapped


def visible_supplier_ids(actor: Actor) -> QuerySet:
    """Suppliers the actor is, or buys from."""
    return Supplier.objects.filter(
        Q(organisation_id__in=actor.supplier_org_ids)
        | Q(customer_relationships__customer_id__in=actor.customer_ids)
    ).values("pk")


def _writes_for_a_supplier(actor: Actor) -> bool:
    return bool(actor.orgs_of_kind("supplier", writable=True))


@rule(Organisation)
@_directory_rule
def organisation_rule(actor, qs, action):
    if action == EDIT:
        return qs.filter(pk__in=actor.orgs_of_kind("supplier", writable=True))
    own_customers = SupplyRelationship.objects.filter(
        supplier__organisation_id__in=actor.supplier_org_ids
    ).values("customer_id")
    return qs.filter(
        Q(pk__in=actor.org_ids)
        | Q(kind__in=PUBLIC_KINDS)
        | Q(supplier_profile__in=visible_supplier_ids(actor))
        | Q(pk__in=own_customers)
    )


@rule(Supplier)
@_directory_rule
def supplier_rule(actor, qs, action):
    if action == EDIT:
        return qs.filter(organisation_id__in=actor.orgs_of_kind("supplier", writable=True))
    return qs.filter(pk__in=visible_supplier_ids(actor))


@rule(Facility, create=_writes_for_a_supplier)
@_directory_rule
def facility_rule(actor, qs, action):
    if action == EDIT:
        return qs.filter(
            supplier__organisation_id__in=actor.orgs_of_kind("supplier", writable=True)
        )
    return qs.filter(supplier_id__in=visible_supplier_ids(actor))


@rule(SupplyRelationship)
@_directory_rule
def relationship_rule(actor, qs, action):
    if action == EDIT:
        return qs.none()
    return qs.filter(
        Q(customer_id__in=actor.customer_ids)
        | Q(supplier__organisation_id__in=actor.supplier_org_ids)
    )


@rule(Cluster)
@_directory_rule
def cluster_rule(actor, qs, action):
    if action == EDIT:
        return qs.none()
    return qs.filter(suppliers__in=visible_supplier_ids(actor)).distinct()


@rule(Certification)
def certification_rule(actor, qs, action):
    """Everyone reads the certification list; facilitator editors maintain it."""
    if action == VIEW:
        return qs
    return qs if actor.is_facilitator_editor else qs.none()

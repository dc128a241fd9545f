"""Who sees and edits the directory: organisations, suppliers, facilities, relationships,
clusters and certifications.

Every facilitator sees the whole directory and its editors change it. A customer sees the
suppliers it has a supply relationship with; a supplier sees itself and its own customers.
Facilitators, NGOs, associations, multilaterals and governments are public to every signed-in
user. Suppliers keep their own records up to date; customers and partners only read.

Other apps widen who sees an organisation or which supplier profile it is (`access.grant`: a
pilot's fellow participants, an audit's readers). A supplier profile's private data (sector,
headcount, headquarters, certifications, CSR maturity, commitment, clusters), its facilities and
customers stay with the rules below: `readable_profile_ids`.
"""

from functools import wraps

from django.db.models import Q, QuerySet

from csrplatform import access
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


def readable_profiles(user) -> QuerySet:
    """The supplier profiles whose private data `user` may read: those the directory's own rule
    shows (the supplier itself, its customers, facilitators). A supplier seen only through
    another app's grant shows its organisation record and name, nothing of its profile."""
    return access.scope(user, Supplier.objects.all(), grants=False)


def readable_profile_ids(user) -> frozenset:
    """`readable_profiles` as ids, read once per request."""
    return access.visible_pks(user, Supplier, grants=False)


def profile_is_readable(user, row) -> bool:
    """Whether `user` may read the private profile of `row` (a Supplier, or the Organisation
    of one): from its `profile_readable` annotation (`with_profile_readable`) if it has one."""
    if hasattr(row, "profile_readable"):
        return row.profile_readable
    profile = row if isinstance(row, Supplier) else getattr(row, "supplier_profile", None)
    return profile is not None and profile.pk in readable_profile_ids(user)


def readable_profile(user, organisation):
    """The organisation's supplier profile if `user` may read it, else None."""
    profile = getattr(organisation, "supplier_profile", None)
    if profile is None or not profile_is_readable(user, organisation):
        return None
    return profile


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


def notes_are_readable(user, organisation) -> bool:
    """An organisation's notes are for those who see it by its own rule, not for those who see
    it only as a name on a pilot they share."""
    return organisation.pk in access.visible_pks(user, Organisation, grants=False)

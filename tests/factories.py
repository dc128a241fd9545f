"""Factories shared by the tests of every app."""

import factory

from csrplatform.accounts.models import Membership, Role, User
from suppliers.models import Cluster, Facility, Organisation, Supplier, SupplyRelationship

PASSWORD = "test-pass-123"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = "customer"
    country = "CN"
    city = "Shenzhen"


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    organisation = factory.SubFactory(
        OrganisationFactory, kind="supplier", name=factory.Sequence(lambda n: f"Supplier {n}")
    )
    sector = "ICT manufacturing"
    workers_headcount = 1000
    maturity_stage = "management_systems"
    commitment_level = "committed"


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    supplier = factory.SubFactory(SupplierFactory)
    name = factory.Sequence(lambda n: f"Factory {n}")
    country = "CN"
    city = "Shenzhen"


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplyRelationship

    customer = factory.SubFactory(OrganisationFactory, kind="customer")
    supplier = factory.SubFactory(SupplierFactory)
    tier = 1


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    name = factory.Sequence(lambda n: f"Cluster {n}")
    country = "CN"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        # factory_boy passes the built user as the first argument.
        if create:
            self.save()


def member(organisation, role=Role.EDITOR, **user_fields) -> User:
    user = UserFactory(**user_fields)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user

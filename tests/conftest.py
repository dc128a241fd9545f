"""Shared fixtures: a small world of organisations and one signed-in client per role."""

import os
import shutil
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from csrplatform.accounts.models import Role
from tests.factories import (
    ClusterFactory,
    FacilityFactory,
    OrganisationFactory,
    RelationshipFactory,
    SupplierFactory,
    member,
)

ROLES = ("facilitator", "customer_a", "customer_b", "supplier", "ngo", "anonymous")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail(reason: str):
    """Skip where a service or program is missing; in CI a missing one is a failure."""
    if IN_CI:
        pytest.fail(f"CI must run this test, but: {reason}")
    pytest.skip(reason)


@dataclass
class World:
    facilitator_org: object
    customer_a: object
    customer_b: object
    ngo_org: object
    supplier_x: object  # supplies customer A only
    supplier_y: object  # supplies customer B only
    facility_x: object
    facility_y: object
    cluster_x: object
    cluster_y: object
    users: dict


@pytest.fixture(autouse=True)
def _celery_forgets_broker_connections():
    """A test that points Celery at another broker (one that is down) leaves no pooled
    connection or result backend on it behind for the next test in the same process."""
    yield
    from kombu import pools

    from csrplatform import celery_app

    if celery_app._pool is not None:
        pools.reset()  # closes the pooled connections and forgets the pools
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
    # The result backend is made once, on the URL of the moment: a test on a private Redis
    # that is gone would leave the next test's results going there.
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)


@pytest.fixture
def world(db):
    facilitator_org = OrganisationFactory(name="Facilitator Org", kind="facilitator", country="US")
    customer_a = OrganisationFactory(name="Customer A", kind="customer", country="US")
    customer_b = OrganisationFactory(name="Customer B", kind="customer", country="JP")
    ngo_org = OrganisationFactory(
        name="Training NGO", kind="civil_society", civil_society_type="ngo"
    )
    supplier_x = SupplierFactory(organisation__name="Supplier X", maturity_stage="basic_awareness")
    supplier_y = SupplierFactory(
        organisation__name="Supplier Y", organisation__country="VN", commitment_level="lacking"
    )
    RelationshipFactory(customer=customer_a, supplier=supplier_x, tier=1)
    RelationshipFactory(customer=customer_b, supplier=supplier_y, tier=2)
    cluster_x = ClusterFactory(name="Shenzhen cluster")
    cluster_x.suppliers.add(supplier_x)
    cluster_y = ClusterFactory(name="Hanoi cluster", country="VN")
    cluster_y.suppliers.add(supplier_y)
    users = {
        "facilitator": member(facilitator_org, Role.ADMIN, email="facilitator@example.org"),
        "customer_a": member(customer_a, Role.EDITOR, email="customer-a@example.org"),
        "customer_b": member(customer_b, Role.EDITOR, email="customer-b@example.org"),
        "supplier": member(supplier_x.organisation, Role.EDITOR, email="supplier@example.org"),
        "ngo": member(ngo_org, Role.EDITOR, email="ngo@example.org"),
        "anonymous": None,
    }
    return World(
        facilitator_org=facilitator_org,
        customer_a=customer_a,
        customer_b=customer_b,
        ngo_org=ngo_org,
        supplier_x=supplier_x,
        supplier_y=supplier_y,
        facility_x=FacilityFactory(supplier=supplier_x, name="X plant"),
        facility_y=FacilityFactory(supplier=supplier_y, name="Y plant", country="VN"),
        cluster_x=cluster_x,
        cluster_y=cluster_y,
        users=users,
    )


@pytest.fixture
def page_client(client, world):
    """`page_client(role)`: Django's test client signed in as that role's user."""

    def make(role):
        user = world.users[role]
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def api_client(world):
    """`api_client(role)`: DRF's client authenticated as that role's user."""

    def make(role):
        api = APIClient()
        user = world.users[role]
        if user is not None:
            api.force_authenticate(user)
        return api

    return make


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        skip_or_fail("Chromium is not installed: sudo apt-get install -y chromium")
    return path


@dataclass
class PilotWorld:
    programme: object
    pilot_x: object  # supplier X, customer A inviting, the NGO as partner
    pilot_y: object  # supplier Y, customer B inviting, no NGO
    phase_x1: object
    phase_y1: object


@pytest.fixture
def pilots(world):
    """Two pilots in one programme facilitated by the world's facilitator."""
    from pilots import services
    from pilots.models import Programme

    facilitator = world.users["facilitator"]
    programme = services.programme_save(
        actor=facilitator,
        title="Shenzhen ICT programme",
        facilitator=world.facilitator_org,
        sector="ICT",
        region="Shenzhen",
    )
    pilot_x = services.pilot_create(
        actor=facilitator,
        programme=programme,
        supplier=world.supplier_x,
        title="Pilot X",
        pilot_type="worker_training",
        approach="customised_project",
        participants=[
            (world.customer_a, "inviting_customer"),
            (world.ngo_org, "civil_society_partner"),
        ],
    )
    pilot_y = services.pilot_create(
        actor=facilitator,
        programme=programme,
        supplier=world.supplier_y,
        title="Pilot Y",
        pilot_type="worker_hotline",
        approach="customised_project",
        participants=[(world.customer_b, "inviting_customer")],
    )
    for pilot in (pilot_x, pilot_y):
        for participant in pilot.participants.filter(invitation_status="invited"):
            services.participant_respond(actor=facilitator, participant=participant, accept=True)
    phase_x1 = services.phase_save(actor=facilitator, pilot=pilot_x, title="Benchmarking")
    phase_y1 = services.phase_save(actor=facilitator, pilot=pilot_y, title="Scoping")
    assert Programme.objects.count() == 1
    return PilotWorld(
        programme=programme, pilot_x=pilot_x, pilot_y=pilot_y, phase_x1=phase_x1, phase_y1=phase_y1
    )


@dataclass
class AuditWorld:
    standard: object
    clause_hours: object
    clause_ehs: object
    other_clause: object  # of a second standard
    audit_x: object  # at supplier X, commissioned by customer A
    audit_y: object  # at supplier Y, commissioned by customer B
    finding_x: object
    finding_y: object
    action_x: object  # owned by the supplier user, due 30 days ahead
    action_y: object


@pytest.fixture
def audits(world):
    """One audit per supplier, each with a finding and a corrective action."""
    import datetime

    from django.utils import timezone

    from audits import services

    facilitator = world.users["facilitator"]
    standard = services.standard_save(actor=facilitator, code="eicc", name="EICC Code")
    other = services.standard_save(actor=facilitator, code="sa8000", name="SA8000")
    clause_hours = services.clause_save(
        actor=facilitator, standard=standard, reference="A.3", title="Working hours", topic="labour"
    )
    clause_ehs = services.clause_save(
        actor=facilitator,
        standard=standard,
        reference="C.1",
        title="EHS management system",
        topic="management",
    )
    other_clause = services.clause_save(
        actor=facilitator, standard=other, reference="7", title="Working hours", topic="labour"
    )
    start = datetime.date(2007, 11, 26)
    audit_x = services.audit_save(
        actor=facilitator,
        facility=world.facility_x,
        commissioned_by=world.customer_a,
        audit_firm="Third party",
        kind="initial",
        standard=standard,
        start_date=start,
    )
    audit_y = services.audit_save(
        actor=facilitator,
        facility=world.facility_y,
        commissioned_by=world.customer_b,
        audit_firm="Third party",
        kind="initial",
        standard=standard,
        start_date=start,
    )
    finding_x = services.finding_save(
        actor=facilitator,
        audit=audit_x,
        severity="major",
        description="Overtime pay delayed",
        clauses=[clause_hours, other_clause],
    )
    finding_y = services.finding_save(
        actor=facilitator,
        audit=audit_y,
        severity="minor",
        description="No EHS committee",
        clauses=[clause_ehs],
    )
    due = timezone.localdate() + datetime.timedelta(days=30)
    action_x = services.action_create(
        actor=facilitator,
        finding=finding_x,
        action="Delegate overtime approval to the factory",
        owner=world.users["supplier"],
        due_date=due,
    )
    action_y = services.action_create(
        actor=facilitator, finding=finding_y, action="Set up an EHS committee", due_date=due
    )
    return AuditWorld(
        standard=standard,
        clause_hours=clause_hours,
        clause_ehs=clause_ehs,
        other_clause=other_clause,
        audit_x=audit_x,
        audit_y=audit_y,
        finding_x=finding_x,
        finding_y=finding_y,
        action_x=action_x,
        action_y=action_y,
    )

"""N+1 is a failing test: the list page and the API list cost the same for 5 and 50 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suppliers.models import Certification
from tests.factories import ClusterFactory, RelationshipFactory, SupplierFactory


def build(world, count):
    certification = Certification.objects.create(code=f"cert-{count}", name=f"Cert {count}")
    cluster = ClusterFactory()
    for _ in range(count):
        relationship = RelationshipFactory(customer=world.customer_a)
        relationship.supplier.certifications.add(certification)
        cluster.suppliers.add(relationship.supplier)


def count_queries(client, url, params):
    client.get(url, params)  # warm-up: per-process caches (content types, the user's actor)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [reverse("suppliers:organisation_list"), "/api/v1/organisations/"])
@pytest.mark.parametrize("role", ["facilitator", "customer_a"])
def test_organisation_list_queries_do_not_grow_with_rows(world, page_client, api_client, url, role):
    client = page_client(role) if url.startswith("/directory") else api_client(role)
    params = {"kind": "supplier", "page_size": 100}
    build(world, 5)
    few = count_queries(client, url, params)
    build(world, 45)
    many = count_queries(client, url, params)
    # Count, rows, the certifications and clusters prefetches, (page) the filter form's
    # cluster choices, session/user and the menu's inbox count (one query): a fixed number
    # whatever the number of rows.
    assert few == many
    assert few <= 9


def test_supplier_api_list_queries_do_not_grow_with_rows(world, api_client):
    client = api_client("customer_a")
    build(world, 5)
    few = count_queries(client, "/api/v1/suppliers/", {"page_size": 100})
    build(world, 45)
    assert count_queries(client, "/api/v1/suppliers/", {"page_size": 100}) == few


def test_export_queries_do_not_grow_with_rows(world, page_client):
    client = page_client("facilitator")
    url = reverse("suppliers:organisation_export")

    def export_queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"kind": "supplier"})
            b"".join(response.streaming_content)
        return len(captured)

    for _ in range(5):
        SupplierFactory()
    few = export_queries()
    for _ in range(45):
        SupplierFactory()
    assert export_queries() == few
